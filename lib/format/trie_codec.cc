#include "format/trie_codec.h"

#include <algorithm>

#include "util/coding.h"
#include "util/threads.h"

namespace grams {

bool DecodeVarints(const std::string& in, size_t n, std::vector<uint64_t>* out) {
  out->resize(n);
  const char* p = in.data();
  const char* end = p + in.size();
  uint64_t* dst = out->data();
  for (size_t i = 0; i < n; ++i) {
    if (p < end && static_cast<unsigned char>(*p) < 0x80) {  // one-byte fast path
      dst[i] = static_cast<unsigned char>(*p++);
      continue;
    }
    if (!GetVarint64(&p, end, &dst[i])) return false;
  }
  return p == end;
}

std::string EncodeFloatPlanes(const std::vector<float>& values) {
  FloatPlanes planes(values.size());
  for (size_t i = 0; i < values.size(); ++i) planes.Set(i, values[i]);
  return planes.Release();
}

bool DecodeFloatPlanes(const std::string& in, size_t n, std::vector<float>* out) {
  if (in.size() != n * 4) return false;
  out->resize(n);
  const unsigned char* b = reinterpret_cast<const unsigned char*>(in.data());
  for (size_t i = 0; i < n; ++i) {
    uint32_t u = static_cast<uint32_t>(b[i]) | (static_cast<uint32_t>(b[n + i]) << 8) |
                 (static_cast<uint32_t>(b[2 * n + i]) << 16) |
                 (static_cast<uint32_t>(b[3 * n + i]) << 24);
    (*out)[i] = BitsFloat(u);
  }
  return true;
}

std::string EncodeVocab(const Vocabulary& vocab) {
  std::vector<std::string_view> words(vocab.size());
  for (WordId id = 0; id < vocab.size(); ++id) words[id] = vocab.Word(id);
  return EncodeVocab(words);
}

std::string EncodeVocab(const std::vector<std::string_view>& words) {
  size_t bytes = 0;
  for (std::string_view w : words) bytes += w.size() + 2;
  std::string out;
  out.reserve(bytes);
  for (std::string_view w : words) PutLengthPrefixed(&out, w);
  return out;
}

Status DecodeVocab(const std::string& name, const FileHeader& header, const std::string& raw,
                   Vocabulary* vocab) {
  auto corrupt = [&](const std::string& what) {
    return CorruptionError(name + ": " + what + " (the file is corrupted)");
  };
  if (header.vocab_size > (1ull << 32) - 2 || header.ngram_counts.empty() ||
      header.ngram_counts[0] != header.vocab_size) {
    return corrupt("inconsistent vocabulary size");
  }
  std::vector<std::string_view> words;
  words.reserve(header.vocab_size);
  const char* p = raw.data();
  const char* end = p + raw.size();
  for (uint64_t i = 0; i < header.vocab_size; ++i) {
    std::string_view w;
    if (!GetLengthPrefixed(&p, end, &w)) return corrupt("malformed vocabulary");
    words.push_back(w);
  }
  if (p != end) return corrupt("malformed vocabulary");
  if (!Vocabulary::FromWords(words, vocab)) {
    return corrupt("invalid vocabulary (duplicate or missing reserved words)");
  }
  return Status::OK();
}

void EncodeTrieLevel(const NgramTrie& trie, int n, std::string* child_counts, std::string* words) {
  EncodeTrieLevel(trie.levels[n - 2].size(), trie.levels[n - 1], child_counts, words);
}

void EncodeTrieLevel(size_t lower_size, const TrieLevel& level, std::string* child_counts,
                     std::string* words, int threads) {
  const size_t m = level.size();
  const EntryIndex* parents = level.parents.data();
  const size_t T = m < (size_t{1} << 16) ? 1 : static_cast<size_t>(std::max(1, threads));
  // Slice t: parents [p0, p1) and so their children [k0, k1), parents being
  // sorted; a word is a delta unless it is its parent's first.
  std::vector<std::string> cc(T), ww(T);
  auto encode = [&](size_t t) {
    const size_t p0 = lower_size * t / T, p1 = lower_size * (t + 1) / T;
    const size_t k0 = std::lower_bound(parents, parents + m, p0) - parents;
    const size_t k1 = std::lower_bound(parents + k0, parents + m, p1) - parents;
    // Child counts: parents with children are runs in `parents`; the others
    // have none. Sized exactly first (two passes, as EncodeVarintsOf).
    auto each_child_count = [&](auto&& put) {
      for (size_t p = p0, k = k0; p < p1; ++p) {
        const size_t first = k;
        while (k < k1 && parents[k] == p) ++k;
        put(k - first);
      }
    };
    auto each_word = [&](auto&& put) {
      for (size_t k = k0; k < k1; ++k) {
        const bool first = k == k0 || parents[k] != parents[k - 1];
        put(first ? level.words[k] : level.words[k] - level.words[k - 1] - 1);
      }
    };
    auto encode_into = [](std::string* out, auto&& each) {
      size_t bytes = 0;
      each([&bytes](uint64_t v) { bytes += VarintLength(v); });
      out->resize(bytes);
      char* q = out->data();
      each([&q](uint64_t v) { q = EncodeVarint64(q, v); });
    };
    encode_into(&cc[t], each_child_count);
    encode_into(&ww[t], each_word);
  };
  RunOnThreads(static_cast<int>(T), [&encode](int t) { encode(static_cast<size_t>(t)); });
  auto join = [](std::vector<std::string>& parts, std::string* out) {
    if (parts.size() == 1) {
      out->swap(parts[0]);
      return;
    }
    size_t bytes = 0;
    for (const auto& s : parts) bytes += s.size();
    out->clear();
    out->reserve(bytes);
    for (auto& s : parts) {
      out->append(s);
      std::string().swap(s);
    }
  };
  join(cc, child_counts);
  join(ww, words);
}

Status DecodeTrieLevel(const std::string& name, const FileHeader& header, int n,
                       const std::string& child_counts, const std::string& words,
                       NgramTrie* trie) {
  TrieLevel& level = trie->levels[n - 1];
  const uint64_t m = std::min<uint64_t>(header.ngram_counts[n - 1], UINT32_MAX);
  level.words.resize(m);
  level.parents.resize(m);
  WordId* out_words = level.words.data();
  EntryIndex* out_parents = level.parents.data();
  return VisitTrieLevel(name, header, n, child_counts, words,
                        [&](EntryIndex k, EntryIndex parent, WordId word) {
                          out_words[k] = word;
                          out_parents[k] = parent;
                        });
}

Status ReadVocabAndTrie(BinaryFileReader* reader, Vocabulary* vocab, NgramTrie* trie,
                        const std::function<Status(int n)>& per_order) {
  const FileHeader& h = reader->header();
  std::string raw, raw2;
  GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kVocab, 0), &raw));
  GRAMS_RETURN_IF_ERROR(DecodeVocab(reader->name(), h, raw, vocab));
  trie->levels.assign(h.order, TrieLevel());
  trie->levels[0].words.resize(vocab->size());
  for (WordId i = 0; i < vocab->size(); ++i) trie->levels[0].words[i] = i;
  GRAMS_RETURN_IF_ERROR(per_order(1));
  for (int n = 2; n <= static_cast<int>(h.order); ++n) {
    GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kChildCounts, n), &raw));
    GRAMS_RETURN_IF_ERROR(reader->Next(SectionId(SectionType::kWords, n), &raw2));
    GRAMS_RETURN_IF_ERROR(DecodeTrieLevel(reader->name(), h, n, raw, raw2, trie));
    GRAMS_RETURN_IF_ERROR(per_order(n));
  }
  return reader->Finish();
}

}  // namespace grams
