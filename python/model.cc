// grams.Model and its companions: the KenLM module's API (Model, State,
// FullScoreReturn, Config, LoadMethod) on a grams LanguageModel, plus batch
// scoring on threads, corpus perplexity, the vocabulary and n-gram lookup.
#include "model.h"

#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "grams/types.h"
#include "ngram_lookup.h"
#include "self.h"
#include "state.h"

namespace grams::python {
namespace {

// Models whose text is split exactly as KenLM's module splits it.
bool IsPlain(const TokenizerSettings& s) {
  return s.unit == Unit::kWord && s.normalize == Normalization::kNone && !s.case_fold &&
         s.boundaries == Boundaries::kLine;
}

// Tokens scored per ScoreSentences call in batches: enough to keep the
// prefetcher ahead, small enough to stay in cache (as scorer.cc).
constexpr size_t kBatchTokens = 4096;

}  // namespace

// ------------------------------------------------------------------ Tokens

Tokens::Tokens(const LanguageModel* lm)
    : lm_(lm),
      plain_(IsPlain(lm->settings())),
      stream_(lm->settings().boundaries == Boundaries::kNone) {
  if (!plain_) scorer_ = std::make_unique<TextScorer>(lm);
}

Status Tokens::Sentence(std::string_view text, std::vector<WordId>* ids) {
  ids->clear();
  if (plain_) {
    // The split and the lookups in one pass, their cache misses overlapped.
    words_.clear();
    lm_->IndexWords(text, &words_, ids);
    return Status::OK();
  }
  scorer_->Clear();
  if (!stream_) {
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    GRAMS_RETURN_IF_ERROR(scorer_->Add(text, /*newline=*/false));
  } else {
    for (size_t start = 0; start < text.size();) {
      size_t newline = text.find('\n', start);
      const bool has_newline = newline != std::string_view::npos;
      if (!has_newline) newline = text.size();
      GRAMS_RETURN_IF_ERROR(scorer_->Add(text.substr(start, newline - start), has_newline, start));
      start = newline + 1;
    }
  }
  // The units are read back through Get(), which needs scores.
  scorer_->Score();
  for (size_t i = 0; i < scorer_->size(); ++i) {
    scorer_->Get(i, &line_);
    for (std::string_view unit : line_.words) ids->push_back(lm_->Index(unit));
  }
  scorer_->Clear();
  return Status::OK();
}

double ScoreIds(const LanguageModel& lm, const std::vector<WordId>& ids, bool bos,
                std::vector<float>* scratch) {
  if (ids.empty()) return 0;
  scratch->resize(ids.size());
  if (bos) {
    lm.ScoreSentence(ids.data(), ids.size(), scratch->data());
  } else {
    lm.ScoreSpan(ids.data(), ids.size(), scratch->data());
  }
  double total = 0;
  for (float f : *scratch) total += f;
  return total;
}

// ----------------------------------------------------------------- PyModel

std::shared_ptr<PyModel> PyModel::Load(py::handle path_arg, const std::string& tables) {
  const std::string path = PathOf(path_arg, "path");
  LoadOptions options;
  if (tables == "first") {
    options.tables = LoadOptions::Tables::kBeforeReturning;
  } else if (tables == "never") {
    options.tables = LoadOptions::Tables::kNever;
  } else if (tables != "background") {
    ThrowValueError("tables must be 'background', 'first' or 'never', not '" + tables + "'");
  }
  // KenLM keeps os.path.abspath(path), as bytes: pickling reloads it.
  py::bytes absolute = py::module_::import("os.path").attr("abspath")(py::bytes(path));
  auto loaded = [&] {
    py::gil_scoped_release release;
    return LanguageModel::Load(path, options);
  }();
  std::shared_ptr<PyModel> model(new PyModel());
  model->lm_ = Unwrap(std::move(loaded), ErrorKind::kFile);
  model->path_ = std::string(absolute);
  model->Init();
  return model;
}

std::shared_ptr<PyModel> PyModel::FromModel(std::shared_ptr<const Model> data) {
  auto created = [&] {
    py::gil_scoped_release release;
    return LanguageModel::Create(*data);
  }();
  std::shared_ptr<PyModel> model(new PyModel());
  model->lm_ = Unwrap(std::move(created), ErrorKind::kValue);
  model->data_ = std::move(data);
  model->Init();
  return model;
}

std::shared_ptr<PyModel> PyModel::FromMixture(const std::vector<std::shared_ptr<PyModel>>& members,
                                              const std::vector<double>& weights) {
  std::vector<std::shared_ptr<const LanguageModel>> lms;
  for (const auto& member : members) {
    if (!member) ThrowTypeError("Mixture: every model must be a grams.Model");
    // Shares the member's ownership: the member lives as long as the mixture.
    lms.emplace_back(member, &member->lm());
  }
  auto created = [&] {
    py::gil_scoped_release release;
    return CreateMixture(std::move(lms), weights);
  }();
  std::shared_ptr<PyModel> model(new PyModel());
  model->lm_ = Unwrap(std::move(created), ErrorKind::kValue);
  model->members_ = members;
  model->Init();
  return model;
}

const NgramPredictor& PyModel::Predictor() {
  if (predictor_) return *predictor_;
  if (!members_.empty()) {
    ThrowValueError(
        "predict() and generate() take a single model, not a dynamic mixture (write the "
        "static mixture with grams-mix -o and load that)");
  }
  if (!data_ && !path_) ThrowValueError("this model has no n-grams to predict from");
  auto made = [&]() -> StatusOr<std::unique_ptr<NgramPredictor>> {
    py::gil_scoped_release release;
    PredictorOptions options;
    options.sampling = true;
    if (data_) return NgramPredictor::Create(*data_, options);
    GRAMS_ASSIGN_OR_RETURN(Model whole, LoadModel(*path_));
    return NgramPredictor::Create(std::move(whole), options);
  }();
  auto predictor = Unwrap(std::move(made), data_ ? ErrorKind::kValue : ErrorKind::kFile);
  if (!predictor_) predictor_ = std::move(predictor);  // another thread may have made one
  return *predictor_;
}

void PyModel::Init() { tokens_ = std::make_unique<Tokens>(lm_.get()); }

void PyModel::RequireStateApi() const {
  if (lm_->order() > kMaxStateWords + 1) {
    ThrowValueError("the State API (BaseScore, BaseFullScore, full_scores) takes models of order " +
                    std::to_string(kMaxStateWords + 1) + " or less; this one has order " +
                    std::to_string(lm_->order()) + " (score() and score_batch() take any order)");
  }
}

std::vector<WordId>& PyModel::SentenceIds(std::string_view text) {
  Check(tokens_->Sentence(text, &ids_), ErrorKind::kValue);
  return ids_;
}

double PyModel::Score(std::string_view text, bool bos, bool eos) {
  std::vector<WordId>& ids = SentenceIds(text);
  if (eos) ids.push_back(kEosId);
  return ScoreIds(*lm_, ids, bos, &scores_);
}

namespace {

// KenLM's load methods, accepted for compatibility (see docs/PYTHON.md).
enum LoadMethodValue {
  kLazy = 0,
  kPopulateOrLazy = 1,
  kPopulateOrRead = 2,
  kRead = 3,
  kParallelRead = 4
};

struct PyConfig {
  int load_method = kPopulateOrLazy;
};

WordId IndexOf(const PyModel& model, py::handle word) {
  py::object holder;
  return model.lm().Index(TextOf(word, &holder, "word"));
}

void RequireProbabilities(const PyModel& model) {
  if (!model.lm().IsProbabilistic()) {
    ThrowValueError(
        "a Stupid Backoff model gives scores, not probabilities, so it has no perplexity");
  }
}

std::vector<WordId>& SentenceIds(PyModel& model, py::handle sentence) {
  py::object holder;
  return model.SentenceIds(TextOf(sentence, &holder, "sentence"));
}

// Model.evaluate: the totals of grams-perplexity over a file or the lines
// of an iterable (each item a line; a trailing '\n' is ignored, and an item
// holding several lines counts as those lines).
PerplexityStats Evaluate(PyModel& model, py::handle source) {
  RequireProbabilities(model);
  PyObject* o = source.ptr();
  if (PyUnicode_Check(o) || PyBytes_Check(o) || IsPathLike(source)) {
    const std::string path = PathOf(source, "source");
    auto stats = [&] {
      py::gil_scoped_release release;
      return ComputePerplexity(model.lm(), path);
    }();
    return Unwrap(std::move(stats), ErrorKind::kValue);
  }
  const LanguageModel& lm = model.lm();
  const bool stream = lm.settings().boundaries == Boundaries::kNone;
  TextScorer scorer(&lm);
  PerplexityStats stats;
  // As ComputePerplexity does for a file.
  auto flush = [&] {
    scorer.Score();
    scorer.AddTo(&stats);
    scorer.Clear();
  };
  uint64_t line_number = 0;
  ForEachLine(
      source,
      [&](std::string_view line) {
        ++line_number;
        Status s = scorer.Add(line, /*newline=*/true);
        if (!s.ok()) {
          ThrowStatus(s.WithContext("line " + std::to_string(line_number)), ErrorKind::kValue);
        }
        if (scorer.pending_tokens() >= kBatchTokens) flush();
      },
      [] {});
  if (stream) scorer.AddEnd();
  flush();
  return stats;
}

// Scores texts[begin, end) into out[], `bos` and `eos` as in score():
// batches of sentences go through ScoreSentences, which prefetches across
// them. On an error, *bad is the index of the text and *status its error.
void ScoreRange(const LanguageModel& lm, const std::vector<std::string_view>& texts, size_t begin,
                size_t end, bool bos, bool eos, double* out, size_t* bad, Status* status) {
  Tokens tokens(&lm);
  std::vector<WordId> ids, all;
  std::vector<size_t> ends;
  std::vector<float> scores;
  size_t first = begin;
  auto flush = [&](size_t next) {
    scores.resize(all.size());
    if (bos) {
      lm.ScoreSentences(all.data(), ends.data(), ends.size(), scores.data());
    } else {
      for (size_t k = 0; k < ends.size(); ++k) {
        const size_t from = k ? ends[k - 1] : 0;
        if (ends[k] > from) lm.ScoreSpan(all.data() + from, ends[k] - from, scores.data() + from);
      }
    }
    for (size_t k = 0; k < ends.size(); ++k) {
      double total = 0;
      for (size_t t = k ? ends[k - 1] : 0; t < ends[k]; ++t) total += scores[t];
      out[first + k] = total;
    }
    all.clear();
    ends.clear();
    first = next;
  };
  for (size_t i = begin; i < end; ++i) {
    Status s = tokens.Sentence(texts[i], &ids);
    if (!s.ok()) {
      *bad = i;
      *status = s;
      return;
    }
    all.insert(all.end(), ids.begin(), ids.end());
    if (eos) all.push_back(kEosId);
    ends.push_back(all.size());
    if (all.size() >= kBatchTokens) flush(i + 1);
  }
  flush(end);
}

py::list ScoreBatch(PyModel& model, py::handle sentences, bool bos, bool eos, int threads) {
  if (PyUnicode_Check(sentences.ptr()) || PyBytes_Check(sentences.ptr())) {
    ThrowTypeError("score_batch takes a list (or any iterable) of sentences, not one sentence");
  }
  threads = ParseThreads(threads);
  std::vector<py::object> keep;  // the objects the views point into
  std::vector<std::string_view> texts;
  if (PyList_Check(sentences.ptr())) {
    const size_t n = static_cast<size_t>(PyList_GET_SIZE(sentences.ptr()));
    keep.reserve(n);
    texts.reserve(n);
  }
  for (py::handle item : py::iter(sentences)) {
    py::object holder;
    texts.push_back(TextOf(item, &holder, "sentence"));
    keep.push_back(holder ? std::move(holder) : py::reinterpret_borrow<py::object>(item));
  }
  const size_t n = texts.size();
  std::vector<double> results(n);
  // Fewer threads for a small batch: a thread costs about as much to start
  // as scoring a few hundred sentences.
  threads = static_cast<int>(std::min<size_t>(threads, std::max<size_t>(1, n / 256)));
  std::vector<size_t> bad(threads, SIZE_MAX);
  std::vector<Status> errors(threads);
  {
    py::gil_scoped_release release;
    ParallelFor(n, threads, [&](int t, size_t begin, size_t end) {
      ScoreRange(model.lm(), texts, begin, end, bos, eos, results.data(), &bad[t], &errors[t]);
    });
  }
  for (int t = 0; t < threads; ++t) {  // the first error, in input order
    if (bad[t] != SIZE_MAX) {
      ThrowStatus(errors[t].WithContext("sentence " + std::to_string(bad[t])), ErrorKind::kValue);
    }
  }
  py::list out(n);
  for (size_t i = 0; i < n; ++i) {
    PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), PyFloat_FromDouble(results[i]));
  }
  return out;
}

