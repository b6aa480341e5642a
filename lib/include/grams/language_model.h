// Querying a model: LanguageModel is the lookup structure built from a Model
// (one open-addressing hash table per order, keyed by a 64-bit hash of the
// word ids), with KenLM's State-style API for decoders and whole-sentence
// scoring for tools. Queries are const and thread-safe. Text scoring (the
// model's tokenization, perplexity) is in grams/scorer.h.
#ifndef GRAMS_LANGUAGE_MODEL_H_
#define GRAMS_LANGUAGE_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grams/export.h"
#include "grams/model.h"
#include "grams/settings.h"
#include "grams/status.h"
#include "grams/types.h"
#include "grams/vocabulary.h"

namespace grams {

// The longest State context the State API carries; whole-sentence scoring
// has no such limit.
inline constexpr int kMaxStateWords = 15;

// What a decoder carries between words: the last words (most recent first)
// that can still matter, and their backoffs. (For a Stupid Backoff model
// every word of the last N-1 matters: each order dropped costs alpha.)
struct GRAMS_EXPORT State {
  WordId words[kMaxStateWords];
  float backoff[kMaxStateWords];
  uint8_t length = 0;
};

// What LanguageModel::FullScore returns (KenLM's FullScoreReturn).
struct GRAMS_EXPORT FullScoreResult {
  float log_prob = 0;        // log10 p(word | context), as Score returns it
  uint8_t ngram_length = 0;  // the longest n-gram of the model ending in the word that
                             // matched the context, the word included: 1 = the unigram
  bool oov = false;          // the word is <unk> (kUnkId)
};

// How LanguageModel::Load treats a mapped model file (docs/FORMAT.md,
// "Mapped model file") or a KenLM binary ("KenLM binary models"); the other
// forms are always checked in full. And when it builds a model file's hash
// tables.
struct GRAMS_EXPORT LoadOptions {
  // A model file (the compressed form) is decoded into its n-gram trie,
  // which answers queries as soon as Load returns. The hash tables that
  // answer them faster (10-20% on a long text) are built from it:
  enum class Tables {
    kInBackground,     // on a thread of their own, taking over when ready (the default)
    kBeforeReturning,  // before Load returns, which then takes longer
    kNever,            // not at all: less memory, slower queries
  };
  // Whichever answers, the scores are the same floats. (The mapped form and
  // ARPA files have their tables ready when Load returns.)
  Tables tables = Tables::kInBackground;
  // With kInBackground, the build starts once the trie has answered this
  // many tokens (0: as soon as Load returns). A short job (a sentence, a
  // small file) is over before the tables would pay for their build, and
  // never builds them.
  uint64_t build_after_tokens = 100000;
  // With kInBackground: the caller's queries keep every core busy (as
  // grams-score -jN does with N at least the cores). The build would take
  // its CPU from them, so it waits longer: until the trie has answered
  // twice as many tokens as the model has n-grams (or build_after_tokens,
  // if more), about where the tables' faster lookups have paid for their
  // build. A shorter job scores on the trie alone, in less time and half
  // the memory.
  bool cores_busy = false;
  // Check every section's CRC-32 before use (reads the whole file once); of
  // a KenLM binary, which has no checksums, check every structure instead
  // (sorted vocabulary, pointers, children, hash tables).
  // Default: only the header's CRC and the layout are checked, and a damaged
  // table can only make scores wrong, never crash.
  bool verify_checksums = false;
  // Read the file into private memory instead of mapping it: slower to load
  // and not shared between processes, but immune to the file being
  // truncated or rewritten while in use (which kills a process that maps it
  // with SIGBUS). Default: mapped read-only and shared.
  bool read_into_memory = false;
  // An ARPA file's positive log probabilities (IRSTLM's rounding) are
  // clamped to 0 with one warning (to `warn`) instead of being an error.
  bool lenient_arpa = false;
  // Receives the warnings of reading an ARPA file. May be empty.
  std::function<void(const std::string&)> warn;
};

class LanguageModel;
namespace query {
class MixtureBackend;  // CreateMixture's (grams/mix.h)
}  // namespace query
GRAMS_EXPORT Status WriteMappedModel(const LanguageModel& model, const std::string& path);

class GRAMS_EXPORT LanguageModel {
 public:
  // Builds the lookup structure. Fails on models whose order exceeds what it
  // supports or whose n-grams collide in the 64-bit hash (never seen).
  static StatusOr<std::unique_ptr<LanguageModel>> Create(const Model& model);
  // Loads a model file, a mapped model file, an ARPA file or a KenLM binary
  // model (build_binary's probing or trie layouts, format version 5), told
  // apart by their first bytes ("-" = standard input; a model file or ARPA
  // may come through a pipe, ARPA compressed too). A mapped model is mapped
  // read-only and shared, not read: it must be a regular file, and must not
  // be truncated or rewritten in place while in use (replace it by
  // renaming, as grams-convert does). A KenLM binary is mapped the same way
  // when it is a regular uncompressed file (else read whole) and scored by
  // KenLM's rules: the same floats as KenLM's query; its tokenizer settings
  // are the defaults (words between whitespace).
  static StatusOr<std::unique_ptr<LanguageModel>> Load(const std::string& path);
  static StatusOr<std::unique_ptr<LanguageModel>> Load(const std::string& path,
                                                       const LoadOptions& options);
  ~LanguageModel();

