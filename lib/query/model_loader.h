// Loading a model file (docs/FORMAT.md) into the query tables of
// LanguageModel (query/ngram_hash.h), for LanguageModel::Load.
//
// The load is a graph of tasks run on two threads or more (util/task_graph.h):
// reading each section, decompressing it, decoding order n's structure into
// the keys of its n-grams (which needs order n-1's keys: the one chain that
// cannot be split), and building each order's table in two halves and two
// shards (OrderBuilder). Decoding order n overlaps with building order n-1
// and with decompressing what comes next, so the load takes about its CPU
// time divided by the cores, down to the decoding chain. Memory stays
// bounded: the raw sections, keys and compressed frames of two orders at a
// time, and one scratch of the largest order for the builder.
#ifndef GRAMS_QUERY_MODEL_LOADER_H_
#define GRAMS_QUERY_MODEL_LOADER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "format/model_file.h"
#include "grams/settings.h"
#include "grams/status.h"
#include "grams/vocabulary.h"
#include "util/huge_array.h"

namespace grams::query {

// One shard of an order's table, as OrderBuilder::Place makes it.
struct LoadedShard {
  HugeArray<unsigned char> slots;
  uint64_t homes = 1;
  uint64_t slot_count = 0;  // the empty sentinel included
  uint64_t entries = 0;
};

struct LoadedModel {
  Vocabulary vocab;
  TokenizerSettings settings;
  std::vector<std::pair<std::string, std::string>> info;
  int order = 0;
  std::vector<float> log_prob, log_backoff;  // of the unigrams (backoff empty at order 1)
  std::vector<LoadedShard> shards;           // 2 per order n >= 2, from n = 2, under seed 0
  // Two n-grams' keys are the same 64 bits under seed 0 (never observed):
  // the shards are then incomplete, and the caller builds the tables from
  // the whole model under another seed.
  bool collision = false;
};

// Reads the rest of the model file `reader` opened (everything after its
// header, to the end marker) into *out. Errors are those a sequential
// reader would report first (they name the file).
Status LoadModelFile(ModelFileReader* reader, LoadedModel* out);

}  // namespace grams::query

#endif  // GRAMS_QUERY_MODEL_LOADER_H_
