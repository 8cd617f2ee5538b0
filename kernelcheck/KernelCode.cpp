#include "kernelcheck/KernelCode.h"

#include "kernelcheck/CSource.h"
#include "kernelcheck/KernelSources.h"
#include "topology/InputError.h"
#include "topology/TextFile.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace bridgepath {

struct KernelCode::Api {
    int (*setup)(int, const int *, const int *, const int *, const unsigned *, const unsigned *,
                 const unsigned *, const unsigned *, unsigned) = nullptr;
    int (*preserve)(int) = nullptr;
    void (*unpreserve)(int) = nullptr;
    void (*finish)(int) = nullptr;
    int (*kexec)() = nullptr;
    void (*failNext)(int, int) = nullptr;
    int (*lose)(int) = nullptr;
    int (*phase)() = nullptr;
    unsigned (*nrDevices)() = nullptr;
    unsigned (*tableSize)() = nullptr;
    void (*slot)(unsigned, unsigned *, unsigned *, unsigned *) = nullptr;
    unsigned (*bugs)() = nullptr;
};

namespace {

std::string sourceFile(const std::string &path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        const std::string file = path + "/drivers/pci/liveupdate.c";
        if (!std::filesystem::exists(file, ec))
            throw InputError(path, "a kernel tree without drivers/pci/liveupdate.c");
        return file;
    }
    return path;
}

// The wrapper of a device-step function: an armed fail-next of `kind` at its struct pci_dev *
// argument makes it return -EIO before it runs.
std::string wrapper(const CItem &f, const std::string &name, int kind, const std::string &place) {
    const std::vector<CParam> params = parameters(f);
    std::string dev, args;
    for (const CParam &p : params) {
        args += (args.empty() ? "" : ", ") + p.name;
        if (dev.empty() && std::regex_search(p.text, std::regex(R"(\bstruct\s+pci_dev\s*\*)")))
            dev = p.name;
    }
    if (dev.empty())
        throw InputError(place, "cannot wrap " + name +
                                    " for fail-next: it has no struct pci_dev * parameter");
    const std::string header = f.text.substr(0, f.bodyOffset);
    const bool isVoid = header.substr(0, header.find(name)).find("void") != std::string::npos &&
                        header.substr(0, header.find(name)).find('*') == std::string::npos;
    std::ostringstream w;
    w << header << "\n{\n\tif (bp_take_fail(" << dev << ", " << kind << "))\n\t\treturn"
      << (isVoid ? "" : " -EIO") << ";\n\t" << (isVoid ? "" : "return ") << "bp_real_" << name
      << "(" << args << ");\n}\n";
    return w.str();
}

std::string readAll(FILE *f) {
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
        out.append(buf, n);
    return out;
}

} // namespace

bool kernelCheckable(OpKind k) {
    switch (k) {
    case OpKind::Preserve:
    case OpKind::Unpreserve:
    case OpKind::Kexec:
    case OpKind::Finish:
    case OpKind::FailNext:
    case OpKind::Lose:
        return true;
    case OpKind::Freeze:
    case OpKind::FinishAll:
    case OpKind::SetRefcount:
    case OpKind::Vanish:
    case OpKind::Unplug:
        return false;
    }
    return false;
}

