// Helpers shared by the unit tests: a scratch directory removed on
// destruction, whole-file reads and writes, counting lines, the text of a
// trie entry, and the backoff rule computed from a Model's arrays alone (with
// the normalization check built on it). Test code only: failures abort the
// test with a GoogleTest assertion instead of returning a Status.
#ifndef GRAMS_TESTS_UNIT_TEST_UTIL_H_
#define GRAMS_TESTS_UNIT_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "grams/build.h"
#include "grams/counts.h"
#include "grams/escape.h"
#include "grams/model.h"
#include "grams/model_io.h"
#include "grams/status.h"

// 1 in an AddressSanitizer build (clang's __has_feature, GCC's macro).
#if defined(__SANITIZE_ADDRESS__)
#define GRAMS_TEST_HAS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GRAMS_TEST_HAS_ASAN 1
#endif
#endif
#ifndef GRAMS_TEST_HAS_ASAN
#define GRAMS_TEST_HAS_ASAN 0
#endif

namespace grams::test {

// Writes `content` to `path` (binary, truncating).
inline void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

// A fresh directory under $TMPDIR (or /tmp), removed with its contents when
// the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/grams_test.XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp(" << templ << ") failed";
      return;
    }
    path_ = buf.data();
  }
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    // Restore permissions a test may have removed, so removal works.
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` inside the directory.
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to the file `name` in the directory and returns its path.
  std::string Write(const std::string& name, std::string_view content) const {
    const std::string path = File(name);
    WriteFile(path, content);
    return path;
  }
  // Names of the entries in the directory (not recursive), sorted.
  std::vector<std::string> List() const { return ListDir(path_); }

  static std::vector<std::string> ListDir(const std::string& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string path_;
};

// The whole content of `path` (binary); fails the test if it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool FileExists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

// True if any entry of `dir` contains ".tmp-" (a leftover temporary output).
inline bool HasTempFiles(const std::string& dir) {
  for (const auto& name : TempDir::ListDir(dir))
    if (name.find(".tmp-") != std::string::npos) return true;
  return false;
}

// Runs `command` with /bin/sh; true if it exited with status 0.
inline bool RunShell(const std::string& command) { return std::system(command.c_str()) == 0; }

// True if `tool` is found on PATH.
inline bool HaveTool(const std::string& tool) {
  return RunShell("command -v " + tool + " >/dev/null 2>&1");
}

// Shared corpora and reference models (../shared), and the source tree.
// (Appended in place: GCC 12 at -O3 takes `std::string(dir) + "/" + rel`
// for an out-of-bounds copy, -Warray-bounds, a known false positive.)
inline std::string JoinPath(const char* dir, const std::string& rel) {
  std::string path(dir);
  path += '/';
  path += rel;
  return path;
}
inline std::string SharedPath(const std::string& rel) { return JoinPath(GRAMS_SHARED_DIR, rel); }
inline std::string SourcePath(const std::string& rel) { return JoinPath(GRAMS_SOURCE_DIR, rel); }

// ------------------------------------------------------- counts and models

// A smoothing method in one of its forms, named "mkn/interpolated", "stupid"...
struct SmoothingMethod {
  Smoothing smoothing;
  SmoothingForm form;
  std::string Name() const {
    return std::string(SmoothingName(smoothing)) + (form == SmoothingForm::kInterpolated
                                                        ? "/interpolated"
                                                    : form == SmoothingForm::kBackoff ? "/backoff"
                                                                                      : "");
  }
};

// Sentences over a small vocabulary from a skewed Markov chain, so that the
// models hold long n-grams and text drawn from the same chain matches them
// often (and often not).
inline std::vector<std::string> ChainText(size_t sentences, size_t vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> lines;
  for (size_t s = 0; s < sentences; ++s) {
    const size_t len = 1 + rng() % 30;
    std::string line;
    size_t w = rng() % vocab;
    for (size_t k = 0; k < len; ++k) {
      w = rng() % 4 == 0 ? rng() % vocab : (w * 7 + 3 + rng() % 2) % vocab;
      if (k) line += ' ';
      line += 'w';
      line += std::to_string(w);
    }
    lines.push_back(line);
  }
  return lines;
}

// Counts `lines` (one sentence each) up to `order` with the default (word)
// tokenization, as grams-count would count a file of these lines.
inline StatusOr<NgramCounts> CountLines(const std::vector<std::string>& lines, int order) {
  CountOptions options;
  options.order = order;
  Counter counter(options);
  for (const auto& line : lines) GRAMS_RETURN_IF_ERROR(counter.AddLine(line));
  return counter.Finish();
}

// The text "w1 w2 ... wn" of entry i of order n: the units as they are, or
// with `escape` in their printable form (grams/escape.h), for messages about
// units that may be spaces, newlines or bytes.
inline std::string NgramString(const NgramTrie& trie, const Vocabulary& vocab, int n, EntryIndex i,
                               bool escape = false) {
  std::vector<WordId> ids(n);
  trie.Ngram(n, i, ids.data());
  std::string s;
  for (int k = 0; k < n; ++k) {
    if (k) s += ' ';
    if (escape) {
      AppendEscapedUnit(vocab.Word(ids[k]), &s);
    } else {
      s += vocab.Word(ids[k]);
    }
  }
  return s;
}
inline std::string NgramString(const Model& m, int n, EntryIndex i, bool escape = false) {
  return NgramString(m.trie, m.vocab, n, i, escape);
}

// Every n-gram of the model by its text: (log10 p, log10 backoff), with
// `no_backoff` standing for the backoff at the highest order, which has none.
inline std::map<std::string, std::pair<double, double>> ProbsByNgram(const Model& m,
                                                                     double no_backoff) {
  std::map<std::string, std::pair<double, double>> out;
  for (int n = 1; n <= m.order(); ++n) {
    for (EntryIndex i = 0; i < m.trie.levels[n - 1].size(); ++i) {
      out[NgramString(m, n, i)] = {m.log_prob[n - 1][i],
                                   n < m.order() ? m.log_backoff[n - 1][i] : no_backoff};
    }
  }
  return out;
}

// The keys of a map, in order (to compare two maps' key sets in one assertion).
template <typename Value>
std::vector<std::string> KeysOf(const std::map<std::string, Value>& map) {
  std::vector<std::string> keys;
  keys.reserve(map.size());
  for (const auto& kv : map) keys.push_back(kv.first);
  return keys;
}

// Lookups in a model's trie, and the backoff rule computed from the model's
// arrays alone (log_prob, log_backoff): nothing of the estimator or of the
// query code is used, so tests can check either against it.
class ModelWalker {
 public:
  explicit ModelWalker(const Model& m) : m_(m) {
    offsets_.resize(m.order() + 1);
    for (int n = 2; n <= m.order(); ++n) offsets_[n] = m.trie.ChildOffsets(n);
  }

  // The entry of words[0..n) at order n, or UINT32_MAX (also for n = 0 and
  // for ids outside the vocabulary).
  EntryIndex Find(const WordId* words, int n) const {
    if (n == 0 || words[0] >= m_.vocab.size()) return UINT32_MAX;
    EntryIndex e = words[0];
    for (int k = 2; k <= n; ++k) {
      const auto& w = m_.trie.levels[k - 1].words;
      auto b = w.begin() + offsets_[k][e], end = w.begin() + offsets_[k][e + 1];
      auto it = std::lower_bound(b, end, words[k - 1]);
      if (it == end || *it != words[k - 1]) return UINT32_MAX;
      e = static_cast<EntryIndex>(it - w.begin());
    }
    return e;
  }

  // log10 p(w | h) by the backoff rule: log10 p(h w) if h w is in the model,
  // else log10 backoff(h) (0 when h is not in the model) + log10 p(w | h
  // without its first word); -infinity for a word outside the vocabulary.
  // Only the last order-1 words of h matter.
  double LogProb(std::vector<WordId> h, WordId w) const {
    double bo = 0;
    if (static_cast<int>(h.size()) >= m_.order()) h.erase(h.begin(), h.end() - (m_.order() - 1));
    for (;;) {
      std::vector<WordId> hw = h;
      hw.push_back(w);
      EntryIndex e = Find(hw.data(), static_cast<int>(hw.size()));
      if (e != UINT32_MAX) return bo + m_.log_prob[hw.size() - 1][e];
      if (h.empty()) return -std::numeric_limits<double>::infinity();
      EntryIndex c = Find(h.data(), static_cast<int>(h.size()));
      if (c != UINT32_MAX) bo += m_.log_backoff[h.size() - 1][c];
      h.erase(h.begin());
    }
  }

  // Sum over every word but <s> of p(w | h), h a context of the model (or
  // empty), by the backoff rule: the children of h, then of its suffixes,
  // then the unigrams, each word counted at its longest match, times the
  // backoffs passed. The same sum as that of 10^LogProb(h, w) over the
  // words, in fewer lookups. Needs the suffixes of h in the model (fails
  // the test and returns -1 otherwise).
  double Sum(const std::vector<WordId>& h) const {
    const size_t V = m_.vocab.size();
    std::vector<char> seen(V, 0);
    seen[kBosId] = 1;
    double sum = 0, bo = 0;
    for (size_t j = h.size(); j > 0; --j) {
      const WordId* ctx = h.data() + (h.size() - j);
      EntryIndex e = Find(ctx, static_cast<int>(j));
      EXPECT_NE(e, UINT32_MAX) << "a suffix of a context is missing (not suffix-closed)";
      if (e == UINT32_MAX) return -1;
      if (static_cast<int>(j) < m_.order()) {
        const auto& level = m_.trie.levels[j];
        for (EntryIndex k = offsets_[j + 1][e]; k < offsets_[j + 1][e + 1]; ++k) {
          if (seen[level.words[k]]) continue;
          seen[level.words[k]] = 1;
          sum += std::pow(10.0, bo + m_.log_prob[j][k]);
        }
        bo += m_.log_backoff[j - 1][e];
      }
    }
    for (WordId w = 0; w < V; ++w)
      if (!seen[w]) sum += std::pow(10.0, bo + m_.log_prob[0][w]);
    return sum;
  }

 private:
  const Model& m_;
  std::vector<std::vector<EntryIndex>> offsets_;
};

// The normalization check: the distribution p(. | h) of every context h of
// the model (the empty one and every n-gram below the highest order; with
// `step` > 1, every step-th entry of each order) sums to one within
// `tolerance`, by ModelWalker::Sum. Stops at the first context that does not.
inline void ExpectEveryContextNormalized(const Model& m, double tolerance, size_t step = 1) {
  ModelWalker walker(m);
  EXPECT_NEAR(walker.Sum({}), 1.0, tolerance) << "empty context";
  size_t contexts = 1, want_contexts = 1;
  for (int n = 1; n < m.order(); ++n) {
    const size_t size = m.trie.levels[n - 1].size();
    want_contexts += (size + step - 1) / step;
    std::vector<WordId> h(n);
    for (size_t i = 0; i < size; i += step) {
      m.trie.Ngram(n, static_cast<EntryIndex>(i), h.data());
      ++contexts;
      ASSERT_NEAR(walker.Sum(h), 1.0, tolerance)
          << "context '" << NgramString(m, n, static_cast<EntryIndex>(i), /*escape=*/true) << "'";
    }
  }
  EXPECT_EQ(contexts, want_contexts);
}

}  // namespace grams::test

#endif  // GRAMS_TESTS_UNIT_TEST_UTIL_H_
