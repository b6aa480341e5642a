// NgramPredictor: the exact top K next units and exact sampling over a
// model's trie (grams/predict.h); UnitReader: lines into a model's ids.
//
// A context h of j words that the model holds is an entry of order j; its
// continuations are the children of that entry at order j+1, a contiguous
// range sorted by word. P(w | h) comes from the longest context h_m (the
// last m words) whose entry has w as a child, times the backoffs of the
// contexts h_{m+1} .. h_J the model holds (J: the longest one), so the
// candidates of order m+1 that are no continuation of a longer context all
// carry the same backoffs: visited by descending probability, their scores
// descend too, which bounds what the rest of an order can still give.
#include "grams/predict.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "tokenize/tokenizer.h"
#include "util/alloc_guard.h"

namespace grams {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// a ranks before b: higher score, then the smaller id.
inline bool Better(const Prediction& a, const Prediction& b) {
  return a.log10_prob > b.log10_prob || (a.log10_prob == b.log10_prob && a.word < b.word);
}

}  // namespace

double NextUniform(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

class NgramPredictor::Impl {
 public:
  Model model;
  int order = 0;
  size_t vocab_size = 0;
  bool probabilistic = true;
  // Stupid Backoff: log10 alpha, charged for each order of the context that
  // is not in the model, as LanguageModel charges it (0 for other models).
  float stupid_log_alpha = 0.0f;
  // offsets[j] for 1 <= j < order: the children of entry e of order j are
  // entries [offsets[j][e], offsets[j][e+1]) of order j+1.
  std::vector<std::vector<EntryIndex>> offsets;
  // by_prob[j] (0 <= j < order): the entries of order j+1, each parent's
  // children by descending log10 probability (ties: ascending word).
  std::vector<std::vector<EntryIndex>> by_prob;
  // Sampling: cum[j][i], the linear mass of entry i of order j+1 and of its
  // siblings before it (<s> counts 0); mass[j][e], for an entry e of
  // order j >= 1 (a context), what a draw after it needs, in one place.
  struct ContextMass {
    double children = 0;  // the mass of its continuations
    double lower = 0;     // the mass its lower order gives them
    double backoff = 1;   // its backoff weight, 10^log10 backoff
  };
  std::vector<std::vector<double>> cum;
  std::vector<std::vector<ContextMass>> mass;
  // A guide into cum[0] (the unigrams, drawn most often): guide[k] is the
  // first unigram whose cumulative mass exceeds GuideStep(k), so a draw
  // starts its search there instead of bisecting the whole vocabulary.
  std::vector<EntryIndex> guide;
  double GuideStep(size_t k) const {
    return static_cast<double>(k) * cum[0].back() / static_cast<double>(guide.size());
  }

  // The context entries of the last 1, 2, ... words of context[0..n).
  // (Not zero-filled: only [1, length] is ever read.)
  struct Chain {
    int length = 0;
    EntryIndex entry[kMaxOrder + 1];
    float backoff[kMaxOrder + 1];  // backoff[j]: log10 backoff of entry[j]
    // Stupid Backoff: the context's orders not in the model, each costing
    // log10 alpha (added one at a time, as LanguageModel adds them).
    int unseen = 0;
    float log_alpha = 0.0f;
  };

  std::pair<EntryIndex, EntryIndex> Children(int j, EntryIndex e) const {
    if (j == 0) return {0, static_cast<EntryIndex>(vocab_size)};
    return {offsets[j][e], offsets[j][e + 1]};
  }

  // The child `w` of entry e of order j (j = 0: the unigram w), or false.
  bool FindChild(int j, EntryIndex e, WordId w, EntryIndex* child) const {
    if (j == 0) {
      if (w >= vocab_size) return false;
      *child = w;
      return true;
    }
    const auto [b, end] = Children(j, e);
    const std::vector<WordId>& words = model.trie.levels[j].words;
    const WordId* first = words.data() + b;
    const WordId* last = words.data() + end;
    const WordId* it = std::lower_bound(first, last, w);
    if (it == last || *it != w) return false;
    *child = static_cast<EntryIndex>(it - words.data());
    return true;
  }

  void FindContexts(const WordId* context, size_t n, Chain* chain) const {
    chain->length = 0;
    const size_t max_len = std::min<size_t>(n, static_cast<size_t>(order - 1));
    chain->log_alpha = stupid_log_alpha;
    chain->unseen = stupid_log_alpha != 0.0f ? static_cast<int>(max_len) : 0;
    for (size_t j = 1; j <= max_len; ++j) {
      const WordId* words = context + (n - j);
      EntryIndex e;
      if (!FindChild(0, 0, words[0], &e)) return;
      bool found = true;
      for (size_t i = 1; i < j && found; ++i)
        found = FindChild(static_cast<int>(i), e, words[i], &e);
      if (!found) return;  // suffix closure: no longer context is held either
      chain->entry[j] = e;
      chain->backoff[j] = model.log_backoff[j - 1][e];
      chain->length = static_cast<int>(j);
      if (chain->unseen) chain->unseen = static_cast<int>(max_len - j);
    }
  }

  // log10 p of an n-gram of order m+1 backed off through the contexts
  // m+1 .. J, added shortest first (as LanguageModel::Score adds them).
  static float BackOff(float lp, int m, const Chain& chain) {
    for (int i = m + 1; i <= chain.length; ++i) lp += chain.backoff[i];
    for (int k = 0; k < chain.unseen; ++k) lp += chain.log_alpha;
    return lp;
  }

  float LogProb(const Chain& chain, WordId w) const {
    for (int m = chain.length; m >= 1; --m) {
      EntryIndex child;
      if (FindChild(m, chain.entry[m], w, &child)) {
        return BackOff(model.log_prob[m][child], m, chain);
      }
    }
    if (w >= vocab_size) w = kUnkId;
    return BackOff(model.log_prob[0][w], 0, chain);
  }

  // Whether w continues one of the contexts longer than j words.
  bool InLongerContext(const Chain& chain, int j, WordId w) const {
    EntryIndex child;
    for (int m = j + 1; m <= chain.length; ++m) {
      if (FindChild(m, chain.entry[m], w, &child)) return true;
    }
    return false;
  }

  Status Check() const {
    const NgramTrie& trie = model.trie;
    if (order < 1 || vocab_size < 3) return InvalidArgument("the model has no unigrams");
    if (order > kMaxOrder)
      return InvalidArgument("the model's order exceeds " + std::to_string(kMaxOrder));
    if (model.vocab.size() != vocab_size || model.log_prob.size() != static_cast<size_t>(order) ||
        model.log_backoff.size() < static_cast<size_t>(order - 1)) {
      return InvalidArgument("the model's arrays do not match its trie");
    }
    for (int n = 1; n <= order; ++n) {
      const TrieLevel& level = trie.levels[n - 1];
      if (model.log_prob[n - 1].size() != level.size() ||
          (n < order && model.log_backoff[n - 1].size() != level.size())) {
        return InvalidArgument("the model's arrays do not match its trie at order " +
                               std::to_string(n));
      }
      if (n == 1) continue;
      const size_t parents = trie.levels[n - 2].size();
      if (level.parents.size() != level.size()) {
        return InvalidArgument("order " + std::to_string(n) + " has no parent array");
      }
      for (size_t i = 0; i < level.size(); ++i) {
        const bool bad_order =
            i > 0 &&
            (level.parents[i] < level.parents[i - 1] ||
             (level.parents[i] == level.parents[i - 1] && level.words[i] <= level.words[i - 1]));
        if (level.parents[i] >= parents || level.words[i] >= vocab_size || bad_order) {
          return InvalidArgument("order " + std::to_string(n) + " is not in trie order (entry " +
                                 std::to_string(i) + ")");
        }
      }
    }
    return Status::OK();
  }

  void BuildIndex() {
    offsets.resize(order);
    by_prob.resize(order);
    for (int j = 1; j < order; ++j) offsets[j] = model.trie.ChildOffsets(j + 1);
    for (int j = 0; j < order; ++j) {
      const std::vector<float>& lp = model.log_prob[j];
      std::vector<EntryIndex>& perm = by_prob[j];
      perm.resize(lp.size());
      for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<EntryIndex>(i);
      auto by_desc = [&](EntryIndex a, EntryIndex b) {
        return lp[a] > lp[b] || (lp[a] == lp[b] && a < b);
      };
      if (j == 0) {
        std::sort(perm.begin(), perm.end(), by_desc);
        continue;
      }
      const std::vector<EntryIndex>& off = offsets[j];
      for (size_t p = 0; p + 1 < off.size(); ++p) {
        std::sort(perm.begin() + off[p], perm.begin() + off[p + 1], by_desc);
      }
    }
  }

  static double Mass(WordId w, float lp) {
    return w == kBosId ? 0.0 : std::pow(10.0, static_cast<double>(lp));
  }

  void BuildSampling() {
    cum.resize(order);
    mass.resize(order);
    for (int j = 0; j < order; ++j) {
      const TrieLevel& level = model.trie.levels[j];
      const std::vector<float>& lp = model.log_prob[j];
      std::vector<double>& c = cum[j];
      c.resize(level.size());
      double sum = 0;
      for (size_t i = 0; i < level.size(); ++i) {
        if (j > 0 && (i == 0 || level.parents[i] != level.parents[i - 1])) sum = 0;
        sum += Mass(level.words[i], lp[i]);
        c[i] = sum;
      }
    }
    guide.resize(vocab_size);
    for (size_t k = 0; k < guide.size(); ++k) {
      guide[k] = static_cast<EntryIndex>(
          std::upper_bound(cum[0].begin(), cum[0].end(), GuideStep(k)) - cum[0].begin());
    }
    // mass[j][e].lower: the continuations of e (order j) scored with the
    // context of e's last j-1 words.
    std::vector<WordId> words(order);
    for (int j = 1; j < order; ++j) {
      std::vector<ContextMass>& ms = mass[j];
      ms.assign(model.trie.levels[j - 1].size(), ContextMass());
      const std::vector<float>& bo = model.log_backoff[j - 1];
      for (EntryIndex e = 0; e < ms.size(); ++e) {
        ms[e].backoff = std::pow(10.0, static_cast<double>(bo[e]));
        const auto [b, end] = Children(j, e);
        if (b == end) continue;
        ms[e].children = cum[j][end - 1];
        model.trie.Ngram(j, e, words.data());
        Chain chain;
        FindContexts(words.data() + 1, static_cast<size_t>(j - 1), &chain);
        double sum = 0;
        const std::vector<WordId>& child_words = model.trie.levels[j].words;
        for (EntryIndex c = b; c < end; ++c) {
          const WordId w = child_words[c];
          sum += Mass(w, LogProb(chain, w));
        }
        ms[e].lower = sum;
      }
    }
  }

  // The total mass of P(. | the last j words), for j = 0..J.
  void Totals(const Chain& chain, double* total) const {
    const std::vector<double>& c0 = cum[0];
    total[0] = c0.empty() ? 0.0 : c0.back();
    for (int j = 1; j <= chain.length; ++j) {
      const ContextMass& m = mass[j][chain.entry[j]];
      total[j] = m.children + m.backoff * std::max(0.0, total[j - 1] - m.lower);
    }
  }

  // The entry among [b, end) of order j+1 whose cumulative mass first
  // exceeds u (its siblings' masses before it being below u).
  EntryIndex Pick(int j, EntryIndex b, EntryIndex end, double u) const {
    const double* c = cum[j].data();
    if (j == 0 && c[end - 1] > 0) {
      // The same entry as the bisection below: the first with c > u.
      size_t k = static_cast<size_t>(u / c[end - 1] * static_cast<double>(guide.size()));
      if (k >= guide.size()) k = guide.size() - 1;
      while (k > 0 && u < GuideStep(k)) --k;  // GuideStep(k) <= u
      for (EntryIndex i = guide[k]; i < end; ++i) {
        if (c[i] > u) return i;
      }
    }
    const double* it = std::upper_bound(c + b, c + end, u);
    if (it != c + end) return static_cast<EntryIndex>(it - c);  // c[i-1] <= u < c[i]: mass > 0
    // u at the top (rounding): the last entry with mass.
    EntryIndex i = end - 1;
    while (i > b && c[i] == c[i - 1]) --i;
    return i;
  }

  // Draws from P(. | the last j words); *level and *entry: the order-(level+1)
  // entry the unit was drawn as (level 0: the unigram, entry = the word).
  WordId SampleAt(const Chain& chain, const double* total, int j, uint64_t* rng, int* level,
                  EntryIndex* entry) const {
    if (j == 0) {
      const double u = NextUniform(rng) * total[0];
      *level = 0;
      *entry = Pick(0, 0, static_cast<EntryIndex>(vocab_size), u);
      return static_cast<WordId>(*entry);
    }
    const EntryIndex e = chain.entry[j];
    const double s = mass[j][e].children;
    const double u = NextUniform(rng) * total[j];
    const auto [b, end] = Children(j, e);
    if (u < s) {
      *level = j;
      *entry = Pick(j, b, end, u);
      return model.trie.levels[j].words[*entry];
    }
    // Backed off: the lower order's draw, unless it is a continuation here.
    for (int tries = 0; tries < 1000000; ++tries) {
      const WordId w = SampleAt(chain, total, j - 1, rng, level, entry);
      EntryIndex child;
      if (!FindChild(j, e, w, &child)) return w;
    }
    // The lower order's mass lies (nearly) all on the continuations: draw
    // among them instead.
    *level = j;
    *entry = Pick(j, b, end, NextUniform(rng) * s);
    return model.trie.levels[j].words[*entry];
  }
};

NgramPredictor::NgramPredictor() : impl_(std::make_unique<Impl>()) {}
NgramPredictor::~NgramPredictor() = default;

StatusOr<std::unique_ptr<NgramPredictor>> NgramPredictor::Create(Model model,
                                                                 const PredictorOptions& options) {
  return GuardAlloc(
      "indexing the model's continuations", MemoryHint::kNone,
      [&]() -> StatusOr<std::unique_ptr<NgramPredictor>> {
        std::unique_ptr<NgramPredictor> p(new NgramPredictor());
        Impl& m = *p->impl_;
        m.model = std::move(model);
        m.order = m.model.order();
        m.vocab_size = m.order > 0 ? m.model.trie.levels[0].size() : 0;
        m.probabilistic = IsProperDistribution(m.model.info);
        if (!m.probabilistic && m.order > 1 && m.model.log_backoff[0].size() > kBosId) {
          m.stupid_log_alpha = StupidLogAlpha(m.model.info, m.model.log_backoff[0][kBosId]);
        }
        GRAMS_RETURN_IF_ERROR(m.Check());
        m.BuildIndex();
        if (options.sampling) m.BuildSampling();
        return p;
      });
}

const Model& NgramPredictor::model() const { return impl_->model; }
int NgramPredictor::order() const { return impl_->order; }
const Vocabulary& NgramPredictor::vocab() const { return impl_->model.vocab; }
const TokenizerSettings& NgramPredictor::settings() const { return impl_->model.settings; }
bool NgramPredictor::IsProbabilistic() const { return impl_->probabilistic; }

Continuations NgramPredictor::ContinuationsOf(const WordId* context, size_t n) const {
  const Impl& m = *impl_;
  Continuations out;
  if (n >= static_cast<size_t>(m.order)) return out;
  EntryIndex e = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!m.FindChild(static_cast<int>(i), e, context[i], &e)) return out;
  }
  const int j = static_cast<int>(n);
  const auto [b, end] = m.Children(j, e);
  out.words = m.model.trie.levels[j].words.data() + b;
  out.log10_probs = m.model.log_prob[j].data() + b;
  out.size = end - b;
  return out;
}

