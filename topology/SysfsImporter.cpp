#include "topology/SysfsImporter.h"

#include "topology/InputError.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace bridgepath {

namespace fs = std::filesystem;

namespace {

// The first line of a sysfs attribute (nullopt if it does not exist). Sysfs attributes are
// regular files of at most a page: anything else (a FIFO, a link to a device) is refused, and at
// most a page is read.
std::optional<std::string> readFirstLine(const fs::path &p) {
    std::error_code ec;
    const fs::file_status st = fs::status(p, ec);
    if (ec || st.type() == fs::file_type::not_found)
        return std::nullopt;
    if (st.type() != fs::file_type::regular)
        throw InputError(p.string(), "not a regular file: a sysfs attribute is one");
    std::ifstream in(p, std::ios::binary);
    char buf[4096];
    in.read(buf, sizeof buf);
    std::string s(buf, static_cast<std::size_t>(in.gcount()));
    s = s.substr(0, s.find('\n'));
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r'))
        s.pop_back();
    return s;
}

// A bus number file: decimal as the kernel prints secondary_bus_number.
std::optional<unsigned> readBusNumber(const fs::path &p, const std::string &where) {
    const std::optional<std::string> line = readFirstLine(p);
    if (!line)
        return std::nullopt;
    const std::string &s = *line;
    unsigned v = 0;
    bool ok = !s.empty() && s.size() <= 3;
    for (char c : s) {
        ok = ok && c >= '0' && c <= '9';
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (!ok || v > 255)
        throw InputError(where, "expected a bus number 0..255, found '" + s + "'");
    return v;
}

} // namespace

Topology importSysfs(const std::string &root) {
    const fs::path devicesDir = fs::path(root) / "bus" / "pci" / "devices";
    std::error_code ec;
    if (!fs::is_directory(devicesDir, ec))
        throw InputError(devicesDir.string(), "no such folder: not a sysfs tree with PCI devices");
    std::vector<fs::directory_entry> entries;
    for (const auto &e : fs::directory_iterator(devicesDir, ec))
        entries.push_back(e);
    if (ec)
        throw InputError(devicesDir.string(), "cannot list: " + ec.message());
    if (entries.empty())
        throw InputError(devicesDir.string(), "no PCI device in the folder");
    std::sort(entries.begin(), entries.end(),
              [](const auto &a, const auto &b) { return a.path() < b.path(); });

    std::vector<DeviceSpec> specs;
    for (const auto &e : entries) {
        const std::string where = e.path().string();
        const auto bdf = Bdf::parse(e.path().filename().string());
        if (!bdf)
            throw InputError(where, "entry name is not a BDF dddd:bb:dd.f");
        fs::path target = e.path();
        std::vector<std::optional<Bdf>> chain;
        if (fs::is_symlink(e.path(), ec)) {
            const fs::path link = fs::read_symlink(e.path(), ec);
            if (ec)
                throw InputError(where, "cannot read link: " + ec.message());
            for (const auto &part : link)
                chain.push_back(Bdf::parse(part.string()));
            target = link.is_absolute() ? link : devicesDir / link;
        } else {
            throw InputError(where, "expected a symlink into devices/pci…");
        }
        if (chain.empty() || !chain.back() || *chain.back() != *bdf)
            throw InputError(where, "link target does not end in " + bdf->toString());
        if (!fs::is_directory(target, ec))
            throw InputError(where, "link target " + target.string() + " is not a folder");

        DeviceSpec s;
        s.bdf = *bdf;
        s.place = where;
        if (chain.size() >= 2 && chain[chain.size() - 2])
            s.declaredParent = *chain[chain.size() - 2];
        else
            s.declaredParent.reset();
        std::optional<unsigned> secondary =
            readBusNumber(target / "secondary_bus_number", where + "/secondary_bus_number");
        const fs::path busDir = target / "pci_bus";
        if (!secondary && fs::is_directory(busDir, ec)) {
            for (const auto &b : fs::directory_iterator(busDir, ec)) {
                const std::string name = b.path().filename().string(); // dddd:bb
                const std::size_t colon = name.rfind(':');
                const auto parsed = colon == std::string::npos
                                        ? std::nullopt
                                        : Bdf::parse(name.substr(colon + 1) + ":00.0");
                if (!parsed)
                    throw InputError(b.path().string(), "expected a bus folder named dddd:bb");
                secondary = parsed->bus;
            }
        }
        if (secondary) {
            s.kind = DeviceKind::Bridge;
            s.secondary = *secondary;
            s.subordinate =
                readBusNumber(target / "subordinate_bus_number", where + "/subordinate_bus_number")
                    .value_or(*secondary);
        }
        s.vf = fs::exists(fs::symlink_status(target / "physfn", ec));
        const std::string vendor = readFirstLine(target / "vendor").value_or("");
        const std::string device = readFirstLine(target / "device").value_or("");
        auto strip0x = [](const std::string &v) { return v.rfind("0x", 0) == 0 ? v.substr(2) : v; };
        if (!vendor.empty() && !device.empty())
            s.label = strip0x(vendor) + ":" + strip0x(device);
        specs.push_back(std::move(s));
    }
    if (specs.empty())
        throw InputError(devicesDir.string(), "no PCI devices found");
    return Topology::build(std::move(specs), devicesDir.string());
}

} // namespace bridgepath
