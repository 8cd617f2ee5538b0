#include "kernelcheck/KernelCode.h"

#include "kernelcheck/CSource.h"
#include "kernelcheck/KernelSources.h"
#include "topology/InputError.h"
#include "topology/TextFile.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <link.h>
#include <regex>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace bridgepath {

namespace fs = std::filesystem;

struct KernelCode::Api {
    void (*setCrashHook)(void (*)(const char *)) = nullptr;
    int (*setup)(int, const int *, const int *, const int *, const unsigned *, const unsigned *,
                 const unsigned *, const unsigned *, unsigned long) = nullptr;
    int (*apply)(int, int, int, int *) = nullptr;
    int (*phase)() = nullptr;
    int (*generation)() = nullptr;
    int (*flbCalls)(int) = nullptr;
    unsigned (*table)(int, unsigned *, unsigned *, unsigned *, unsigned *, unsigned) = nullptr;
    unsigned (*dangling)(int *, unsigned *, unsigned) = nullptr;
    int (*eventCount)() = nullptr;
    void (*teardown)() = nullptr;
    void (*eventAt)(int, int *, int *, unsigned *, const char **) = nullptr;
};

namespace {

// Scratch folders still on disk, for removal on a signal: fixed arrays, so that the signal
// handler reads them without allocating or locking.
constexpr int kMaxScratch = 32;
char scratchPath[kMaxScratch][4096];
volatile sig_atomic_t scratchUsed[kMaxScratch];

void rememberScratch(const std::string &dir) {
    for (int i = 0; i < kMaxScratch; ++i)
        if (!scratchUsed[i] && dir.size() < sizeof scratchPath[i]) {
            std::memcpy(scratchPath[i], dir.c_str(), dir.size() + 1);
            scratchUsed[i] = 1;
            return;
        }
}

void forgetScratch(const std::string &dir) {
    for (int i = 0; i < kMaxScratch; ++i)
        if (scratchUsed[i] && dir == scratchPath[i])
            scratchUsed[i] = 0;
}

std::string scratchRoot() {
    const char *t = std::getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

struct Located {
    std::string file;                ///< the liveupdate.c
    std::optional<std::string> tree; ///< the kernel tree it sits in
};

// A C file kernel-check reads: a regular file of a size a liveupdate.c can have (never a FIFO,
// /dev/zero or a directory, which would block or never end).
std::string readSourceFile(const std::string &path) {
    constexpr std::uintmax_t kMaxBytes = 4u << 20;
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st))
        throw InputError(path, "no such file");
    if (!fs::is_regular_file(st))
        throw InputError(path, "not a regular file (kernel-check reads a C file or a kernel tree)");
    if (fs::file_size(path, ec) > kMaxBytes)
        throw InputError(path, "too large for a drivers/pci/liveupdate.c: at most " +
                                   std::to_string(kMaxBytes) + " bytes");
    return readTextFile(path);
}

Located locate(const std::string &path) {
    std::error_code ec;
    Located l;
    if (fs::is_directory(path, ec)) {
        l.file = path + "/drivers/pci/liveupdate.c";
        if (!fs::exists(l.file, ec))
            throw InputError(path, "a kernel tree without drivers/pci/liveupdate.c");
        l.tree = path;
        return l;
    }
    l.file = path;
    const fs::path p = fs::absolute(path, ec);
    if (p.parent_path().filename() == "pci" &&
        p.parent_path().parent_path().filename() == "drivers")
        l.tree = p.parent_path().parent_path().parent_path().string();
    return l;
}

std::string readAll(FILE *f) {
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
        out.append(buf, n);
    return out;
}

void writeFile(const fs::path &p, const std::string &text) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p);
    out << text;
    if (!out)
        throw InputError(p.string(), "cannot write kernel-check's scratch file");
}

