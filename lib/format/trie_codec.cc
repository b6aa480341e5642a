#include "format/trie_codec.h"

#include "util/coding.h"

namespace grams {

void EncodeVarints(const uint64_t* values, size_t n, std::string* out) {
  out->resize(n * 10);
  char* p = out->data();
  for (size_t i = 0; i < n; ++i) p = EncodeVarint64(p, values[i]);
  out->resize(p - out->data());
}

bool DecodeVarints(const std::string& in, size_t n, std::vector<uint64_t>* out) {
  out->resize(n);
  const char* p = in.data();
  const char* end = p + in.size();
  for (size_t i = 0; i < n; ++i) {
    // Fast path for one-byte values.
    if (p < end && static_cast<unsigned char>(*p) < 0x80) {
      (*out)[i] = static_cast<unsigned char>(*p++);
      continue;
    }
    if (!GetVarint64(&p, end, &(*out)[i])) return false;
  }
  return p == end;
}

void EncodeFloatPlanes(const std::vector<float>& values, std::string* out) {
  const size_t n = values.size();
  out->resize(n * 4);
  char* base = out->data();
  for (size_t i = 0; i < n; ++i) {
    uint32_t u = FloatBits(values[i]);
    base[i] = static_cast<char>(u & 0xff);
    base[n + i] = static_cast<char>((u >> 8) & 0xff);
    base[2 * n + i] = static_cast<char>((u >> 16) & 0xff);
    base[3 * n + i] = static_cast<char>(u >> 24);
  }
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

void EncodeVocabAndTrie(const Vocabulary& vocab, const NgramTrie& trie,
                        std::vector<Section>* sections) {
  Section v;
  v.id = SectionId(SectionType::kVocab, 0);
  v.data.reserve(vocab.arena_bytes() + vocab.size() * 2);
  for (WordId id = 0; id < vocab.size(); ++id) PutLengthPrefixed(&v.data, vocab.Word(id));
  sections->push_back(std::move(v));

  std::vector<uint64_t> values;
  for (int n = 2; n <= trie.order(); ++n) {
    const TrieLevel& level = trie.levels[n - 1];
    const size_t parents = trie.levels[n - 2].size();
    values.assign(parents, 0);
    for (EntryIndex p : level.parents) ++values[p];
    Section cc;
    cc.id = SectionId(SectionType::kChildCounts, n);
    EncodeVarints(values.data(), values.size(), &cc.data);
    sections->push_back(std::move(cc));

    values.resize(level.size());
    for (size_t i = 0; i < level.size(); ++i) {
      bool first = i == 0 || level.parents[i] != level.parents[i - 1];
      values[i] = first ? level.words[i] : level.words[i] - level.words[i - 1] - 1;
    }
    Section w;
    w.id = SectionId(SectionType::kWords, n);
    EncodeVarints(values.data(), values.size(), &w.data);
    sections->push_back(std::move(w));
  }
}

const Section* FindSection(const std::vector<Section>& sections, uint32_t id) {
  for (const auto& s : sections)
    if (s.id == id) return &s;
  return nullptr;
}

Status DecodeVocabAndTrie(const std::string& name, const FileHeader& header,
                          const std::vector<Section>& sections, Vocabulary* vocab,
                          NgramTrie* trie) {
  auto corrupt = [&](const std::string& what) {
    return CorruptionError(name + ": " + what + " (file is corrupted)");
  };
  const Section* vs = FindSection(sections, SectionId(SectionType::kVocab, 0));
  if (!vs) return corrupt("missing vocabulary section");
  if (header.vocab_size > (1ull << 32) - 2 || header.ngram_counts.empty() ||
      header.ngram_counts[0] != header.vocab_size) {
    return corrupt("inconsistent vocabulary size");
  }
  std::vector<std::string_view> words;
  words.reserve(header.vocab_size);
  const char* p = vs->data.data();
  const char* end = p + vs->data.size();
  for (uint64_t i = 0; i < header.vocab_size; ++i) {
    std::string_view w;
    if (!GetLengthPrefixed(&p, end, &w)) return corrupt("malformed vocabulary");
    words.push_back(w);
  }
  if (p != end) return corrupt("malformed vocabulary");
  if (!Vocabulary::FromWords(words, vocab)) return corrupt("invalid vocabulary (duplicate or missing reserved words)");

  const size_t V = vocab->size();
  trie->levels.assign(header.order, TrieLevel());
  trie->levels[0].words.resize(V);
  for (WordId i = 0; i < V; ++i) trie->levels[0].words[i] = i;
  std::vector<uint64_t> cc, deltas;
  for (uint32_t n = 2; n <= header.order; ++n) {
    const std::string order_name = "order " + std::to_string(n);
    const Section* cs = FindSection(sections, SectionId(SectionType::kChildCounts, n));
    const Section* ws = FindSection(sections, SectionId(SectionType::kWords, n));
    if (!cs || !ws) return corrupt("missing " + order_name + " sections");
    const size_t parents = trie->levels[n - 2].size();
    const uint64_t m = header.ngram_counts[n - 1];
    if (m > UINT32_MAX) return corrupt(order_name + " is too large");
    if (!DecodeVarints(cs->data, parents, &cc)) return corrupt("malformed " + order_name + " structure");
    if (!DecodeVarints(ws->data, m, &deltas)) return corrupt("malformed " + order_name + " words");
    TrieLevel& level = trie->levels[n - 1];
    level.words.resize(m);
    level.parents.resize(m);
    uint64_t k = 0;
    for (size_t par = 0; par < parents; ++par) {
      uint64_t c = cc[par];
      if (c > m - k) return corrupt(order_name + " child counts exceed its n-gram count");
      uint64_t w = 0;
      for (uint64_t j = 0; j < c; ++j, ++k) {
        w = j == 0 ? deltas[k] : w + deltas[k] + 1;
        if (w >= V) return corrupt(order_name + " has a word id outside the vocabulary");
        level.words[k] = static_cast<WordId>(w);
        level.parents[k] = static_cast<EntryIndex>(par);
      }
    }
    if (k != m) return corrupt(order_name + " child counts do not add up to its n-gram count");
  }
  return Status::OK();
}

}  // namespace grams
