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

/// A folder of this test process's own, removed at exit: ctest runs every test in a process of
/// its own, side by side, so tests never share a scratch file.
inline const std::string &scratchDir() {
    // Never destroyed: the exit handler that removes it runs after static destructors would.
    static const std::string *dir = [] {
        char path[] = "/tmp/bridgepath-test-XXXXXX";
        auto *made = new std::string(mkdtemp(path) ? path : "/tmp/bridgepath-test-unmade");
        std::atexit([] { (void)std::system(("rm -rf '" + scratchDir() + "'").c_str()); });
        return made;
    }();
    return *dir;
}

/// `text` with every `/tmp/bp-` (the tests' scratch names) moved into scratchDir().
inline std::string scoped(std::string text) {
    const std::string from = "/tmp/bp-", to = scratchDir() + "/bp-";
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at))
        text.replace(at, from.size(), to), at += to.size();
    return text;
}

/// A scratch file of this test: `name` in scratchDir().
inline std::string scratchFile(const std::string &name) {
    return scratchDir() + "/" + name;
}

/// The bytes of `path` (scoped(): a `/tmp/bp-...` name is this test's scratch file).
inline std::string slurp(const std::string &path) {
    std::ifstream in(scoped(path), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Runs `shellCommand` (where `build/bridgepath` means the binary under test) in the source root;
/// `/tmp/bp-...` names in it are this test's own scratch files (scoped()).
inline CommandResult runShell(std::string shellCommand) {
    shellCommand = scoped(shellCommand);
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
