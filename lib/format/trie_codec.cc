#include "format/trie_codec.h"

#include <algorithm>
#include <cstring>

#include "util/coding.h"

namespace grams {

std::string EncodeFloatPlanes(const std::vector<float>& values) {
  FloatPlanes planes(values.size());
  for (size_t i = 0; i < values.size(); ++i) planes.Set(i, values[i]);
  return planes.Release();
}

bool DecodeFloatPlanes(std::string_view in, size_t n, std::vector<float>* out) {
  if (in.size() != n * 4) return false;
  out->resize(n);
  const unsigned char* b = reinterpret_cast<const unsigned char*>(in.data());
  for (size_t i = 0; i < n; ++i) (*out)[i] = PlaneFloat(b, n, i);
  return true;
}

std::string EncodeVocab(const Vocabulary& vocab) {
  std::vector<std::string_view> words(vocab.size());
  for (WordId id = 0; id < vocab.size(); ++id) words[id] = vocab.Word(id);
  return EncodeVocab(words);
}

std::string EncodeVocab(const std::vector<std::string_view>& words) {
  // Sized exactly, then written in place (not appended word by word).
  size_t bytes = 0;
  for (std::string_view w : words) bytes += VarintLength(w.size()) + w.size();
  std::string out(bytes, '\0');
  char* p = out.data();
  for (std::string_view w : words) {
    p = EncodeVarint64(p, w.size());
    std::memcpy(p, w.data(), w.size());
    p += w.size();
  }
  return out;
}

Status DecodeVocabWords(const std::string& name, const FileHeader& header, std::string_view raw,
                        std::vector<std::string_view>* out) {
  auto corrupt = [&](const std::string& what) {
    return CorruptionError(name + ": " + what + " (the file is corrupted)");
  };
  if (header.vocab_size > (1ull << 32) - 2 || header.ngram_counts.empty() ||
      header.ngram_counts[0] != header.vocab_size) {
    return corrupt("inconsistent vocabulary size");
  }
  static_assert(Vocabulary::kMaxWords == (1ull << 32) - 2);
  if (header.vocab_size > Vocabulary::max_words()) {  // only below kMaxWords, in tests
    return ResourceExhausted(name + ": " + Vocabulary::TooManyWords());
  }
  if (header.vocab_size > raw.size()) {  // a length prefix of one byte at least per word
    return corrupt("the vocabulary claims " + std::to_string(header.vocab_size) +
                   " words, but takes only " + std::to_string(raw.size()) + " bytes");
  }
  std::vector<std::string_view>& words = *out;
  words.clear();
  words.reserve(header.vocab_size);
  const char* p = raw.data();
  const char* end = p + raw.size();
  for (uint64_t i = 0; i < header.vocab_size; ++i) {
    std::string_view w;
    if (!GetLengthPrefixed(&p, end, &w)) return corrupt("malformed vocabulary");
    words.push_back(w);
  }
  if (p != end) return corrupt("malformed vocabulary");
  if (words.size() < kNumReservedWords || words[kUnkId] != kUnkWord || words[kBosId] != kBosWord ||
      words[kEosId] != kEosWord) {
    return corrupt("invalid vocabulary (missing reserved words)");
  }
  return Status::OK();
}

Status DecodeVocab(const std::string& name, const FileHeader& header, std::string_view raw,
                   Vocabulary* vocab) {
  std::vector<std::string_view> words;
  GRAMS_RETURN_IF_ERROR(DecodeVocabWords(name, header, raw, &words));
  if (!Vocabulary::FromWords(words, vocab)) {
    return CorruptionError(name +
                           ": invalid vocabulary (duplicate or missing reserved words) (the file "
                           "is corrupted)");
  }
  return Status::OK();
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
