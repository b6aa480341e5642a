// Loading a model file (docs/FORMAT.md) for LanguageModel::Load, in two
// steps:
//
// LoadModelFile reads, decompresses and decodes the file into a ModelTrie
// (query/model_trie.h), the vocabulary and the unigrams: a graph of tasks
// on two threads or more (util/task_graph.h), each order's structure decoded
// on its own (a trie needs no keys, so no order waits for the one below),
// its values left in the byte planes they were decompressed to. Queries can
// be answered from that at once.
//
// BuildTables then builds the hash tables of query/ngram_hash.h from the
// trie: each order's keys from the order below's (the one chain), its
// entries scattered and placed in two shards on two threads (OrderBuilder).
// LanguageModel runs it on a thread of its own after the load; the tables
// take over from the trie when they are ready.
#ifndef GRAMS_QUERY_MODEL_LOADER_H_
#define GRAMS_QUERY_MODEL_LOADER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "format/model_file.h"
#include "grams/settings.h"
#include "grams/status.h"
#include "grams/vocabulary.h"
#include "query/model_trie.h"
#include "util/huge_array.h"

namespace grams::query {

struct LoadedModel {
  Vocabulary vocab;
  TokenizerSettings settings;
  std::vector<std::pair<std::string, std::string>> info;
  int order = 0;
  std::vector<float> log_prob, log_backoff;  // of the unigrams (backoff empty at order 1)
  std::shared_ptr<ModelTrie> trie;           // orders n >= 2
};

// Reads the rest of the model file `reader` opened (everything after its
// header, to the end marker) into *out. Errors are those a sequential
// reader would report first (they name the file).
Status LoadModelFile(ModelFileReader* reader, LoadedModel* out);

// One shard of an order's table, as OrderBuilder::Place makes it.
struct LoadedShard {
  HugeArray<unsigned char> slots;
  uint64_t homes = 1;
  uint64_t slot_count = 0;  // the empty sentinel included
  uint64_t entries = 0;
};

enum class BuildResult {
  kDone,       // every shard built
  kCollision,  // two n-grams' keys are the same 64 bits under this seed
  kCancelled,  // *cancel was set
};

// The hash tables of orders 2 .. trie.order() under `seed`, into
// shards[2 (n - 2) + s] for shard s of order n. Looks at *cancel every
// fraction of a millisecond, and stops when it is set. Throws
// AllocationFailure when out of memory.
BuildResult BuildTables(const ModelTrie& trie, uint64_t seed, const std::atomic<bool>& cancel,
                        std::vector<LoadedShard>* shards);

}  // namespace grams::query

#endif  // GRAMS_QUERY_MODEL_LOADER_H_
