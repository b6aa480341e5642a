// The whole public API of libgrams in one include. Each header below is one
// concept and can be included on its own; this one is for programs (and
// bindings) that use most of them.
#ifndef GRAMS_GRAMS_H_
#define GRAMS_GRAMS_H_

#include "grams/build.h"           // estimation: BuildOptions, BuildModel, BuildModelFromCounts...
#include "grams/counts.h"          // counting: NgramCounts, Counter, counts files
#include "grams/documents.h"       // JSON Lines documents: ScoreJsonl
#include "grams/escape.h"          // the printable form of units (<0x0A>, <sp>)
#include "grams/export.h"          // GRAMS_EXPORT
#include "grams/files.h"           // "-" for stdin/stdout, TextReader, FileWriter, temp files
#include "grams/generate.h"        // sampling text: GenerateText (grams-generate)
#include "grams/inspect.h"         // InspectFile, ListVocabulary, LookupNgram: grams-info
#include "grams/language_model.h"  // LanguageModel, State: queries
#include "grams/mix.h"             // mixing: CreateMixture, EstimateMixWeights, MixModels
#include "grams/model.h"           // Model, ModelInfo, ModelSummary
#include "grams/model_io.h"        // model files and ARPA
#include "grams/predict.h"         // NgramPredictor: the next units (grams-predict)
#include "grams/progress.h"        // Progress, ProgressCallback
#include "grams/scorer.h"          // TextScorer, ScoreText, PerplexityStats
#include "grams/settings.h"        // TokenizerSettings
#include "grams/status.h"          // Status, StatusOr
#include "grams/trie.h"            // NgramTrie
#include "grams/types.h"           // WordId, Count, reserved ids
#include "grams/version.h"         // GRAMS_VERSION_STRING, GRAMS_FORMAT_VERSION
#include "grams/vocabulary.h"      // Vocabulary

#endif  // GRAMS_GRAMS_H_
