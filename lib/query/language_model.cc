// LanguageModel: building, loading and mapping the query tables
// (language_model_impl.h has their layout), and the public queries; whole
// sentences are scored by ScoreImpl in score_kernel.cc. Words are looked up
// in the index of vocab/word_index.h.
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "format/binary_file.h"
#include "format/mapped_model.h"
#include "format/model_file.h"
#include "format/trie_codec.h"
#include "grams/language_model.h"
#include "grams/model_io.h"
#include "io/file.h"
#include "query/kenlm_backend.h"
#include "query/language_model_impl.h"
#include "query/model_loader.h"
#include "query/ngram_hash.h"
#include "tokenize/tokenizer.h"
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

LanguageModel::LanguageModel() : impl_(new Impl) {}
LanguageModel::~LanguageModel() = default;

bool LanguageModel::Impl::Words() {
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

void LanguageModel::Impl::InitStupid() {
  stupid = kenlm == nullptr && order > 1 && !IsProperDistribution(info);
  if (stupid) stupid_log_alpha = StupidLogAlpha(info, uni[kBosId].backoff);
}

bool LanguageModel::Impl::Build(const Model& model, uint64_t s) {
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
      ok[t] = builder.Place(t, n == order ? kTopSlotBytes : kSlotBytes, &slots, &homes, &slot_count,
                            &entries);
      if (ok[t]) SetShard(n, t, std::move(slots), homes, slot_count, entries);
    });
    if (!ok[0] || !ok[1]) return false;
  }
  return true;
}

Status LanguageModel::Impl::Attach(std::unique_ptr<MappedModelFile> file) {
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
  if (parts.kind == kMappedKindTrie) {
    packed = std::make_unique<query::PackedTrie>(order);
    for (int n = 2; n <= order; ++n) packed->level(n) = parts.PackedOrder(n);
    tables_ready.store(false, std::memory_order_release);
  }
  for (int n = 2; n <= order && !packed; ++n) {
    for (int s = 0; s < 2; ++s) {
      const MappedModelParts::Shard& sh = shards[2 * (n - 2) + s];
      tables[n].shards[s] = ShardView{sh.slots, sh.homes};
    }
  }
  mapped = std::move(file);
  InitStupid();
  return Status::OK();
}