std::unique_ptr<KernelCode> KernelCode::build(const std::string &source, Abi abi,
                                              const KernelNames &names) {
    const std::string file = sourceFile(source);
    const CSource src = CSource::parse(readTextFile(file), file);
    for (const std::string *entry : {&names.preserve, &names.unpreserve, &names.finish,
                                     &names.preserveStep, &names.unpreserveStep,
                                     &names.finishStep})
        if (!src.function(*entry))
            throw InputError(file, "no definition of " + *entry + " (kernel-check needs it)");

    const std::vector<std::pair<const std::string *, int>> wrapped{
        {&names.preserveStep, static_cast<int>(StepKind::Preserve)},
        {&names.unpreserveStep, static_cast<int>(StepKind::Unpreserve)},
        {&names.finishStep, static_cast<int>(StepKind::Finish)}};
    std::ostringstream unit;
    if (abi == Abi::V7)
        unit << "#define BRIDGEPATH_ABI_V7 1\n";
    unit << "#include \"bridgepath_stub.h\"\n"
         << "static int bp_take_fail(struct pci_dev *dev, int kind);\n";
    for (const CItem *item : src.closure({names.preserve, names.unpreserve, names.finish})) {
        unit << "#line " << item->line << " \"" << file << "\"\n";
        const std::string *wrap = nullptr;
        int kind = 0;
        for (const auto &[name, k] : wrapped)
            if (item->isFunction && item->defines.front() == *name) {
                wrap = name;
                kind = k;
            }
        if (!wrap) {
            unit << item->text << "\n";
            continue;
        }
        unit << renamedHeader(*item, *wrap, "bp_real_" + *wrap)
             << item->text.substr(item->bodyOffset) << "\n"
             << wrapper(*item, *wrap, kind, file + ":" + std::to_string(item->line));
    }
    unit << "#line 1 \"bridgepath_shim.c\"\n"
         << "#define BP_ENTRY_PRESERVE " << names.preserve << "\n"
         << "#define BP_ENTRY_UNPRESERVE " << names.unpreserve << "\n"
         << "#define BP_ENTRY_FINISH " << names.finish << "\n"
         << kernelShim();

    std::unique_ptr<KernelCode> code(new KernelCode);
    char pattern[] = "/tmp/bridgepath-kernel-XXXXXX";
    if (!mkdtemp(pattern))
        throw InputError("/tmp", "cannot make a temporary folder for the build");
    code->dir_ = pattern;
    code->unit_ = code->dir_ + "/kernel-check.c";
    std::ofstream(code->dir_ + "/bridgepath_stub.h") << kernelStubHeader();
    std::ofstream(code->unit_) << unit.str();
    const std::string lib = code->dir_ + "/kernel-check.so";
    const char *cc = std::getenv("CC");
    const std::string command = std::string(cc && *cc ? cc : "cc") +
                                " -std=gnu11 -O1 -g -fPIC -shared -fvisibility=hidden -o " + lib +
                                " " + code->unit_ + " 2>&1";
    FILE *pipe = popen(command.c_str(), "r");
    if (!pipe)
        throw InputError(file, "cannot run the C compiler (" + command + ")");
    const std::string output = readAll(pipe);
    const int status = pclose(pipe);
    if (status != 0) {
        // The first error line, which #line points into the kernel file (or the shim).
        std::istringstream lines(output);
        std::string line, first;
        while (std::getline(lines, line))
            if (line.find(": error:") != std::string::npos ||
                line.find(": fatal error:") != std::string::npos) {
                first = line;
                break;
            }
        if (first.empty())
            first = output.empty() ? "the C compiler failed (is `cc` installed?)" : output;
        // Which extracted symbol the error is in: the item whose lines hold the error's line.
        std::string symbol;
        if (first.rfind(file + ":", 0) == 0) {
            const std::size_t line = std::strtoul(first.c_str() + file.size() + 1, nullptr, 10);
            for (const CItem &item : src.items()) {
                const auto lines = static_cast<std::size_t>(
                    std::count(item.text.begin(), item.text.end(), '\n'));
                if (line >= item.line && line <= item.line + lines && !item.defines.empty())
                    symbol = " in " + item.defines.front();
            }
        }
        code->keep_ = true; // the unit stays for the user to read
        throw InputError(file, "does not compile with the stub header" + symbol + ": " + first +
                                   " (the generated unit is " + code->unit_ + ")");
    }
    code->handle_ = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!code->handle_)
        throw InputError(lib, std::string("cannot load: ") + dlerror());
    code->api_ = std::make_unique<Api>();
    Api &a = *code->api_;
    auto sym = [&code](const char *name, auto &fn) {
        void *p = dlsym(code->handle_, name);
        if (!p)
            throw InputError(code->unit_, std::string("the shim lacks ") + name);
        fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(p);
    };
    sym("bp_setup", a.setup);
    sym("bp_preserve", a.preserve);
    sym("bp_unpreserve", a.unpreserve);
    sym("bp_finish", a.finish);
    sym("bp_kexec", a.kexec);
    sym("bp_fail_next", a.failNext);
    sym("bp_lose", a.lose);
    sym("bp_phase", a.phase);
    sym("bp_nr_devices", a.nrDevices);
    sym("bp_table_size", a.tableSize);
    sym("bp_slot", a.slot);
    sym("bp_bug_count", a.bugs);
    return code;
}

