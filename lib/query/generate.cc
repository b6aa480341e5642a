// GenerateSentence, GenerateText (grams/generate.h): units drawn one at a
// time. With no temperature or truncation, NgramPredictor::Sample draws from
// the model's continuations without a pass over the vocabulary; otherwise
// the candidates are the top K (NgramPredictor::TopK) or the whole
// distribution, reweighted and truncated, and drawn from by a linear scan.
#include "grams/generate.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "util/alloc_guard.h"
#include "util/threads.h"

namespace grams {

namespace {

uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The generator state of sentence `index`.
uint64_t SentenceSeed(uint64_t seed, uint64_t index) {
  return Mix(Mix(seed) + 0x9E3779B97F4A7C15ull * (index + 1));
}

bool Plain(const GenerateOptions& o) {
  return o.temperature == 1.0 && o.top_k == 0 && o.top_p >= 1.0;
}

struct Scratch {
  PredictState next;
  std::vector<WordId> ctx;
  std::vector<Prediction> cands;
  std::vector<float> dist;
  std::vector<double> weights;
};

// A draw among the reweighted, truncated candidates.
WordId DrawTransformed(const NgramPredictor& p, const GenerateOptions& o, const WordId* ctx,
                       size_t n, uint64_t* rng, Scratch* s) {
  std::vector<Prediction>& cands = s->cands;
  if (o.top_k > 0) {
    TopKOptions topk;
    topk.k = o.top_k;
    topk.include_unk = !o.no_unk;
    p.TopK(ctx, n, topk, &cands);
  } else {
    p.Distribution(ctx, n, &s->dist);
    cands.clear();
    for (WordId w = 0; w < s->dist.size(); ++w) {
      if (w == kBosId || (w == kUnkId && o.no_unk) || !std::isfinite(s->dist[w])) continue;
      cands.push_back({w, s->dist[w]});
    }
    if (o.top_p < 1.0) {
      std::sort(cands.begin(), cands.end(), [](const Prediction& a, const Prediction& b) {
        return a.log10_prob > b.log10_prob || (a.log10_prob == b.log10_prob && a.word < b.word);
      });
    }
  }
  if (cands.empty()) return kEosId;
  double top = -HUGE_VAL;
  for (const Prediction& c : cands) top = std::max(top, static_cast<double>(c.log10_prob));
  std::vector<double>& weights = s->weights;
  weights.resize(cands.size());
  double total = 0;
  for (size_t i = 0; i < cands.size(); ++i) {
    total += weights[i] = std::pow(10.0, (cands[i].log10_prob - top) / o.temperature);
  }
  size_t keep = cands.size();
  if (o.top_p < 1.0) {
    // Candidates are by descending probability: keep the shortest run
    // whose mass reaches top_p.
    double sum = 0;
    for (size_t i = 0; i < cands.size(); ++i) {
      sum += weights[i];
      if (sum >= o.top_p * total) {
        keep = i + 1;
        break;
      }
    }
    total = 0;
    for (size_t i = 0; i < keep; ++i) total += weights[i];
  }
  const double u = NextUniform(rng) * total;
  double sum = 0;
  for (size_t i = 0; i < keep; ++i) {
    sum += weights[i];
    if (u < sum) return cands[i].word;
  }
  // Rounding at the top: the last candidate with weight.
  for (size_t i = keep; i-- > 0;) {
    if (weights[i] > 0) return cands[i].word;
  }
  return kEosId;
}

// The next unit after ctx[0..n) (whose state is *state, advanced to the
// state after the unit).
WordId DrawNext(const NgramPredictor& p, const GenerateOptions& o, const WordId* ctx, size_t n,
                PredictState* state, uint64_t* rng, Scratch* s) {
  if (Plain(o)) {
    for (int tries = 0; tries < 10000; ++tries) {
      const WordId w = p.Sample(*state, rng, &s->next);
      if (w != kUnkId || !o.no_unk) {
        *state = s->next;
        return w;
      }
    }
    // <unk> holds (nearly) all the mass: draw among the rest.
  }
  const WordId w = DrawTransformed(p, o, ctx, n, rng, s);
  s->ctx.assign(ctx, ctx + n);
  s->ctx.push_back(w);
  *state = p.StateOf(s->ctx.data(), s->ctx.size());
  return w;
}

void AppendUnits(const NgramPredictor& p, const WordId* ids, size_t n, bool spaced,
                 std::string* out) {
  const Vocabulary& vocab = p.vocab();
  for (size_t i = 0; i < n; ++i) {
    if (spaced && i > 0) out->push_back(' ');
    out->append(vocab.Word(ids[i]));
  }
}

bool Spaced(const TokenizerSettings& settings) {
  return settings.unit == Unit::kWord || settings.unit == Unit::kSegment ||
         settings.unit == Unit::kSentencePiece;
}

void Generate(const NgramPredictor& p, const GenerateOptions& o, const std::vector<WordId>& prefix,
              uint64_t index, std::vector<WordId>* ids, bool* ended, Scratch* s,
              std::vector<WordId>* ctx) {
  const size_t keep = static_cast<size_t>(std::max(1, p.order() - 1));
  ctx->assign(1, kBosId);
  ctx->insert(ctx->end(), prefix.begin(), prefix.end());
  *ids = prefix;
  *ended = false;
  uint64_t rng = SentenceSeed(o.seed, index);
  PredictState state = p.StateOf(ctx->data(), ctx->size());
  while (ids->size() < o.max_length) {
    const size_t n = std::min(ctx->size(), keep);
    const WordId w = DrawNext(p, o, ctx->data() + ctx->size() - n, n, &state, &rng, s);
    if (w == kEosId) {
      *ended = true;
      return;
    }
    ids->push_back(w);
    ctx->push_back(w);
  }
}

Status GenerateStream(const NgramPredictor& p, const GenerateOptions& o,
                      const std::vector<WordId>& prefix,
                      const std::function<bool(std::string_view)>& emit) {
  const size_t keep = static_cast<size_t>(std::max(1, p.order() - 1));
  const bool spaced = Spaced(p.settings());
  Scratch s;
  std::vector<WordId> ctx(1, kBosId);
  ctx.insert(ctx.end(), prefix.begin(), prefix.end());
  const Vocabulary& vocab = p.vocab();
  std::string text;
  bool any = false;
  char last = '\n';
  auto add = [&](WordId w) {
    const std::string_view unit = vocab.Word(w);
    if (spaced && any && last != '\n') text.push_back(' ');
    text.append(unit);
    any = true;
    if (!unit.empty()) last = unit.back();
  };
  for (WordId w : prefix) add(w);
  uint64_t rng = SentenceSeed(o.seed, 0);
  PredictState state = p.StateOf(ctx.data(), ctx.size());
  for (uint64_t i = 0; i < o.count; ++i) {
    const size_t n = std::min(ctx.size(), keep);
    const WordId w = DrawNext(p, o, ctx.data() + ctx.size() - n, n, &state, &rng, &s);
    if (w == kEosId) break;
    add(w);
    ctx.push_back(w);
    if (ctx.size() > 4096) ctx.erase(ctx.begin(), ctx.end() - static_cast<std::ptrdiff_t>(keep));
    if (text.size() >= 65536) {
      if (!emit(text)) return Status::OK();
      text.clear();
    }
  }
  if (last != '\n') text.push_back('\n');
  emit(text);
  return Status::OK();
}

}  // namespace

Status CheckGenerateOptions(const GenerateOptions& o) {
  if (!(o.temperature > 0) || !std::isfinite(o.temperature)) {
    return InvalidArgument("the temperature must be a positive number");
  }
  if (!(o.top_p > 0 && o.top_p <= 1)) return InvalidArgument("top-p must be in (0, 1]");
  if (o.max_length < 1) return InvalidArgument("the maximum length must be at least 1");
  if (o.threads < 1) return InvalidArgument("the number of threads must be at least 1");
  return Status::OK();
}

void GenerateSentence(const NgramPredictor& predictor, const GenerateOptions& options,
                      const std::vector<WordId>& prefix, uint64_t index, std::vector<WordId>* ids,
                      bool* ended) {
  Scratch s;
  std::vector<WordId> ctx;
  Generate(predictor, options, prefix, index, ids, ended, &s, &ctx);
}

Status GenerateText(const NgramPredictor& p, const GenerateOptions& o,
                    const std::function<bool(std::string_view)>& emit) {
  GRAMS_RETURN_IF_ERROR(CheckGenerateOptions(o));
  return GuardAlloc("generating text", MemoryHint::kNone, [&]() -> Status {
    auto reader = UnitReader::Create(p.settings(), &p.vocab());
    if (!reader.ok()) return reader.status();
    std::vector<WordId> prefix;
    Status read = (*reader)->Read(o.prefix, /*bos=*/false, &prefix);
    if (!read.ok()) return read.WithContext("the prefix");
    if (p.settings().boundaries == Boundaries::kNone) return GenerateStream(p, o, prefix, emit);

    const bool spaced = Spaced(p.settings());
    const int threads = o.threads;
    const uint64_t chunk = 256 * static_cast<uint64_t>(threads);
    std::vector<std::string> texts;
    for (uint64_t first = 0; first < o.count; first += chunk) {
      const uint64_t n = std::min(chunk, o.count - first);
      texts.assign(n, std::string());
      RunOnThreads(threads, [&](int t) {
        Scratch s;
        std::vector<WordId> ids, ctx;
        bool ended;
        for (uint64_t i = static_cast<uint64_t>(t); i < n; i += static_cast<uint64_t>(threads)) {
          Generate(p, o, prefix, first + i, &ids, &ended, &s, &ctx);
          AppendUnits(p, ids.data(), ids.size(), spaced, &texts[i]);
          texts[i].push_back('\n');
        }
      });
      for (const std::string& text : texts) {
        if (!emit(text)) return Status::OK();
      }
    }
    return Status::OK();
  });
}

}  // namespace grams
