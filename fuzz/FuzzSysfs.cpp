// libFuzzer: sysfs trees. The input describes a small fake /sys, one device per line:
//
//   CHAIN [s=TEXT] [u=TEXT] [b=BUS] [v] [x=TEXT] [f] [l=TARGET]
//
// CHAIN is the device's folder path below devices/pci0000:00 ('/'-separated names, BDFs or
// not); s/u write secondary_bus_number/subordinate_bus_number, b makes a pci_bus/BUS folder, v
// a physfn link, x a vendor file, f makes the vendor attribute a FIFO, l points the
// bus/pci/devices link elsewhere. Bad trees must be an InputError (never a hang on the FIFO, a
// crash or a wrong tree); what imports must round-trip through topologyToJson.

#include "fuzz/JsonRoundTrip.h"
#include "topology/InputError.h"
#include "topology/SysfsImporter.h"
#include "topology/TopologyJson.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

// A name the fuzzer chose, made safe as one path component.
std::string component(const std::string &s) {
    std::string out;
    for (char c : s.substr(0, 24))
        out += (c == '/' || c == '\0' || static_cast<unsigned char>(c) < ' ') ? '_' : c;
    if (out.empty() || out == "." || out == "..")
        out = "_";
    return out;
}

// An earlier line may have made this attribute a FIFO ('f'): opening a FIFO to write blocks until
// a reader comes, so the harness itself would hang. The later line's text replaces it.
void write(const fs::path &p, const std::string &text) {
    std::error_code ec;
    if (fs::is_fifo(fs::symlink_status(p, ec)))
        fs::remove(p, ec);
    std::ofstream(p) << text << "\n";
}

// The fake /sys lives in memory where it can (/dev/shm is a tmpfs): every execution writes a
// folder tree, and a disk-backed /tmp makes that the whole cost of the target.
// Never destroyed, and removed at exit (the handler runs after static destructors would).
const fs::path &root() {
    static const fs::path *r = [] {
        std::error_code ec;
        std::string tmpl = fs::is_directory("/dev/shm", ec) ? "/dev/shm" : "/tmp";
        tmpl += "/bridgepath-fuzz-sysfs-XXXXXX";
        auto *made = new fs::path(mkdtemp(tmpl.data()));
        std::atexit([] {
            std::error_code ignored;
            fs::remove_all(root(), ignored);
        });
        return made;
    }();
    return *r;
}

void build(const std::string &text) {
    const fs::path devices = root() / "devices" / "pci0000:00";
    const fs::path links = root() / "bus" / "pci" / "devices";
    fs::create_directories(devices);
    fs::create_directories(links);
    std::istringstream in(text);
    int lines = 0;
    for (std::string line; std::getline(in, line) && lines < 16; ++lines) {
        std::istringstream words(line);
        std::string chain;
        if (!(words >> chain))
            continue;
        fs::path folder = devices,
                 relative = fs::path("..") / ".." / ".." / "devices" / "pci0000:00";
        std::string last;
        std::istringstream parts(chain);
        for (std::string part; std::getline(parts, part, '/');) {
            last = component(part);
            folder /= last;
            relative /= last;
        }
        std::error_code ec;
        fs::create_directories(folder, ec);
        if (ec)
            continue;
        std::string linkTarget = relative.string();
        for (std::string w; words >> w;) {
            const std::string value = w.size() > 2 ? w.substr(2) : "";
            if (w.rfind("s=", 0) == 0)
                write(folder / "secondary_bus_number", value);
            else if (w.rfind("u=", 0) == 0)
                write(folder / "subordinate_bus_number", value);
            else if (w.rfind("b=", 0) == 0)
                fs::create_directories(folder / "pci_bus" / component(value), ec);
            else if (w == "v")
                fs::create_directory_symlink("..", folder / "physfn", ec);
            else if (w.rfind("x=", 0) == 0)
                write(folder / "vendor", value);
            else if (w == "f")
                mkfifo((folder / "vendor").c_str(), 0600);
            else if (w.rfind("l=", 0) == 0)
                linkTarget = value;
        }
        fs::create_directory_symlink(linkTarget, links / component(last), ec);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    using namespace bridgepath;
    const std::string text(reinterpret_cast<const char *>(data), size);
    std::error_code ec;
    fs::remove_all(root() / "devices", ec);
    fs::remove_all(root() / "bus", ec);
    build(text);
    Topology first;
    try {
        first = importSysfs(root().string());
    } catch (const InputError &) {
        return 0;
    }
    requireJsonRoundTrip(first);
    return 0;
}
