// The registry of opened files: see opened_files.h.
#include "io/opened_files.h"

#include <algorithm>
#include <mutex>
#include <vector>

namespace grams::io {
namespace {

struct OpenedFile {
  dev_t dev;
  ino_t ino;
  std::string name;
  const void* owner;  // the OutputFile, for outputs
  int refs = 1;       // streams open on an input
};
std::mutex g_files_mu;
std::vector<OpenedFile> g_inputs, g_outputs;

const OpenedFile* FindFile(const std::vector<OpenedFile>& files, const struct stat& st) {
  for (const OpenedFile& f : files) {
    if (f.dev == st.st_dev && f.ino == st.st_ino) return &f;
  }
  return nullptr;
}

}  // namespace

// Records an input; an error if it is an output of this process.
Status AddInput(const std::string& name, const struct stat& st) {
  std::lock_guard<std::mutex> lock(g_files_mu);
  if (const OpenedFile* out = FindFile(g_outputs, st)) {
    return InvalidArgument(name + ": is also the output " + out->name +
                           ", which would replace it; write the output to another file");
  }
  for (OpenedFile& f : g_inputs) {
    if (f.dev == st.st_dev && f.ino == st.st_ino) {
      ++f.refs;
      return Status::OK();
    }
  }
  g_inputs.push_back(OpenedFile{st.st_dev, st.st_ino, name, nullptr, 1});
  return Status::OK();
}

void RemoveInput(dev_t dev, ino_t ino) {
  std::lock_guard<std::mutex> lock(g_files_mu);
  for (size_t i = 0; i < g_inputs.size(); ++i) {
    if (g_inputs[i].dev == dev && g_inputs[i].ino == ino) {
      if (--g_inputs[i].refs == 0)
        g_inputs.erase(g_inputs.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

// Records an output that replaces an existing file; an error if it is an
// input of this process.
Status AddOutput(const std::string& name, const struct stat& st, const void* owner) {
  std::lock_guard<std::mutex> lock(g_files_mu);
  if (const OpenedFile* in = FindFile(g_inputs, st)) {
    const std::string also = in->name == name ? "" : " (as " + in->name + ")";
    return InvalidArgument(name + ": the output is also an input" + also +
                           ", which it would replace; write the output to another file");
  }
  g_outputs.push_back(OpenedFile{st.st_dev, st.st_ino, name, owner, 1});
  return Status::OK();
}

void RemoveOutput(const void* owner) {
  std::lock_guard<std::mutex> lock(g_files_mu);
  g_outputs.erase(std::remove_if(g_outputs.begin(), g_outputs.end(),
                                 [owner](const OpenedFile& f) { return f.owner == owner; }),
                  g_outputs.end());
}

}  // namespace grams::io
