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
#include "query/ngram_hash.h"

namespace grams {

using query::MixKey;
using query::Reduce;

namespace {

struct Slot {
  uint64_t key;  // 0 = empty
  float prob;
  float backoff;
};

struct Table {
  std::vector<Slot> slots;
  uint64_t size = 0;

  const Slot* Find(uint64_t key) const {
    for (uint64_t i = Reduce(MixKey(key), size);; ) {
      const Slot& s = slots[i];
      if (s.key == key) return &s;
      if (s.key == 0) return nullptr;
      if (++i == size) i = 0;
    }
  }
  void Prefetch(uint64_t key) const { __builtin_prefetch(&slots[Reduce(MixKey(key), size)]); }
};

inline uint64_t NonZero(uint64_t k) { return k ? k : 1; }

constexpr int kPrefetchWords = 4;

}  // namespace

class LanguageModel::Impl {
 public:
  int order = 0;
  TokenizerSettings settings;
  Vocabulary vocab;
  std::vector<uint64_t> word_rand;  // R(w)
  std::vector<uint64_t> powers;     // P^k
  std::vector<float> uni_prob, uni_backoff;
  std::vector<Table> tables;        // tables[n] for n >= 2

  uint64_t seed = 0;

  // Fills the tables; false on a 64-bit key collision (then retry with
  // another seed).
  bool Build(const Model& model) {
    const size_t V = model.vocab.size();
    word_rand.resize(V);
    for (size_t w = 0; w < V; ++w) word_rand[w] = query::SplitMix64(w ^ (seed * 0x632BE59BD9B4E019ULL));
    tables.assign(order + 1, Table());
    std::vector<std::vector<uint64_t>> keys(order + 1);
    keys[1] = word_rand;
    for (int n = 2; n <= order; ++n) {
      const TrieLevel& level = model.trie.levels[n - 1];
      keys[n].resize(level.size());
      const std::vector<uint64_t>& up = keys[n - 1];
      for (size_t i = 0; i < level.size(); ++i) {
        keys[n][i] = NonZero(up[level.parents[i]] * query::kPolyBase + word_rand[level.words[i]]);
      }
    }
    std::vector<char> ok(order + 1, 1);
    auto fill = [&](int n) {
      const std::vector<uint64_t>& k = keys[n];
      const std::vector<float>& lp = model.log_prob[n - 1];
      const std::vector<float>* lbo = n < order ? &model.log_backoff[n - 1] : nullptr;
      Table& t = tables[n];
      t.size = std::max<uint64_t>(4, static_cast<uint64_t>(k.size() / 0.7) + 1);
      t.slots.assign(t.size, Slot{0, 0.0f, 0.0f});
      constexpr size_t kAhead = 16;
      for (size_t i = 0; i < k.size(); ++i) {
        if (i + kAhead < k.size()) t.Prefetch(k[i + kAhead]);
        uint64_t j = Reduce(MixKey(k[i]), t.size);
        for (;;) {
          Slot& s = t.slots[j];
          if (s.key == 0) {
            s.key = k[i];
            s.prob = lp[i];
            s.backoff = lbo ? (*lbo)[i] : 0.0f;
            break;
          }
          if (s.key == k[i]) {
            ok[n] = 0;
            return;
          }
          if (++j == t.size) j = 0;
        }
      }
    };
    // Orders are independent now: fill them on two threads.
    if (order >= 3) {
      std::thread other([&] {
        for (int n = order; n >= 2; n -= 2) fill(n);
      });
      for (int n = order - 1; n >= 2; n -= 2) fill(n);
      other.join();
    } else if (order == 2) {
      fill(2);
    }
    for (int n = 2; n <= order; ++n)
      if (!ok[n]) return false;
    return true;
  }
};

LanguageModel::LanguageModel() : impl_(new Impl) {}
LanguageModel::~LanguageModel() = default;

StatusOr<std::unique_ptr<LanguageModel>> LanguageModel::Create(const Model& model) {
  const int N = model.order();
  if (N < 1) return InvalidArgument("the model has no n-grams");
  std::unique_ptr<LanguageModel> lm(new LanguageModel());
  Impl& m = *lm->impl_;
  m.order = N;
  m.settings = model.settings;
  m.vocab = model.vocab;
  m.uni_prob = model.log_prob[0];
  m.uni_backoff = N > 1 ? model.log_backoff[0] : std::vector<float>(model.vocab.size(), 0.0f);
  m.powers.resize(N + 1);
  m.powers[0] = 1;
  for (int k = 1; k <= N; ++k) m.powers[k] = m.powers[k - 1] * query::kPolyBase;
  for (m.seed = 0; m.seed < 8; ++m.seed) {
    if (m.Build(model)) return lm;
  }
  return InternalError("64-bit n-gram key collisions persist after 8 seeds");
}

StatusOr<std::unique_ptr<LanguageModel>> LanguageModel::Load(const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(Model model, LoadModel(path));
  return Create(model);
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
