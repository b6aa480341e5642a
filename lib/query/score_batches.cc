// RunBatches: reading, working and emitting batches of lines, on one thread
// or several (see score_batches.h).
#include "query/score_batches.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <new>
#include <thread>
#include <utility>

#include "format/text_input.h"
#include "grams/files.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "util/alloc_guard.h"
#include "util/threads.h"

namespace grams::query {

void Batch::Reset() {
  text.clear();
  lines.clear();
  last = false;
  read_error = Status::OK();
  if (scorer) scorer->Clear();
  output.clear();
  good_lines = 0;
  error = Status::OK();
  skipped = 0;
  first_skipped = Status::OK();
  done = false;
}

int ScoringThreads(int requested) {
  if (requested > 0) return std::min(requested, 1024);
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(std::min(cores, 1024u));
}

namespace {

// The files, read one after the other into batches.
class BatchReader {
 public:
  BatchReader(const std::vector<std::string>& paths, const BatchOptions& options)
      : paths_(paths), options_(options) {}

  // Fills *b (empty) with the next lines. Returns true if more batches may
  // follow; false after the last one (b->last set; b->read_error if the
  // input failed) or when `stop` was seen (b->last not set).
  bool Fill(Batch* b, const std::atomic<bool>& stop) {
    for (;;) {
      if (!lines_) {
        if (file_ == paths_.size()) {
          b->last = true;
          return false;
        }
        auto in = options_.settings != nullptr
                      ? OpenTextInput(paths_[file_], *options_.settings, "score")
                      : io::InputStream::Open(paths_[file_]);
        if (!in.ok()) {
          b->read_error = in.status();
          b->last = true;
          return false;
        }
        in_ = std::move(in).value();
        lines_ = std::make_unique<io::LineReader>(in_.get());
      }
      std::string_view line;
      while (lines_->Next(&line)) {
        BatchLine l;
        l.begin = b->text.size();
        l.size = line.size();
        l.number = lines_->line_number();
        l.offset = lines_->line_offset();
        l.file = static_cast<uint32_t>(file_);
        l.newline = lines_->newline();
        b->text.append(line);
        b->lines.push_back(l);
        if (stop.load(std::memory_order_relaxed)) return false;
        if (b->text.size() >= options_.batch_bytes || (options_.prompt && !lines_->LineWaiting())) {
          return true;
        }
      }
      if (!lines_->status().ok()) {
        b->read_error = lines_->status();
        b->last = true;
        return false;
      }
      lines_.reset();
      in_.reset();
      ++file_;
      // Opening the next file may wait (a FIFO): the lines read go first.
      if (options_.prompt && !b->lines.empty() && file_ < paths_.size()) return true;
    }
  }

 private:
  std::vector<std::string> paths_;
  BatchOptions options_;
  size_t file_ = 0;
  std::unique_ptr<io::InputStream> in_;
  std::unique_ptr<io::LineReader> lines_;
};

// The work stage behind a wall: an exception becomes the batch's error, and
// the batch reports nothing of its lines.
void Work(const BatchWork& work, Batch* b, const std::vector<std::string>& names) {
  Status failed;
  try {
    work(b, names);
    return;
  } catch (const AllocationFailure& e) {
    failed = OutOfMemory("scoring", e.bytes());
  } catch (const std::bad_alloc&) {
    failed = OutOfMemory("scoring", 0);
  } catch (const std::exception& e) {
    failed = InternalError(std::string("scoring: ") + e.what());
  } catch (...) {
    failed = InternalError("scoring: unknown exception");
  }
  b->output.clear();
  if (b->scorer) b->scorer->Clear();
  b->good_lines = 0;
  b->error = failed;
}

// Reads, works and emits batches on the calling thread, in *b. With
// `filled`, *b already holds the first batch, and `more` is what its Fill
// returned.
Status RunInline(BatchReader* reader, Batch* b, bool filled, bool more, const BatchWork& work,
                 const BatchEmit& emit, const std::vector<std::string>& names) {
  const std::atomic<bool> never{false};
  for (;;) {
    if (!filled) more = reader->Fill(b, never);
    filled = false;
    work(b, names);
    const bool go = emit(*b);
    if (!b->error.ok()) return b->error;
    if (!b->read_error.ok()) return b->read_error;
    if (!go || !more) return Status::OK();
    b->Reset();
  }
}

// What the reader thread, the workers and the calling thread share. The
// reader holds it too, so that it may outlive RunBatches (see below).
struct Pipeline {
  Pipeline(const std::vector<std::string>& paths, const BatchOptions& options)
      : reader(paths, options) {}