double Perplexity(PyModel& model, py::handle arg) {
  RequireProbabilities(model);
  PyObject* o = arg.ptr();
  if (PyUnicode_Check(o) || PyBytes_Check(o) || PyByteArray_Check(o)) {
    // KenLM: 10^(-score / (words + 1)), </s> being the extra token.
    std::vector<WordId>& ids = SentenceIds(model, arg);
    ids.push_back(kEosId);
    std::vector<float> scores;
    const double total = ScoreIds(model.lm(), ids, /*bos=*/true, &scores);
    return std::pow(10.0, -total / static_cast<double>(ids.size()));
  }
  return Evaluate(model, arg).Perplexity();
}

py::object FullScores(PyModel& model, py::handle sentence, bool bos, bool eos) {
  model.RequireStateApi();
  std::vector<WordId>& ids = SentenceIds(model, sentence);
  const LanguageModel& lm = model.lm();
  State state = bos ? lm.BeginSentenceState() : lm.NullContextState();
  State next;
  py::list out(ids.size() + (eos ? 1 : 0));
  Py_ssize_t k = 0;
  for (WordId id : ids) {
    const FullScoreResult r = lm.FullScore(state, id, &next);
    PyList_SET_ITEM(out.ptr(), k++,
                    py::make_tuple(r.log_prob, r.ngram_length, r.oov).release().ptr());
    state = next;
  }
  if (eos) {
    const FullScoreResult r = lm.FullScore(state, kEosId, &next);
    PyList_SET_ITEM(out.ptr(), k++,
                    py::make_tuple(r.log_prob, r.ngram_length, false).release().ptr());
  }
  // KenLM's full_scores is a generator: give an iterator, not a list.
  return py::reinterpret_steal<py::object>(PyObject_GetIter(out.ptr()));
}

