// LanguageModel: per-order open-addressing hash tables for backoff queries.
//
// Unigrams are arrays indexed by word id. Each order n >= 2 is a table of
// {key, log10 prob, log10 backoff} slots, linear probing, load factor about
// 0.7, keyed by the polynomial hash of ngram_hash.h. Scoring a word probes
// orders 2, 3, ... until the first miss (models are suffix-closed), so the
// probe addresses of a sentence are known in advance and are prefetched a
// few words ahead.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

#include "grams/scorer.h"
#include "format/binary_file.h"
#include "format/model_file.h"
#include "format/trie_codec.h"
#include "io/file.h"
#include "query/ngram_hash.h"
#include "util/huge_array.h"

namespace grams {

using query::MixKey;
using query::Reduce;

namespace {

struct Slot {
  uint64_t key;  // 0 = empty
  float prob;
  float backoff;
};

// Two independent shards, picked by the low bit of the mixed key, each an
// open-addressing table with linear probing that wraps within the shard. The
// shards let two threads fill one table at once without locks.
struct Table {
  HugeArray<Slot> slots;
  uint64_t shard_size = 0;

  static uint64_t Home(uint64_t mixed, uint64_t shard_size) {
    return (mixed & 1) * shard_size + Reduce(mixed, shard_size);
  }

  const Slot* Find(uint64_t key) const {
    const uint64_t mixed = MixKey(key);
    const uint64_t begin = (mixed & 1) * shard_size, end = begin + shard_size;
    for (uint64_t i = begin + Reduce(mixed, shard_size);;) {
      const Slot& s = slots[i];
      if (s.key == key) return &s;
      if (s.key == 0) return nullptr;
      if (++i == end) i = begin;
    }
  }
  void Prefetch(uint64_t key) const {
    __builtin_prefetch(&slots[Home(MixKey(key), shard_size)]);
  }

  void Allocate(size_t entries) {
    shard_size = std::max<uint64_t>(2, static_cast<uint64_t>(entries / kLoadFactor / 2) + 1);
    slots.Reset(2 * shard_size);
  }

  // Inserts slots whose keys all fall in `shard`. False if two keys are
  // equal (a 64-bit collision between distinct n-grams).
  bool FillShard(int shard, const std::vector<Slot>& items) {
    const uint64_t begin = shard * shard_size, end = begin + shard_size;
    const size_t m = items.size();
    constexpr size_t kAhead = 16;
    for (size_t i = 0; i < m; ++i) {
      if (i + kAhead < m) __builtin_prefetch(&slots[Home(MixKey(items[i + kAhead].key), shard_size)]);
      const Slot& item = items[i];
      for (uint64_t j = begin + Reduce(MixKey(item.key), shard_size);;) {
        Slot& s = slots[j];
        if (s.key == 0) {
          s = item;
          break;
        }
        if (s.key == item.key) return false;
        if (++j == end) j = begin;
      }
    }
    return true;
  }

  // Splits keys[i] -> (lp[i], lbo[i]) by shard.
  static void Split(const std::vector<uint64_t>& keys, const std::vector<float>& lp,
                    const std::vector<float>& lbo, std::vector<Slot> shards[2]) {
    const size_t m = keys.size();
    for (int t = 0; t < 2; ++t) {
      shards[t].clear();
      shards[t].reserve(m / 2 + m / 16 + 16);
    }
    const bool has_backoff = !lbo.empty();
    for (size_t i = 0; i < m; ++i) {
      shards[MixKey(keys[i]) & 1].push_back(Slot{keys[i], lp[i], has_backoff ? lbo[i] : 0.0f});
    }
  }

  static constexpr double kLoadFactor = 0.75;
};

inline uint64_t NonZero(uint64_t k) { return k ? k : 1; }

constexpr int kPrefetchWords = 4;

}  // namespace

class LanguageModel::Impl {
 public:
  int order = 0;
  TokenizerSettings settings;
  Vocabulary vocab;
  uint64_t seed = 0;
  std::vector<uint64_t> word_rand;  // R(w)
  std::vector<uint64_t> powers;     // P^k
  std::vector<float> uni_prob, uni_backoff;
  std::vector<Table> tables;        // tables[n] for n >= 2

  void Init(int n, size_t vocab_size) {
    order = n;
    word_rand.resize(vocab_size);
    for (size_t w = 0; w < vocab_size; ++w) {
      word_rand[w] = query::SplitMix64(w ^ (seed * 0x632BE59BD9B4E019ULL));
    }
    powers.resize(order + 1);
    powers[0] = 1;
    for (int k = 1; k <= order; ++k) powers[k] = powers[k - 1] * query::kPolyBase;
    tables.clear();
    tables.resize(order + 1);
  }

  void SetUnigrams(std::vector<float> prob, std::vector<float> backoff) {
    uni_prob = std::move(prob);
    uni_backoff = order > 1 ? std::move(backoff) : std::vector<float>(uni_prob.size(), 0.0f);
  }