float NgramPredictor::LogProb(const WordId* context, size_t n, WordId word) const {
  Impl::Chain chain;
  impl_->FindContexts(context, n, &chain);
  return impl_->LogProb(chain, word);
}

void NgramPredictor::TopK(const WordId* context, size_t n, const TopKOptions& options,
                          std::vector<Prediction>* out) const {
  const Impl& m = *impl_;
  out->clear();
  const size_t k = std::min(options.k, m.vocab_size);
  if (k == 0) return;
  Impl::Chain chain;
  m.FindContexts(context, n, &chain);
  // A heap whose top is the worst of the best k so far.
  std::vector<Prediction>& heap = *out;
  heap.reserve(k);
  auto worse_on_top = [](const Prediction& a, const Prediction& b) { return Better(a, b); };
  for (int j = chain.length; j >= 0; --j) {
    const auto [b, end] = m.Children(j, chain.entry[j]);
    const std::vector<EntryIndex>& perm = m.by_prob[j];
    const std::vector<float>& lp = m.model.log_prob[j];
    const std::vector<WordId>& words = m.model.trie.levels[j].words;
    for (EntryIndex i = b; i < end; ++i) {
      const EntryIndex entry = perm[i];
      const float score = Impl::BackOff(lp[entry], j, chain);
      // Every later entry of this order scores at most this: nothing left
      // here can enter the best k.
      if (heap.size() == k && score < heap.front().log10_prob) break;
      const WordId w = words[entry];
      if (w == kBosId || (w == kUnkId && !options.include_unk)) continue;
      // A continuation of a longer context has that context's score: it was
      // visited there, or bounded out there.
      if (m.InLongerContext(chain, j, w)) continue;
      const Prediction cand{w, score};
      if (heap.size() < k) {
        heap.push_back(cand);
        std::push_heap(heap.begin(), heap.end(), worse_on_top);
      } else if (Better(cand, heap.front())) {
        std::pop_heap(heap.begin(), heap.end(), worse_on_top);
        heap.back() = cand;
        std::push_heap(heap.begin(), heap.end(), worse_on_top);
      }
    }
  }
  std::sort(heap.begin(), heap.end(), Better);
}

