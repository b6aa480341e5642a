// LanguageModel: per-order open-addressing hash tables for backoff queries.
//
// Unigrams are arrays indexed by word id. Each order n >= 2 is a table of
// {key, log10 prob, log10 backoff} slots (two shards of ordered linear
// probing, load factor 0.75, below), keyed by the polynomial hash of
// ngram_hash.h. Scoring a word probes
// orders 2, 3, ... until the first miss (models are suffix-closed), so the
// probe addresses of a sentence are known in advance and are prefetched a
// few words ahead.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

#include "grams/language_model.h"
#include "grams/model_io.h"
#include "format/binary_file.h"
#include "format/model_file.h"
#include "format/trie_codec.h"
#include "io/file.h"
#include "query/ngram_hash.h"
#include "util/prefetch.h"
#include "util/huge_array.h"

namespace grams {

using query::MixKey;
using query::Reduce;

namespace {

struct Slot {
  uint64_t key;  // MixKey(n-gram key), never 0; 0 = empty
  float prob;
  float backoff;
};

// One table per order: two shards, picked by the low bit of the mixed key, so
// two threads can fill one table at once. Each shard is an ordered
// linear-probing table: entries sit in ascending order of their home slot,
// each at or after its home, with no wrap-around (a zero sentinel ends the
// array). A lookup stops at an empty slot or at an entry whose home lies past
// its own, so a miss costs about as little as a hit (about 2.5 slots at load
// 0.75, against 8.5 for plain linear probing); misses are common, one per
// backed-off word. Insertion keeps the order Robin Hood style: an entry
// displaces the first one whose home lies past its own.
struct Shard {
  HugeArray<Slot> slots;
  uint64_t homes = 1;

  const Slot* Find(uint64_t mixed) const {
    const uint64_t home = Reduce(mixed, homes);
    for (const Slot* s = &slots[home];; ++s) {
      if (s->key == mixed) return s;
      if (s->key == 0 || Reduce(s->key, homes) > home) return nullptr;
    }
  }
  void Prefetch(uint64_t mixed) const { ::grams::Prefetch(&slots[Reduce(mixed, homes)]); }

  enum class Insert { kOk, kDuplicate, kFull };

  void Allocate(size_t entries, size_t tail) {
    homes = std::max<uint64_t>(1, static_cast<uint64_t>(entries / kLoadFactor) + 1);
    slots.Reset(homes + tail + 1);  // zero-filled; the last slot stays a sentinel
  }

  Insert Add(Slot item) {
    uint64_t home = Reduce(item.key, homes);
    const uint64_t last = slots.size() - 1;
    for (uint64_t i = home; i < last; ++i) {
      Slot& s = slots[i];
      if (s.key == 0) {
        s = item;
        return Insert::kOk;
      }
      if (s.key == item.key) return Insert::kDuplicate;
      const uint64_t resident_home = Reduce(s.key, homes);
      if (resident_home > home) {
        std::swap(s, item);
        home = resident_home;
      }
    }
    return Insert::kFull;
  }

  // Fills the shard with entries indices[0..] of (keys, lp, lbo); keys are
  // unmixed n-gram keys. False on a 64-bit collision between distinct n-grams.
  bool Fill(const std::vector<uint32_t>& indices, const std::vector<uint64_t>& keys,
            const std::vector<float>& lp, const std::vector<float>& lbo) {
    const size_t m = indices.size();
    const bool has_backoff = !lbo.empty();
    for (size_t tail = 256 + m / 64;; tail *= 4) {
      Allocate(m, tail);
      Insert result = Insert::kOk;
      constexpr size_t kAhead = 16;
      for (size_t k = 0; k < m && result == Insert::kOk; ++k) {
        if (k + kAhead < m) Prefetch(MixKey(keys[indices[k + kAhead]]));
        const uint32_t i = indices[k];
        result = Add(Slot{MixKey(keys[i]), lp[i], has_backoff ? lbo[i] : 0.0f});
      }
      if (result == Insert::kOk) return true;
      if (result == Insert::kDuplicate) return false;
      // kFull: the last cluster ran past the spare tail; retry with more.
    }
  }

  static constexpr double kLoadFactor = 0.75;
};

struct Table {
  Shard shards[2];

