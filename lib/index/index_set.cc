// IndexSet: several corpus indexes (shards of one corpus) queried as one; see
// grams/index.h. Every answer is put together from the shards' own answers:
// nothing here reads an index's bytes.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "grams/index.h"
#include "grams/vocabulary.h"

namespace grams {

IndexSet::~IndexSet() = default;

StatusOr<std::unique_ptr<IndexSet>> IndexSet::Open(const std::vector<std::string>& paths,
                                                   const CorpusIndex::OpenOptions& options) {
  if (paths.empty()) return InvalidArgument("no index to open");
  std::unique_ptr<IndexSet> set(new IndexSet());
  uint64_t lines = 0;
  for (const std::string& path : paths) {
    GRAMS_ASSIGN_OR_RETURN(auto index, CorpusIndex::Open(path, options));
    if (!set->indexes_.empty() && !(index->settings() == set->settings())) {
      return InvalidArgument(path + ": built with other settings than " + paths[0] + " (" +
                             index->settings().ToString() + " against " +
                             set->settings().ToString() + "): indexes queried together must " +
                             "tokenize alike");
    }
    set->first_line_.push_back(lines);
    lines += index->lines();
    set->indexes_.push_back(std::move(index));
  }
  return set;
}

uint64_t IndexSet::lines() const { return first_line_.back() + indexes_.back()->lines(); }

uint64_t IndexSet::tokens() const {
  uint64_t n = 0;
  for (const auto& index : indexes_) n += index->tokens();
  return n;
}

uint64_t IndexSet::file_size() const {
  uint64_t n = 0;
  for (const auto& index : indexes_) n += index->file_size();
  return n;
}

bool IndexSet::Query::known(size_t k) const {
  for (const auto& v : ids) {
    if (v[k] != CorpusIndex::kUnknownUnit) return true;
  }
  return false;
}

Status IndexSet::Tokenize(std::string_view line, bool units, Query* q) {
  GRAMS_RETURN_IF_ERROR(indexes_[0]->SplitUnits(line, units, &q->units));
  q->ids.resize(indexes_.size());
  for (size_t s = 0; s < indexes_.size(); ++s) {
    std::vector<WordId>& ids = q->ids[s];
    ids.clear();
    for (const std::string& u : q->units) ids.push_back(indexes_[s]->Find(u));
  }
  return Status::OK();
}

Count IndexSet::CountNgram(const Query& ngram) const {
  Count c = 0;
  for (size_t s = 0; s < indexes_.size(); ++s) c += indexes_[s]->CountNgram(ngram.ids[s]);
  return c;
}

Count IndexSet::Continuations(const Query& context, size_t top_k, std::vector<Continuation>* out,
                              uint64_t* distinct) const {
  out->clear();
  std::vector<CorpusIndex::Continuation> part;
  Count total = 0;
  if (indexes_.size() == 1) {
    total = indexes_[0]->Continuations(context.ids[0], top_k, &part, distinct);
    for (const auto& c : part) out->push_back({indexes_[0]->Word(c.word), c.count});
    return total;
  }
  std::unordered_map<std::string_view, Count> sum;
  for (size_t s = 0; s < indexes_.size(); ++s) {
    uint64_t d = 0;
    total += indexes_[s]->Continuations(context.ids[s], 0, &part, &d);
    for (const auto& c : part) sum[indexes_[s]->Word(c.word)] += c.count;
  }
  // The whole corpus's id order: reserved units by id, then by count in the
  // corpus (descending), then by bytes.
  struct Ranked {
    Continuation c;
    WordId reserved;  // its id if reserved, else kNumReservedWords
    Count corpus_count;
  };
  std::vector<Ranked> ranked;
  ranked.reserve(sum.size());
  for (const auto& [unit, count] : sum) {
    Ranked r{{unit, count}, kNumReservedWords, 0};
    const WordId id0 = indexes_[0]->Find(unit);
    if (id0 < kNumReservedWords) {
      r.reserved = id0;
    } else {
      for (const auto& index : indexes_) {
        const WordId id = index->Find(unit);
        if (id != CorpusIndex::kUnknownUnit)
          r.corpus_count += index->CountNgram(std::span<const WordId>(&id, 1));
      }
    }
    ranked.push_back(r);
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.c.count != b.c.count) return a.c.count > b.c.count;
    if (a.reserved != b.reserved) return a.reserved < b.reserved;
    if (a.corpus_count != b.corpus_count) return a.corpus_count > b.corpus_count;
    return a.c.unit < b.c.unit;
  });
  *distinct = ranked.size();
  if (top_k > 0 && ranked.size() > top_k) ranked.resize(top_k);
  for (const Ranked& r : ranked) out->push_back(r.c);
  return total;
}

