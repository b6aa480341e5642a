// Phases 2 and 3 of counting under a memory budget, after the spills of
// phase 1 (count/spill.h).
//
// Phase 2 loads groups of consecutive buckets, sized to the budget, from
// every spill, adds them up in fresh tables and sorts them with the same
// SortTables as the in-memory path, writing each order of a group as a
// group run (count/group_run.h) to a temporary file. Phase 3 merges the
// runs order by order into the sink: an order's canonical order is by first
// word, then the rest, and the groups hold disjoint first words, so the
// merge takes whole blocks in first-word order, with no comparisons at all.
#ifndef GRAMS_COUNT_EXTERNAL_MERGE_H_
#define GRAMS_COUNT_EXTERNAL_MERGE_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "count/counts_sink.h"
#include "count/spill.h"
#include "grams/counts.h"
#include "grams/status.h"

namespace grams::count {

// Called once the size of every order is known (sizes[n-1]: the n-grams of
// order n), before the first order goes to the sink: it starts the sink.
using StartSinkFn = std::function<Status(const std::vector<uint64_t>& sizes)>;

// Merges the spills into `sink`, then clears them. `options` gives the
// order, memory budget, temporary directory and progress callback;
// `fixed_bytes` is the memory the budget must leave aside (the
// vocabulary). `by_rank[r]` is the counting id of canonical word r, and
// `word_map` the inverse. `threads` threads load and sort.
// Errors: from the temporary files (IOError, Corruption), the sort
// (ResourceExhausted), `start` and the sink.
Status MergeSpills(const CountOptions& options, int threads, uint64_t fixed_bytes,
                   const std::vector<WordId>& by_rank, const std::vector<WordId>& word_map,
                   SpillStore* spills, const StartSinkFn& start, CountsSink* sink);

}  // namespace grams::count

#endif  // GRAMS_COUNT_EXTERNAL_MERGE_H_