// The wrapper of a walk step: an armed fail-next of `kind` makes it return -EIO before it runs.
// A recursive walk (the early file) is only tracked: the device whose part runs is known again
// after the recursion into its bridge returns, and that part is a step of its own.
std::string wrapper(const CItem &f, const std::string &name, int kind, const std::string &place,
                    bool recursive) {
    std::string dev, args;
    for (const CParam &p : parameters(f)) {
        args += (args.empty() ? "" : ", ") + p.name;
        if (dev.empty() && std::regex_search(p.text, std::regex(R"(\bstruct\s+pci_dev\s*\*)")))
            dev = p.name;
    }
    if (dev.empty())
        throw InputError(place, "cannot wrap " + name +
                                    " for fail-next: it has no struct pci_dev * parameter");
    // A step that returns void (a version that ignores step errors) just does not run.
    const std::string header = f.text.substr(0, f.bodyOffset);
    const bool isVoid =
        std::regex_search(header.substr(0, header.find(name)), std::regex(R"(\bvoid\s*$)"));
    std::ostringstream w;
    if (recursive) {
        w << header << "\n{\n\tint bp_outer = bp_walk_enter(" << dev << ");\n\t"
          << (isVoid ? "" : "__typeof__(bp_real_" + name + "(" + args + ")) bp_ret = ")
          << "bp_real_" << name << "(" << args << ");\n\tbp_walk_leave(bp_outer);\n"
          << (isVoid ? "" : "\treturn bp_ret;\n") << "}\n";
        return w.str();
    }
    w << header << "\n{\n\tif (bp_step_enter(" << dev << ", " << kind << "))\n\t\treturn"
      << (isVoid ? "" : " -EIO") << ";\n\t" << (isVoid ? "" : "return ") << "bp_real_" << name
      << "(" << args << ");\n}\n";
    return w.str();
}

// The default ABI header for a file outside a kernel tree, as its version needs.
std::string defaultAbiHeader(const KernelShape &s) {
    std::ostringstream h;
    h << "/* bridgepath's stand-in for include/linux/kho/abi/pci.h (the file is not in a tree) */\n"
         "#ifndef _LINUX_KHO_ABI_PCI_H\n#define _LINUX_KHO_ABI_PCI_H\n"
         "#include \"bridgepath_kernel.h\"\n"
      << "#define PCI_LUO_FLB_COMPATIBLE \""
      << (s.versionField ? "pci"
          : s.blockSet   ? "pci-v2"
                         : "pci-v3")
      << "\"\n#define PCI_LUO_FLB_VERSION 2\n"
         "struct pci_dev_ser {\n\tu32 domain;\n\tu16 bdf;\n\tu16 refcount;\n} __packed;\n";
    if (s.blockSet)
        h << "struct pci_ser {\n"
          << (s.versionField ? "\tu32 version;\n" : "")
          << "\tu32 nr_devices;\n\tu64 devices;\n} __packed;\n";
    else
        h << "struct pci_ser {\n\tu32 max_nr_devices;\n\tu32 nr_devices;\n"
             "\tstruct pci_dev_ser devices[];\n} __packed;\n";
    h << "#endif\n";
    return h.str();
}

std::string defaultPrivateHeader(const KernelShape &s) {
    std::string h = "/* bridgepath's stand-in for drivers/pci/liveupdate.h */\n"
                    "#ifndef DRIVERS_PCI_LIVEUPDATE_H\n#define DRIVERS_PCI_LIVEUPDATE_H\n"
                    "#include \"bridgepath_kernel.h\"\n";
    if (!s.ownPathMacro)
        h += "#define for_each_pci_dev_in_path(dev) for (; (dev); (dev) = (dev)->bus->self)\n";
    return h + "#endif\n";
}

// Every `#include <linux/...>` (or <asm/...>) name in `text`.
std::set<std::string> systemIncludes(const std::string &text) {
    std::set<std::string> out;
    const std::regex r(R"(#\s*include\s*<([^>]+)>)");
    for (std::sregex_iterator it(text.begin(), text.end(), r), end; it != end; ++it)
        out.insert((*it)[1].str());
    return out;
}