py::object Lookup(const PyModel& model, py::handle ngram) {
  const LanguageModel& lm = model.lm();
  if (!model.members().empty()) {
    ThrowValueError(
        "lookup: a dynamic mixture has no n-grams of its own (look them up in its "
        "models)");
  }
  std::vector<std::string> units = NgramUnits(ngram);
  const int n = static_cast<int>(units.size());
  if (n == 0) ThrowValueError("lookup: the n-gram is empty");
  if (n > lm.order()) return py::none();
  std::vector<WordId> ids(n);
  for (int k = 0; k < n; ++k) {
    ids[k] = lm.vocab().Find(units[k]);
    if (ids[k] == Vocabulary::kNotFound) return py::none();
  }
  if (model.data()) {
    const Model& data = *model.data();
    const int64_t entry = data.trie.Find(ids.data(), n);
    if (entry < 0) return py::none();
    const float backoff = n < data.order() ? data.log_backoff[n - 1][entry] : 0.0f;
    return py::make_tuple(data.log_prob[n - 1][entry], backoff);
  }
  model.RequireStateApi();
  // The context, most recent word first; its backoffs do not matter when
  // the whole n-gram matches.
  State context = lm.NullContextState();
  for (int k = 0; k < n - 1; ++k) {
    context.words[k] = ids[n - 2 - k];
    context.backoff[k] = 0;
  }
  context.length = static_cast<uint8_t>(n - 1);
  State out;
  const FullScoreResult r = lm.FullScore(context, ids[n - 1], &out);
  if (r.ngram_length != n) return py::none();
  const float backoff = n < lm.order() ? out.backoff[n - 1] : 0.0f;
  return py::make_tuple(r.log_prob, backoff);
}

