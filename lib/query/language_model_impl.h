// LanguageModel::Impl: the tables a LanguageModel queries and how they are
// set up. Internal to lib/query: language_model.cc builds, loads and
// attaches them and answers the public queries; score_kernel.cc holds
// ScoreImpl, the chunked lookup that scores whole sentences.
//
// Unigrams are an array indexed by word id ({R(w), log10 prob, backoff}).
// Each order n >= 2 is a table of {key, log10 prob, log10 backoff} slots (two
// shards of ordered linear probing, load factor 0.75; query/ngram_hash.h),
// keyed by the polynomial hash of ngram_hash.h. The tables live either in
// memory this process built (Create, and Load of a model file or ARPA) or
// in a mapped model file (Load of one), where they are probed in place: the
// query code sees the same views either way.
//
// A model file is loaded as its trie (query/model_trie.h), which answers
// the queries while BuildFromTrie builds the tables on a thread of its own
// (LoadOptions::tables); once they are ready (tables_ready), the queries
// use them and the trie is freed when its last query is done with it.
//
// A KenLM binary model is scored by query/kenlm_backend.h instead, by
// KenLM's rules: when Impl::kenlm is set, each public query hands over to
// it on its first line, and nothing below that line runs. A dynamic
// mixture (query/mix_backend.h) is handed over to the same way.
#ifndef GRAMS_QUERY_LANGUAGE_MODEL_IMPL_H_
#define GRAMS_QUERY_LANGUAGE_MODEL_IMPL_H_

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "format/mapped_model.h"
#include "grams/language_model.h"
#include "grams/model.h"
#include "io/file.h"
#include "query/kenlm_backend.h"
#include "query/mix_backend.h"
#include "query/model_trie.h"
#include "query/ngram_hash.h"
#include "query/packed_trie.h"
#include "util/huge_array.h"
#include "util/threads.h"
#include "vocab/word_index.h"

namespace grams {

// A unigram record, as the mapped file stores it (kUnigramBytes).
struct Unigram {
  uint64_t rand;  // R(w)
  float prob;
  float backoff;
};
static_assert(sizeof(Unigram) == kUnigramBytes && alignof(Unigram) <= 8);

// For tests only: the table build holds trie_mu for this long as it starts
// (so that a test can fork while it does); 0, the default, not at all.
void SetBuildStartHoldForTesting(int milliseconds);

class LanguageModel::Impl {
 public:
  int order = 0;
  TokenizerSettings settings;
  std::vector<std::pair<std::string, std::string>> info;
  uint64_t seed = 0;
  uint64_t vocab_size = 0;
  const Unigram* uni = nullptr;
  std::vector<uint64_t> powers;          // P^k
  std::vector<query::TableView> tables;  // tables[n] for n >= 2
  // Per shard (2 per order n >= 2, from n = 2): sizes, for writing.
  std::vector<MappedModelParts::Shard> shards;

  // A model built here: its storage.
  std::vector<Unigram> uni_store;
  std::vector<HugeArray<unsigned char>> table_store;
  Vocabulary vocab;
  // A mapped model: the mapping, and the Vocabulary built on demand.
  std::unique_ptr<MappedModelFile> mapped;
  std::once_flag vocab_once;
  // A KenLM binary: what answers every query instead of the tables above.
  std::unique_ptr<query::KenlmBackend> kenlm;
  // A dynamic mixture (grams/mix.h, CreateMixture): what answers the
  // queries that need tables instead (the vocabulary above is the union).
  std::unique_ptr<query::MixtureBackend> mixture;
  // Word lookups: the mapped file's index, or the same index built from
  // `vocab` on the first lookup (vocab/word_index.h).
  std::once_flag words_once;
  WordIndexView words;
  bool words_ok = false;
  std::vector<uint64_t> word_slots;
  // A Stupid Backoff model (info "smoothing" = "stupid"): every backoff costs
  // log10 alpha, also from a context that is not in the model (Brants et al.
  // 2007: S(w|h) = alpha S(w|h') whenever c(hw) = 0), where the ARPA rule
  // would charge nothing. Its states keep the whole context (up to N-1
  // words) so that each order dropped is charged.
  bool stupid = false;
  float stupid_log_alpha = 0.0f;
  // A model file's trie, while the tables are not ready (or for good:
  // LoadOptions::Tables::kNever, or a build that could not be done), and
  // the build that makes them (BuildFromTrie) on `build_thread`, started by
  // process `build_pid` (a forked child has no such thread).
  std::shared_ptr<const query::ModelTrie> trie;  // under trie_mu
  // A mapped model of the trie layout: its trie, which answers every query
  // (tables_ready stays false).
  std::unique_ptr<query::PackedTrie> packed;
  mutable std::mutex trie_mu;
  std::atomic<bool> tables_ready{true};
  std::atomic<bool> cancel_build{false};
  std::mutex build_mu;  // starting, joining or running the build
  BackgroundThread build_thread;
  int64_t build_pid = -1;
  // Tokens the trie has answered, and how many start the build
  // (LoadOptions::build_after_tokens; never: UINT64_MAX).
  mutable std::atomic<uint64_t> trie_tokens{0};
  uint64_t build_after = UINT64_MAX;
  mutable std::atomic<bool> build_requested{false};

