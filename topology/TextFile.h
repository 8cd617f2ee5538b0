#pragma once
/// Reading and writing user files whole, with an InputError naming the file when that fails.

#include <cstddef>
#include <string>

namespace bridgepath {

/// The largest user text file read (topologies, traces): 16 MiB, far above any real `lspci -tv`.
inline constexpr std::size_t kMaxTextFileBytes = std::size_t{16} << 20;

/// The file's bytes; throws InputError("PATH", "cannot read: ...") if it cannot be opened or is
/// not a regular file (checked before reading: a FIFO or a device is never opened), "too large"
/// above kMaxTextFileBytes, or if it holds a NUL byte (not text).
std::string readTextFile(const std::string &path);

/// Writes `text` to `path` (created or truncated) and makes sure it reached the file: a full disk
/// (/dev/full) or a missing folder is InputError("PATH", "cannot write: ...").
void writeTextFile(const std::string &path, const std::string &text);

} // namespace bridgepath
