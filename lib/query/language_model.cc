// LanguageModel: per-order open-addressing hash tables for backoff queries.
//
// Unigrams are an array indexed by word id ({R(w), log10 prob, backoff}).
// Each order n >= 2 is a table of {key, log10 prob, log10 backoff} slots (two
// shards of ordered linear probing, load factor 0.75; query/ngram_hash.h),
// keyed by the polynomial hash of ngram_hash.h. Scoring a word probes
// orders 2, 3, ... until the first miss (models are suffix-closed), so the
// probe addresses of a sentence are known in advance and are prefetched a
// few words ahead.
//
// The tables live either in memory this process built (Create, and Load of
// a model file or ARPA) or in a mapped model file (Load of one), where they
// are probed in place: the query code sees the same views either way.
//
// A KenLM binary model is scored by query/kenlm_backend.h instead, by
// KenLM's rules: when Impl::kenlm is set, each public query hands over to
// it on its first line, and nothing below that line runs.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "grams/language_model.h"
#include "grams/model_io.h"
#include "format/binary_file.h"
#include "format/mapped_model.h"
#include "format/model_file.h"
#include "format/trie_codec.h"
#include "io/file.h"
#include "query/kenlm_backend.h"
#include "query/model_loader.h"
#include "query/ngram_hash.h"
#include "util/alloc_guard.h"
#include "util/huge_array.h"
#include "util/prefetch.h"
#include "util/threads.h"
#include "vocab/word_index.h"

namespace grams {

using query::Entry;
using query::FindSlot;
using query::kSlotBytes;
using query::kTopSlotBytes;
using query::MixKey;
using query::NonZero;
using query::ShardView;
using query::TableView;

namespace {

// A unigram record, as the mapped file stores it (kUnigramBytes).
struct Unigram {
  uint64_t rand;  // R(w)
  float prob;
  float backoff;
};
static_assert(sizeof(Unigram) == kUnigramBytes && alignof(Unigram) <= 8);

// Tokens looked up at once by ScoreImpl.
constexpr size_t kChunk = 256;

// The slot holding `mixed`, scanning from its home slot `s`, or nullptr
// (query::FindSlot, from a home already found). The keys of a scan that
// are below `mixed` come first, so the first four slots are compared at
// once, without a branch whose outcome the processor could not predict;
// the rare scan that goes further (an entry displaced by four slots or
// more) continues one slot at a time.
// A pointer with its low bit set is a home within four slots of the
// table's end: it is scanned one slot at a time.
template <size_t kStride>
inline const unsigned char* FindFrom(const unsigned char* s, uint64_t mixed) {
  const uint64_t m1 = mixed - 1;
  if (__builtin_expect(reinterpret_cast<uintptr_t>(s) & 1, 0)) {
    for (s -= 1;; s += kStride) {
      const uint64_t k = query::LoadKey(s);
      if (k - 1 >= m1) return k == mixed ? s : nullptr;
    }
  }
  // k - 1 < mixed - 1: a key below mixed (0, the empty slot, wraps around).
  const uint64_t k0 = query::LoadKey(s), k1 = query::LoadKey(s + kStride);
  const uint64_t k2 = query::LoadKey(s + 2 * kStride), k3 = query::LoadKey(s + 3 * kStride);
  const size_t below = static_cast<size_t>(k0 - 1 < m1) + static_cast<size_t>(k1 - 1 < m1) +
                       static_cast<size_t>(k2 - 1 < m1) + static_cast<size_t>(k3 - 1 < m1);
  if (__builtin_expect(below == 4, 0)) {
    for (s += 4 * kStride;; s += kStride) {
      const uint64_t k = query::LoadKey(s);
      if (k - 1 >= m1) return k == mixed ? s : nullptr;
    }
  }
  s += below * kStride;
  return query::LoadKey(s) == mixed ? s : nullptr;
}

}  // namespace

class LanguageModel::Impl {
 public:
  int order = 0;
  TokenizerSettings settings;
  std::vector<std::pair<std::string, std::string>> info;
  uint64_t seed = 0;
  uint64_t vocab_size = 0;
  const Unigram* uni = nullptr;
  std::vector<uint64_t> powers;  // P^k
  std::vector<TableView> tables;  // tables[n] for n >= 2
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

