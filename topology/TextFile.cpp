#include "topology/TextFile.h"

#include "topology/InputError.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bridgepath {

std::string readTextFile(const std::string &path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw InputError(path, "cannot read: is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, std::string("cannot read: ") + std::strerror(errno));
    std::ostringstream buf;
    buf << in.rdbuf();
    std::string text = buf.str();
    const std::size_t nul = text.find('\0');
    if (nul != std::string::npos)
        throw InputError(path, "byte " + std::to_string(nul) + " is NUL: not a text file");
    return text;
}

} // namespace bridgepath
