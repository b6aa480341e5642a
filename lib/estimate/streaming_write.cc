// The streaming estimator's second pass (estimate/streaming_build.h): the
// model file written order by order from what the scan parked.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "estimate/streaming_build.h"
#include "format/order_sections.h"
#include "format/trie_codec.h"
#include "util/prefetch.h"
#include "util/threads.h"

namespace grams::estimate {
namespace {

using Contexts = std::vector<std::pair<EntryIndex, uint32_t>>;  // (parent, children)

// The next contexts of the mp parents, from *parent on: those with
// children, about `limit` children in all (kBlock, so that the lower
// probabilities of the children ahead can be prefetched; kBatch for the
// threads), appended to *contexts. Returns how many children.
uint64_t NextBlock(VarintCursor* child_counts, uint64_t mp, uint64_t* parent, Contexts* contexts,
                   uint64_t limit = kBlock) {
  uint64_t total = 0;
  for (; *parent < mp && total < limit; ++*parent) {
    uint64_t c = 0;
    child_counts->Next(&c);  // checked by the scan
    if (c == 0) continue;
    contexts->emplace_back(static_cast<EntryIndex>(*parent), static_cast<uint32_t>(c));
    total += c;
  }
  return total;
}

// The next `total` counts of an order as 64-bit values: from the wide
// parked array, or the narrow one widened into *buffer; nullptr after a
// read error (the cursor's status says which).
const uint64_t* CountsOf(bool wide_counts, uint64_t total, ParkedCursor<uint32_t>* narrow,
                         ParkedCursor<uint64_t>* wide, std::vector<uint64_t>* buffer) {
  if (wide_counts) return wide->Next(total);
  const uint32_t* a32 = narrow->Next(total);
  if (a32 == nullptr) return nullptr;
  buffer->assign(a32, a32 + total);
  return buffer->data();
}

}  // namespace

// Order n >= 2: its probabilities into *prob (if sized) or `spill` (if
// any), its backoffs of order n-1, structure and probabilities to the file.
// With count pruning, *prob and `spill` still get every n-gram's
// probability (the next order's links reach them), the file only the kept
// entries', with the structure re-encoded when this order is cut or its
// parents are renumbered (CompactModel's bytes).
Status StreamingBuild::WriteOrder(int n, const std::vector<double>& lower,
                                  std::vector<double>* prob, DoubleSpill* spill,
                                  ModelFileWriter* writer) {
  const uint64_t mp = m_[n - 1];
  std::string cc, words;
  GRAMS_RETURN_IF_ERROR(child_counts_[n].Take(&cc));
  const uint8_t* keep = keep_[n].empty() ? nullptr : keep_[n].data();
  const uint8_t* keep_lower = keep_[n - 1].empty() ? nullptr : keep_[n - 1].data();
  const bool compact = keep != nullptr || keep_lower != nullptr;
  FloatPlanes lp(kept_[n]),
      lbo(kept_[n - 1], fixed_ ? static_cast<float>(std::log10(*fixed_)) : 0.0f);
  if (!compact) {
    GRAMS_RETURN_IF_ERROR(EstimateOrder(n, cc, lower, prob, spill, &lp, &lbo));
    writer->AddLogBackoffs(n - 1, lbo.Release());
    GRAMS_RETURN_IF_ERROR(words_[n].Take(&words));
    writer->AddStructure(n, std::move(cc), std::move(words));
    writer->AddLogProbs(n, lp.Release());
    DropOrder(n);
    return Status::OK();
  }
  GRAMS_RETURN_IF_ERROR(words_[n].Take(&words));
  ParkedCursor<EntryIndex> links = links_[n].Read();
  ParkedCursor<uint32_t> narrow = counts_[n].Read();
  ParkedCursor<uint64_t> wide = wide_counts_[n].Read();
  ContextEstimator context(*smoother_, n, interpolated_);
  std::vector<uint64_t> counts;
  std::vector<double> scratch;
  Contexts contexts;
  VarintCursor child_counts(cc);
  // The kept structure: the words decoded from WORDS(n), the parents
  // renumbered (parents [0, ranked) hold `rank` kept entries).
  std::string kept_cc, kept_words;
  VarintAppender kept_cc_out{&kept_cc}, kept_words_out{&kept_words};
  TrieLevelEncoder<VarintAppender> structure(&kept_cc_out, &kept_words_out);
  VarintCursor word_deltas(words);  // checked by the scan
  uint64_t ranked = 0, rank = 0, written = 0;
  uint64_t parent = 0, k = 0;
  while (parent < mp) {
    contexts.clear();
    const uint64_t total = NextBlock(&child_counts, mp, &parent, &contexts);
    if (total == 0) break;
    const EntryIndex* suffix = links.Next(total);
    const uint64_t* a = CountsOf(wide_[n] != 0, total, &narrow, &wide, &counts);
    if (suffix == nullptr || a == nullptr) break;
    uint64_t at = 0, ahead = 0;
    for (const auto& [context_parent, c] : contexts) {
      for (const uint64_t want = std::min(total, at + c + kPrefetchAhead); ahead < want; ++ahead)
        Prefetch(lower.data() + suffix[ahead]);
      double* out = prob->empty() ? (scratch.resize(c), scratch.data()) : prob->data() + k;
      const double weight =
          context.Estimate(a + at, c, suffix + at, lower.data(), keep ? keep + k : nullptr, out);
      for (; ranked < context_parent; ++ranked) rank += keep_lower ? keep_lower[ranked] : 1;
      WordId w = 0;
      for (uint32_t i = 0; i < c; ++i) {
        uint64_t v = 0;
        word_deltas.Next(&v);
        w = i == 0 ? static_cast<WordId>(v) : static_cast<WordId>(w + v + 1);
        if (keep && !keep[k + i]) continue;
        lp.Set(written++, static_cast<float>(std::log10(out[i])));
        structure.Add(rank, w);  // a kept n-gram's context is kept
      }
      if (!fixed_ && (!keep_lower || keep_lower[context_parent])) {
        lbo.Set(rank, static_cast<float>(std::log10(weight)));
      }
      if (spill) spill->Append(out, c);
      k += c;
      at += c;
    }
  }
  GRAMS_RETURN_IF_ERROR(links.status());
  GRAMS_RETURN_IF_ERROR(narrow.status());
  GRAMS_RETURN_IF_ERROR(wide.status());
  writer->AddLogBackoffs(n - 1, lbo.Release());
  structure.Finish(kept_[n - 1]);
  std::string().swap(cc);
  std::string().swap(words);
  writer->AddStructure(n, std::move(kept_cc), std::move(kept_words));
  writer->AddLogProbs(n, lp.Release());
  DropOrder(n);
  return Status::OK();
}

// Every n-gram of order n kept, in batches of whole contexts: the links and
// counts of a batch read in order on this thread, then its contexts
// estimated on the threads (RunBatches: each context whole in one share,
// with the share's own ContextEstimator, so with the arithmetic of the
// sequential loop, context by context), their log probabilities and
// backoffs set at their own indices, and the batch's probabilities spilled
// in order.
Status StreamingBuild::EstimateOrder(int n, const std::string& cc, const std::vector<double>& lower,
                                     std::vector<double>* prob, DoubleSpill* spill, FloatPlanes* lp,
                                     FloatPlanes* lbo) {
  const uint64_t mp = m_[n - 1];
  ParkedCursor<EntryIndex> links = links_[n].Read();
  ParkedCursor<uint32_t> narrow = counts_[n].Read();
  ParkedCursor<uint64_t> wide = wide_counts_[n].Read();
  const int T = threads_;
  std::vector<ContextEstimator> estimators(T, ContextEstimator(*smoother_, n, interpolated_));
  std::vector<uint64_t> counts, offset;
  std::vector<double> batch_prob;
  std::vector<size_t> cut(T + 1);
  Contexts contexts;
  VarintCursor child_counts(cc);
  uint64_t parent = 0, k = 0, total = 0;
  const EntryIndex* suffix = nullptr;
  const uint64_t* a = nullptr;
  double* out = nullptr;
  bool pending = false;  // a batch estimated, not yet spilled and counted
  auto next_batch = [&]() -> bool {
    if (pending) {
      if (spill) spill->Append(out, total);
      k += total;
      pending = false;
    }
    contexts.clear();
    total = parent < mp ? NextBlock(&child_counts, mp, &parent, &contexts, kBatch) : 0;
    if (total == 0) return false;
    suffix = links.Next(total);
    a = CountsOf(wide_[n] != 0, total, &narrow, &wide, &counts);
    if (suffix == nullptr || a == nullptr) return false;
    out = prob->empty() ? (batch_prob.resize(total), batch_prob.data()) : prob->data() + k;
    // Context i's children are [offset[i], offset[i + 1]) of the batch;
    // share t takes contexts [cut[t], cut[t + 1]), about total / T children.
    offset.assign(1, 0);
    for (const auto& context : contexts) offset.push_back(offset.back() + context.second);
    for (int t = 0; t < T; ++t) {
      cut[t] = std::lower_bound(offset.begin(), offset.end() - 1, total * t / T) - offset.begin();
    }
    cut[T] = contexts.size();
    pending = true;
    return true;
  };
  RunBatches(T, next_batch, [&](int t, int) {
    ContextEstimator& context = estimators[t];
    const uint64_t end = offset[cut[t + 1]];
    uint64_t ahead = offset[cut[t]];
    for (size_t i = cut[t]; i < cut[t + 1]; ++i) {
      const uint64_t at = offset[i], c = contexts[i].second;
      for (const uint64_t want = std::min(end, at + c + kPrefetchAhead); ahead < want; ++ahead)
        Prefetch(lower.data() + suffix[ahead]);
      const double weight =
          context.Estimate(a + at, c, suffix + at, lower.data(), nullptr, out + at);
      for (uint64_t j = at; j < at + c; ++j) {
        lp->Set(k + j, static_cast<float>(std::log10(out[j])));
      }
      if (!fixed_) lbo->Set(contexts[i].first, static_cast<float>(std::log10(weight)));
    }
  });
  GRAMS_RETURN_IF_ERROR(links.status());
  GRAMS_RETURN_IF_ERROR(narrow.status());
  return wide.status();
}

StatusOr<ModelSummary> StreamingBuild::Write(const std::string& model_path) {
  ModelSummary summary;
  summary.ngram_counts.assign(kept_.begin() + 1, kept_.end());
  AddMethodInfo(o_, interpolated_, *smoother_, N_, &summary.info);
  // As BuildModel records count pruning (the thresholds, the sizes before).
  AddPruneInfo(o_, &summary.info);
  for (int n = 2; n <= N_; ++n) {
    if (kept_[n] != m_[n])
      summary.info.emplace_back("counted." + std::to_string(n), std::to_string(m_[n]));
  }
  GRAMS_ASSIGN_OR_RETURN(
      auto writer, ModelFileWriter::Open(model_path, ModelFileHeader(V_, summary.ngram_counts,
                                                                     settings_, summary.info)));
  Report("estimating", 1);
  std::string vocab;
  GRAMS_RETURN_IF_ERROR(vocab_.Take(&vocab));
  writer->AddVocab(std::move(vocab));

  std::vector<double> prob(V_);
  {
    std::vector<uint64_t> u;
    GRAMS_RETURN_IF_ERROR(unigram_counts_.Take(&u));
    UnigramProbabilities(*smoother_, interpolated_, u, prob.data());
    FloatPlanes lp(V_);
    for (size_t w = 0; w < V_; ++w) lp.Set(w, UnigramLogProb(prob.data(), w));
    writer->AddLogProbs(1, lp.Release());
  }
  files_[1].reset();

  std::vector<double> lower;
  for (int n = 2; n <= N_; ++n) {
    Report("estimating", n);
    lower.swap(prob);
    std::vector<double>().swap(prob);
    // Order n's probabilities go to `prob`, or with a tight budget to a
    // temporary file read back as the next order's `lower`.
    std::unique_ptr<DoubleSpill> spill;
    if (n < N_ && spill_) {
      GRAMS_ASSIGN_OR_RETURN(spill, DoubleSpill::Create(o_.temp_dir));
    }
    if (n < N_ && !spill_) prob.resize(m_[n]);

    GRAMS_RETURN_IF_ERROR(WriteOrder(n, lower, &prob, spill.get(), writer.get()));
    if (spill) {
      GRAMS_RETURN_IF_ERROR(spill->Finish());
      std::vector<double>().swap(lower);
      GRAMS_RETURN_IF_ERROR(spill->ReadAll(&prob));
    }
  }
  GRAMS_RETURN_IF_ERROR(writer->Finish());
  return summary;
}

}  // namespace grams::estimate