KernelCode::~KernelCode() {
    if (handle_)
        dlclose(handle_);
    std::error_code ec;
    if (!dir_.empty() && !keep_ && !std::getenv("BRIDGEPATH_KEEP_KERNEL_BUILD"))
        std::filesystem::remove_all(dir_, ec);
}

void KernelCode::setUp(const Topology &t, std::size_t capacity) {
    const std::size_t n = t.size();
    std::vector<int> parent(n, -1), bridge(n), vf(n);
    std::vector<unsigned> domain(n), bus(n), devfn(n), secondary(n);
    const std::vector<DeviceSpec> specs = t.specs();
    for (DeviceId d = 0; d < n; ++d) {
        if (const auto p = t.parent(d))
            parent[d] = static_cast<int>(*p);
        bridge[d] = t.isBridge(d);
        vf[d] = t.isVf(d);
        domain[d] = t.bdf(d).domain;
        bus[d] = t.bdf(d).bus;
        devfn[d] = t.bdf(d).devfn;
        secondary[d] = specs[d].secondary;
    }
    // A bridge's subordinate bus is the bus its children sit on.
    for (DeviceId d = 0; d < n; ++d)
        if (parent[d] >= 0)
            secondary[static_cast<std::size_t>(parent[d])] = bus[d];
    api_->setup(static_cast<int>(n), parent.data(), bridge.data(), vf.data(), domain.data(),
                bus.data(), devfn.data(), secondary.data(), static_cast<unsigned>(capacity));
}

std::optional<Result> KernelCode::apply(const Topology &t, const Op &op) {
    const int dev = op.hasDevice() ? static_cast<int>(*t.find(op.bdf)) : -1;
    auto code = [](int rc) -> std::optional<Result> {
        if (auto r = resultOfErrno(rc))
            return r;
        return Result::Panic; // an errno the model never returns: always a disagreement
    };
    switch (op.kind) {
    case OpKind::Preserve:
        return code(api_->preserve(dev));
    case OpKind::Unpreserve:
        api_->unpreserve(dev);
        return std::nullopt;
    case OpKind::Kexec:
        return code(api_->kexec());
    case OpKind::Finish:
        api_->finish(dev);
        return std::nullopt;
    case OpKind::FailNext:
        api_->failNext(dev, static_cast<int>(op.step));
        return Result::Ok;
    case OpKind::Lose:
        return code(api_->lose(dev));
    case OpKind::Freeze:
    case OpKind::FinishAll:
    case OpKind::SetRefcount:
    case OpKind::Vanish:
    case OpKind::Unplug:
        break;
    }
    return std::nullopt;
}

KernelTable KernelCode::table() const {
    KernelTable out;
    out.incoming = api_->phase() != 0;
    out.nrDevices = api_->nrDevices();
    const unsigned size = api_->tableSize();
    out.slots.resize(size);
    for (unsigned i = 0; i < size; ++i) {
        unsigned domain = 0, bdf = 0, rc = 0;
        api_->slot(i, &domain, &bdf, &rc);
        out.slots[i] = SlotEntry{domain, static_cast<std::uint16_t>(bdf),
                                 static_cast<std::uint16_t>(rc)};
    }
    return out;
}

unsigned KernelCode::bugs() const { return api_->bugs(); }

} // namespace bridgepath
