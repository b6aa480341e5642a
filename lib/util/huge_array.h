// HugeArray<T>: a zero-filled array from anonymous mmap, advised to use
// transparent huge pages. Large random-access tables (the query hash
// tables) fault in 512x fewer pages and miss the TLB far less.
//
// Unless huge pages are slow here. On a virtual machine whose balloon
// driver reports free memory to the host (virtio-balloon free page
// reporting, as Firecracker's guests have), every free 2 MiB block is
// handed back within seconds, and a huge page taken from one is faulted in
// again by the host: 5-20 ms of CPU for 2 MiB where 0.1-0.2 ms is usual.
// Small pages come from the fragments that are never reported. Measured on
// such a machine, a process started 3 s after the last that touches 140 MB
// of huge pages took 0.6-1.9 s, of small pages 0.06 s; loading brown order
// 5's model file took 0.57-1.02 s against 0.07 s. So huge pages are not
// asked for where a virtio balloon offers free page reporting, nor once
// the first touch of a huge array (timed in thread CPU, which the host's
// faults count in) took longer than kSlowHugePageNanos, elsewhere.
// GRAMS_HUGE_PAGES=1 or 0 decides instead of both. ResetProbed, for an
// array no one waits for (the query tables a model file builds in the
// background), asks on such a machine too, the probe alone deciding: right
// after another process freed memory the pages come cheap, and lookups in
// a model's tables then take up to a third less time (bench/README.md).
#ifndef GRAMS_UTIL_HUGE_ARRAY_H_
#define GRAMS_UTIL_HUGE_ARRAY_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include "util/alloc_guard.h"

namespace grams {

namespace huge_page_probe {

// Above this much CPU, a first touch of a fresh 2 MiB page means huge
// pages are slow here (usual: 0.1-0.2 ms; from the host: 5-20 ms).
inline constexpr int64_t kSlowHugePageNanos = 2'000'000;

// Whether a virtio balloon driver under `drivers` (sysfs's virtio_balloon
// directory) has a device offering free page reporting: feature bit 5
// (VIRTIO_BALLOON_F_REPORTING) of its features string, character i being
// bit i.
bool FreePagesReported(const std::string& drivers);

// Whether a fresh array of 2 MiB or more asks for huge pages: as
// GRAMS_HUGE_PAGES says (1 or 0, read once), else not where free pages are
// reported, else until a probe was slow.
bool Wanted();
// The same for an array off the critical path (HugeArray::ResetProbed):
// where free pages are reported too, until a probe was slow.
bool WantedProbed();

// Touches the first page of [start, start + bytes), just advised to be
// huge, and gives up huge pages (for the rest of this array and every
// later one) if that took more than `slow_nanos` of thread CPU.
void Probe(char* start, size_t bytes, int64_t slow_nanos = kSlowHugePageNanos);

// Tests: forget (false) or pretend (true) a slow probe.
void SetSlowForTesting(bool slow);

}  // namespace huge_page_probe

template <typename T>
class HugeArray {
  static_assert(std::is_trivially_copyable_v<T>, "HugeArray holds plain data");

 public:
  HugeArray() = default;
  explicit HugeArray(size_t n) { Reset(n); }
  ~HugeArray() { Release(); }
  HugeArray(HugeArray&& o) noexcept { *this = std::move(o); }
  HugeArray& operator=(HugeArray&& o) noexcept {
    if (this != &o) {
      Release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
  }
  HugeArray(const HugeArray&) = delete;
  HugeArray& operator=(const HugeArray&) = delete;

  // Replaces the contents with n zero-filled elements. Throws AllocationFailure (a std::bad_alloc).
  // Arrays of 2 MiB or more are on huge pages unless `huge_pages` is false
  // (for buffers touched only in part, whose resident size would then round
  // up to 2 MiB steps) or huge pages are slow here (above).
  void Reset(size_t n, bool huge_pages = true) {
    Allocate(n, huge_pages, huge_page_probe::Wanted());
  }
  // Reset, asking for huge pages even where free pages are reported, the
  // probe deciding: for a large random-access array built where its time is
  // not waited for (the query tables built in the background), whose
  // lookups then miss the TLB far less. A slow first huge page costs the
  // building thread once (5-20 ms) and gives huge pages up for the rest.
  void ResetProbed(size_t n) { Allocate(n, true, huge_page_probe::WantedProbed()); }
  // Keeps the first n elements (n <= size()) and returns the pages past
  // them to the system: for an array sized for the worst case, then filled
  // to a size known only at the end. Pages never touched cost nothing
  // either way; this returns the address space and any that were.
  void Shrink(size_t n) {
    if (n >= size_) return;
    if (n == 0) {
      Release();
      return;
    }
    constexpr size_t kHuge = size_t{2} << 20;
    const size_t page = bytes_ >= kHuge ? kHuge : static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t keep = (n * sizeof(T) + page - 1) / page * page;
    if (keep < bytes_) {
      munmap(reinterpret_cast<char*>(data_) + keep, bytes_ - keep);
      bytes_ = keep;
    }
    size_ = n;
  }
  void Release() {
    if (data_) munmap(data_, bytes_);
    data_ = nullptr;
    size_ = bytes_ = 0;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }

 private:
  void Allocate(size_t n, bool huge_pages, bool wanted) {
    Release();
    if (n == 0) return;
    constexpr size_t kHuge = size_t{2} << 20;
    size_t bytes = n * sizeof(T);
    const bool large = huge_pages && bytes >= kHuge;
    const bool huge = large && wanted;
    if (huge) bytes = (bytes + kHuge - 1) / kHuge * kHuge;
    // Map one huge page more than needed and trim, so the array starts on a
    // 2 MiB boundary and every page of it can be huge.
    size_t mapped = huge ? bytes + kHuge : bytes;
    void* p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw AllocationFailure(mapped);
    char* start = static_cast<char*>(p);
    if (huge) {
      uintptr_t addr = reinterpret_cast<uintptr_t>(p);
      uintptr_t aligned = (addr + kHuge - 1) & ~(uintptr_t{kHuge} - 1);
      start = reinterpret_cast<char*>(aligned);
      if (aligned > addr) munmap(p, aligned - addr);
      size_t tail = (addr + mapped) - (aligned + bytes);
      if (tail) munmap(start + bytes, tail);
      madvise(start, bytes, MADV_HUGEPAGE);
      huge_page_probe::Probe(start, bytes);
    } else if (large) {  // where the system makes every large mapping huge
      madvise(start, bytes, MADV_NOHUGEPAGE);
    }
    data_ = reinterpret_cast<T*>(start);
    size_ = n;
    bytes_ = bytes;
  }

  T* data_ = nullptr;
  size_t size_ = 0;
  size_t bytes_ = 0;
};

}  // namespace grams

#endif  // GRAMS_UTIL_HUGE_ARRAY_H_
