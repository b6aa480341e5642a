// What the machine gives the benchmarks, measured: the ceilings that decide
// how far a phase can scale with threads or how cheap fresh memory is.
// Built and run by bench/machine.sh (which documents the output).
//
//   machine MODE [ARGS]
//     bandwidth MB THREADS   copy MB (pre-faulted) on 1..THREADS threads: GB/s
//     random MB THREADS      independent random 4-byte reads from MB: M reads/s
//     pages MB               fresh small pages: touched, then MADV_POPULATE_WRITE
//     huge MB                fresh huge pages (MADV_HUGEPAGE), touched
//     write MB THREADS       MB of fresh memory written whole on THREADS threads
//                            (10 mappings each, small pages) and unmapped: wall ms
// Every figure is the median of 5 repetitions (pages and huge: one, since a
// fresh page is fresh once; the script repeats the process).
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace {

double Now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Runs fn(t) on threads 0 .. T-1 and returns the wall seconds.
template <typename Fn>
double OnThreads(int T, Fn fn) {
  const double start = Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < T; ++t) threads.emplace_back(fn, t);
  for (auto& th : threads) th.join();
  return Now() - start;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

char* Map(size_t bytes, int advice) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    std::perror("mmap");
    std::exit(1);
  }
  madvise(p, bytes, advice);
  return static_cast<char*>(p);
}

void Bandwidth(size_t bytes, int max_threads) {
  std::vector<char> a(bytes, 1), b(bytes, 2);
  for (int T = 1; T <= max_threads; ++T) {
    std::vector<double> rates;
    for (int rep = 0; rep < 5; ++rep) {
      const double s = OnThreads(T, [&](int t) {
        const size_t lo = bytes * t / T, hi = bytes * (t + 1) / T;
        std::memcpy(b.data() + lo, a.data() + lo, hi - lo);
      });
      rates.push_back(static_cast<double>(bytes) / s / 1e9);
    }
    std::printf("bandwidth\t%d\t%.2f\tGB/s copied (read + write: twice that)\n", T, Median(rates));
  }
}

void Random(size_t bytes, int max_threads) {
  const size_t n = bytes / 4;
  std::vector<uint32_t> table(n);
  for (size_t i = 0; i < n; ++i) table[i] = static_cast<uint32_t>(i * 2654435761u);
  constexpr size_t kReads = size_t{1} << 24;
  for (int T = 1; T <= max_threads; ++T) {
    std::vector<double> rates;
    std::vector<uint64_t> sums(T);
    for (int rep = 0; rep < 5; ++rep) {
      const double s = OnThreads(T, [&](int t) {
        uint64_t x = 88172645463325252ull + static_cast<uint64_t>(t), sum = 0;
        for (size_t i = 0; i < kReads / T; ++i) {
          x ^= x << 13;
          x ^= x >> 7;
          x ^= x << 17;
          sum += table[x % n];
        }
        sums[t] = sum;
      });
      rates.push_back(static_cast<double>(kReads) / s / 1e6);
    }
    std::printf("random\t%d\t%.1f\tM reads/s (checksum %llu)\n", T, Median(rates),
                static_cast<unsigned long long>(sums[0] & 0xff));
  }
}

void Pages(size_t bytes) {
  const size_t pages = bytes / 4096;
  char* a = Map(bytes, MADV_NOHUGEPAGE);
  double start = Now();
  for (size_t i = 0; i < bytes; i += 4096) a[i] = 1;
  const double touched = Now() - start;
  char* b = Map(bytes, MADV_NOHUGEPAGE);
  start = Now();
  const int populate = madvise(b, bytes, 23 /* MADV_POPULATE_WRITE, Linux 5.14 */);
  const double populated = Now() - start;
  std::printf("pages\ttouch\t%.2f\tus per fresh 4 KiB page\n",
              touched * 1e6 / static_cast<double>(pages));
  if (populate == 0) {
    std::printf("pages\tpopulate\t%.2f\tus per fresh 4 KiB page\n",
                populated * 1e6 / static_cast<double>(pages));
  }
  munmap(a, bytes);
  munmap(b, bytes);
}

void Huge(size_t bytes) {
  constexpr size_t kHuge = size_t{2} << 20;
  char* p = Map(bytes + kHuge, MADV_NORMAL);
  char* a = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1));
  madvise(a, bytes, MADV_HUGEPAGE);
  std::vector<double> each;
  for (size_t i = 0; i < bytes; i += kHuge) {
    const double start = Now();
    a[i] = 1;
    each.push_back((Now() - start) * 1e3);
  }
  double total = 0;
  for (double e : each) total += e;
  std::printf("huge\t%zu\t%.2f\tms per fresh 2 MiB page (median %.2f, worst %.2f)\n", each.size(),
              total / static_cast<double>(each.size()), Median(each),
              *std::max_element(each.begin(), each.end()));
}

// What building MB of fresh data costs at the least, wherever it is built:
// the pages faulted in, zeroed, written and given back, split over
// `threads` threads as a loader splits its arrays.
void Write(size_t bytes, int threads) {
  constexpr int kPieces = 10;
  const size_t piece = bytes / static_cast<size_t>(threads) / kPieces;
  const double s = OnThreads(threads, [&](int) {
    char* p[kPieces];
    for (char*& q : p) {
      q = Map(piece, MADV_NOHUGEPAGE);
      std::memset(q, 1, piece);
    }
    for (char* q : p) munmap(q, piece);
  });
  std::printf("write\t%d\t%.1f\tms to write %zu MB of fresh memory and unmap it\n", threads,
              s * 1e3, bytes >> 20);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: machine bandwidth|random|write MB THREADS | pages|huge MB\n");
    return 2;
  }
  const std::string mode = argv[1];
  const size_t bytes = static_cast<size_t>(std::atol(argv[2])) << 20;
  const int threads = argc > 3 ? std::max(1, std::atoi(argv[3])) : 1;
  if (mode == "bandwidth") {
    Bandwidth(bytes, threads);
  } else if (mode == "random") {
    Random(bytes, threads);
  } else if (mode == "pages") {
    Pages(bytes);
  } else if (mode == "huge") {
    Huge(bytes);
  } else if (mode == "write") {
    Write(bytes, threads);
  } else {
    std::fprintf(stderr, "machine: unknown mode '%s'\n", mode.c_str());
    return 2;
  }
  return 0;
}
