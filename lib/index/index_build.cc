// BuildIndex: text -> units (the Tokenizer, as the counter uses it, on two
// threads: ReadCorpus) -> canonical ids -> the stream B line1 B ... lineL B
// -> its suffix array (index/suffix_sort.h: libdivsufsort over the ids'
// byte codes, the stream's two halves at once) -> the index file
// (index_format.h).
#include <algorithm>
#include <bit>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "grams/escape.h"
#include "grams/index.h"
#include "grams/vocabulary.h"
#include "index/index_format.h"
#include "index/suffix_sort.h"
#include "io/file.h"
#include "io/line_reader.h"
#include "tokenize/tokenizer.h"
#include "util/alloc_guard.h"
#include "util/coding.h"
#include "util/threads.h"
#include "vocab/canonical_order.h"

namespace grams {
namespace {

using index::PutPacked;

std::string Where(const std::string& file, uint64_t line_no, uint64_t offset) {
  return file + ":" + std::to_string(line_no) + ": byte offset " + std::to_string(offset) + ": ";
}

// The corpus as first-seen ids (Vocabulary order) with their counts.
struct Corpus {
  Vocabulary vocab;
  std::vector<uint32_t> stream;  // B line1 B ... B, B = kEosId
  std::vector<uint64_t> counts;  // per first-seen id
  uint64_t lines = 0;
};

// ReadCorpus reads on the calling thread and tokenizes on kReadWorkers
// others: the lines go in batches of about kBatchBytes of text, batch k to
// worker k % kReadWorkers, at most kBatchesAhead of them waiting. Each
// worker numbers the units of its batches in a vocabulary of its own and
// lists, per batch, the words that batch added to it; the batches are then
// taken in input order and each worker's ids mapped to the corpus's
// vocabulary. Ids are first-seen in neither, which does not matter:
// Renumber makes them canonical. Errors are the sequential reader's: the
// first batch's error, else the input's.
constexpr int kReadWorkers = 2;
constexpr size_t kBatchBytes = size_t{1} << 20;
constexpr size_t kBatchesAhead = 4;

struct LineRef {
  uint64_t begin, size, line_no, line_offset;
  bool newline;
};

struct ReadBatch {
  std::string file;  // the input's name, for errors
  std::string text;
  std::vector<LineRef> lines;
  uint64_t line_count = 0;
  std::vector<uint32_t> ids;  // the worker's own; kEosId ends a line
  std::vector<std::string> new_words;
  std::vector<uint64_t> new_word_lines;  // the line number of each new word
  Status status;
};

// What the reader and the workers share.
struct ReadQueue {
  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::unique_ptr<ReadBatch>> batches;  // all of them, in input order
  size_t taken[kReadWorkers] = {};                  // per worker: batches it has started
  size_t unfinished = 0;
  bool closed = false;  // no more batches
  bool stop = false;    // a worker failed or threw: read no more
};

// A worker's tokenizing of one batch into its vocabulary.
Status TokenizeBatch(Tokenizer* tokenizer, Vocabulary* vocab, WordId (&byte_ids)[256],
                     bool stream_mode, ReadBatch* b) {
  std::vector<std::string_view> tokens;
  for (const LineRef& l : b->lines) {
    const std::string_view line(b->text.data() + l.begin, l.size);
    Status s = tokenizer->Tokenize(line, l.newline, &tokens);
    if (!s.ok()) {
      if (s.code() != StatusCode::kInvalidArgument) return s;
      return InvalidArgument(
          Where(b->file, l.line_no, l.line_offset + tokenizer->bad_offset()) +
          "invalid UTF-8 (use --invalid replace or --invalid skip to accept it)");
    }
    for (std::string_view tok : tokens) {
      const size_t before = vocab->size();
      WordId id;
      if (tok.size() == 1) {
        WordId& cached = byte_ids[static_cast<unsigned char>(tok[0])];
        if (cached == Vocabulary::kNotFound) cached = vocab->FindOrInsert(tok);
        id = cached;
      } else {
        id = vocab->FindOrInsert(tok);
      }
      // Where `tok` is: in the line, or (a token the tokenizer made) at its start.
      auto where = [&] {
        const bool in_line = tok.data() >= line.data() && tok.data() < line.data() + line.size();
        const uint64_t offset = in_line ? static_cast<uint64_t>(tok.data() - line.data()) : 0;
        return Where(b->file, l.line_no, l.line_offset + offset);
      };
      if (id == Vocabulary::kNotFound) [[unlikely]] {  // the vocabulary is full
        return ResourceExhausted(where() + Vocabulary::TooManyWords());
      }
      if (vocab->size() != before) {
        b->new_words.emplace_back(tok);
        b->new_word_lines.push_back(l.line_no);
      }
      if (id == kBosId || id == kEosId) {
        return InvalidArgument(where() + "the reserved token " + std::string(tok) +
                               " appears in the text");
      }
      b->ids.push_back(id);
    }
    if (!stream_mode) b->ids.push_back(kEosId);
  }
  return Status::OK();
}

// Worker w: tokenizes batches w, w + kReadWorkers, ... as they come.
void ReadWorkerLoop(int w, const IndexBuildOptions& options, ReadQueue* q) {
  auto tokenizer = Tokenizer::Create(options.tokenizer);
  const bool stream_mode = options.tokenizer.boundaries == Boundaries::kNone;
  Vocabulary vocab;
  WordId byte_ids[256];
  std::fill(std::begin(byte_ids), std::end(byte_ids), Vocabulary::kNotFound);
  bool failed = false;
  for (;;) {
    ReadBatch* b;
    {
      std::unique_lock<std::mutex> lock(q->mu);
      const size_t k = q->taken[w] * kReadWorkers + w;
      q->changed.wait(lock, [&] { return k < q->batches.size() || q->closed; });
      if (k >= q->batches.size()) return;
      b = q->batches[k].get();
      ++q->taken[w];
    }
    // After a failure, batches are only released: the error stands.
    if (!failed) {
      b->status = tokenizer.ok() ? TokenizeBatch(tokenizer->get(), &vocab, byte_ids, stream_mode, b)
                                 : tokenizer.status();
      failed = !b->status.ok();
    }
    b->line_count = b->lines.size();
    std::string().swap(b->text);
    std::vector<LineRef>().swap(b->lines);
    std::lock_guard<std::mutex> lock(q->mu);
    q->stop |= failed;
    --q->unfinished;
    q->changed.notify_all();
  }
}

// What a worker throws (std::bad_alloc) goes to RunOnThreads' caller; the
// reader is told, so that it does not wait for the batches left undone.
void ReadWorker(int w, const IndexBuildOptions& options, ReadQueue* q) {
  try {
    ReadWorkerLoop(w, options, q);
  } catch (...) {
    std::lock_guard<std::mutex> lock(q->mu);
    q->stop = true;
    q->changed.notify_all();
    throw;
  }
}

// The reader: the inputs' lines into batches. Returns the inputs' error.
Status ReadBatches(const std::vector<std::string>& inputs, const IndexBuildOptions& options,
                   ReadQueue* q) {
  std::unique_ptr<ReadBatch> b;
  // False when a worker has failed (its batch's error is what the caller
  // sees, being the first in the input) or thrown (its exception is).
  auto hand_over = [&] {
    std::unique_lock<std::mutex> lock(q->mu);
    q->changed.wait(lock, [&] { return q->unfinished < kBatchesAhead || q->stop; });
    if (q->stop) return false;
    q->batches.push_back(std::move(b));
    ++q->unfinished;
    q->changed.notify_all();
    return true;
  };
  const Status stopped = InternalError("a tokenizing thread failed");
  for (const std::string& path : inputs) {
    GRAMS_ASSIGN_OR_RETURN(auto in, io::InputStream::Open(path));
    io::LineReader reader(in.get());
    Progress progress{"indexing " + in->name(), 0,
                      in->size_hint() > 0 ? static_cast<uint64_t>(in->size_hint()) : 0, "bytes"};
    std::string_view line;
    while (reader.Next(&line)) {
      if (!b) {
        b = std::make_unique<ReadBatch>();
        b->file = in->name();
        b->text.reserve(kBatchBytes + line.size());
      }
      b->lines.push_back({b->text.size(), line.size(), reader.line_number(), reader.line_offset(),
                          reader.newline()});
      b->text.append(line);
      if (b->text.size() >= kBatchBytes && !hand_over()) return stopped;
      if (options.progress && (reader.line_number() & 0x3fff) == 0) {
        progress.done = reader.line_offset();
        options.progress(progress);
      }
    }
    if (b && !hand_over()) return stopped;  // a batch holds the lines of one input
    if (!reader.status().ok()) return reader.status();
  }
  return Status::OK();
}

Status ReadCorpus(const std::vector<std::string>& inputs, const IndexBuildOptions& options,
                  Corpus* corpus) {
  ReadQueue q;
  Status input_status;
  RunOnThreads(1 + kReadWorkers, [&](int t) {
    if (t > 0) return ReadWorker(t - 1, options, &q);
    // The reader closes the queue however it ends (an exception included),
    // so that no worker waits for ever.
    struct Closer {
      ReadQueue* q;
      ~Closer() {
        std::lock_guard<std::mutex> lock(q->mu);
        q->closed = true;
        q->changed.notify_all();
      }
    } closer{&q};
    input_status = ReadBatches(inputs, options, &q);
  });
  for (const auto& b : q.batches) GRAMS_RETURN_IF_ERROR(b->status);
  GRAMS_RETURN_IF_ERROR(input_status);

  // The workers' ids into the corpus's vocabulary, batch by batch.
  const bool stream_mode = options.tokenizer.boundaries == Boundaries::kNone;
  std::vector<uint32_t> to_corpus[kReadWorkers];
  for (auto& m : to_corpus) m = {kUnkId, kBosId, kEosId};
  uint64_t tokens = 0;
  for (const auto& b : q.batches) tokens += b->ids.size();
  corpus->stream.reserve(tokens + 2);
  corpus->stream.push_back(kEosId);
  for (size_t k = 0; k < q.batches.size(); ++k) {
    ReadBatch& b = *q.batches[k];
    std::vector<uint32_t>& map = to_corpus[k % kReadWorkers];
    for (size_t i = 0; i < b.new_words.size(); ++i) {
      map.push_back(corpus->vocab.FindOrInsert(b.new_words[i]));
      if (map.back() == Vocabulary::kNotFound) {
        return ResourceExhausted(b.file + ":" + std::to_string(b.new_word_lines[i]) + ": " +
                                 Vocabulary::TooManyWords());
      }
    }
    for (uint32_t id : b.ids) corpus->stream.push_back(map[id]);
    if (!stream_mode) corpus->lines += b.line_count;
    q.batches[k].reset();
  }
  if (stream_mode) {
    corpus->stream.push_back(kEosId);
    corpus->lines = 1;
  }
  corpus->counts.assign(corpus->vocab.size(), 0);
  for (uint32_t id : corpus->stream) ++corpus->counts[id];
  return Status::OK();
}

// Renumbers the corpus canonically; returns the words in id order.
std::vector<std::string_view> Renumber(Corpus* corpus) {
  const size_t V = corpus->vocab.size();
  const size_t n = V - kNumReservedWords;
  const std::vector<uint32_t> order = SortCanonically(
      n, [&](size_t i) { return corpus->counts[i + kNumReservedWords]; },
      [&](size_t i) { return corpus->vocab.Word(static_cast<WordId>(i + kNumReservedWords)); },
      /*threads=*/2);
  std::vector<uint32_t> new_id(V);
  std::vector<std::string_view> words(V);
  for (WordId r = 0; r < kNumReservedWords; ++r) {
    new_id[r] = r;
    words[r] = corpus->vocab.Word(r);
  }
  for (size_t k = 0; k < n; ++k) {
    const uint32_t old = order[k] + kNumReservedWords;
    new_id[old] = static_cast<uint32_t>(k + kNumReservedWords);
    words[k + kNumReservedWords] = corpus->vocab.Word(old);
  }
  for (uint32_t& id : corpus->stream) id = new_id[id];
  return words;
}

void PutKeyValues(std::string* dst, const std::vector<std::pair<std::string, std::string>>& kv) {
  PutVarint64(dst, kv.size());
  for (const auto& [k, v] : kv) {
    PutLengthPrefixed(dst, k);
    PutLengthPrefixed(dst, v);
  }
}

struct Section {
  uint32_t id;
  const std::string* bytes;
  uint64_t count;
};

// The TOKENS section: the stream's ids, id_bits each.
std::string PackTokens(const std::vector<WordId>& stream, int id_bits) {
  const uint64_t N = stream.size();
  std::string tokens(index::PackedBytes(N, id_bits), '\0');
  auto* t = reinterpret_cast<unsigned char*>(tokens.data());
  for (uint64_t i = 0; i < N; ++i) PutPacked(t, id_bits, i, stream[i]);
  return tokens;
}

// The LINE_SAMPLES section: the marks before every 2^kSampleShift-th
// position, as fixed64.
std::string LineSamples(const std::vector<WordId>& stream, uint64_t samples_n) {
  const uint64_t N = stream.size();
  std::string samples;
  samples.reserve(samples_n * 8);
  uint64_t marks = 0;
  for (uint64_t k = 0; k < samples_n; ++k) {
    PutFixed64(&samples, marks);
    const uint64_t end = std::min<uint64_t>(N, (k + 1) << index::kSampleShift);
    for (uint64_t i = k << index::kSampleShift; i < end; ++i) marks += stream[i] == kEosId;
  }
  return samples;
}

// What the fixed header records besides the sections.
struct IndexSizes {
  uint64_t tokens, lines, vocab;
  int id_bits, pos_bits;
};

// The header (docs/FORMAT.md, "Corpus index") for `sections`, laid out at
// *offsets (set here, each aligned) after it.
std::string EncodeHeader(const IndexSizes& z, const Section (&sections)[index::kSectionCount],
                         const std::string& kv, uint64_t (&offsets)[index::kSectionCount]) {
  const uint64_t H =
      index::kFixedHeaderSize + index::kSectionCount * index::kSectionEntrySize + kv.size() + 4;
  auto align = [](uint64_t x) {
    return (x + index::kSectionAlign - 1) / index::kSectionAlign * index::kSectionAlign;
  };
  uint64_t at = align(H);
  for (uint32_t s = 0; s < index::kSectionCount; ++s) {
    offsets[s] = at;
    at = align(at + sections[s].bytes->size());
  }
  const uint64_t last = index::kSectionCount - 1;
  const uint64_t file_size = offsets[last] + sections[last].bytes->size();

  std::string header(index::kIndexMagic, 8);
  PutFixed32(&header, index::kIndexVersion);
  PutFixed32(&header, 0);  // flags
  PutFixed64(&header, file_size);
  PutFixed32(&header, static_cast<uint32_t>(H));
  PutFixed32(&header, index::kSectionCount);
  PutFixed64(&header, z.tokens);
  PutFixed64(&header, z.lines);
  PutFixed64(&header, z.vocab);
  header.push_back(static_cast<char>(z.id_bits));
  header.push_back(static_cast<char>(z.pos_bits));
  header.append(6, '\0');
  for (uint32_t s = 0; s < index::kSectionCount; ++s) {
    PutFixed32(&header, sections[s].id);
    PutFixed32(&header, Crc32(sections[s].bytes->data(), sections[s].bytes->size()));
    PutFixed64(&header, offsets[s]);
    PutFixed64(&header, sections[s].bytes->size());
    PutFixed64(&header, sections[s].count);
  }
  header += kv;
  PutFixed32(&header, Crc32(header.data(), header.size()));
  return header;
}

// The sections that do not depend on the suffix array.
struct OtherSections {
  std::string vocab, tokens, samples;
  uint64_t samples_n = 0;
};

OtherSections MakeOtherSections(const Corpus& corpus, const std::vector<std::string_view>& words,
                                int id_bits) {
  OtherSections o;
  for (std::string_view w : words) PutLengthPrefixed(&o.vocab, w);
  o.tokens = PackTokens(corpus.stream, id_bits);
  o.samples_n = (corpus.stream.size() >> index::kSampleShift) + 1;
  o.samples = LineSamples(corpus.stream, o.samples_n);
  return o;
}

Status WriteIndex(const std::string& output, const IndexBuildOptions& options, const Corpus& corpus,
                  const std::vector<std::string_view>& words, int id_bits, int pos_bits,
                  const OtherSections& other, const std::string& suffixes) {
  const uint64_t N = corpus.stream.size();
  const Section sections[index::kSectionCount] = {
      {index::kVocab, &other.vocab, words.size()},
      {index::kTokens, &other.tokens, N},
      {index::kSuffixes, &suffixes, N},
      {index::kLineSamples, &other.samples, other.samples_n}};
  std::string kv;
  PutKeyValues(&kv, options.tokenizer.ToKeyValues());
  PutKeyValues(&kv, {{"created_by", "grams-index"}});
  uint64_t offsets[index::kSectionCount];
  const std::string header =
      EncodeHeader({N, corpus.lines, words.size(), id_bits, pos_bits}, sections, kv, offsets);

  GRAMS_ASSIGN_OR_RETURN(auto out, io::OutputFile::Open(output));
  out->Write(header);
  uint64_t written = header.size();
  const std::string zeros(index::kSectionAlign, '\0');
  for (uint32_t s = 0; s < index::kSectionCount; ++s) {
    out->Write(zeros.data(), offsets[s] - written);
    out->Write(*sections[s].bytes);
    written = offsets[s] + sections[s].bytes->size();
  }
  return out->Commit();
}

Status BuildIndexImpl(const std::vector<std::string>& inputs, const IndexBuildOptions& options,
                      const std::string& output) {
  Corpus corpus;
  GRAMS_RETURN_IF_ERROR(ReadCorpus(inputs, options, &corpus));
  if (options.progress) options.progress(Progress{"sorting suffixes", 0, 0, "bytes"});
  const std::vector<std::string_view> words = Renumber(&corpus);
  const uint64_t N = corpus.stream.size();
  // (ReadCorpus holds the vocabulary to Vocabulary::kMaxWords words.)
  if (words.size() > Vocabulary::kMaxWords) return ResourceExhausted(Vocabulary::TooManyWords());
  const int id_bits = index::BitsForCount(words.size());
  const int pos_bits = index::BitsForCount(N);
  if (pos_bits > 40) return ResourceExhausted("more than 2^40 tokens: index the corpus in parts");
  std::vector<uint64_t>().swap(corpus.counts);
  std::string suffixes;
  GRAMS_RETURN_IF_ERROR(index::SortSuffixes(corpus.stream, pos_bits, /*threads=*/2, &suffixes));
  // The other sections after the sort, not beside it: made on a second
  // thread while it ran they saved about 5% of the time, but their packed
  // tokens then added a sixth to the peak (202 MB against 173 MB for
  // scale.txt).
  const OtherSections sections = MakeOtherSections(corpus, words, id_bits);
  if (options.progress) options.progress(Progress{"writing " + output, 0, 0, "bytes"});
  return WriteIndex(output, options, corpus, words, id_bits, pos_bits, sections, suffixes);
}

}  // namespace

Status BuildIndex(const std::vector<std::string>& inputs, const IndexBuildOptions& options,
                  const std::string& output) {
  return GuardAlloc("indexing", MemoryHint::kNone,
                    [&] { return BuildIndexImpl(inputs, options, output); });
}

}  // namespace grams
