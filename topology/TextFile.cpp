#include "topology/TextFile.h"

#include "topology/InputError.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bridgepath {

std::string readTextFile(const std::string &path) {
    // Decided before anything is read: a FIFO would block forever and /dev/zero never ends.
    std::error_code ec;
    const std::filesystem::file_status st = std::filesystem::status(path, ec);
    if (st.type() == std::filesystem::file_type::directory)
        throw InputError(path, "cannot read: is a directory");
    if (st.type() == std::filesystem::file_type::not_found || ec)
        throw InputError(path, "cannot read: " + (ec ? ec.message() : std::string("no such file")));
    if (st.type() != std::filesystem::file_type::regular)
        throw InputError(path, "cannot read: not a regular file (a device, FIFO or socket)");
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (!ec && size > kMaxTextFileBytes)
        throw InputError(path, "too large: " + std::to_string(size) + " bytes, at most " +
                                   std::to_string(kMaxTextFileBytes));
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, std::string("cannot read: ") + std::strerror(errno));
    // Bounded even if the file grows while it is read (or, as in /proc, reports size 0).
    std::string text;
    char chunk[1 << 16];
    while (text.size() <= kMaxTextFileBytes && in.read(chunk, sizeof chunk).gcount() > 0)
        text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxTextFileBytes)
        throw InputError(path,
                         "too large: more than " + std::to_string(kMaxTextFileBytes) + " bytes");
    const std::size_t nul = text.find('\0');
    if (nul != std::string::npos)
        throw InputError(path, "byte " + std::to_string(nul) + " is NUL: not a text file");
    return text;
}

void writeTextFile(const std::string &path, const std::string &text) {
    std::FILE *f = std::fopen(path.c_str(), "wb");
    if (!f)
        throw InputError(path, std::string("cannot write: ") + std::strerror(errno));
    const bool wrote = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    const int writeErrno = errno;
    // fclose flushes: a full disk shows here at the latest.
    const bool closed = std::fclose(f) == 0;
    if (!wrote || !closed)
        throw InputError(path, std::string("cannot write: ") +
                                   std::strerror(!wrote ? writeErrno : errno));
}

} // namespace bridgepath