  // Keys of order n from the keys of order n-1 and the trie level.
  static void Keys(const std::vector<uint64_t>& up, const TrieLevel& level,
                   const std::vector<uint64_t>& word_rand, std::vector<uint64_t>* keys) {
    keys->resize(level.size());
    for (size_t i = 0; i < level.size(); ++i) {
      (*keys)[i] = NonZero(up[level.parents[i]] * query::kPolyBase + word_rand[level.words[i]]);
    }
  }

  // Builds every table from a whole Model; false on a key collision.
  bool Build(const Model& model) {
    Init(model.order(), model.vocab.size());
    std::vector<std::vector<uint64_t>> keys(order + 1);
    keys[1] = word_rand;
    for (int n = 2; n <= order; ++n) Keys(keys[n - 1], model.trie.levels[n - 1], word_rand, &keys[n]);
    bool ok[2] = {true, true};
    std::vector<Slot> items[2];
    for (int n = 2; n <= order; ++n) {
      tables[n].Allocate(keys[n].size());
      Table::Split(keys[n], model.log_prob[n - 1], model.log_backoff[n - 1], items);
      std::thread other([&] { ok[1] &= tables[n].FillShard(1, items[1]); });
      ok[0] &= tables[n].FillShard(0, items[0]);
      other.join();
    }
    return ok[0] && ok[1];
  }
};

LanguageModel::LanguageModel() : impl_(new Impl) {}
LanguageModel::~LanguageModel() = default;

StatusOr<std::unique_ptr<LanguageModel>> LanguageModel::Create(const Model& model) {
  if (model.order() < 1) return InvalidArgument("the model has no n-grams");
  std::unique_ptr<LanguageModel> lm(new LanguageModel());
  Impl& m = *lm->impl_;
  for (m.seed = 0; m.seed < 8; ++m.seed) {
    if (m.Build(model)) {
      m.settings = model.settings;
      m.vocab = model.vocab;
      m.SetUnigrams(model.log_prob[0],
                    model.order() > 1 ? model.log_backoff[0] : std::vector<float>());
      return lm;
    }
  }
  return InternalError("64-bit n-gram key collisions persist after 8 seeds");
}

// Loads a model file order by order: the file reader reads and decompresses
// the next sections on its own thread while this thread decodes order n
// straight into its keys, and two more threads fill order n's table, one
// shard each, while the next order is decoded.
StatusOr<std::unique_ptr<LanguageModel>> LanguageModel::Load(const std::string& path) {
  std::string prefix;
  {
    GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path, /*raw=*/true));
    char buf[8];
    size_t got = in->Read(buf, sizeof(buf));
    if (!in->status().ok()) return in->status();
    prefix.assign(buf, got);
  }
  if (!HasBinaryMagic(prefix)) {
    GRAMS_ASSIGN_OR_RETURN(Model model, ReadArpa(path));
    return Create(model);
  }
  GRAMS_ASSIGN_OR_RETURN(auto reader, ModelFileReader::Open(path));
  std::unique_ptr<LanguageModel> lm(new LanguageModel());
  Impl& m = *lm->impl_;
  const int N = reader->order();
  std::vector<std::pair<std::string, std::string>> info;
  GRAMS_RETURN_IF_ERROR(reader->ReadVocab(&m.vocab, &m.settings, &info));
  m.Init(N, m.vocab.size());
  {
    std::vector<float> lp, lbo;
    GRAMS_RETURN_IF_ERROR(reader->ReadValues(1, &lp, &lbo));
    m.SetUnigrams(std::move(lp), std::move(lbo));
  }
  // Kept until every filler is done.
  std::vector<std::vector<Slot>> items(2 * (N + 1));
  std::vector<std::thread> fillers;
  std::vector<char> ok(2 * (N + 1), 1);
  auto join_all = [&] {
    for (auto& t : fillers) t.join();
    fillers.clear();
  };
  std::vector<uint64_t> keys = m.word_rand, up;
  std::vector<float> lp, lbo;
  std::string child_counts, words;
  Status status;
  for (int n = 2; n <= N && status.ok(); ++n) {
    status = reader->ReadStructure(n, &child_counts, &words);
    if (!status.ok()) break;
    up.swap(keys);
    keys.resize(reader->header().ngram_counts[n - 1]);
    uint64_t* out = keys.data();
    const uint64_t* up_keys = up.data();
    const uint64_t* rand = m.word_rand.data();
    status = VisitTrieLevel(reader->name(), reader->header(), n, child_counts, words,
                            [&](EntryIndex k, EntryIndex parent, WordId word) {
                              out[k] = NonZero(up_keys[parent] * query::kPolyBase + rand[word]);
                            });
    if (!status.ok()) break;
    status = reader->ReadValues(n, &lp, &lbo);
    if (!status.ok()) break;
    m.tables[n].Allocate(keys.size());
    Table::Split(keys, lp, lbo, &items[2 * n]);
    for (int shard = 0; shard < 2; ++shard) {
      fillers.emplace_back([&, n, shard] {
        ok[2 * n + shard] = m.tables[n].FillShard(shard, items[2 * n + shard]);
        std::vector<Slot>().swap(items[2 * n + shard]);
      });
    }
  }
  join_all();
  GRAMS_RETURN_IF_ERROR(status);
  GRAMS_RETURN_IF_ERROR(reader->Finish());
  for (char o : ok) {
    if (!o) {
      // A 64-bit collision under the default seed (never observed): load the
      // whole model and let Create() pick another seed.
      GRAMS_ASSIGN_OR_RETURN(Model whole, ReadModelFile(path));
      return Create(whole);
    }
  }
  return lm;
}

