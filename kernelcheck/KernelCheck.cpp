#include "kernelcheck/KernelCheck.h"

#include "model/ReferenceModel.h"
#include "properties/PropertyCheck.h"
#include "topology/LspciRenderer.h"

#include <cstdio>
#include <algorithm>
#include <csignal>
#include <stdexcept>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace bridgepath {

namespace {

std::string entryText(const SlotEntry &e) {
    return e.refcount == 0 && e.domain == 0 && e.bdf == 0
               ? std::string("free")
               : e.address().toString() + " refcount " + std::to_string(e.refcount);
}

// The first difference after one step, or empty.
std::string compare(const std::optional<Result> &kernelResult, Result modelResult,
                    const KernelTable &k, const State &m) {
    if (kernelResult && *kernelResult != modelResult)
        return std::string("result ") + toString(modelResult) + " (model) vs " +
               (*kernelResult == Result::Panic ? std::string("an errno the model never returns")
                                               : std::string(toString(*kernelResult))) +
               " (kernel code)";
    if (k.incoming != (m.phase != Phase::Outgoing))
        return std::string("phase ") + toString(m.phase) + " (model) vs " +
               (k.incoming ? "incoming" : "outgoing") + " (kernel code)";
    if (k.nrDevices != m.nrDevices)
        return "nr_devices " + std::to_string(m.nrDevices) + " (model) vs " +
               std::to_string(k.nrDevices) + " (kernel code)";
    if (k.slots.size() != m.table.size())
        return "table size " + std::to_string(m.table.size()) + " (model) vs " +
               std::to_string(k.slots.size()) + " (kernel code)";
    for (std::size_t i = 0; i < k.slots.size(); ++i)
        if (k.slots[i] != m.table[i])
            return "slot " + std::to_string(i) + ": " + entryText(m.table[i]) + " (model) vs " +
                   entryText(k.slots[i]) + " (kernel code)";
    return "";
}

struct CaseVerdict {
    bool agree = true;
    std::size_t step = 0;
    std::string what;
};

std::size_t capacityFor(const Topology &t, const LiveUpdateConfig &c) {
    return c.abi == Abi::V6 ? c.capacity : t.size() + 8;
}

// The child's pipe, for its fault handler: the code under test may crash.
int crashFd = -1;


void reportCrash(int sig) {
    char line[32];
    const int n = std::snprintf(line, sizeof line, "\nsignal %d\n", sig);
    if (n > 0 && write(crashFd, line, static_cast<std::size_t>(n)) < 0)
        _exit(125);
    _exit(125);
}

// Runs one case in a child process (the kernel code may crash); the child reports each step it
// starts and, at the end, its verdict.
CaseVerdict runCase(KernelCode &code, const Topology &t, const LiveUpdateConfig &config,
                    const std::vector<Op> &ops, unsigned stepSeconds) {
    int fds[2];
    if (pipe(fds) != 0)
        throw std::runtime_error("kernel-check: cannot create a pipe for a case's child process");
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        throw std::runtime_error("kernel-check: cannot fork a case's child process");
    }
    if (pid == 0) {
        close(fds[0]);
        crashFd = fds[1];
        // A step that never returns (a loop in the code under test) ends the child here.
        alarm(stepSeconds);
        for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
            struct sigaction sa {};
            sa.sa_handler = reportCrash;
            sigaction(sig, &sa, nullptr);
        }
        FILE *out = fdopen(fds[1], "w");
        code.setUp(t, capacityFor(t, config));
        ReferenceModel model(t, config);
        for (std::size_t i = 0; i < ops.size(); ++i) {
            std::fprintf(out, "step %zu\n", i);
            std::fflush(out);
            alarm(stepSeconds);
            const std::optional<Result> k = code.apply(t, ops[i]);
            const Result m = model.apply(ops[i]);
            std::string diff = code.bugs() != 0
                                   ? "the kernel code hit BUG() (the model never does here)"
                                   : compare(k, m, code.table(), model.state());
            if (!diff.empty()) {
                std::fprintf(out, "disagree %zu %s\n", i, diff.c_str());
                std::fflush(out);
                _exit(1);
            }
        }
        std::fprintf(out, "agree\n");
        std::fflush(out);
        _exit(0);
    }
    close(fds[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
        text.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CaseVerdict v;
    std::istringstream lines(text);
    std::string line;
    std::size_t lastStep = 0;
    int signal = 0;
    while (std::getline(lines, line)) {
        if (line.rfind("step ", 0) == 0)
            lastStep = std::stoul(line.substr(5));
        else if (line.rfind("signal ", 0) == 0)
            signal = std::stoi(line.substr(7));
        else if (line.rfind("disagree ", 0) == 0) {
            const std::size_t space = line.find(' ', 9);
            v.agree = false;
            v.step = std::stoul(line.substr(9, space - 9));
            v.what = line.substr(space + 1);
        }
    }
    if (WIFSIGNALED(status))
        signal = WTERMSIG(status);
    if (signal == SIGALRM) {
        v.agree = false;
        v.step = lastStep;
        v.what = "the kernel code hung (the step did not return within " +
                 std::to_string(stepSeconds) + " s)";
    } else if (signal != 0) {
        v.agree = false;
        v.step = lastStep;
        v.what = "the kernel code crashed (signal " + std::to_string(signal) + ")";
    } else if (v.agree && text.find("agree") == std::string::npos) {
        // A sanitizer's own fault handler ends the process with an exit status instead.
        v.agree = false;
        v.step = lastStep;
        v.what = "the kernel code crashed (its process ended with status " +
                 std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + " mid-step)";
    }
    return v;
}

KernelDisagreement shrink(KernelCode &code, KernelDisagreement d, unsigned stepSeconds) {
    auto retry = [&](const Topology &t, const LiveUpdateConfig &c, std::vector<Op> ops) {
        const CaseVerdict v = runCase(code, t, c, ops, stepSeconds);
        if (v.agree)
            return false;
        ops.resize(std::min(ops.size(), v.step + 1));
        d.topology = t;
        d.config = c;
        d.ops = std::move(ops);
        d.step = v.step;
        d.what = v.what;
        return true;
    };
    bool progress = true;
    while (progress) {
        progress = false;
        for (std::size_t i = 0; d.ops.size() > 1 && i < d.ops.size() && !progress; ++i) {
            std::vector<Op> fewer = d.ops;
            fewer.erase(fewer.begin() + static_cast<long>(i));
            progress = retry(d.topology, d.config, fewer);
        }
    }
    const Topology cut = namedOnly(d.topology, d.ops);
    if (cut.size() != 0 && cut.size() < d.topology.size()) {
        LiveUpdateConfig c = d.config;
        if (c.abi == Abi::V6 && c.capacity >= d.topology.size())
            c.capacity = cut.size(); // one slot per device stays so
        const KernelDisagreement before = d;
        if (!retry(cut, c, d.ops))
            d = before;
    }
    return d;
}

} // namespace