void Save(const PyModel& model, py::handle path_arg, bool arpa) {
  const std::string path = PathOf(path_arg, "path");
  if (!model.data() && !model.path()) {
    ThrowValueError(
        "a dynamic mixture cannot be saved: write the static mixture with grams-mix -o "
        "(or --arpa)");
  }
  Status status = [&] {
    py::gil_scoped_release release;
    if (model.data())
      return arpa ? WriteArpa(*model.data(), path) : WriteModelFile(*model.data(), path);
    auto whole = LoadModel(*model.path());
    if (!whole.ok()) return whole.status();
    return arpa ? WriteArpa(*whole, path) : WriteModelFile(*whole, path);
  }();
  Check(status, ErrorKind::kFile);
}

// save_mapped(): the mapped form in `layout`, probing (from the tables a
// loaded model has, of any form) or trie (from the n-grams: the model in
// memory, or its file read again).
void SaveMapped(const PyModel& model, py::handle path_arg, const std::string& layout) {
  const std::string path = PathOf(path_arg, "path");
  if (layout != "probing" && layout != "trie") {
    ThrowValueError("layout must be 'probing' or 'trie', not '" + layout + "'");
  }
  if (!model.members().empty()) {
    ThrowValueError(
        "a dynamic mixture cannot be saved: write the static mixture with grams-mix -o, then "
        "map that");
  }
  Status status = [&] {
    py::gil_scoped_release release;
    if (layout == "probing") return WriteMappedModel(model.lm(), path);
    if (model.data()) return WriteMappedModel(*model.data(), path, MappedLayout::kTrie);
    auto whole = LoadModel(*model.path());
    if (!whole.ok()) return whole.status();
    return WriteMappedModel(*whole, path, MappedLayout::kTrie);
  }();
  Check(status, ErrorKind::kFile);
}

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

