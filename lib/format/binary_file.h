// The container shared by counts and model files (docs/FORMAT.md):
// a fixed prelude, a CRC-protected header, then zstd-compressed sections in a
// fixed order, each one frame with a content checksum, then an end marker.
// Writer and reader stream: neither seeks, so files go through pipes, and
// only a few sections are in memory at a time. Compression (writing, up to
// three sections at once) and reading plus decompression (reading) run on
// background threads (StartAsync: on the caller's when none can be started),
// overlapping with the caller's encoding or decoding of the neighbouring
// section. A section that does not fit in memory throws AllocationFailure
// out of AddSection/Finish or Next (util/alloc_guard.h), for the entry
// point's GuardAlloc to report. Only this file and binary_file.cc know the container's layout;
// count_file.cc and model_file.cc know what goes in the sections.
#ifndef GRAMS_FORMAT_BINARY_FILE_H_
#define GRAMS_FORMAT_BINARY_FILE_H_

#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "grams/status.h"
#include "io/file.h"
#include "io/temp_file.h"
#include "util/huge_array.h"

namespace grams {

enum class FileKind : uint32_t { kCounts = 1, kModel = 2 };

inline constexpr char kFileMagic[8] = {'\x89', 'G', 'R', 'M', '\r', '\n', '\x1a', '\n'};

struct FileHeader {
  FileKind kind = FileKind::kCounts;
  uint32_t order = 0;
  uint64_t vocab_size = 0;
  std::vector<uint64_t> ngram_counts;  // per order
  uint64_t sentences = 0;
  uint64_t tokens = 0;
  std::vector<std::pair<std::string, std::string>> settings;  // tokenizer
  std::vector<std::pair<std::string, std::string>> info;      // provenance
};

// Section ids: (type << 16) | order (order 0 for the vocabulary).
enum class SectionType : uint32_t {
  kVocab = 1,        // words in id order, each length-prefixed
  kChildCounts = 2,  // per entry of order n-1: number of children at order n
  kWords = 3,        // per entry of order n: word id delta within its parent
  kCounts = 4,       // per entry: count
  kLogProb = 5,      // per entry: float32 log10 probability, byte planes
  kLogBackoff = 6,   // per entry: float32 log10 backoff, byte planes
  kBlanks = 7,       // model file, optional, last: the blanks of every order
};

inline uint32_t SectionId(SectionType type, uint32_t order) {
  return (static_cast<uint32_t>(type) << 16) | order;
}

// A section as stored (its 20-byte section header, then its frame) in
// the buffer zstd wrote it to: sized for the worst case, its pages touched
// only as written, and not copied (a copy's fresh pages cost more than the
// copy). AddSection makes them; so does CompressSection, on any thread,
// for a writer that compresses sections before it can open the file (the
// trie merge learns the header's sizes last).
struct CompressedSection {
  std::unique_ptr<char[]> bytes;
  size_t size = 0;
  std::string_view view() const { return std::string_view(bytes.get(), size); }
};

// Writes a file: Open() writes the prelude and header, AddSection() queues a
// section for compression, Finish() writes the end marker and renames the
// temporary file into place. Without Finish() nothing is left behind.
class BinaryFileWriter {
 public:
  static StatusOr<std::unique_ptr<BinaryFileWriter>> Open(const std::string& path,
                                                          const FileHeader& header, int zstd_level);
  ~BinaryFileWriter();

  // Takes `raw` and compresses it on a thread of its own while the caller
  // prepares the next one. Up to kMaxInFlight sections (an order's worth)
  // compress at once; they are written in the order they were added.
  void AddSection(uint32_t id, std::string raw);
  // The same at another zstd level than the file's (a reader never knows
  // the level: any frame reads).
  void AddSection(uint32_t id, std::string raw, int zstd_level);
  // `sections` sections CompressSection made beforehand, kept one after the
  // other in bytes [begin, end) of `file` (by a writer that learns the
  // header last), copied after those in flight. The file may grow past
  // `end` meanwhile.
  Status AddCompressedFrom(const io::TempFile& file, uint64_t begin, uint64_t end,
                           uint64_t sections);
  // Waits for the sections in flight and writes them, so that the caller's
  // next sections are not built while these are still in memory (a writer
  // under a memory budget, count/counts_sink.h).
  void Flush() {
    while (!pending_.empty()) DrainOne();
  }
  Status Finish();

 private:
  static constexpr size_t kMaxInFlight = 3;
  BinaryFileWriter() = default;
  void DrainOne();  // waits for the oldest section in flight and writes it