// The identifiers the compiler says are missing, each with its first place.
std::vector<std::pair<std::string, std::string>> missingIdentifiers(const std::string &output,
                                                                    const std::string &unitPath,
                                                                    const std::string &file) {
    const std::vector<std::regex> patterns{
        std::regex(R"(implicit declaration of function '([^']+)')"),
        std::regex(R"('([^']+)' undeclared)"),
        std::regex(R"(unknown type name '([^']+)')"),
        std::regex(R"(invalid use of undefined type '([^']+)')"),
        std::regex(R"(storage size of '([^']+)' isn't known)"),
        std::regex(R"(field '([^']+)' has incomplete type)"),
        std::regex(R"(('[^']+') has no member named '([^']+)')"),
        std::regex(R"(undefined reference to `([^']+)')"),
    };
    std::vector<std::pair<std::string, std::string>> out;
    std::set<std::string> seen;
    std::istringstream lines(output);
    std::string line;
    const std::regex place(R"(^([^:]+):(\d+):(\d+:)? )");
    while (std::getline(lines, line)) {
        std::smatch where;
        if (!std::regex_search(line, where, place))
            continue;
        std::string at = where[1].str();
        if (at == unitPath)
            at = file;
        at += ":" + where[2].str();
        for (const std::regex &p : patterns) {
            std::smatch m;
            if (!std::regex_search(line, m, p))
                continue;
            const std::string name = m.size() > 2 ? m[1].str() + "." + m[2].str() : m[1].str();
            if (seen.insert(name).second)
                out.emplace_back(name, at);
            break;
        }
    }
    return out;
}

} // namespace

void removeKernelScratchOnSignal() {
    // Only async-signal-safe calls: fork, execv, waitpid, _exit.
    char *argv[kMaxScratch + 4];
    int n = 0;
    argv[n++] = const_cast<char *>("rm");
    argv[n++] = const_cast<char *>("-rf");
    argv[n++] = const_cast<char *>("--");
    for (int i = 0; i < kMaxScratch; ++i)
        if (scratchUsed[i])
            argv[n++] = scratchPath[i];
    argv[n] = nullptr;
    if (n == 3)
        return;
    const pid_t pid = fork();
    if (pid == 0) {
        execv("/bin/rm", argv);
        _exit(127);
    }
    if (pid > 0) {
        int status = 0;
        waitpid(pid, &status, 0);
    }
}

bool kernelCheckable(const Op &op, const KernelShape &shape) {
    switch (op.kind) {
    case OpKind::FailNext:
        // A recursive walk's step cannot fail alone (its bridges' steps run inside it).
        return op.step == StepKind::Preserve || !shape.recursiveSteps;
    case OpKind::Preserve:
    case OpKind::Unpreserve:
    case OpKind::Kexec:
    case OpKind::Finish:
    case OpKind::FinishAll:
    case OpKind::Lose:
    case OpKind::SetRefcount:
    case OpKind::Vanish:
        return true;
    case OpKind::Freeze:
        return shape.freeze.has_value();
    case OpKind::Unplug:
        return shape.cleanup.has_value();
    }
    return false;
}