void IndexSet::InfinigramProbabilities(const Query& line,
                                       std::vector<CorpusIndex::TokenProbability>* out) const {
  if (indexes_.size() == 1) return indexes_[0]->InfinigramProbabilities(line.ids[0], out);
  std::vector<std::vector<CorpusIndex::TokenProbability>> per(indexes_.size());
  for (size_t s = 0; s < indexes_.size(); ++s) {
    indexes_[s]->InfinigramProbabilities(line.ids[s], &per[s]);
  }
  out->clear();
  std::vector<const CorpusIndex::TokenProbability*> at(indexes_.size());
  for (size_t i = 0; i < per[0].size(); ++i) {
    uint32_t suffix = 0;
    for (size_t s = 0; s < indexes_.size(); ++s) {
      at[s] = &per[s][i];
      suffix = std::max(suffix, per[s][i].suffix);
    }
    out->push_back(Combine(line, i, suffix, at));
  }
}

CorpusIndex::TokenProbability IndexSet::Combine(
    const Query& line, size_t i, uint32_t suffix,
    const std::vector<const CorpusIndex::TokenProbability*>& per) const {
  // Only the shards that saw the longest context count: in the others it
  // occurs nowhere (a context seen is seen with all its suffixes). With no
  // context (suffix 0) every shard counts, its context count its tokens.
  CorpusIndex::TokenProbability tp;
  tp.suffix = suffix;
  std::vector<size_t> from;
  for (size_t s = 0; s < per.size(); ++s) {
    if (per[s]->suffix != suffix) continue;
    from.push_back(s);
    tp.count += per[s]->count;
    tp.context_count += per[s]->context_count;
  }
  tp.probability = tp.context_count > 0
                       ? static_cast<double>(tp.count) / static_cast<double>(tp.context_count)
                       : 0.0;
  // Sparse: one unit follows the context in the whole corpus. Each shard
  // that saw it must be sparse, and with the same unit: the token where the
  // shard saw the token after it, else the shard's one continuation.
  if (suffix == 0) return tp;
  tp.sparse = true;
  std::string_view unit;
  bool have = false;
  const bool stream = settings().boundaries == Boundaries::kNone;
  for (size_t s : from) {
    if (!per[s]->sparse) {
      tp.sparse = false;
      break;
    }
    std::string_view u;
    if (per[s]->count > 0) {
      u = i < line.units.size() ? std::string_view(line.units[i]) : "</s>";
    } else {
      // The context in shard s's ids: the units before token i, with <s>
      // in front in line mode.
      std::vector<WordId> context;
      const size_t begin = i + (stream ? 0 : 1) - suffix;  // in <s> line </s>
      for (size_t x = begin; x < begin + suffix; ++x) {
        context.push_back(!stream && x == 0 ? kBosId : line.ids[s][x - (stream ? 0 : 1)]);
      }
      std::vector<CorpusIndex::Continuation> next;
      uint64_t distinct = 0;
      indexes_[s]->Continuations(context, 1, &next, &distinct);
      if (next.empty()) {
        tp.sparse = false;
        break;
      }
      u = indexes_[s]->Word(next[0].word);
    }
    if (have && u != unit) {
      tp.sparse = false;
      break;
    }
    unit = u;
    have = true;
  }
  return tp;
}

Count IndexSet::Where(const Query& ngram, size_t limit, std::vector<uint64_t>* lines) const {
  lines->clear();
  Count total = 0;
  std::vector<uint64_t> part;
  for (size_t s = 0; s < indexes_.size(); ++s) {
    if (lines->size() >= limit) {
      total += indexes_[s]->CountNgram(ngram.ids[s]);
      continue;
    }
    total += indexes_[s]->Where(ngram.ids[s], limit - lines->size(), &part);
    for (uint64_t l : part) lines->push_back(first_line_[s] + l);
  }
  return total;
}

CorpusIndex::Span IndexSet::LongestSpan(const Query& units) const {
  if (indexes_.size() == 1) return indexes_[0]->LongestSpan(units.ids[0]);
  // The earliest of the longest spans of the shards; every shard holding it
  // finds it as its own longest and earliest.
  std::vector<CorpusIndex::Span> per(indexes_.size());
  CorpusIndex::Span best;
  for (size_t s = 0; s < indexes_.size(); ++s) {
    per[s] = indexes_[s]->LongestSpan(units.ids[s]);
    if (per[s].length > best.length ||
        (per[s].length == best.length && per[s].length > 0 && per[s].begin < best.begin)) {
      best = per[s];
      best.line += first_line_[s];
    }
  }
  if (best.length == 0) return best;
  best.count = 0;
  for (size_t s = 0; s < indexes_.size(); ++s) {
    if (per[s].length == best.length && per[s].begin == best.begin) best.count += per[s].count;
  }
  return best;
}

}  // namespace grams