  // Sets `stupid` and its alpha from the info (the <s> backoff, log10 alpha
  // like every backoff of such a model, when the info has no alpha).
  void InitStupid() {
    stupid = kenlm == nullptr && order > 1 && InfoValue(info, "smoothing") == "stupid";
    if (!stupid) return;
    const std::string a = InfoValue(info, "stupid_alpha");
    char* end = nullptr;
    const double alpha = a.empty() ? 0.0 : std::strtod(a.c_str(), &end);
    stupid_log_alpha = alpha > 0 && std::isfinite(alpha) && end && *end == '\0'
                           ? static_cast<float>(std::log10(alpha))
                           : uni[kBosId].backoff;
  }

  // The index words are looked up in; false if there is none (a vocabulary
  // of 2^40 bytes or more: Vocabulary::Find then).
  bool Words() {
    std::call_once(words_once, [this] {
      if (mapped) {
        words = mapped->index();
        words_ok = true;
        return;
      }
      const size_t V = vocab.size();
      const char* base = vocab.Word(0).data();  // the words lie back to back, in id order
      std::vector<uint64_t> offsets(V + 1);
      for (WordId id = 0; id < V; ++id) offsets[id] = vocab.Word(id).data() - base;
      offsets[V] = vocab.arena_bytes();
      uint64_t count = 0;
      if (!BuildWordIndex(vocab, offsets, &word_slots, &count)) return;
      words.slots = word_slots.data();
      words.mask = count - 1;
      words.strings = base;
      words.string_bytes = vocab.arena_bytes();
      words.vocab_size = V;
      words.word = [](const void* owner, WordId id) {
        return static_cast<const Vocabulary*>(owner)->Word(id);
      };
      words.owner = &vocab;
      words_ok = true;
    });
    return words_ok;
  }

  // Sets up order, seed and unigram keys for a model built in memory.
  void Init(int n, size_t V, uint64_t s) {
    order = n;
    seed = s;
    vocab_size = V;
    uni_store.assign(V, Unigram{0, 0.0f, 0.0f});
    for (size_t w = 0; w < V; ++w) uni_store[w].rand = query::WordRandom(w, seed);
    uni = uni_store.data();
    InitPowers();
    tables.assign(order + 1, TableView());
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
    tables[n].shards[s] = ShardView{shards[i].slots, homes};
  }

  // Keys of order n from the keys of order n-1 and the trie level.
  static void Keys(const std::vector<uint64_t>& up, const TrieLevel& level,
                   const Unigram* uni, std::vector<uint64_t>* keys) {
    keys->resize(level.size());
    for (size_t i = 0; i < level.size(); ++i) {
      (*keys)[i] = NonZero(up[level.parents[i]] * query::kPolyBase + uni[level.words[i]].rand);
    }
  }

  // Builds every table from a whole Model under seed `s`; false on a key
  // collision.
  bool Build(const Model& model, uint64_t s) {
    Init(model.order(), model.vocab.size(), s);
    SetUnigrams(model.log_prob[0], model.order() > 1 ? model.log_backoff[0] : std::vector<float>());
    std::vector<uint64_t> keys[2];
    keys[1].resize(vocab_size);
    for (size_t w = 0; w < vocab_size; ++w) keys[1][w] = uni[w].rand;
    query::OrderBuilder builder;
    for (int n = 2; n <= order; ++n) {
      std::vector<uint64_t>& k = keys[n & 1];
      Keys(keys[(n - 1) & 1], model.trie.levels[n - 1], uni, &k);
      const float* lp = model.log_prob[n - 1].data();
      const std::vector<float>& lbo_v = model.log_backoff[n - 1];
      const float* lbo = n < order && !lbo_v.empty() ? lbo_v.data() : nullptr;
      builder.Start(k.size());
      RunOnThreads(2, [&](int h) {
        builder.Scatter(
            h, [&](size_t i) { return MixKey(k[i]); },
            [&](size_t i) {
              return Entry{MixKey(k[i]), lp[i], lbo ? lbo[i] : 0.0f};
            });
      });
      bool ok[2] = {true, true};
      RunOnThreads(2, [&](int t) {
        HugeArray<unsigned char> slots;
        uint64_t homes = 1, slot_count = 0, entries = 0;
        ok[t] = builder.Place(t, n == order ? kTopSlotBytes : kSlotBytes, &slots, &homes,
                              &slot_count, &entries);
        if (ok[t]) SetShard(n, t, std::move(slots), homes, slot_count, entries);
      });
      if (!ok[0] || !ok[1]) return false;
    }
    return true;
  }