std::unique_ptr<KernelCode>
KernelCode::build(const std::string &source,
                  const std::function<std::string(const std::string &)> &mutate,
                  bool keepOnFailure) {
    const Located where = locate(source);
    std::string text = readSourceFile(where.file);
    if (mutate)
        text = mutate(text);
    const CSource src = CSource::parse(text, where.file);
    std::unique_ptr<KernelCode> code(new KernelCode);
    code->file_ = where.file;
    code->shape_ = detectShape(src);
    const KernelShape &shape = code->shape_;

    // The file, with each walk step renamed and wrapped; #line keeps every other line's place.
    const std::string shown = fs::absolute(where.file).string();
    std::string unit = "#line 1 \"" + shown + "\"\n" + text;
    const std::vector<std::pair<std::string, int>> steps{
        {shape.preserveStep, 0}, {shape.unpreserveStep, 1}, {shape.finishStep, 2}};
    for (const auto &[name, kind] : steps) {
        const CItem *f = src.function(name);
        const std::size_t at = unit.find(f->text);
        if (at == std::string::npos)
            throw InputError(where.file, "cannot find the definition of " + name + " to wrap it");
        const std::size_t lines =
            static_cast<std::size_t>(std::count(f->text.begin(), f->text.end(), '\n'));
        const bool recursive = kind != 0 && shape.recursiveSteps;
        // The wrapper is declared first: a recursive body calls it by the original name.
        const std::string replaced =
            f->text.substr(0, f->bodyOffset) + ";\n" + renamedHeader(*f, name, "bp_real_" + name) +
            f->text.substr(f->bodyOffset) + "\n" +
            wrapper(*f, name, kind, where.file + ":" + std::to_string(f->line), recursive) +
            "#line " + std::to_string(f->line + lines + 1) + " \"" + shown + "\"";
        unit.replace(at, f->text.size(), replaced);
    }
    // The wrappers call the harness before it is defined.
    unit = "static int bp_step_enter(struct pci_dev *dev, int kind);\n"
           "static int bp_walk_enter(struct pci_dev *dev);\n"
           "static void bp_walk_leave(int outer);\n" +
           unit;
    unit = "#include \"bridgepath_kernel.h\"\n" + unit;
    unit += "\n#line 1 \"bridgepath_harness.c\"\n";
    unit += "#define BP_FN_PRESERVE " + shape.preserve + "\n#define BP_FN_UNPRESERVE " +
            shape.unpreserve + "\n#define BP_FN_FINISH " + shape.finish +
            "\n#define BP_FN_REGISTER_FLB " + shape.registerFlb + "\n";
    if (shape.setup)
        unit += "#define BP_FN_SETUP " + *shape.setup + "\n";
    if (shape.cleanup)
        unit += "#define BP_FN_CLEANUP " + *shape.cleanup + "\n";
    if (shape.cleanupUnpreserves)
        unit += "#define BP_CLEANUP_UNPRESERVES 1\n";
    if (shape.freeze)
        unit += "#define BP_FN_FREEZE " + *shape.freeze + "\n";
    unit += shape.blockSet ? "#define BP_TABLE_BLOCKSET 1\n" : "#define BP_TABLE_FIXED 1\n";
    unit += kernelHarness();

    // The scratch folder: include/ (the emulation, one wrapper per header the code includes,
    // the ABI header), drivers/pci/ (the file, its private headers).
    std::string pattern = scratchRoot() + "/bridgepath-kernel-XXXXXX";
    if (!mkdtemp(pattern.data()))
        throw InputError(scratchRoot(), "cannot make a scratch folder for kernel-check ($TMPDIR)");
    code->dir_ = pattern;
    rememberScratch(code->dir_);
    const fs::path dir(code->dir_);
    writeFile(dir / "include/bridgepath_kernel.h", kernelEmulationHeader());
    std::set<std::string> headers = systemIncludes(text);
    std::optional<std::string> treeAbi, treePrivate;
    if (where.tree) {
        std::error_code ec;
        const fs::path abi = fs::path(*where.tree) / "include/linux/kho/abi/pci.h";
        const fs::path priv = fs::path(*where.tree) / "drivers/pci/liveupdate.h";
        if (fs::exists(abi, ec))
            treeAbi = readSourceFile(abi.string());
        if (fs::exists(priv, ec))
            treePrivate = readSourceFile(priv.string());
    }
    if (treeAbi)
        for (const std::string &h : systemIncludes(*treeAbi))
            headers.insert(h);
    if (treePrivate)
        for (const std::string &h : systemIncludes(*treePrivate))
            headers.insert(h);
    for (const std::string &h : headers)
        if (h != "linux/kho/abi/pci.h")
            writeFile(dir / "include" / h, "#include \"bridgepath_kernel.h\"\n");
    writeFile(dir / "include/linux/kho/abi/pci.h", treeAbi ? *treeAbi : defaultAbiHeader(shape));
    writeFile(dir / "drivers/pci/liveupdate.h",
              treePrivate ? *treePrivate : defaultPrivateHeader(shape));
    writeFile(dir / "drivers/pci/pci.h", "#include \"bridgepath_kernel.h\"\n");
    code->shape_.notes.push_back(std::string("headers: ") +
                                 (treeAbi ? "the tree's include/linux/kho/abi/pci.h"
                                          : "bridgepath's ABI header for this version") +
                                 ", " +
                                 (treePrivate ? "the tree's drivers/pci/liveupdate.h"
                                              : "bridgepath's drivers/pci/liveupdate.h"));
    const std::string unitPath = (dir / "drivers/pci/liveupdate.c").string();
    writeFile(unitPath, unit);

    const std::string lib = (dir / "kernel-check.so").string();
    const char *cc = std::getenv("CC");
    const std::string command =
        "LC_ALL=C " + std::string(cc && *cc ? cc : "cc") +
        " -std=gnu11 -O1 -g -fPIC -shared -fvisibility=hidden -fno-strict-aliasing -Wl,-z,defs "
        "-fmax-errors=0 -Werror=implicit-function-declaration -Werror=implicit-int "
        "-DCONFIG_PCI_LIVEUPDATE=1 -DCONFIG_LIVEUPDATE=1 -D__KERNEL__ -I " +
        (dir / "include").string() + " -o " + lib + " " + unitPath + " 2>&1";
    FILE *pipe = popen(command.c_str(), "r");
    if (!pipe)
        throw InputError(where.file, "cannot run the C compiler (" + command + ")");
    const std::string output = readAll(pipe);
    if (pclose(pipe) != 0) {
        code->keep_ = keepOnFailure; // the unit stays for the user to read
        const auto missing = missingIdentifiers(output, unitPath, shown);
        std::string what;
        if (!missing.empty()) {
            what = "uses " + std::to_string(missing.size()) + " identifier" +
                   (missing.size() == 1 ? "" : "s") + " bridgepath's kernel stub lacks:";
            for (const auto &[name, at] : missing)
                what += " " + name + " (" + at + ")";
        } else {
            std::istringstream lines(output);
            std::string line, first;
            while (std::getline(lines, line))
                if (line.find(": error:") != std::string::npos) {
                    first = line;
                    break;
                }
            what = "does not compile against bridgepath's kernel stub: " +
                   (first.empty() ? output : first);
        }
        throw InputError(where.file,
                         what + (keepOnFailure ? " (the scratch folder " + code->dir_ + " is kept)"
                                               : std::string()));
    }
    code->handle_ = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!code->handle_)
        throw InputError(lib, std::string("cannot load: ") + dlerror());
    code->api_ = std::make_unique<Api>();
    Api &a = *code->api_;
    auto sym = [&code](const char *name, auto &fn) {
        void *p = dlsym(code->handle_, name);
        if (!p)
            throw InputError(code->dir_, std::string("the harness lacks ") + name);
        fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(p);
    };
    sym("bp_set_crash_hook", a.setCrashHook);
    sym("bp_setup", a.setup);
    sym("bp_apply", a.apply);
    sym("bp_phase_now", a.phase);
    sym("bp_generation_now", a.generation);
    sym("bp_flb_call_count", a.flbCalls);
    sym("bp_table", a.table);
    sym("bp_dangling", a.dangling);
    sym("bp_event_count", a.eventCount);
    sym("bp_event_at", a.eventAt);
    sym("bp_teardown", a.teardown);
    code->lib_ = lib;
    return code;
}