  int order() const;
  const TokenizerSettings& settings() const;
  // The vocabulary (of a mapped model: built on the first call).
  const Vocabulary& vocab() const;
  // The model's provenance (Model::info), and the value of `key` in it
  // (InfoValue: "" when absent).
  const ModelInfo& info() const;
  std::string Info(const std::string& key) const;
  // Whether the hash tables answer the queries: always, except for a model
  // file whose tables are not built yet (LoadOptions::tables), which its
  // trie answers meanwhile with the same scores.
  bool TablesReady() const;
  // False for models whose scores are not probabilities (Stupid Backoff):
  // perplexity is undefined for them. IsProperDistribution(info()).
  bool IsProbabilistic() const;
  // The id of `word`, or kUnkId when it is not in the vocabulary.
  WordId Index(std::string_view word) const;
  // ids[i] = Index(words[i]) for i < n: faster than one call a word, as the
  // lookups' cache misses overlap.
  void Index(const std::string_view* words, size_t n, WordId* ids) const;
  // Splits `text` into words at ASCII whitespace (space, \t, \n, \v, \f,
  // \r: KenLM's separators, a word model's units) and appends each word (a
  // view into text) to *words and its Index to *ids. Faster than splitting
  // first: the split and the lookups' hashes are one pass over the bytes.
  void IndexWords(std::string_view text, std::vector<std::string_view>* words,
                  std::vector<WordId>* ids) const;

  // The state at the start of a sentence (after <s>), and an empty one.
  State BeginSentenceState() const;
  State NullContextState() const;
  // log10 p(word | in), and the state after it. REQUIRES: order() <= kMaxStateWords + 1.
  float Score(const State& in, WordId word, State* out) const;
  // Score, plus the length of the n-gram that matched and whether the word
  // is <unk>. REQUIRES: as Score.
  FullScoreResult FullScore(const State& in, WordId word, State* out) const;

  // Scores a whole sentence: ids[0..n) are the words after <s> (append
  // kEosId to score the sentence end). Writes log10 p of each into out[0..n).
  // Works for any order; faster than the State API (the table lookups of
  // many tokens are under way at once).
  void ScoreSentence(const WordId* ids, size_t n, float* out) const;
  // Scores sentences back to back: sentence i is ids[ends[i-1] .. ends[i])
  // (ends[-1] = 0), each after its own <s>. Their lookups overlap across
  // sentences: a few thousand tokens a call is best.
  void ScoreSentences(const WordId* ids, const size_t* ends, size_t count, float* out) const;
  // The same with two choices: with bos = false each sentence is a fragment
  // scored without <s> (its first word has no history, as after
  // NullContextState(); KenLM's bos=False); and unless `ngram_length` is
  // null, the length of the n-gram that matched each token goes to
  // ngram_length[0..ends[count-1]) (1 = its unigram; as FullScore gives it).
  void ScoreSentences(const WordId* ids, const size_t* ends, size_t count, bool bos, float* out,
                      uint8_t* ngram_length) const;
  // Scores ids[0..n) as one span with no <s> added: ids[0] has no history.
  // To continue a stream, pass its last order()-1 tokens first and ignore
  // their scores (the stream's own first token is <s>).
  void ScoreSpan(const WordId* ids, size_t n, float* out) const;

 private:
  friend Status WriteMappedModel(const LanguageModel& model, const std::string& path);
  friend class query::MixtureBackend;
  void ScoreImpl(const WordId* ids, const size_t* ends, size_t count, bool bos, float* out,
                 uint8_t* ngram_length) const;
  LanguageModel();
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes the mapped form of a model (docs/FORMAT.md, "Mapped model file"),
// which LanguageModel::Load maps instead of decoding, to `path` ("-" =
// stdout) through a temporary file renamed into place. The second form
// writes the tables a loaded model already has (of any form).
GRAMS_EXPORT Status WriteMappedModel(const Model& model, const std::string& path);
GRAMS_EXPORT Status WriteMappedModel(const LanguageModel& model, const std::string& path);

// The layouts of a mapped model (docs/FORMAT.md, "Mapped model file"):
// kProbing, hash tables probed where they lie (the fastest queries; what
// the forms above write), or kTrie, the model's n-gram trie packed (about
// half the file, and queries about half as fast). Both give the same
// scores. The trie layout holds the n-grams: LoadModel reads it back, and
// the second form above writes its probing layout.
enum class MappedLayout { kProbing, kTrie };
GRAMS_EXPORT Status WriteMappedModel(const Model& model, const std::string& path,
                                     MappedLayout layout);

}  // namespace grams

#endif  // GRAMS_LANGUAGE_MODEL_H_
