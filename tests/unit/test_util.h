// Helpers shared by the unit tests: a scratch directory removed on
// destruction, and whole-file reads and writes. Test code only: failures
// abort the test with a GoogleTest assertion instead of returning a Status.
#ifndef GRAMS_TESTS_UNIT_TEST_UTIL_H_
#define GRAMS_TESTS_UNIT_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace grams::test {

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

// Writes `content` to `path` (binary, truncating).
inline void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

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
inline bool RunShell(const std::string& command) {
  return std::system(command.c_str()) == 0;
}

// True if `tool` is found on PATH.
inline bool HaveTool(const std::string& tool) {
  return RunShell("command -v " + tool + " >/dev/null 2>&1");
}

// Shared corpora and reference models (../shared), and the source tree.
inline std::string SharedPath(const std::string& rel) { return std::string(GRAMS_SHARED_DIR) + "/" + rel; }
inline std::string SourcePath(const std::string& rel) { return std::string(GRAMS_SOURCE_DIR) + "/" + rel; }

}  // namespace grams::test

#endif  // GRAMS_TESTS_UNIT_TEST_UTIL_H_
