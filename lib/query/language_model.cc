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
#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

#include "grams/language_model.h"
#include "grams/model_io.h"
#include "format/binary_file.h"
#include "format/mapped_model.h"
#include "format/model_file.h"
#include "format/trie_codec.h"
#include "io/file.h"
#include "query/model_loader.h"
#include "query/ngram_hash.h"
#include "util/alloc_guard.h"
#include "util/huge_array.h"
#include "util/prefetch.h"
#include "util/threads.h"

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

constexpr int kPrefetchWords = 4;

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
  void Prefetch(int n, uint64_t key) const {
    const uint64_t mixed = MixKey(key);
    query::PrefetchSlot(tables[n].ShardOf(mixed), mixed, n == order ? kTopSlotBytes : kSlotBytes);
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
      case ModelFormat::kArpa:
        break;
    }
    GRAMS_ASSIGN_OR_RETURN(Model model, ReadArpa(in.get(), nullptr));
    return Create(model);
  });
}

Status WriteMappedModel(const LanguageModel& model, const std::string& path) {
  const LanguageModel::Impl& m = *model.impl_;
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
  const Impl& m = *impl_;
  const WordId id = m.mapped ? m.mapped->Find(word) : m.vocab.Find(word);
  return id == Vocabulary::kNotFound ? kUnkId : id;
}

State LanguageModel::BeginSentenceState() const {
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
  const int keep = std::min(matched, std::min(N - 1, kMaxStateWords));
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

void LanguageModel::ScoreImpl(const WordId* ids, const size_t* ends, size_t count, bool bos,
                              float* out, uint8_t* ngram_length) const {
  const Impl& m = *impl_;
  const int N = m.order;
  const Unigram* uni = m.uni;
  const size_t total = count ? ends[count - 1] : 0;
  // ext holds each sentence after its own <s> (with bos); token g sits at
  // ext[pos[g]] with ctx[g] words of history (capped at N-1) before it. Ids
  // outside the vocabulary are scored as <unk>.
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
      ext[e++] = ids[g] < m.vocab_size ? ids[g] : kUnkId;
    }
  }
  auto prefetch = [&](size_t t) {
    const size_t p = pos[t];
    uint64_t key = uni[ext[p]].rand;
    for (int j = 2; j <= ctx[t] + 1; ++j) {
      key = NonZero(uni[ext[p - j + 1]].rand * m.powers[j - 1] + key);
      m.Prefetch(j, key);
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
      prev_bo[1] = uni[kBosId].backoff;
      prev_matched = bos ? 1 : 0;
      ++s;
    }
    const size_t p = pos[t];
    const WordId w = ext[p];
    const int L = ctx[t];
    float prob = uni[w].prob;
    cur_bo[1] = uni[w].backoff;
    int matched = 1;
    uint64_t key = uni[w].rand;
    for (int j = 2; j <= L + 1; ++j) {
      key = NonZero(uni[ext[p - j + 1]].rand * m.powers[j - 1] + key);
      const unsigned char* slot = m.Find(j, key);
      if (!slot) break;
      prob = query::LoadFloat(slot + 8);
      cur_bo[j] = j < N ? query::LoadFloat(slot + 12) : 0.0f;
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