  std::mutex mu;
  std::condition_variable free_cv;  // the reader waits for a free batch
  std::condition_variable work_cv;  // workers wait for a batch to work
  std::condition_variable done_cv;  // the calling thread waits for the next batch
  std::vector<std::unique_ptr<Batch>> pool;
  std::vector<Batch*> free;
  std::deque<Batch*> todo;      // read, not yet taken by a worker
  std::deque<Batch*> in_order;  // read, not yet emitted: input order
  std::atomic<bool> stop{false};
  bool reader_done = false;
  Status reader_error;  // the reader failed holding no batch (set with reader_done)
  BatchReader reader;

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop.store(true);
    }
    free_cv.notify_all();
    work_cv.notify_all();
    done_cv.notify_all();
  }
};

// Fills *b with the next lines; an exception becomes the batch's read
// error, and ends the input.
bool FillBatch(Pipeline* p, Batch* b) {
  try {
    return p->reader.Fill(b, p->stop);
  } catch (const std::bad_alloc&) {
    b->read_error = OutOfMemory("reading the input", 0);
  } catch (...) {
    b->read_error = InternalError("reading: unknown exception");
  }
  b->last = true;
  return false;
}

// The reader thread: fills free batches until the input ends or the
// pipeline stops. Whatever happens, it ends by saying so (reader_done).
void ReadBatches(const std::shared_ptr<Pipeline>& p) {
  Status failed;
  try {
    for (;;) {
      Batch* b;
      {
        std::unique_lock<std::mutex> lock(p->mu);
        p->free_cv.wait(lock, [&] { return p->stop.load() || !p->free.empty(); });
        if (p->stop.load()) break;
        b = p->free.back();
        p->free.pop_back();
      }
      const bool more = FillBatch(p.get(), b);
      {
        std::lock_guard<std::mutex> lock(p->mu);
        if (p->stop.load()) break;
        p->todo.push_back(b);
        p->in_order.push_back(b);
      }
      p->work_cv.notify_one();
      p->done_cv.notify_one();
      if (!more) break;
    }
  } catch (const std::bad_alloc&) {  // queueing a batch
    failed = OutOfMemory("reading the input", 0);
  } catch (...) {  // a lock or a wait (std::system_error)
    failed = InternalError("reading: unknown exception");
  }
  {
    std::lock_guard<std::mutex> lock(p->mu);
    p->reader_done = true;
    p->reader_error = failed;
  }
  p->done_cv.notify_one();
}

// A worker thread: works the batches read until the pipeline stops.
void WorkBatches(Pipeline* p, const BatchWork& work, const std::vector<std::string>& names) {
  for (;;) {
    Batch* b;
    {
      std::unique_lock<std::mutex> lock(p->mu);
      p->work_cv.wait(lock, [&] { return p->stop.load() || !p->todo.empty(); });
      if (p->stop.load()) return;
      b = p->todo.front();
      p->todo.pop_front();
    }
    Work(work, b, names);
    {
      std::lock_guard<std::mutex> lock(p->mu);
      b->done = true;
    }
    p->done_cv.notify_one();
  }
}

