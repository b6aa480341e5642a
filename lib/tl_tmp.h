#pragma once
#include <chrono>
#include <cstdio>
#include <ctime>
inline void TL(const char* what, int n = 0) {
  static auto t0 = std::chrono::steady_clock::now();
  timespec ts; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  fprintf(stderr, "TL %8.1f %8.1f %s %d\n", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(), ts.tv_sec*1e3+ts.tv_nsec/1e6, what, n);
}