StatusOr<std::unique_ptr<LanguageModel>> LanguageModel::Create(const Model& model) {
  if (model.order() < 1) return InvalidArgument("the model has no n-grams");
  return GuardAlloc("building the query tables", [&]() -> StatusOr<std::unique_ptr<LanguageModel>> {
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

// Tokens per n-gram the trie answers before a build starts when the queries
// keep every core busy (LoadOptions::cores_busy). The build's CPU is about
// 35 ns an n-gram, and the tables save about 18 ns a token over the trie
// (brown order 5, 5x brown train), so they pay for themselves after about
// 2 tokens an n-gram; starting then costs at most twice the best choice in
// hindsight, whatever the input's length (the rent-or-buy rule).
constexpr uint64_t kBusyBuildTokensPerNgram = 2;

// Loads a model file: query/model_loader.h decodes its trie, which answers
// the queries at once; the tables are built from it as options.tables,
// options.build_after_tokens and options.cores_busy say.
StatusOr<std::unique_ptr<LanguageModel>> LanguageModel::Impl::LoadModelStream(
    std::unique_ptr<io::InputStream> in, const LoadOptions& options) {
  GRAMS_ASSIGN_OR_RETURN(auto reader, ModelFileReader::Open(std::move(in)));
  query::LoadedModel loaded;
  GRAMS_RETURN_IF_ERROR(query::LoadModelFile(reader.get(), &loaded));
  std::unique_ptr<LanguageModel> lm(new LanguageModel());
  Impl& m = *lm->impl_;
  m.vocab = std::move(loaded.vocab);
  m.settings = loaded.settings;
  m.info = std::move(loaded.info);
  m.Init(loaded.order, m.vocab.size(), /*seed=*/0);
  m.SetUnigrams(loaded.log_prob, loaded.log_backoff);
  m.InitStupid();
  if (m.order < 2) return lm;  // no tables
  m.trie = std::move(loaded.trie);
  m.tables_ready.store(false, std::memory_order_release);
  switch (options.tables) {
    case LoadOptions::Tables::kInBackground:
      m.build_after = options.build_after_tokens;
      if (options.cores_busy) {
        uint64_t ngrams = 0;
        for (int n = 2; n <= m.order; ++n) ngrams += m.trie->level(n).size;
        m.build_after = std::max(m.build_after, kBusyBuildTokensPerNgram * ngrams);
      }
      if (m.build_after == 0) m.StartBuild();
      break;
    case LoadOptions::Tables::kBeforeReturning:
      GRAMS_RETURN_IF_ERROR(m.WaitTables());
      break;
    case LoadOptions::Tables::kNever:
      break;
  }
  return lm;
}

namespace {

// The trie locks of the models alive, for the fork handlers
// (language_model_impl.h, Impl()).
std::mutex models_mu;
std::vector<std::mutex*>& TrieLocks() {
  static auto* locks = new std::vector<std::mutex*>();
  return *locks;
}

void LockAllForFork() {
  models_mu.lock();
  for (std::mutex* mu : TrieLocks()) mu->lock();
}

void UnlockAllAfterFork() {
  for (std::mutex* mu : TrieLocks()) mu->unlock();
  models_mu.unlock();
}

std::atomic<int> build_start_hold_ms{0};

}  // namespace

LanguageModel::Impl::Impl() {
  static const int handlers =
      pthread_atfork(LockAllForFork, UnlockAllAfterFork, UnlockAllAfterFork);
  (void)handlers;
  std::lock_guard<std::mutex> lock(models_mu);
  TrieLocks().push_back(&trie_mu);
}

void SetBuildStartHoldForTesting(int milliseconds) {
  build_start_hold_ms.store(milliseconds, std::memory_order_relaxed);
}

LanguageModel::Impl::~Impl() {
  {
    std::lock_guard<std::mutex> lock(models_mu);
    std::vector<std::mutex*>& locks = TrieLocks();
    locks.erase(std::find(locks.begin(), locks.end(), &trie_mu));
  }
  cancel_build.store(true, std::memory_order_relaxed);
  if (build_pid == static_cast<int64_t>(getpid())) {
    try {
      build_thread.Join();
    } catch (...) {  // a build that failed: nothing is left to free
    }
  }
}

Status LanguageModel::Impl::BuildFromTrie() {
  std::shared_ptr<const query::ModelTrie> t;
  {
    std::lock_guard<std::mutex> lock(trie_mu);
    t = trie;
    if (const int hold = build_start_hold_ms.load(std::memory_order_relaxed); hold > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(hold));
    }
  }
  if (!t) return Status::OK();  // built already
  for (uint64_t s = 0; s < 8; ++s) {
    std::vector<query::LoadedShard> built;
    const query::BuildResult result = query::BuildTables(*t, s, cancel_build, &built);
    if (result == query::BuildResult::kCancelled)
      return InternalError("the table build was stopped");
    if (result == query::BuildResult::kCollision) continue;  // never observed
    // The trie's queries read no key: the keys of another seed can be
    // written under them.
    if (s != seed) {
      for (size_t w = 0; w < uni_store.size(); ++w) uni_store[w].rand = query::WordRandom(w, s);
      seed = s;
    }
    for (int n = 2; n <= order; ++n) {
      for (int h = 0; h < 2; ++h) {
        query::LoadedShard& shard = built[2 * (n - 2) + h];
        SetShard(n, h, std::move(shard.slots), shard.homes, shard.slot_count, shard.entries);
      }
    }
    tables_ready.store(true, std::memory_order_release);
    std::lock_guard<std::mutex> lock(trie_mu);
    trie.reset();
    return Status::OK();
  }
  return InternalError("64-bit n-gram key collisions persist after 8 seeds");
}

void LanguageModel::Impl::StartBuild() {
  std::lock_guard<std::mutex> lock(build_mu);
  if (build_pid != -1 || tables_ready.load(std::memory_order_acquire)) return;
  build_pid = static_cast<int64_t>(getpid());
  build_thread.Start([this] { (void)BuildFromTrie(); });
}

Status LanguageModel::Impl::WaitTables() {
  if (tables_ready.load(std::memory_order_acquire)) return Status::OK();
  std::lock_guard<std::mutex> lock(build_mu);
  build_requested.store(true, std::memory_order_relaxed);  // no build starts after this one
  if (build_pid == static_cast<int64_t>(getpid())) {
    try {
      build_thread.Join();
    } catch (...) {  // built again below, where the error is reported
    }
  }
  if (tables_ready.load(std::memory_order_acquire)) return Status::OK();
  return GuardAlloc("building the query tables", [this] { return BuildFromTrie(); });
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
        return Impl::LoadModelStream(std::move(in), options);
      case ModelFormat::kMapped: {
        if (!IsRegularFile(*in)) return MappedModelNotAFile(name);
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
    GRAMS_ASSIGN_OR_RETURN(Model model, ReadArpa(in.get(), options.warn, options.lenient_arpa));
    return Create(model);
  });
}

Status WriteMappedModel(const LanguageModel& model, const std::string& path) {
  const LanguageModel::Impl& m = *model.impl_;
  if (m.mixture) {
    return InvalidArgument(
        "a dynamic mixture has no tables of its own to write (grams-mix -o writes the static "
        "mixture)");
  }
  // Through a Model: the n-grams of a KenLM trie (a probing binary has
  // none) or of the trie layout.
  if (m.kenlm || m.packed) {
    return GuardAlloc("writing " + path, [&]() -> Status {
      GRAMS_ASSIGN_OR_RETURN(
          Model whole, m.kenlm ? KenlmToModel(m.kenlm->file()) : MappedTrieToModel(*m.mapped));
      return WriteMappedModel(whole, path);
    });
  }
  GRAMS_RETURN_IF_ERROR(model.impl_->WaitTables());
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

namespace {

// The trie layout's sections of a model (query/packed_trie.h).
Status WriteMappedTrie(const Model& model, const std::string& path) {
  const int N = model.order();
  const uint64_t V = model.vocab.size();
  if (N < 1) return InvalidArgument("the model has no n-grams");
  std::vector<Unigram> uni(V);
  const std::vector<float>* backoff = N > 1 ? &model.log_backoff[0] : nullptr;
  for (uint64_t w = 0; w < V; ++w) {
    uni[w].rand = query::WordRandom(w, 0);
    uni[w].prob = model.log_prob[0][w];
    uni[w].backoff = backoff && w < backoff->size() ? (*backoff)[w] : 0.0f;
  }
  MappedModelParts parts;
  parts.kind = kMappedKindTrie;
  parts.order = static_cast<uint32_t>(N);
  parts.vocab_size = V;
  parts.settings = model.settings.ToKeyValues();
  parts.info = model.info;
  parts.unigrams = reinterpret_cast<const unsigned char*>(uni.data());
  const size_t levels = static_cast<size_t>(N - 1);
  std::vector<std::vector<unsigned char>> first(levels), words(levels);
  std::vector<std::vector<float>> values(levels);
  for (int n = 2; n <= N; ++n) {
    const TrieLevel& level = model.trie.levels[n - 1];
    const uint64_t m = level.size(), lower = model.trie.levels[n - 2].size();
    if (m > UINT32_MAX || lower >= UINT32_MAX) {
      return InvalidArgument(path + ": order " + std::to_string(n) +
                             " has too many n-grams for the trie layout");
    }
    std::vector<uint32_t> starts(lower + 1, 0);
    for (EntryIndex p : level.parents) ++starts[p + 1];
    for (uint64_t p = 0; p < lower; ++p) starts[p + 1] += starts[p];
    const size_t i = static_cast<size_t>(n - 2);
    query::PackFirst(starts.data(), lower + 1, &first[i]);
    query::PackBits(level.words.data(), m, query::WordBits(V), &words[i]);
    const std::vector<float>& lp = model.log_prob[n - 1];
    const std::vector<float>& lbo = model.log_backoff[n - 1];
    const size_t stride = n < N ? 2 : 1;
    values[i].resize(m * stride);
    for (uint64_t e = 0; e < m; ++e) {
      values[i][e * stride] = lp[e];
      if (stride == 2) values[i][e * stride + 1] = e < lbo.size() ? lbo[e] : 0.0f;
    }
    MappedModelParts::TrieLevel l;
    l.first = first[i].data();
    l.first_bytes = first[i].size();
    l.words = words[i].data();
    l.word_bits = query::WordBits(V);
    l.values = values[i].data();
    l.entries = m;
    parts.levels.push_back(l);
  }
  return WriteMappedModelFile(parts, model.vocab, path);
}

}  // namespace

Status WriteMappedModel(const Model& model, const std::string& path, MappedLayout layout) {
  if (layout == MappedLayout::kProbing) return WriteMappedModel(model, path);
  return GuardAlloc("writing " + path, [&] { return WriteMappedTrie(model, path); });
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
bool LanguageModel::TablesReady() const {
  return impl_->tables_ready.load(std::memory_order_acquire);
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

void LanguageModel::IndexWords(std::string_view text, std::vector<std::string_view>* words,
                               std::vector<WordId>* ids) const {
  Impl& m = *impl_;
  const size_t first = ids->size();
  if (m.kenlm) {
    SplitWords(text, [&](std::string_view w) {
      words->push_back(w);
      ids->push_back(m.kenlm->Index(w));
    });
    return;
  }
  if (m.Words()) {
    m.words.FindWords(text, words, ids, kUnkId);
    return;
  }
  SplitWords(text, [&](std::string_view w) {
    words->push_back(w);
    ids->push_back(m.vocab.Find(w));
  });
  for (size_t i = first; i < ids->size(); ++i) {
    if ((*ids)[i] == Vocabulary::kNotFound) (*ids)[i] = kUnkId;
  }
}

State LanguageModel::BeginSentenceState() const {
  if (impl_->kenlm) return impl_->kenlm->BeginSentenceState();
  if (impl_->mixture) return impl_->mixture->BeginSentenceState();
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

namespace {

// FullScore's lookups in a trie (query/model_trie.h, query/packed_trie.h):
// the longest n-gram of the context (`in`) and `word` that the trie holds,
// its probability into *prob and the backoffs of the orders it matched into
// bo[1..]; returns its order (1 if none longer than the word).
template <class Trie>
int TrieMatch(const Trie& trie, int N, size_t vocab_size, const State& in, WordId word, float* prob,
              float* bo) {
  const int L = std::min<int>(in.length, N - 1);
  // The n-gram of order j is the last j words of ngram[]: the context,
  // oldest first, then the word.
  WordId ngram[kMaxStateWords + 1];
  for (int j = 0; j < L; ++j) {
    const WordId v = in.words[j];
    ngram[L - 1 - j] = v < vocab_size ? v : kUnkId;
  }
  ngram[L] = word;
  int matched = 1;
  for (int j = 2; j <= L + 1; ++j) {
    EntryIndex e;
    if (!query::FindInTrie(trie, ngram + L + 1 - j, j, &e)) break;
    const float* const v = trie.level(j).Values(e);
    *prob = v[0];
    bo[j - 1] = j < N ? v[1] : 0.0f;
    matched = j;
  }
  return matched;
}

}  // namespace

FullScoreResult LanguageModel::FullScore(const State& in, WordId word, State* out) const {
  const Impl& m = *impl_;
  if (m.kenlm) return m.kenlm->FullScore(in, word, out);
  if (m.mixture) return m.mixture->FullScore(in, word, out);
  const int N = m.order;
  const int L = std::min<int>(in.length, N - 1);
  if (word >= m.vocab_size) word = kUnkId;
  float prob = m.uni[word].prob;
  float bo[kMaxStateWords + 1];
  bo[0] = m.uni[word].backoff;
  int matched = 1;
  if (__builtin_expect(!m.tables_ready.load(std::memory_order_acquire), 0)) {
    if (m.packed) {
      matched = TrieMatch(*m.packed, N, m.vocab_size, in, word, &prob, bo);
      return Impl::FinishScore(m, in, word, prob, bo, matched, out);
    }
    if (const auto trie = m.TrieUntilReady()) {
      m.NoteTrieTokens(1);
      matched = TrieMatch(*trie, N, m.vocab_size, in, word, &prob, bo);
      return Impl::FinishScore(m, in, word, prob, bo, matched, out);
    }
  }
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
  return Impl::FinishScore(m, in, word, prob, bo, matched, out);
}

// FullScore's end, once the longest n-gram that matched is known: the
// backoffs of the context's longer orders added, and the next state.
FullScoreResult LanguageModel::Impl::FinishScore(const Impl& m, const State& in, WordId word,
                                                 float prob, float* bo, int matched, State* out) {
  const int N = m.order;
  const int L = std::min<int>(in.length, N - 1);
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

}  // namespace grams
