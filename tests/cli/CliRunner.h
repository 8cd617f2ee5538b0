#pragma once
// Runs the built `bridgepath` binary from the repository root and captures what it printed.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace bridgepath::test {

struct CommandResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

inline std::string slurp(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Runs `shellCommand` (where `build/bridgepath` means the binary under test) in the source root.
inline CommandResult runShell(std::string shellCommand) {
    const std::string exe = "build/bridgepath";
    for (std::size_t at = shellCommand.find(exe); at != std::string::npos;
         at = shellCommand.find(exe, at + 1)) {
        shellCommand.replace(at, exe.size(), BRIDGEPATH_BINARY);
        at += std::string(BRIDGEPATH_BINARY).size() - 1;
    }
    char outPath[] = "/tmp/bridgepath-out-XXXXXX";
    char errPath[] = "/tmp/bridgepath-err-XXXXXX";
    close(mkstemp(outPath));
    close(mkstemp(errPath));
    const std::string full = std::string("cd '") + BRIDGEPATH_SOURCE_DIR + "' && (" + shellCommand +
                             ") >" + outPath + " 2>" + errPath;
    const int status = std::system(full.c_str());
    CommandResult r;
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(outPath);
    r.err = slurp(errPath);
    std::remove(outPath);
    std::remove(errPath);
    return r;
}

} // namespace bridgepath::test