  // Every Impl's trie_mu is on a list that a fork goes through: it takes
  // each one before it forks and lets go of it after, in the parent and in
  // the child. Else a child forked while a thread held one (the build does
  // as it starts and ends) would wait for it forever: that thread is not
  // in the child to let go of it.
  Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl();  // stops the build, if any

  // The trie while the tables are not ready, else null. The tables, once
  // ready, stay so; a trie returned stays valid as long as it is held.
  std::shared_ptr<const query::ModelTrie> TrieUntilReady() const {
    if (tables_ready.load(std::memory_order_acquire)) return nullptr;
    std::lock_guard<std::mutex> lock(trie_mu);
    return trie;
  }
  // Builds the tables from the trie (under the first seed of 8 without a
  // key collision) and makes them the ones queried: sets them up, then
  // tables_ready, then drops the trie. Throws AllocationFailure.
  Status BuildFromTrie();
  // Starts BuildFromTrie on `build_thread`, unless it is running or done,
  // or this is a child forked from the process that started it (when no
  // thread can be started, the trie goes on answering, and WaitTables
  // builds). Thread-safe.
  void StartBuild();
  // Counts n tokens answered by the trie, and starts the build once there
  // are build_after of them.
  void NoteTrieTokens(uint64_t n) const {
    if (trie_tokens.fetch_add(n, std::memory_order_relaxed) + n < build_after) return;
    if (build_requested.exchange(true, std::memory_order_relaxed)) return;
    const_cast<Impl*>(this)->StartBuild();
  }
  // Returns once the tables are ready: waits for the build, or builds them
  // on this thread if none is running (for what needs the tables
  // themselves: writing the mapped form).
  Status WaitTables();
  // FullScore's end (language_model.cc).
  static FullScoreResult FinishScore(const Impl& m, const State& in, WordId word, float prob,
                                     float* bo, int matched, State* out);
  // ScoreImpl's work on the trie (score_trie.cc).
  // Trie: query::ModelTrie or query::PackedTrie.
  template <class Trie>
  void ScoreTrie(const Trie& t, const WordId* ids, const size_t* ends, size_t count, bool bos,
                 float* out, uint8_t* ngram_length) const;

  // Sets `stupid` and its alpha from the info (the <s> backoff, log10 alpha
  // like every backoff of such a model, when the info has no alpha).
  void InitStupid();

  // The index words are looked up in; false if there is none (a vocabulary
  // of 2^40 bytes or more: Vocabulary::Find then).
  bool Words();

  // Sets up order, seed and unigram keys for a model built in memory.
  void Init(int n, size_t V, uint64_t s) {
    order = n;
    seed = s;
    vocab_size = V;
    uni_store.assign(V, Unigram{0, 0.0f, 0.0f});
    for (size_t w = 0; w < V; ++w) uni_store[w].rand = query::WordRandom(w, seed);
    uni = uni_store.data();
    InitPowers();
    tables.assign(order + 1, query::TableView());
    table_store.clear();
    table_store.resize(2 * std::max(0, order - 1));
    shards.assign(2 * std::max(0, order - 1), MappedModelParts::Shard());
  }

  void InitPowers() {
    powers.resize(order + 1);
    powers[0] = 1;
    for (int k = 1; k <= order; ++k) powers[k] = powers[k - 1] * query::kPolyBase;
  }

  void SetUnigrams(const std::vector<float>& prob, const std::vector<float>& backoff) {
    for (size_t w = 0; w < uni_store.size(); ++w) {
      uni_store[w].prob = prob[w];
      uni_store[w].backoff = order > 1 && w < backoff.size() ? backoff[w] : 0.0f;
    }
  }

  // Points the views of shard s of order n at its table.
  void SetShard(int n, int s, HugeArray<unsigned char> slots, uint64_t homes, uint64_t slot_count,
                uint64_t entries) {
    const size_t i = 2 * (n - 2) + s;
    table_store[i] = std::move(slots);
    shards[i] = MappedModelParts::Shard{table_store[i].data(), slot_count, homes, entries};
    tables[n].shards[s] = query::ShardView{shards[i].slots, homes};
  }

  // Keys of order n from the keys of order n-1 and the trie level.
  static void Keys(const std::vector<uint64_t>& up, const TrieLevel& level, const Unigram* uni,
                   std::vector<uint64_t>* keys) {
    keys->resize(level.size());
    for (size_t i = 0; i < level.size(); ++i) {
      (*keys)[i] =
          query::NonZero(up[level.parents[i]] * query::kPolyBase + uni[level.words[i]].rand);
    }
  }

  // Builds every table from a whole Model under seed `s`; false on a key
  // collision.
  bool Build(const Model& model, uint64_t s);

  // Points the views at a mapped file's tables.
  Status Attach(std::unique_ptr<MappedModelFile> file);

  static StatusOr<std::unique_ptr<LanguageModel>> LoadModelStream(
      std::unique_ptr<io::InputStream> in, const LoadOptions& options);

  // The slot of `key` (unmixed) in the table of order n, or nullptr.
  const unsigned char* Find(int n, uint64_t key) const {
    const uint64_t mixed = query::MixKey(key);
    const query::ShardView& shard = tables[n].ShardOf(mixed);
    return n == order ? query::FindSlot<query::kTopSlotBytes>(shard, mixed)
                      : query::FindSlot<query::kSlotBytes>(shard, mixed);
  }
};

}  // namespace grams

#endif  // GRAMS_QUERY_LANGUAGE_MODEL_IMPL_H_