  // Points the views at a mapped file's tables.
  Status Attach(std::unique_ptr<MappedModelFile> file) {
    const MappedModelParts& parts = file->parts();
    auto settings_or = TokenizerSettings::FromKeyValues(parts.settings);
    if (!settings_or.ok()) return settings_or.status().WithContext(file->name());
    settings = settings_or.value();
    info = parts.info;
    order = static_cast<int>(parts.order);
    seed = parts.seed;
    vocab_size = parts.vocab_size;
    uni = reinterpret_cast<const Unigram*>(parts.unigrams);
    InitPowers();
    tables.assign(order + 1, TableView());
    shards = parts.shards;
    for (int n = 2; n <= order; ++n) {
      for (int s = 0; s < 2; ++s) {
        const MappedModelParts::Shard& sh = shards[2 * (n - 2) + s];
        tables[n].shards[s] = ShardView{sh.slots, sh.homes};
      }
    }
    mapped = std::move(file);
    InitStupid();
    return Status::OK();
  }

  static StatusOr<std::unique_ptr<LanguageModel>> LoadModelStream(
      std::unique_ptr<io::InputStream> in);

  // The slot of `key` (unmixed) in the table of order n, or nullptr.
  const unsigned char* Find(int n, uint64_t key) const {
    const uint64_t mixed = MixKey(key);
    const ShardView& shard = tables[n].ShardOf(mixed);
    return n == order ? FindSlot<kTopSlotBytes>(shard, mixed) : FindSlot<kSlotBytes>(shard, mixed);
  }
};

LanguageModel::LanguageModel() : impl_(new Impl) {}
LanguageModel::~LanguageModel() = default;

StatusOr<std::unique_ptr<LanguageModel>> LanguageModel::Create(const Model& model) {
  if (model.order() < 1) return InvalidArgument("the model has no n-grams");
  return GuardAlloc("building the query tables",
                    [&]() -> StatusOr<std::unique_ptr<LanguageModel>> {
    std::unique_ptr<LanguageModel> lm(new LanguageModel());
    Impl& m = *lm->impl_;
    for (uint64_t seed = 0; seed < 8; ++seed) {
      if (m.Build(model, seed)) {
        m.settings = model.settings;
        m.vocab = model.vocab;
        m.info = model.info;
        m.InitStupid();
        return lm;
      }
    }
    return InternalError("64-bit n-gram key collisions persist after 8 seeds");
  });
}

// Loads a model file: query/model_loader.h decodes it and builds the tables
// on threads; they are adopted here.
StatusOr<std::unique_ptr<LanguageModel>> LanguageModel::Impl::LoadModelStream(
    std::unique_ptr<io::InputStream> in) {
  const bool reopenable = IsRegularFile(*in);
  const std::string path = in->name();
  GRAMS_ASSIGN_OR_RETURN(auto reader, ModelFileReader::Open(std::move(in)));
  query::LoadedModel loaded;
  GRAMS_RETURN_IF_ERROR(query::LoadModelFile(reader.get(), &loaded));
  if (loaded.collision) {
    // A 64-bit collision under the default seed (never observed): read the
    // whole model again and let Create() pick another seed.
    if (!reopenable) {
      return InternalError(path + ": 64-bit n-gram key collision; load the model from a "
                           "regular file (it can then be read twice)");
    }
    GRAMS_ASSIGN_OR_RETURN(Model whole, ReadModelFile(path));
    return Create(whole);
  }
  std::unique_ptr<LanguageModel> lm(new LanguageModel());
  Impl& m = *lm->impl_;
  m.vocab = std::move(loaded.vocab);
  m.settings = loaded.settings;
  m.info = std::move(loaded.info);
  m.Init(loaded.order, m.vocab.size(), /*seed=*/0);
  m.SetUnigrams(loaded.log_prob, loaded.log_backoff);
  for (int n = 2; n <= m.order; ++n) {
    for (int s = 0; s < 2; ++s) {
      query::LoadedShard& shard = loaded.shards[2 * (n - 2) + s];
      m.SetShard(n, s, std::move(shard.slots), shard.homes, shard.slot_count, shard.entries);
    }
  }
  m.InitStupid();
  return lm;
}

StatusOr<std::unique_ptr<LanguageModel>> LanguageModel::Load(const std::string& path) {
  return Load(path, LoadOptions());
}

StatusOr<std::unique_ptr<LanguageModel>> LanguageModel::Load(const std::string& path,
                                                             const LoadOptions& options) {
  const std::string name = path == "-" ? "<stdin>" : path;
  return GuardAlloc("loading " + name, [&]() -> StatusOr<std::unique_ptr<LanguageModel>> {
    std::unique_ptr<io::InputStream> in;
    GRAMS_ASSIGN_OR_RETURN(ModelFormat format, OpenModel(path, &in));
    switch (format) {
      case ModelFormat::kModelFile:
        return Impl::LoadModelStream(std::move(in));
      case ModelFormat::kMapped: {
        if (!IsRegularFile(*in)) {
          return InvalidArgument(
              name + ": a mapped model must be a regular, uncompressed file (it is mapped, not "
                     "read), not a pipe or a compressed file; give its path");
        }
        in.reset();
        MappedModelFile::Options mo;
        mo.verify_checksums = options.verify_checksums;
        mo.read_into_memory = options.read_into_memory;
        GRAMS_ASSIGN_OR_RETURN(auto file, MappedModelFile::Open(path, mo));
        std::unique_ptr<LanguageModel> lm(new LanguageModel());
        GRAMS_RETURN_IF_ERROR(lm->impl_->Attach(std::move(file)));
        return lm;
      }
      case ModelFormat::kKenlm: {
        GRAMS_ASSIGN_OR_RETURN(auto file,
                               OpenKenlmBinary(path, std::move(in), options.read_into_memory));
        if (options.verify_checksums) GRAMS_RETURN_IF_ERROR(file->Check());
        std::unique_ptr<LanguageModel> lm(new LanguageModel());
        Impl& m = *lm->impl_;
        m.order = file->order();
        m.info = KenlmModelInfo(*file);
        m.kenlm = std::make_unique<query::KenlmBackend>(std::move(file));
        return lm;
      }
      case ModelFormat::kArpa:
        break;
    }
    GRAMS_ASSIGN_OR_RETURN(Model model, ReadArpa(in.get(), nullptr));
    return Create(model);
  });
}

Status WriteMappedModel(const LanguageModel& model, const std::string& path) {
  const LanguageModel::Impl& m = *model.impl_;
  if (m.kenlm) {  // through a Model: the n-grams of a trie (a probing binary has none)
    return GuardAlloc("writing " + path, [&]() -> Status {
      GRAMS_ASSIGN_OR_RETURN(Model whole, KenlmToModel(m.kenlm->file()));
      return WriteMappedModel(whole, path);
    });
  }
  MappedModelParts parts;
  parts.order = static_cast<uint32_t>(m.order);
  parts.seed = m.seed;
  parts.vocab_size = m.vocab_size;
  parts.settings = m.settings.ToKeyValues();
  parts.info = m.info;
  parts.unigrams = reinterpret_cast<const unsigned char*>(m.uni);
  parts.shards = m.shards;
  return GuardAlloc("writing " + path,
                    [&] { return WriteMappedModelFile(parts, model.vocab(), path); });
}

Status WriteMappedModel(const Model& model, const std::string& path) {
  GRAMS_ASSIGN_OR_RETURN(auto lm, LanguageModel::Create(model));
  return WriteMappedModel(*lm, path);
}

int LanguageModel::order() const { return impl_->order; }
const TokenizerSettings& LanguageModel::settings() const { return impl_->settings; }

const Vocabulary& LanguageModel::vocab() const {
  Impl& m = *impl_;
  if (m.kenlm) return m.kenlm->vocab();
  if (m.mapped) {
    std::call_once(m.vocab_once, [&m] {
      std::vector<std::string_view> words(m.vocab_size);
      for (WordId id = 0; id < m.vocab_size; ++id) words[id] = m.mapped->Word(id);
      // A damaged file (words duplicated) keeps the reserved words only.
      if (!Vocabulary::FromWords(words, &m.vocab)) m.vocab = Vocabulary();
    });
  }
  return m.vocab;
}

const ModelInfo& LanguageModel::info() const { return impl_->info; }
std::string LanguageModel::Info(const std::string& key) const {
  return InfoValue(impl_->info, key);
}
bool LanguageModel::IsProbabilistic() const { return IsProperDistribution(impl_->info); }

WordId LanguageModel::Index(std::string_view word) const {
  Impl& m = *impl_;
  if (m.kenlm) return m.kenlm->Index(word);
  const WordId id = m.Words() ? m.words.Find(word) : m.vocab.Find(word);
  return id == Vocabulary::kNotFound ? kUnkId : id;
}

void LanguageModel::Index(const std::string_view* words, size_t n, WordId* ids) const {
  Impl& m = *impl_;
  if (m.kenlm) {
    for (size_t i = 0; i < n; ++i) ids[i] = m.kenlm->Index(words[i]);
    return;
  }
  if (m.Words()) {
    m.words.FindMany(words, n, ids);
  } else {
    for (size_t i = 0; i < n; ++i) ids[i] = m.vocab.Find(words[i]);
  }
  for (size_t i = 0; i < n; ++i) ids[i] = ids[i] == Vocabulary::kNotFound ? kUnkId : ids[i];
}

State LanguageModel::BeginSentenceState() const {
  if (impl_->kenlm) return impl_->kenlm->BeginSentenceState();
  State s;
  s.words[0] = kBosId;
  s.backoff[0] = impl_->uni[kBosId].backoff;
  s.length = impl_->order > 1 ? 1 : 0;
  return s;
}

State LanguageModel::NullContextState() const { return State(); }

float LanguageModel::Score(const State& in, WordId word, State* out) const {
  return FullScore(in, word, out).log_prob;
}

FullScoreResult LanguageModel::FullScore(const State& in, WordId word, State* out) const {
  const Impl& m = *impl_;
  if (m.kenlm) return m.kenlm->FullScore(in, word, out);
  const int N = m.order;
  const int L = std::min<int>(in.length, N - 1);
  if (word >= m.vocab_size) word = kUnkId;
  float prob = m.uni[word].prob;
  float bo[kMaxStateWords + 1];
  bo[0] = m.uni[word].backoff;
  int matched = 1;
  uint64_t key = m.uni[word].rand;
  for (int j = 2; j <= L + 1; ++j) {
    const WordId v = in.words[j - 2] < m.vocab_size ? in.words[j - 2] : kUnkId;
    key = NonZero(m.uni[v].rand * m.powers[j - 1] + key);
    const unsigned char* s = m.Find(j, key);
    if (!s) break;
    prob = query::LoadFloat(s + 8);
    bo[j - 1] = j < N ? query::LoadFloat(s + 12) : 0.0f;
    matched = j;
  }
  for (int j = matched; j <= L; ++j) prob += in.backoff[j - 1];
  int keep = std::min(matched, std::min(N - 1, kMaxStateWords));
  if (m.stupid) {  // keep the unmatched context too, each of its orders costing alpha
    const int full = std::min(L + 1, std::min(N - 1, kMaxStateWords));
    for (int j = keep; j < full; ++j) bo[j] = m.stupid_log_alpha;
    keep = std::max(keep, full);
  }
  State next;
  next.words[0] = word;
  for (int j = 1; j < keep; ++j) next.words[j] = in.words[j - 1];
  for (int j = 0; j < keep; ++j) next.backoff[j] = bo[j];
  next.length = static_cast<uint8_t>(keep);
  *out = next;
  FullScoreResult result;
  result.log_prob = prob;
  result.ngram_length = static_cast<uint8_t>(matched);
  result.oov = word == kUnkId;
  return result;
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

namespace {

// A shard as the lookups see it: where its scans may read four slots.
struct ShardScan {
  const unsigned char* slots;
  uint64_t homes;
  uint64_t fast_homes;  // homes h with h + 4 <= slot count
};

// ScoreImpl's scratch, one per thread.
struct ScoreScratch {
  std::vector<ShardScan> shards;
  std::vector<WordId> ext;
  std::vector<uint64_t> rnd;
  std::vector<uint32_t> pos;
  std::vector<uint8_t> ctx, first;
  uint64_t key[kChunk], mixed[kChunk];
  const unsigned char* slot[kChunk];
  uint32_t active[kChunk], next[kChunk];
  uint8_t matched[kChunk];
  float prob[kChunk];
  std::vector<float> bo;
};

}  // namespace

void LanguageModel::ScoreImpl(const WordId* ids, const size_t* ends, size_t count, bool bos,
                              float* out, uint8_t* ngram_length) const {
  const Impl& m = *impl_;
  if (m.kenlm) return m.kenlm->ScoreSentences(ids, ends, count, bos, out, ngram_length);
  const int N = m.order;
  const Unigram* const uni = m.uni;
  const size_t total = count ? ends[count - 1] : 0;
  if (total == 0) return;
  thread_local ScoreScratch scratch;
  ScoreScratch& z = scratch;
  // ext holds each sentence after its own <s> (with bos), rnd the R(w) of
  // each of its words; token g sits at ext[pos[g]] with ctx[g] words of
  // history (capped at N-1) before it, and first[g] says whether it starts
  // its sentence. Ids outside the vocabulary are scored as <unk>.
  const size_t E = total + (bos ? count : 0);
  z.ext.resize(E);
  z.rnd.resize(E);
  z.pos.resize(total);
  z.ctx.resize(total);
  z.first.resize(total);
  WordId* const ext = z.ext.data();
  uint64_t* const rnd = z.rnd.data();
  uint32_t* const pos = z.pos.data();
  uint8_t* const ctx = z.ctx.data();
  uint8_t* const first = z.first.data();
  {
    size_t e = 0, g = 0;
    for (size_t s = 0; s < count; ++s) {
      if (bos) ext[e++] = kBosId;
      for (size_t k = 0; g < ends[s]; ++g, ++k) {
        pos[g] = static_cast<uint32_t>(e);
        ctx[g] = static_cast<uint8_t>(std::min<size_t>(N - 1, bos ? k + 1 : k));
        first[g] = k == 0;
        ext[e++] = ids[g] < m.vocab_size ? ids[g] : kUnkId;
      }
    }
    constexpr size_t kAhead = 16;
    for (e = 0; e < E && e < kAhead; ++e) ::grams::Prefetch(&uni[ext[e]]);
    for (e = 0; e < E; ++e) {
      if (e + kAhead < E) ::grams::Prefetch(&uni[ext[e + kAhead]]);
      rnd[e] = uni[ext[e]].rand;
    }
  }
  z.shards.resize(2 * static_cast<size_t>(std::max(0, N - 1)));
  ShardScan* const shards = z.shards.data();
  for (size_t k = 0; k < z.shards.size(); ++k) {
    const MappedModelParts::Shard& sh = m.shards[k];
    shards[k] = ShardScan{sh.slots, sh.homes,
                          std::min(sh.homes, sh.slot_count >= 3 ? sh.slot_count - 3 : 0)};
  }

  // The tokens are looked up in chunks, order by order: every key of an
  // order is computed and its slot prefetched, then the slots are read, so
  // that the cache misses of a chunk overlap (a few hundred lookups are
  // under way where one token's would be). As before, a token's lookups stop
  // at its first miss; and a token is looked up at order j+1 only if the
  // token before it matched order j or more. That skips only lookups that
  // would miss: if the (i+1)-gram ending at t is in the model for every i <
  // j+1, so is its prefix, the i-gram ending at t-1 (a model is a trie:
  // every prefix of an n-gram is in it), so t-1 matched order j.
  const size_t row = static_cast<size_t>(std::max(1, N - 1));  // backoffs of orders 1..N-1
  z.bo.resize((kChunk + 2) * row);
  float* const bo = z.bo.data();
  float* const carry = bo + kChunk * row;  // the row of the token before the chunk
  float* const bos_row = carry + row;      // the row of <s>
  bos_row[0] = uni[kBosId].backoff;
  uint64_t* const key = z.key;
  uint64_t* const mixed = z.mixed;
  const unsigned char** const slot = z.slot;
  uint8_t* const matched = z.matched;
  float* const prob = z.prob;
  uint32_t* active = z.active;
  uint32_t* next = z.next;

  int last_matched = 0;         // the match of the token before the chunk
  const float* prev = bos_row;  // the row of the token before, and its orders in use
  int prev_matched = 0;
  size_t s = 0;
  for (size_t c0 = 0; c0 < total; c0 += kChunk) {
    const size_t B = std::min(total - c0, kChunk);
    // Order 1, and the tokens that may match order 2.
    size_t na = 0;
    for (size_t i = 0; i < B; ++i) {
      const Unigram& u = uni[ext[pos[c0 + i]]];
      key[i] = u.rand;
      prob[i] = u.prob;
      bo[i * row] = u.backoff;
      matched[i] = 1;
      active[na] = static_cast<uint32_t>(i);
      na += ctx[c0 + i] >= 1;
    }
    for (int j = 2; j <= N && na > 0; ++j) {
      const size_t stride = j == N ? kTopSlotBytes : kSlotBytes;
      const ShardScan* const shard = &shards[2 * (j - 2)];
      const uint64_t power = m.powers[j - 1];
      for (size_t a = 0; a < na; ++a) {
        const uint32_t i = active[a];
        const uint64_t k = NonZero(rnd[pos[c0 + i] - j + 1] * power + key[i]);
        key[i] = k;
        const uint64_t x = MixKey(k);
        const ShardScan& sh = shard[x & 1];
        const uint64_t home = query::Reduce(x, sh.homes);
        const unsigned char* p = sh.slots + home * stride;
        ::grams::Prefetch(p);
        ::grams::Prefetch(p + 3 * stride + 7);
        // A home near the table's end is marked (its low bit, slots being
        // 4-aligned) for the scan that reads one slot at a time.
        slot[a] = reinterpret_cast<const unsigned char*>(reinterpret_cast<uintptr_t>(p) |
                                                         (home >= sh.fast_homes));
        mixed[a] = x;
      }
      size_t nn = 0;
      const bool top = j == N;
      for (size_t a = 0; a < na; ++a) {
        const uint32_t i = active[a];
        const unsigned char* p = top ? FindFrom<kTopSlotBytes>(slot[a], mixed[a])
                                     : FindFrom<kSlotBytes>(slot[a], mixed[a]);
        if (!p) continue;
        prob[i] = query::LoadFloat(p + 8);
        if (!top) bo[i * row + (j - 1)] = query::LoadFloat(p + 12);
        matched[i] = static_cast<uint8_t>(j);
        const size_t g = c0 + i;
        const int before = first[g] ? 1 : i > 0 ? matched[i - 1] : last_matched;
        next[nn] = i;
        nn += ctx[g] >= j && before >= j;
      }
      std::swap(active, next);
      na = nn;
    }
    // The backoffs, in input order: the row of the token before holds the
    // backoffs of the n-grams ending there, for the orders it matched (the
    // longer ones are absent, models being suffix-closed).
    for (size_t i = 0; i < B; ++i) {
      const size_t t = c0 + i;
      while (t == (s ? ends[s - 1] : 0) && s < count) {  // a new sentence: context <s>
        prev = bos_row;
        prev_matched = bos ? 1 : 0;
        ++s;
      }
      float p = prob[i];
      const int mt = matched[i];
      const int top = std::min<int>(ctx[t], prev_matched);
      for (int j = mt; j <= top; ++j) p += prev[j - 1];
      // Stupid Backoff: the orders of the context beyond what the token
      // before matched are not in the model; each costs alpha all the same.
      if (m.stupid) {
        for (int j = std::max(mt, top + 1); j <= ctx[t]; ++j) p += m.stupid_log_alpha;
      }
      out[t] = p;
      if (ngram_length) ngram_length[t] = static_cast<uint8_t>(mt);
      prev = bo + i * row;
      prev_matched = std::min(mt, N - 1);
    }
    last_matched = matched[B - 1];
    if (prev != bos_row) {
      std::memmove(carry, prev, sizeof(float) * static_cast<size_t>(prev_matched));
      prev = carry;
    }
  }
}

}  // namespace grams
