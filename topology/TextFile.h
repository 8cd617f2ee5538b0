#pragma once
/// Reading user files whole, with an InputError naming the file when that fails.

#include <string>

namespace bridgepath {

/// The file's bytes; throws InputError("PATH", "cannot read: ...") if it cannot be opened or is
/// not a regular file, or if it holds a NUL byte (not text).
std::string readTextFile(const std::string &path);

} // namespace bridgepath