void NgramPredictor::Distribution(const WordId* context, size_t n, std::vector<float>* out) const {
  const Impl& m = *impl_;
  Impl::Chain chain;
  m.FindContexts(context, n, &chain);
  out->resize(m.vocab_size);
  const std::vector<float>& uni = m.model.log_prob[0];
  for (size_t w = 0; w < m.vocab_size; ++w) (*out)[w] = Impl::BackOff(uni[w], 0, chain);
  for (int j = 1; j <= chain.length; ++j) {
    const auto [b, end] = m.Children(j, chain.entry[j]);
    const std::vector<WordId>& words = m.model.trie.levels[j].words;
    const std::vector<float>& lp = m.model.log_prob[j];
    for (EntryIndex i = b; i < end; ++i) (*out)[words[i]] = Impl::BackOff(lp[i], j, chain);
  }
  (*out)[kBosId] = kNegInf;
}

PredictState NgramPredictor::StateOf(const WordId* context, size_t n) const {
  Impl::Chain chain;
  impl_->FindContexts(context, n, &chain);
  PredictState state;
  state.length = chain.length;
  for (int j = 1; j <= chain.length; ++j) state.entry[j - 1] = chain.entry[j];
  return state;
}

WordId NgramPredictor::Sample(const PredictState& in, uint64_t* rng, PredictState* out) const {
  const Impl& m = *impl_;
  assert(!m.cum.empty());
  Impl::Chain chain;  // the entries only: sampling needs no log10 backoffs
  chain.length = in.length;
  for (int j = 1; j <= in.length; ++j) chain.entry[j] = in.entry[j - 1];
  double total[kMaxOrder + 1];
  m.Totals(chain, total);
  int level;
  EntryIndex picked;
  const WordId w = m.SampleAt(chain, total, chain.length, rng, &level, &picked);
  // The contexts after w: (h_j w) for j < level are suffixes of the drawn
  // n-gram (h_level w), which is itself the longest (w was no continuation
  // of the longer contexts).
  const int longest = std::min(level + 1, m.order - 1);
  int length = 0;
  if (longest >= 1) {
    out->entry[0] = w;
    length = 1;
    for (int j = 2; j <= longest; ++j) {
      EntryIndex e;
      if (j == level + 1) {
        e = picked;
      } else if (!m.FindChild(j - 1, in.entry[j - 2], w, &e)) {
        break;  // not suffix-closed: stop at what the model holds
      }
      out->entry[j - 1] = e;
      length = j;
    }
  }
  out->length = length;
  return w;
}

