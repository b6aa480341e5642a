#include <time.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "util/huge_array.h"

namespace grams::huge_page_probe {
namespace {

std::atomic<bool> slow{false};

// GRAMS_HUGE_PAGES=1 or 0 gives 1 or 0; unset or empty, -1. Read once.
int EnvChoice() {
  static const int choice = [] {
    const char* v = std::getenv("GRAMS_HUGE_PAGES");
    if (v != nullptr && *v != '\0') return *v == '0' ? 0 : 1;
    return -1;
  }();
  return choice;
}

// EnvChoice(); else 0 where free pages are reported, -1 elsewhere (the
// probe decides). Read once.
int Forced() {
  static const int forced = [] {
    if (EnvChoice() >= 0) return EnvChoice();
    return FreePagesReported("/sys/bus/virtio/drivers/virtio_balloon") ? 0 : -1;
  }();
  return forced;
}

int64_t ThreadCpuNanos() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

bool FreePagesReported(const std::string& drivers) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(drivers, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().filename().string().rfind("virtio", 0) != 0) continue;
    std::ifstream in(it->path() / "features");
    std::string features;
    if (in >> features && features.size() > 5 && features[5] == '1') return true;
  }
  return false;
}

bool Wanted() {
  const int forced = Forced();
  return forced >= 0 ? forced == 1 : !slow.load(std::memory_order_relaxed);
}

bool WantedProbed() {
  const int choice = EnvChoice();
  return choice >= 0 ? choice == 1 : !slow.load(std::memory_order_relaxed);
}

void Probe(char* start, size_t bytes, int64_t slow_nanos) {
  const int64_t t0 = ThreadCpuNanos();
  *static_cast<volatile char*>(start) = 0;  // zero already: a fault, no change
  if (ThreadCpuNanos() - t0 <= slow_nanos || Forced() == 1) return;
  slow.store(true, std::memory_order_relaxed);
  constexpr size_t kHuge = size_t{2} << 20;
  if (bytes > kHuge) madvise(start + kHuge, bytes - kHuge, MADV_NOHUGEPAGE);
}

void SetSlowForTesting(bool value) { slow.store(value, std::memory_order_relaxed); }

}  // namespace grams::huge_page_probe