  std::unique_ptr<io::OutputFile> out_;
  int level_ = 3;
  uint64_t sections_ = 0;
  std::deque<std::future<StatusOr<CompressedSection>>> pending_;
  Status status_;
};

// CompressedSection of `raw` at the zstd level (with a content checksum).
StatusOr<CompressedSection> CompressSection(uint32_t id, std::string_view raw, int zstd_level);

// One section as stored, read but not yet decompressed
// (BinaryFileReader::NextStored), for a reader that decompresses several
// sections at once on threads of its own, into memory of its choosing.
struct StoredSection {
  uint32_t id = 0;
  uint64_t raw_size = 0;  // checked against the frame's header
  uint64_t number = 0;    // 1 for the first section, for messages
  // One zstd frame, with its content checksum: frame_size bytes of
  // `buffer`, which is reused from section to section (its pages are
  // faulted in once) and may be handed from one StoredSection to another.
  HugeArray<char> buffer;
  size_t frame_size = 0;
  // Set by the caller before NextStored: a large frame of a regular file
  // may stay in the file, to be read with pread a piece at a time as it
  // is decompressed (frame_fd, frame_offset; `buffer` then unused): no
  // buffer of its size to fault in and fill first. Its bytes are read from
  // the file as it is then; a file cut short meanwhile is an error.
  bool may_stay_in_file = false;
  int frame_fd = -1;  // >= 0 when it did
  uint64_t frame_offset = 0;

  // Decompresses the frame into out[0, raw_size) and checks its checksum.
  // Any thread; `name` (the file's) starts the error message.
  Status Decompress(const std::string& name, char* out) const;

 private:
  Status DecompressFromFile(const std::string& name, char* out) const;
};

// Tests: the smallest frame that StoredSection::may_stay_in_file leaves in
// its file (256 KiB; 0: every frame, to test that way of reading on small
// files).
void SetPositionalFrameMinimumForTesting(uint64_t bytes);

// Reads a file: Open() checks magic, version, kind and header CRC; Next()
// returns the sections in file order, each decompressed and checksummed
// (on a thread that reads and decompresses the following section in the
// meantime); or NextStored() returns them as stored, for the caller to
// decompress (one reader uses one of the two). Finish() checks the end
// marker and that nothing follows it.
class BinaryFileReader {
 public:
  static StatusOr<std::unique_ptr<BinaryFileReader>> Open(const std::string& path,
                                                          FileKind expected);
  // The same on a stream already open (whose first bytes a caller may have
  // peeked at, io::PeekHead).
  static StatusOr<std::unique_ptr<BinaryFileReader>> Open(std::unique_ptr<io::InputStream> in,
                                                          FileKind expected);
  ~BinaryFileReader();

  const FileHeader& header() const { return header_; }
  const std::string& name() const { return name_; }
  // The next section, which must have id `expected_id`.
  Status Next(uint32_t expected_id, std::string* raw);
  // The same, read on the caller's thread and not decompressed. *out's
  // frame buffer is reused.
  Status NextStored(uint32_t expected_id, StoredSection* out);
  // An optional section: the next one if its id is `id` (*found set), else
  // nothing read (*found cleared; the next Next or Finish sees what comes).
  Status NextIf(uint32_t id, std::string* raw, bool* found);
  Status Finish();

 private:
  struct Fetched {
    Status status;
    bool end = false;
    uint32_t id = 0;
    std::string raw;
  };
  BinaryFileReader() = default;
  // Reads the next section's header and frame; *end at the end marker.
  Status ReadStored(StoredSection* s, bool* end);
  // For ReadStored: leaves the frame of comp_size bytes that comes next in
  // the file (*stays) if the stream is a regular file that holds it.
  Status LeaveInFile(StoredSection* s, uint64_t comp_size, bool* stays);
  Status CheckId(uint32_t id, uint32_t expected_id) const;
  Fetched Fetch();
  void StartFetch();
  // The section fetched ahead (or the end marker), taken once.
  Fetched TakeFetched();

  std::unique_ptr<io::InputStream> in_;
  std::string name_;
  FileHeader header_;
  uint64_t sections_read_ = 0;
  std::future<Fetched> next_;
  std::optional<Fetched> peeked_;  // taken from next_ by NextIf, not consumed
  bool ended_ = false;
  // Touched only by the fetch in flight (one at a time, ordered by next_).
  StoredSection stored_;
  std::string spare_;
};

// True if `prefix` (the first bytes of a file) starts with kFileMagic.
bool HasBinaryMagic(const std::string& prefix);

}  // namespace grams

#endif  // GRAMS_FORMAT_BINARY_FILE_H_