WordId NgramPredictor::Sample(const WordId* context, size_t n, uint64_t* rng) const {
  PredictState state = StateOf(context, n), next;
  return Sample(state, rng, &next);
}

class UnitReader::Impl {
 public:
  std::unique_ptr<Tokenizer> tokenizer;
  const Vocabulary* vocab = nullptr;
  std::vector<std::string_view> units;
};

UnitReader::UnitReader() : impl_(std::make_unique<Impl>()) {}
UnitReader::~UnitReader() = default;

StatusOr<std::unique_ptr<UnitReader>> UnitReader::Create(const TokenizerSettings& settings,
                                                         const Vocabulary* vocab) {
  return GuardAlloc("creating the tokenizer", MemoryHint::kNone,
                    [&]() -> StatusOr<std::unique_ptr<UnitReader>> {
                      std::unique_ptr<UnitReader> r(new UnitReader());
                      GRAMS_ASSIGN_OR_RETURN(r->impl_->tokenizer, Tokenizer::Create(settings));
                      r->impl_->vocab = vocab;
                      return r;
                    });
}

Status UnitReader::Read(std::string_view line, bool bos, std::vector<WordId>* ids,
                        uint64_t line_offset) {
  Impl& r = *impl_;
  ids->clear();
  if (bos) ids->push_back(kBosId);
  Status s = r.tokenizer->Tokenize(line, /*newline=*/false, &r.units);
  if (!s.ok()) {
    return InvalidArgument("byte offset " +
                           std::to_string(line_offset + r.tokenizer->bad_offset()) +
                           ": invalid UTF-8");
  }
  for (std::string_view u : r.units) {
    const WordId id = r.vocab->Find(u);
    ids->push_back(id == Vocabulary::kNotFound ? kUnkId : id);
  }
  return Status::OK();
}

}  // namespace grams
