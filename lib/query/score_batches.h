// RunBatches: the engine under ScoreText, ScoreAndFormatText and ScoreJsonl.
// Lines of text files are read in batches; each batch goes through a work
// stage (tokenize, score, format: anything that depends on its lines alone)
// and then an emit stage, in input order, on the calling thread.
//
// With one thread the three run in turn on the calling thread. With more,
// the calling thread reads the first batch, and an input that ends within
// it (a sentence, a short file) is worked and emitted there too, with no
// thread started. Otherwise a reader thread fills batches, the work stage
// runs on threads-1 workers
// and on the calling thread when it would otherwise wait, and the calling
// thread emits. A fixed pool of batches bounds the memory and makes the
// reader wait when the output lags. No exception leaves a thread: the
// reader's and the workers' become the Status of their batch (an emit
// stage's own exception reaches the caller once every worker has stopped).
#ifndef GRAMS_QUERY_SCORE_BATCHES_H_
#define GRAMS_QUERY_SCORE_BATCHES_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grams/scorer.h"
#include "grams/settings.h"
#include "grams/status.h"

namespace grams::query {

// Where one line of a batch is, and where it came from.
struct BatchLine {
  size_t begin = 0, size = 0;  // in Batch::text
  uint64_t number = 0;         // 1-based line number in its file
  uint64_t offset = 0;         // byte offset of the line in its (decompressed) file
  uint32_t file = 0;           // index in RunBatches' paths
  bool newline = true;         // the line ended with '\n'
};

struct Batch {
  // Filled by the reader.
  std::string text;  // the lines back to back
  std::vector<BatchLine> lines;
  bool last = false;  // the input ends after these lines
  Status read_error;  // reading failed after these lines
  // Filled by the work stage.
  std::unique_ptr<TextScorer> scorer;  // one per batch, kept across uses
  TextScorer::LineScore score;         // scratch for the work stage
  std::string output;
  size_t good_lines = 0;  // lines worked; fewer than lines.size() if `error`
  Status error;           // the work stage failed on line good_lines
  uint64_t skipped = 0;   // lines the work stage skipped (ScoreJsonl)
  Status first_skipped;   // why the first of them was skipped
  // The engine's.
  bool done = false;

  std::string_view Line(size_t i) const {
    return std::string_view(text).substr(lines[i].begin, lines[i].size);
  }
  // "FILE:LINE" of line i, for messages.
  std::string Where(size_t i, const std::vector<std::string>& names) const {
    return names[lines[i].file] + ":" + std::to_string(lines[i].number);
  }
  // Empties the batch for the next lines (the scorer is kept).
  void Reset();
};

struct BatchOptions {
  int threads = 1;                // >= 1
  size_t batch_bytes = 64 << 10;  // a batch ends after this much text
  bool prompt = false;            // and whenever no further line is waiting
  // When set, text is opened as the counter opens it (format/text_input.h:
  // model files refused, UTF-16 decoded) for these settings.
  const TokenizerSettings* settings = nullptr;
};

// The work stage: fills batch->output / the scorer, good_lines and error.
// `names` are the files' names for messages ("<stdin>" for "-"). Runs on
// any thread, on several batches at once.
using BatchWork = std::function<void(Batch* batch, const std::vector<std::string>& names)>;
// The emit stage, in input order on the calling thread, for every batch
// until one has an error (that one included). False stops at once.
using BatchEmit = std::function<bool(Batch& batch)>;

// Reads `paths` ("-" = stdin; compressed text is decompressed) as one text
// in batches and runs them through work and emit. Returns the first error
// in input order: a batch's work error (after emitting that batch), a
// read error after the lines before it, or OK (also when emit stopped).
// make_scorer() gives each batch its scorer (called on the calling thread).
Status RunBatches(const std::vector<std::string>& paths, const BatchOptions& options,
                  const std::function<std::unique_ptr<TextScorer>()>& make_scorer,
                  const BatchWork& work, const BatchEmit& emit);

// The number of scoring threads ScoreTextOptions::threads asks for (0 = one
// per core), at least 1.
int ScoringThreads(int requested);

}  // namespace grams::query

#endif  // GRAMS_QUERY_SCORE_BATCHES_H_