std::optional<KernelDisagreement> checkOne(KernelCode &code, const Topology &t,
                                           const LiveUpdateConfig &config,
                                           const std::vector<Op> &ops, unsigned stepSeconds) {
    const CaseVerdict v = runCase(code, t, config, ops, stepSeconds);
    if (v.agree)
        return std::nullopt;
    KernelDisagreement d{t, config, ops, v.step, v.what, 0, ops.size()};
    d.ops.resize(std::min(d.ops.size(), v.step + 1));
    return shrink(code, d, stepSeconds);
}

KernelCheckResult runKernelCheck(KernelCode &code, const KernelCheckOptions &options) {
    KernelCheckResult r;
    const std::set<FaultClass> faults{FaultClass::Alloc, FaultClass::Step, FaultClass::LostSlot,
                                      FaultClass::Misuse};
    for (std::size_t i = 0; i < options.cases; ++i) {
        const GeneratedCase c =
            sampleCase(shardSeed(options.seed, i), 40, Policy::Bail, options.abi, faults,
                       options.topology);
        std::vector<Op> ops;
        for (const Op &op : c.ops)
            if (kernelCheckable(op.kind))
                ops.push_back(op);
        LiveUpdateConfig config = c.setup->config;
        config.policy = Policy::Bail;
        config.sessionTable = false;
        ++r.cases;
        const CaseVerdict v = runCase(code, c.setup->topology, config, ops, options.stepSeconds);
        const std::size_t ran = v.agree ? ops.size() : v.step + 1;
        r.steps += ran;
        for (std::size_t k = 0; k < ran; ++k)
            r.faultSteps += ops[k].kind == OpKind::FailNext || ops[k].kind == OpKind::Lose;
        if (v.agree)
            continue;
        KernelDisagreement d{c.setup->topology, config, ops, v.step, v.what, i, ops.size()};
        d.ops.resize(std::min(d.ops.size(), v.step + 1));
        r.disagreement = shrink(code, d, options.stepSeconds);
        break;
    }
    return r;
}

Trace disagreementTrace(const KernelDisagreement &d) {
    Trace t;
    t.inlineTopology = renderLspci(d.topology, true); // labels keep VFs ("Virtual Function")
    t.policy = Policy::Bail;
    t.abi = d.config.abi;
    if (d.config.abi == Abi::V6)
        t.capacity = d.config.capacity;
    t.ops = d.ops;
    return t;
}

} // namespace bridgepath
