#include "tokenize/unicode.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#ifndef GRAMS_UNICODE_PLUGIN_NAME
#define GRAMS_UNICODE_PLUGIN_NAME "libgrams_unicode.so"
#endif
#ifndef GRAMS_BIN_TO_LIBDIR
#define GRAMS_BIN_TO_LIBDIR "../lib"
#endif
#ifndef GRAMS_INSTALL_FULL_LIBDIR
#define GRAMS_INSTALL_FULL_LIBDIR "/usr/local/lib"
#endif

namespace grams {
namespace {

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// Where to look, in order.
std::vector<std::string> Candidates() {
  const std::string name = GRAMS_UNICODE_PLUGIN_NAME;
  if (const char* env = std::getenv("GRAMS_UNICODE_PLUGIN"); env && *env) return {env};
  std::vector<std::string> bases;
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&UnicodePlugin), &info) && info.dli_fname &&
      std::strchr(info.dli_fname, '/')) {
    bases.push_back(DirOf(info.dli_fname));  // libgrams.so, or the program
  }
  char exe[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    exe[n] = '\0';
    bases.push_back(DirOf(exe));
  }
  std::vector<std::string> out;
  auto add = [&out](const std::string& path) {
    if (std::find(out.begin(), out.end(), path) == out.end()) out.push_back(path);
  };
  for (const std::string& base : bases) {
    add(base + "/grams/" + name);
    add(base + "/" GRAMS_BIN_TO_LIBDIR "/grams/" + name);
    add(base + "/../lib/grams/" + name);
    add(base + "/../../lib/grams/" + name);
  }
  add(std::string(GRAMS_INSTALL_FULL_LIBDIR) + "/grams/" + name);
  return out;
}

struct Plugin {
  const GramsUnicodeApi* api = nullptr;
  Status error;
};

Plugin Open() {
  Plugin p;
  std::string tried, failure;
  for (const std::string& path : Candidates()) {
    if (access(path.c_str(), F_OK) != 0) {
      tried += (tried.empty() ? "" : ", ") + path;
      continue;
    }
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* e = dlerror();
      if (failure.empty()) failure = e ? e : path + ": cannot be opened";
      continue;
    }
    auto entry = reinterpret_cast<GramsUnicodeEntry>(dlsym(lib, GRAMS_UNICODE_ENTRY));
    const GramsUnicodeApi* api = entry ? entry() : nullptr;
    if (!api || api->abi != GRAMS_UNICODE_ABI) {
      if (failure.empty())
        failure = path + " is not the Unicode plugin of this grams (another build?)";
      dlclose(lib);
      continue;
    }
    p.api = api;  // kept open for the life of the process
    return p;
  }
  if (failure.empty())
    failure = std::string(GRAMS_UNICODE_PLUGIN_NAME) + " not found (looked for " + tried + ")";
  p.error = NotFoundError(
      "these tokenizer settings (the unit, normalization or case folding) need ICU or "
      "SentencePiece, which grams keeps in a plugin, and it could not be loaded: " +
      failure + "; set GRAMS_UNICODE_PLUGIN to the path of " GRAMS_UNICODE_PLUGIN_NAME);
  return p;
}

}  // namespace

StatusOr<const GramsUnicodeApi*> UnicodePlugin() {
  static std::once_flag once;
  static Plugin plugin;
  std::call_once(once, [] { plugin = Open(); });
  if (!plugin.api) return plugin.error;
  return plugin.api;
}

}  // namespace grams