// Long but left whole: one pybind11 table of classes, methods and their
// docstrings, read top to bottom as the module's Python API.
void RegisterModel(py::module_& m) {
  py::object builtins = py::module_::import("builtins");
  py::dict methods;
  methods["LAZY"] = static_cast<int>(kLazy);
  methods["POPULATE_OR_LAZY"] = static_cast<int>(kPopulateOrLazy);
  methods["POPULATE_OR_READ"] = static_cast<int>(kPopulateOrRead);
  methods["READ"] = static_cast<int>(kRead);
  methods["PARALLEL_READ"] = static_cast<int>(kParallelRead);
  methods["__module__"] = "grams";
  methods["__doc__"] =
      "KenLM's load methods, accepted for compatibility: grams reads every model into its\n"
      "hash tables, whatever the method.";
  m.attr("LoadMethod") = builtins.attr("type")("LoadMethod", py::make_tuple(), methods);

  py::class_<PyConfig>(m, "Config",
                       "Model options (KenLM's Config). load_method is accepted for\n"
                       "compatibility and does not change how grams loads a model.")
      .def(py::init<>())
      .def_property(
          "load_method", [](Self<PyConfig> c) { return c->load_method; },
          [](Self<PyConfig> c, int method) {
            if (method < kLazy || method > kParallelRead) {
              ThrowValueError("load_method must be one of the grams.LoadMethod values");
            }
            c->load_method = method;
          });

  py::class_<PerplexityStats> stats(m, "PerplexityStats",
                                    "Totals over a text, as grams-perplexity reports them.");
  ReadOnly(stats, "sentences", &PerplexityStats::sentences);
  ReadOnly(stats, "words", &PerplexityStats::words, "Words (units), not counting </s>.");
  ReadOnly(stats, "oovs", &PerplexityStats::oovs);
  ReadOnly(stats, "log10_prob", &PerplexityStats::log10_prob, "Total log10 p, OOVs included.");
  ReadOnly(stats, "oov_log10_prob", &PerplexityStats::oov_log10_prob);
  ReadOnly(stats, "iv_log10_prob", &PerplexityStats::iv_log10_prob);
  stats
      .def_property_readonly(
          "tokens", [](Self<PerplexityStats> s) { return s->tokens(); }, "Words plus </s>.")
      .def_property_readonly(
          "perplexity", [](Self<PerplexityStats> s) { return s->Perplexity(); },
          "KenLM query's perplexity, OOVs included.")
      .def_property_readonly("perplexity_excluding_oovs",
                             [](Self<PerplexityStats> s) { return s->PerplexityExcludingOovs(); })
      .def_property_readonly("srilm_ppl", [](Self<PerplexityStats> s) { return s->SrilmPpl(); })
      .def_property_readonly("srilm_ppl1", [](Self<PerplexityStats> s) { return s->SrilmPpl1(); })
      .def_property_readonly("bits_per_token",
                             [](Self<PerplexityStats> s) { return s->BitsPerToken(); })
      .def("__repr__", [](Self<PerplexityStats> self) {
        const PerplexityStats& s = *self;
        return "<grams.PerplexityStats: " + std::to_string(s.sentences) + " sentences, " +
               std::to_string(s.tokens()) + " tokens, " + std::to_string(s.oovs) +
               " OOVs, perplexity " + py::repr(py::float_(s.Perplexity())).cast<std::string>() +
               ">";
      });

  py::class_<PyModel, std::shared_ptr<PyModel>> model(
      m, "Model",
      "A language model: Model(path) loads a grams model file or an ARPA file (plain or\n"
      "compressed); grams.build() makes one in memory. A model file answers from its\n"
      "n-gram trie at once while its hash tables are built: tables='background' (the\n"
      "default), 'first' (built before Model() returns) or 'never' (less memory,\n"
      "slower); the scores are the same. The API of KenLM's Model, plus score_batch(),\n"
      "evaluate(), vocab(), lookup() and save(). Text is split into units\n"
      "as the model's training text was (its settings), like grams-score does.");
  model
      .def(py::init([](py::handle path, py::handle config, const std::string& tables) {
             if (!config.is_none() && !py::isinstance<PyConfig>(config)) {
               ThrowTypeError("config must be a grams.Config or None");
             }
             return PyModel::Load(path, tables);
           }),
           py::arg("path"), py::arg("config") = py::none(), py::kw_only(),
           py::arg("tables") = "background")
      .def_property_readonly("order", [](Self<PyModel> self) { return self->lm().order(); })
      .def_property_readonly(
          "path",
          [](Self<PyModel> self) -> py::object {
            if (!self->path()) return py::none();
            return py::bytes(*self->path());
          },
          "The absolute path the model was loaded from, as bytes (as KenLM's); None for a\n"
          "model built in memory.")
      .def_property_readonly(
          "settings", [](Self<PyModel> self) { return SettingsToDict(self->lm().settings()); },
          "The tokenizer settings of the model (its training text's): a dict with the keys\n"
          "of grams.count()'s options.")
      .def_property_readonly(
          "is_probabilistic", [](Self<PyModel> self) { return self->lm().IsProbabilistic(); },
          "False for Stupid Backoff models, whose scores are not probabilities.")
      .def(
          "info", [](Self<PyModel> self, const std::string& key) { return self->lm().Info(key); },
          py::arg("key"),
          "The value of an entry of the model's provenance (\"smoothing\", \"discounts.3\"...),\n"
          "or '' when absent.")
      .def(
          "perplexity", [](Self<PyModel> self, py::handle text) { return Perplexity(*self, text); },
          py::arg("text"),
          "With a str or bytes: the perplexity of that sentence, 10^(-score / (units + 1)), as\n"
          "KenLM's. With an os.PathLike or an iterable of lines: the perplexity of that text, as\n"
          "grams-perplexity (OOVs included); see evaluate().")
      .def(
          "full_scores",
          [](Self<PyModel> self, py::handle sentence, bool bos, bool eos) {
            return FullScores(*self, sentence, bos, eos);
          },
          py::arg("sentence"), py::arg("bos") = true, py::arg("eos") = true,
          "An iterator of (log10 p, n-gram length, oov) per unit of the sentence, and for </s>.")
      .def(
          "score_batch",
          [](Self<PyModel> self, py::handle sentences, bool bos, bool eos, int threads) {
            return ScoreBatch(*self, sentences, bos, eos, threads);
          },
          py::arg("sentences"), py::arg("bos") = true, py::arg("eos") = true,
          py::arg("threads") = 0,
          "score() of every sentence of a list (or any iterable), as a list of floats, on\n"
          "`threads` threads (0 = one per core) with the GIL released. The same numbers for any\n"
          "number of threads.")
      .def(
          "evaluate", [](Self<PyModel> self, py::handle source) { return Evaluate(*self, source); },
          py::arg("source"),
          "The totals of grams-perplexity over a file (str, bytes or os.PathLike: a path) or\n"
          "an iterable of lines (str or bytes; a trailing newline is ignored): a\n"
          "PerplexityStats.")
      .def(
          "__contains__",
          [](Self<PyModel> self, py::handle word) { return IndexOf(*self, word) != kUnkId; },
          py::arg("word"))
      .def(
          "vocab",
          [](Self<PyModel> self) {
            const Vocabulary& vocab = self->lm().vocab();
            py::list words(vocab.size());
            for (size_t i = 0; i < vocab.size(); ++i) {
              PyList_SET_ITEM(words.ptr(), static_cast<Py_ssize_t>(i),
                              UnitToPython(vocab.Word(static_cast<WordId>(i))).release().ptr());
            }
            return words;
          },
          "The units of the vocabulary, by id: '<unk>', '<s>', '</s>', then the others. Bytes\n"
          "that are not UTF-8 (units of byte models) are lone surrogates, as 'surrogateescape'\n"
          "decodes them.")
      .def(
          "lookup", [](Self<PyModel> self, py::handle ngram) { return Lookup(*self, ngram); },
          py::arg("ngram"),
          "(log10 p, log10 backoff) of an n-gram of the model, or None if the model does not\n"
          "have it. The n-gram is a str or bytes (units separated by whitespace) or a list of\n"
          "units. The backoff of the highest order is 0.")
      .def(
          "save", [](Self<PyModel> self, py::handle path) { Save(*self, path, /*arpa=*/false); },
          py::arg("path"), "Writes the model as a grams model file.")
      .def(
          "save_arpa",
          [](Self<PyModel> self, py::handle path) { Save(*self, path, /*arpa=*/true); },
          py::arg("path"), "Writes the model as an ARPA file.")
      .def(
          "save_mapped",
          [](Self<PyModel> self, py::handle path, const std::string& layout) {
            SaveMapped(*self, path, layout);
          },
          py::arg("path"), py::kw_only(), py::arg("layout") = "probing",
          "Writes the model's mapped form, which grams.Model(path) maps in milliseconds and\n"
          "every process shares: layout 'probing' (hash tables, the fastest queries) or 'trie'\n"
          "(the n-grams' trie packed: half the memory, queries half as fast; not from a model\n"
          "loaded from a mapped file of the probing layout, which holds no n-grams).")
      .def("__reduce__",
           [](Self<PyModel> self) -> py::tuple {
             if (!self->members().empty()) {
               ThrowTypeError(
                   "a dynamic mixture cannot be pickled: pickle its mix_models and "
                   "mix_weights, and make it again with grams.Mixture");
             }
             if (!self->path()) {
               ThrowTypeError(
                   "a Model built in memory cannot be pickled: save() it, and pickle the "
                   "Model loaded from that file");
             }
             return py::make_tuple(self.object.get_type(),
                                   py::make_tuple(py::bytes(*self->path())));
           })
      .def("__repr__", [](Self<PyModel> self) {
        const std::string where =
            self->path() ? "from '" + Basename(*self->path()) + "'"
            : !self->members().empty()
                ? "mixing " + std::to_string(self->members().size()) + " models"
                : std::string("built in memory");
        return "<grams.Model " + where + ", order " + std::to_string(self->lm().order()) + ">";
      });

  RegisterState(m, model);
  RegisterWorking(m, model);

  // KenLM's backwards-compatible name.
  py::dict attrs;
  attrs["__module__"] = "grams";
  attrs["__doc__"] = "Another name of Model, as in KenLM's module.";
  m.attr("LanguageModel") = builtins.attr("type")("LanguageModel", py::make_tuple(model), attrs);
}

}  // namespace grams::python