int LanguageModel::order() const { return impl_->order; }
const TokenizerSettings& LanguageModel::settings() const { return impl_->settings; }
const Vocabulary& LanguageModel::vocab() const { return impl_->vocab; }

WordId LanguageModel::Index(std::string_view word) const {
  WordId id = impl_->vocab.Find(word);
  return id == Vocabulary::kNotFound ? kUnkId : id;
}

State LanguageModel::BeginSentenceState() const {
  State s;
  s.words[0] = kBosId;
  s.backoff[0] = impl_->uni_backoff[kBosId];
  s.length = impl_->order > 1 ? 1 : 0;
  return s;
}

State LanguageModel::NullContextState() const { return State(); }

float LanguageModel::Score(const State& in, WordId word, State* out) const {
  const Impl& m = *impl_;
  const int N = m.order;
  const int L = std::min<int>(in.length, N - 1);
  float prob = m.uni_prob[word];
  float bo[kMaxStateWords + 1];
  bo[0] = m.uni_backoff[word];
  int matched = 1;
  uint64_t key = m.word_rand[word];
  for (int j = 2; j <= L + 1; ++j) {
    key = NonZero(m.word_rand[in.words[j - 2]] * m.powers[j - 1] + key);
    const Slot* s = m.tables[j].Find(key);
    if (!s) break;
    prob = s->prob;
    bo[j - 1] = s->backoff;
    matched = j;
  }
  for (int j = matched; j <= L; ++j) prob += in.backoff[j - 1];
  const int keep = std::min(matched, std::min(N - 1, kMaxStateWords));
  State next;
  next.words[0] = word;
  for (int j = 1; j < keep; ++j) next.words[j] = in.words[j - 1];
  for (int j = 0; j < keep; ++j) next.backoff[j] = bo[j];
  next.length = static_cast<uint8_t>(keep);
  *out = next;
  return prob;
}

void LanguageModel::ScoreSentence(const WordId* ids, size_t n, float* out) const {
  const Impl& m = *impl_;
  const int N = m.order;
  // hist[0] = <s>, hist[t + 1] = ids[t].
  thread_local std::vector<WordId> hist;
  thread_local std::vector<float> prev_bo, cur_bo;
  hist.resize(n + 1);
  hist[0] = kBosId;
  std::copy(ids, ids + n, hist.begin() + 1);
  prev_bo.assign(N + 1, 0.0f);
  cur_bo.assign(N + 1, 0.0f);
  prev_bo[1] = m.uni_backoff[kBosId];
  int prev_matched = 1;

  auto prefetch = [&](size_t t) {
    // Word ids[t] sits at hist[t + 1]; its history is hist[t], hist[t-1], ...
    const size_t pos = t + 1;
    const int maxj = static_cast<int>(std::min<size_t>(N, pos + 1));
    uint64_t key = m.word_rand[hist[pos]];
    for (int j = 2; j <= maxj; ++j) {
      key = NonZero(m.word_rand[hist[pos - j + 1]] * m.powers[j - 1] + key);
      m.tables[j].Prefetch(key);
    }
  };
  for (size_t t = 0; t < n && t < kPrefetchWords; ++t) prefetch(t);

  for (size_t t = 0; t < n; ++t) {
    if (t + kPrefetchWords < n) prefetch(t + kPrefetchWords);
    const size_t pos = t + 1;
    const WordId w = hist[pos];
    const int L = static_cast<int>(std::min<size_t>(N - 1, pos));
    float prob = m.uni_prob[w];
    cur_bo[1] = m.uni_backoff[w];
    int matched = 1;
    uint64_t key = m.word_rand[w];
    for (int j = 2; j <= L + 1; ++j) {
      key = NonZero(m.word_rand[hist[pos - j + 1]] * m.powers[j - 1] + key);
      const Slot* s = m.tables[j].Find(key);
      if (!s) break;
      prob = s->prob;
      cur_bo[j] = s->backoff;
      matched = j;
    }
    for (int j = matched; j <= std::min(L, prev_matched); ++j) prob += prev_bo[j];
    out[t] = prob;
    prev_bo.swap(cur_bo);
    prev_matched = std::min(matched, N - 1);
  }
}

}  // namespace grams