KernelCode::~KernelCode() {
    if (handle_)
        dlclose(handle_);
    if (dir_.empty() || keep_ || std::getenv("BRIDGEPATH_KEEP_KERNEL_BUILD"))
        return;
    std::error_code ec;
    fs::remove_all(dir_, ec);
    forgetScratch(dir_);
}

void KernelCode::onCrash(void (*hook)(const char *what)) {
    api_->setCrashHook(hook);
}

namespace {

struct SegmentSearch {
    const void *inside; // an address in the library
    std::vector<std::pair<char *, std::size_t>> segments;
};

int findSegments(struct dl_phdr_info *info, std::size_t, void *data) {
    auto *s = static_cast<SegmentSearch *>(data);
    bool ours = false;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr) &p = info->dlpi_phdr[i];
        const auto begin = info->dlpi_addr + p.p_vaddr;
        if (p.p_type == PT_LOAD && reinterpret_cast<std::uintptr_t>(s->inside) >= begin &&
            reinterpret_cast<std::uintptr_t>(s->inside) < begin + p.p_memsz)
            ours = true;
    }
    if (!ours)
        return 0;
    // The relocated part (PT_GNU_RELRO) is read-only by now and never changes: left out.
    std::uintptr_t relroBegin = 0, relroEnd = 0;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr) &p = info->dlpi_phdr[i];
        if (p.p_type == PT_GNU_RELRO) {
            const std::uintptr_t page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
            relroBegin = info->dlpi_addr + p.p_vaddr;
            relroEnd = (relroBegin + p.p_memsz + page - 1) / page * page;
        }
    }
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr) &p = info->dlpi_phdr[i];
        if (p.p_type != PT_LOAD || !(p.p_flags & PF_W))
            continue;
        std::uintptr_t begin = info->dlpi_addr + p.p_vaddr;
        const std::uintptr_t end = begin + p.p_memsz;
        if (relroBegin <= begin && begin < relroEnd)
            begin = std::min(end, relroEnd);
        if (begin < end)
            s->segments.emplace_back(reinterpret_cast<char *>(begin), end - begin);
    }
    return 1;
}

} // namespace