// The calling thread: emits the batches in order, and works batches itself
// while the next one to emit is not ready. However it leaves (an emit stage
// may throw), the others are told to stop.
Status EmitBatches(Pipeline* p, const BatchWork& work, const BatchEmit& emit,
                   const std::vector<std::string>& names) {
  struct StopOnExit {
    Pipeline* p;
    ~StopOnExit() { p->Stop(); }
  } stop_on_exit{p};
  for (;;) {
    std::unique_lock<std::mutex> lock(p->mu);
    p->done_cv.wait(lock, [&] {
      return (!p->in_order.empty() && p->in_order.front()->done) || !p->todo.empty() ||
             (p->reader_done && p->in_order.empty());
    });
    if (!p->in_order.empty() && p->in_order.front()->done) {
      Batch* b = p->in_order.front();
      p->in_order.pop_front();
      lock.unlock();
      const bool go = emit(*b);
      const Status failed = !b->error.ok() ? b->error : b->read_error;
      const bool last = b->last;
      lock.lock();
      b->Reset();
      p->free.push_back(b);
      lock.unlock();
      p->free_cv.notify_one();
      if (!failed.ok()) return failed;
      if (!go || last) return Status::OK();
    } else if (!p->todo.empty()) {
      Batch* b = p->todo.front();
      p->todo.pop_front();
      lock.unlock();
      Work(work, b, names);
      lock.lock();
      b->done = true;
    } else {
      // The reader ended without a last batch: it was stopped, or failed.
      return p->reader_error;
    }
  }
}

}  // namespace

Status RunBatches(const std::vector<std::string>& paths, const BatchOptions& options,
                  const std::function<std::unique_ptr<TextScorer>()>& make_scorer,
                  const BatchWork& work, const BatchEmit& emit) {
  std::vector<std::string> names;
  for (const std::string& path : paths) names.push_back(InputName(path));
  const int threads = std::max(1, options.threads);
  if (threads == 1) {
    BatchReader reader(paths, options);
    Batch b;
    b.scorer = make_scorer();
    return RunInline(&reader, &b, /*filled=*/false, /*more=*/true, work, emit, names);
  }

  auto p = std::make_shared<Pipeline>(paths, options);
  // The first batch is read here: an input that ends within it (a
  // sentence, a short file) is worked and emitted on this thread alone, as
  // with one thread, and no thread is started for it.
  p->pool.push_back(std::make_unique<Batch>());
  Batch* const first = p->pool.back().get();
  first->scorer = make_scorer();
  if (!p->reader.Fill(first, p->stop)) {
    return RunInline(&p->reader, first, /*filled=*/true, /*more=*/false, work, emit, names);
  }
  p->todo.push_back(first);
  p->in_order.push_back(first);
  const size_t batches = 2 * static_cast<size_t>(threads) + 2;
  for (size_t i = 1; i < batches; ++i) {
    p->pool.push_back(std::make_unique<Batch>());
    p->pool.back()->scorer = make_scorer();
    p->free.push_back(p->pool.back().get());
  }
  BackgroundThread reader;
  if (!reader.Start([p] { ReadBatches(p); })) {  // no thread to be had: all on this one
    p->todo.clear();
    p->in_order.clear();
    return RunInline(&p->reader, first, /*filled=*/true, /*more=*/true, work, emit, names);
  }
  Status result;
  try {
    RunOnThreads(threads, [&](int t) {
      if (t > 0) return WorkBatches(p.get(), work, names);
      result = EmitBatches(p.get(), work, emit, names);
    });
  } catch (...) {
    p->Stop();
    reader.Detach();
    throw;
  }
  // The reader has stopped, or is waiting for input (an idle terminal or
  // pipe): it then ends by itself when input comes or ends, holding what
  // it uses, and the caller need not wait for it.
  bool reader_done;
  {
    std::lock_guard<std::mutex> lock(p->mu);
    reader_done = p->reader_done;
  }
  if (reader_done) {
    reader.Join();
  } else {
    reader.Detach();
  }
  return result;
}

}  // namespace grams::query
