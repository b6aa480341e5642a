// The regular files this process reads and the ones it replaces, by device
// and inode (a second path or a hard link is the same file): an output that
// is also an input is refused, whichever is opened first. Used by
// InputStream::Open and OutputFile::Open (io/file.h); thread-safe.
#ifndef GRAMS_IO_OPENED_FILES_H_
#define GRAMS_IO_OPENED_FILES_H_

#include <sys/stat.h>

#include <string>

#include "grams/status.h"

namespace grams::io {

// Records an input; an error if it is an output of this process. Inputs are
// counted: each AddInput is undone by one RemoveInput.
Status AddInput(const std::string& name, const struct stat& st);
void RemoveInput(dev_t dev, ino_t ino);

// Records an output that replaces an existing file; an error if it is an
// input of this process. `owner` identifies it for RemoveOutput.
Status AddOutput(const std::string& name, const struct stat& st, const void* owner);
void RemoveOutput(const void* owner);

}  // namespace grams::io

#endif  // GRAMS_IO_OPENED_FILES_H_