void KernelCode::snapshot() {
    SegmentSearch s{reinterpret_cast<const void *>(api_->setup), {}};
    dl_iterate_phdr(findSegments, &s);
    data_.clear();
    for (const auto &[at, size] : s.segments)
        data_.emplace_back(at, std::string(at, size));
}

void KernelCode::reset() {
    api_->teardown();
    // Only what changed is written back (most of it does not).
    constexpr std::size_t chunk = 64;
    for (const auto &[at, bytes] : data_)
        for (std::size_t i = 0; i < bytes.size(); i += chunk) {
            const std::size_t n = std::min(chunk, bytes.size() - i);
            if (std::memcmp(at + i, bytes.data() + i, n) != 0)
                std::memcpy(at + i, bytes.data() + i, n);
        }
}

bool KernelCode::setUp(const Topology &t, std::string &why, std::size_t memoryLimit) {
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
    const int rc =
        api_->setup(static_cast<int>(n), parent.data(), bridge.data(), vf.data(), domain.data(),
                    bus.data(), devfn.data(), secondary.data(), memoryLimit);
    if (rc != 0)
        why = shape_.registerFlb + "() failed (errno " + std::to_string(-rc) + ")";
    return rc == 0;
}

std::optional<Result> KernelCode::apply(const Topology &t, const Op &op) {
    const int dev = op.hasDevice() ? static_cast<int>(*t.find(op.bdf)) : -1;
    int arg = 0;
    if (op.kind == OpKind::FailNext)
        arg = static_cast<int>(op.step);
    if (op.kind == OpKind::SetRefcount)
        arg = op.value;
    int rc = 0;
    if (!api_->apply(static_cast<int>(op.kind), dev, arg, &rc))
        return std::nullopt;
    if (auto r = resultOfErrno(rc))
        return r;
    return Result::Panic; // an errno the model never returns: always a disagreement
}

KernelSnapshot KernelCode::snapshot(const Topology &t) const {
    KernelSnapshot s;
    switch (api_->phase()) {
    case 0:
        s.phase = Phase::Outgoing;
        break;
    case 1:
        s.phase = Phase::Incoming;
        break;
    default:
        s.phase = Phase::Ended;
        break;
    }
    s.generation = static_cast<unsigned>(api_->generation());
    s.calls = FlbCalls{
        static_cast<unsigned>(api_->flbCalls(0)), static_cast<unsigned>(api_->flbCalls(1)),
        static_cast<unsigned>(api_->flbCalls(2)), static_cast<unsigned>(api_->flbCalls(3))};
    auto table = [this](int incoming, std::uint32_t &nrDevices, std::vector<SlotEntry> &slots) {
        unsigned nr = 0;
        const unsigned size = api_->table(incoming, &nr, nullptr, nullptr, nullptr, 0);
        std::vector<unsigned> domain(size), bdf(size), rc(size);
        api_->table(incoming, &nr, domain.data(), bdf.data(), rc.data(), size);
        nrDevices = nr;
        slots.resize(size);
        for (unsigned i = 0; i < size; ++i)
            slots[i] = SlotEntry{domain[i], static_cast<std::uint16_t>(bdf[i]),
                                 static_cast<std::uint16_t>(rc[i])};
    };
    table(0, s.nrDevices, s.slots);
    table(1, s.incomingNrDevices, s.incomingSlots);
    std::vector<int> devs(t.size());
    std::vector<unsigned> counts(t.size());
    const unsigned k = api_->dangling(devs.data(), counts.data(), static_cast<unsigned>(t.size()));
    for (unsigned i = 0; i < k; ++i)
        s.dangling[t.bdf(static_cast<DeviceId>(devs[i]))] = static_cast<std::uint16_t>(counts[i]);
    for (int i = 0; i < api_->eventCount(); ++i) {
        int kind = 0, dev = -1;
        unsigned nrAt = 0;
        const char *what = nullptr;
        api_->eventAt(i, &kind, &dev, &nrAt, &what);
        if (kind >= kKernelEventKinds) {
            s.otherEvents.push_back(what ? what : "");
            continue;
        }
        KernelEvent e;
        e.kind = static_cast<KernelEventKind>(kind);
        if (dev >= 0)
            e.device = t.bdf(static_cast<DeviceId>(dev));
        e.nrDevices = nrAt;
        s.events.push_back(e);
    }
    return s;
}

} // namespace bridgepath