  const Slot* Find(uint64_t key) const {
    const uint64_t mixed = MixKey(key);
    return shards[mixed & 1].Find(mixed);
  }
  void Prefetch(uint64_t key) const {
    const uint64_t mixed = MixKey(key);
    shards[mixed & 1].Prefetch(mixed);
  }
};

// Appends the index of each key to the list of its shard.
void SplitByShard(const std::vector<uint64_t>& keys, std::vector<uint32_t> lists[2]) {
  for (int t = 0; t < 2; ++t) {
    lists[t].clear();
    lists[t].reserve(keys.size() / 2 + keys.size() / 16 + 16);
  }
  for (size_t i = 0; i < keys.size(); ++i) lists[MixKey(keys[i]) & 1].push_back(static_cast<uint32_t>(i));
}

inline uint64_t NonZero(uint64_t k) { return k ? k : 1; }

constexpr int kPrefetchWords = 4;

}  // namespace

class LanguageModel::Impl {
 public:
  int order = 0;
  TokenizerSettings settings;
  Vocabulary vocab;
  std::vector<std::pair<std::string, std::string>> info;
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
    std::vector<uint32_t> lists[2];
    for (int n = 2; n <= order; ++n) {
      SplitByShard(keys[n], lists);
      auto fill = [&](int shard) {
        ok[shard] &= tables[n].shards[shard].Fill(lists[shard], keys[n], model.log_prob[n - 1],
                                                  model.log_backoff[n - 1]);
      };
      std::thread other(fill, 1);
      fill(0);
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
      m.info = model.info;
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
  GRAMS_ASSIGN_OR_RETURN(bool binary, IsModelFile(path));
  if (!binary) {
    GRAMS_ASSIGN_OR_RETURN(Model model, ReadArpa(path));
    return Create(model);
  }
  GRAMS_ASSIGN_OR_RETURN(auto reader, ModelFileReader::Open(path));
  std::unique_ptr<LanguageModel> lm(new LanguageModel());
  Impl& m = *lm->impl_;
  const int N = reader->order();
  GRAMS_RETURN_IF_ERROR(reader->ReadVocab(&m.vocab, &m.settings, &m.info));
  m.Init(N, m.vocab.size());
  {
    std::vector<float> lp, lbo;
    GRAMS_RETURN_IF_ERROR(reader->ReadValues(1, &lp, &lbo));
    m.SetUnigrams(std::move(lp), std::move(lbo));
  }
  // Buffers alternate by the parity of the order: the fillers of order n-1
  // read one set while order n is decoded into the other. Reusing them (and
  // the fillers' scratch) spares fresh pages, which cost more to fault in on
  // virtual machines than anything else here.
  std::vector<uint64_t> keys[2];
  std::vector<float> lp[2], lbo[2];
  std::vector<uint32_t> lists[2][2];  // per parity, per shard: entry indices
  std::vector<std::thread> fillers[2];
  std::vector<char> ok(2 * (N + 1), 1);
  auto join = [&](int b) {
    for (auto& t : fillers[b]) t.join();
    fillers[b].clear();
  };
  keys[1] = m.word_rand;
  std::string child_counts, words;
  Status status;
  for (int n = 2; n <= N && status.ok(); ++n) {
    const int b = n & 1;
    status = reader->ReadStructure(n, &child_counts, &words);
    if (!status.ok()) break;
    join(b);  // order n-2's fillers are done with set b
    keys[b].resize(reader->header().ngram_counts[n - 1]);
    uint64_t* out = keys[b].data();
    const uint64_t* up_keys = keys[b ^ 1].data();
    const uint64_t* rand = m.word_rand.data();
    status = VisitTrieLevel(reader->name(), reader->header(), n, child_counts, words,
                            [&](EntryIndex k, EntryIndex parent, WordId word) {
                              out[k] = NonZero(up_keys[parent] * query::kPolyBase + rand[word]);
                            });
    if (!status.ok()) break;
    status = reader->ReadValues(n, &lp[b], &lbo[b]);
    if (!status.ok()) break;
    SplitByShard(keys[b], lists[b]);
    for (int shard = 0; shard < 2; ++shard) {
      fillers[b].emplace_back([&, n, b, shard] {
        ok[2 * n + shard] = m.tables[n].shards[shard].Fill(lists[b][shard], keys[b], lp[b], lbo[b]);
      });
    }
  }
  join(0);
  join(1);
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

const ModelInfo& LanguageModel::info() const { return impl_->info; }
std::string LanguageModel::Info(const std::string& key) const {
  return InfoValue(impl_->info, key);
}
bool LanguageModel::IsProbabilistic() const { return IsProperDistribution(impl_->info); }

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
  ScoreSentences(ids, &n, 1, out);
}

void LanguageModel::ScoreSentences(const WordId* ids, const size_t* ends, size_t count,
                                   float* out) const {
  ScoreImpl(ids, ends, count, /*bos=*/true, out, nullptr);
}

void LanguageModel::ScoreSentences(const WordId* ids, const size_t* ends, size_t count, bool bos,
                                   float* out, uint8_t* ngram_length) const {
  ScoreImpl(ids, ends, count, bos, out, ngram_length);
}

void LanguageModel::ScoreSpan(const WordId* ids, size_t n, float* out) const {
  ScoreImpl(ids, &n, 1, /*bos=*/false, out, nullptr);
}

void LanguageModel::ScoreImpl(const WordId* ids, const size_t* ends, size_t count, bool bos,
                              float* out, uint8_t* ngram_length) const {
  const Impl& m = *impl_;
  const int N = m.order;
  const size_t total = count ? ends[count - 1] : 0;
  // ext holds each sentence after its own <s> (with bos); token g sits at
  // ext[pos[g]] with ctx[g] words of history (capped at N-1) before it.
  thread_local std::vector<WordId> ext;
  thread_local std::vector<uint32_t> pos;
  thread_local std::vector<uint8_t> ctx;
  ext.resize(total + (bos ? count : 0));
  pos.resize(total);
  ctx.resize(total);
  size_t e = 0, g = 0;
  for (size_t s = 0; s < count; ++s) {
    if (bos) ext[e++] = kBosId;
    for (size_t k = 0; g < ends[s]; ++g, ++k) {
      pos[g] = static_cast<uint32_t>(e);
      ctx[g] = static_cast<uint8_t>(std::min<size_t>(N - 1, bos ? k + 1 : k));
      ext[e++] = ids[g];
    }
  }
  auto prefetch = [&](size_t t) {
    const size_t p = pos[t];
    uint64_t key = m.word_rand[ext[p]];
    for (int j = 2; j <= ctx[t] + 1; ++j) {
      key = NonZero(m.word_rand[ext[p - j + 1]] * m.powers[j - 1] + key);
      m.tables[j].Prefetch(key);
    }
  };
  for (size_t t = 0; t < total && t < kPrefetchWords; ++t) prefetch(t);

  // bo[j]: backoff of the j-gram ending at the previous word (0 beyond the
  // longest one found, which models being suffix-closed means absent).
  float prev_bo[256], cur_bo[256];
  int prev_matched = 0;
  size_t s = 0;
  for (size_t t = 0; t < total; ++t) {
    if (t + kPrefetchWords < total) prefetch(t + kPrefetchWords);
    while (t == (s ? ends[s - 1] : 0) && s < count) {  // a new sentence: context <s>
      prev_bo[1] = m.uni_backoff[kBosId];
      prev_matched = bos ? 1 : 0;
      ++s;
    }
    const size_t p = pos[t];
    const WordId w = ext[p];
    const int L = ctx[t];
    float prob = m.uni_prob[w];
    cur_bo[1] = m.uni_backoff[w];
    int matched = 1;
    uint64_t key = m.word_rand[w];
    for (int j = 2; j <= L + 1; ++j) {
      key = NonZero(m.word_rand[ext[p - j + 1]] * m.powers[j - 1] + key);
      const Slot* slot = m.tables[j].Find(key);
      if (!slot) break;
      prob = slot->prob;
      cur_bo[j] = slot->backoff;
      matched = j;
    }
    for (int j = matched; j <= std::min(L, prev_matched); ++j) prob += prev_bo[j];
    out[t] = prob;
    if (ngram_length) ngram_length[t] = static_cast<uint8_t>(matched);
    std::copy(cur_bo + 1, cur_bo + matched + 1, prev_bo + 1);
    prev_matched = std::min(matched, N - 1);
  }
}

}  // namespace grams
