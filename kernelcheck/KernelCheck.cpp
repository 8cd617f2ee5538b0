#include "kernelcheck/KernelCheck.h"

#include "model/ReferenceModel.h"
#include "properties/PropertyCheck.h"
#include "topology/LspciRenderer.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define BRIDGEPATH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BRIDGEPATH_ASAN 1
#endif
#endif

namespace bridgepath {

namespace {

std::string entryText(const SlotEntry &e) {
    return e.refcount == 0 && e.domain == 0 && e.bdf == 0
               ? std::string("free")
               : e.address().toString() + " refcount " + std::to_string(e.refcount);
}

std::string eventsText(const std::vector<KernelEvent> &events, std::size_t from) {
    std::string s;
    for (std::size_t i = from; i < events.size(); ++i)
        s += (s.empty() ? "" : "; ") + describe(events[i]) +
             (events[i].kind == KernelEventKind::UseAfterFree
                  ? " [nr_devices " + std::to_string(events[i].nrDevices) + "]"
                  : std::string());
    return s.empty() ? "no event" : s;
}

// The first difference between two tables of one side ("" for the outgoing side, "incoming "
// for the other), or empty.
std::string compareTable(const char *side, std::uint32_t modelNr,
                         const std::vector<SlotEntry> &model, std::uint32_t kernelNr,
                         const std::vector<SlotEntry> &kernel) {
    if (kernelNr != modelNr)
        return std::string(side) + "nr_devices " + std::to_string(modelNr) + " (model) vs " +
               std::to_string(kernelNr) + " (kernel code)";
    if (kernel.size() != model.size())
        return std::string(side) + "table size " + std::to_string(model.size()) + " (model) vs " +
               std::to_string(kernel.size()) + " (kernel code)";
    for (std::size_t i = 0; i < kernel.size(); ++i)
        if (kernel[i] != model[i])
            return std::string(side) + "slot " + std::to_string(i) + ": " + entryText(model[i]) +
                   " (model) vs " + entryText(kernel[i]) + " (kernel code)";
    return "";
}

// The first difference after one step, or empty: the result, the events, the phase and the
// generation, then the running kernel's outgoing side (nr_devices, slots, cached pointers into
// freed memory) and the incoming side it inherited (nr_devices, entries).
std::string compare(const std::optional<Result> &kernelResult, Result modelResult,
                    const KernelSnapshot &k, const State &m) {
    if (!k.otherEvents.empty())
        return k.otherEvents.front() + " (the model has no such event)";
    if (kernelResult && *kernelResult != modelResult)
        return std::string("result ") + toString(modelResult) + " (model) vs " +
               (*kernelResult == Result::Panic ? std::string("an errno the model never returns")
                                               : std::string(toString(*kernelResult))) +
               " (kernel code)";
    if (k.events != m.events) {
        std::size_t same = 0;
        while (same < k.events.size() && same < m.events.size() && k.events[same] == m.events[same])
            ++same;
        return "kernel events: " + eventsText(m.events, same) + " (model) vs " +
               eventsText(k.events, same) + " (kernel code)";
    }
    if (k.phase != m.phase)
        return std::string("phase ") + toString(m.phase) + " (model) vs " + toString(k.phase) +
               " (kernel code)";
    if (k.generation != m.generation)
        return "generation " + std::to_string(m.generation) + " (model) vs " +
               std::to_string(k.generation) + " (kernel code)";
    if (std::string d = compareTable("", m.nrDevices, m.table, k.nrDevices, k.slots); !d.empty())
        return d;
    if (k.dangling != m.dangling) {
        for (const auto &[dev, rc] : m.dangling)
            if (!k.dangling.count(dev) || k.dangling.at(dev) != rc)
                return dev.toString() + " caches a freed slot with refcount " + std::to_string(rc) +
                       " (model) vs " +
                       (k.dangling.count(dev) ? "refcount " + std::to_string(k.dangling.at(dev))
                                              : std::string("no freed slot")) +
                       " (kernel code)";
        for (const auto &[dev, rc] : k.dangling)
            if (!m.dangling.count(dev))
                return dev.toString() +
                       " caches no freed slot (model) vs a freed slot with "
                       "refcount " +
                       std::to_string(rc) + " (kernel code)";
    }
    return compareTable("incoming ", m.incoming.nrDevices, m.incoming.table, k.incomingNrDevices,
                        k.incomingSlots);
}

struct CaseVerdict {
    bool agree = true;
    std::size_t step = 0;
    std::string what;
    std::size_t eventSteps = 0;
};

// The child's pipe, for the crash hook and the fault handlers: the code under test may crash.
int childFd = -1;

void writeLine(const char *prefix, const char *what) {
    char line[256];
    const int n = std::snprintf(line, sizeof line, "\n%s %s\n", prefix, what);
    if (n > 0 && write(childFd, line, static_cast<std::size_t>(std::min(n, 255))) < 0)
        _exit(125);
}

void crashHook(const char *what) {
    writeLine("crash", what);
    _exit(125);
}

void reportSignal(int sig) {
    char what[32];
    std::snprintf(what, sizeof what, "%d", sig);
    writeLine("signal", what);
    _exit(125);
}

using Case = std::pair<Topology, std::vector<Op>>;

// What a batch's child has done so far, in memory it shares with the parent: written with plain
// stores as it goes (no system call per step), read by the parent once the child is gone, so a
// crash mid-step still names its case and step. `eventSteps[k]` is case from + k's, once it
// agreed.
struct BatchProgress {
    std::atomic<std::uint64_t> started{0}; // cases begun
    std::atomic<std::uint64_t> agreed{0};  // cases that agreed (a prefix of those begun)
    std::atomic<std::uint64_t> step{0};    // the step of the last case begun
    std::atomic<std::uint64_t> resetting{0};
    std::atomic<std::uint64_t> eventSteps[1];
};

// The progress block for `cases` cases, shared with a child forked after it; unmapped at scope
// end.
class SharedProgress {
  public:
    explicit SharedProgress(std::size_t cases)
        : bytes_(sizeof(BatchProgress) + cases * sizeof(std::atomic<std::uint64_t>)) {
        void *p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            throw std::runtime_error("kernel-check: cannot map memory shared with a case's child");
        progress_ = new (p) BatchProgress;
    }
    ~SharedProgress() { munmap(progress_, bytes_); }
    SharedProgress(const SharedProgress &) = delete;
    SharedProgress &operator=(const SharedProgress &) = delete;
    BatchProgress &operator*() const { return *progress_; }

  private:
    std::size_t bytes_;
    BatchProgress *progress_ = nullptr;
};

// The child's side of one case: agree, or the first difference at a step.
CaseVerdict childCase(KernelCode &code, const Case &c, const LiveUpdateConfig &config,
                      const KernelCheckOptions &o, BatchProgress &progress) {
    const auto &[t, ops] = c;
    CaseVerdict v;
    alarm(o.stepSeconds);
    std::string why;
    if (!code.setUp(t, why, o.memoryLimit)) {
        v.agree = false;
        v.what = why;
        return v;
    }
    ReferenceModel model(t, config);
    std::size_t eventsSeen = 0;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        progress.step.store(i, std::memory_order_relaxed);
        alarm(o.stepSeconds);
        const std::optional<Result> k = code.apply(t, ops[i]);
        const Result m = model.apply(ops[i]);
        const State ms = model.state();
        const std::string diff = compare(k, m, code.snapshot(t), ms);
        if (ms.events.size() != eventsSeen) {
            eventsSeen = ms.events.size();
            ++v.eventSteps;
        }
        if (!diff.empty()) {
            v.agree = false;
            v.step = i;
            v.what = diff;
            return v;
        }
    }
    return v;
}

// Runs cases[from..] in one child process, one after the other (the library's data put back
// between them), until one disagrees: the verdicts of the cases run, the last one the first
// that disagrees (if any). A case that crashes or hangs ends the child; it is that case's.
// The parent's side of a child run: everything the child wrote to the pipe `fds`, then its
// exit status once it is gone.
std::string readChild(const int fds[2], pid_t pid, int *status) {
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
        text.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    waitpid(pid, status, 0);
    return text;
}

// A batch's child process: its pipe's read end, its progress, the cases it runs.
struct BatchChild {
    std::unique_ptr<SharedProgress> shared;
    int fds[2] = {-1, -1};
    pid_t pid = -1;
    std::size_t from = 0, to = 0;
};

// Forks a child that runs cases[from..to) one after the other (the library's data put back
// between them) until one disagrees; the parent keeps the pipe's read end only.
BatchChild launchBatch(KernelCode &code, const std::vector<Case> &cases, std::size_t from,
                       std::size_t to, const LiveUpdateConfig &config,
                       const KernelCheckOptions &o) {
    BatchChild c;
    c.from = from;
    c.to = to;
    c.shared = std::make_unique<SharedProgress>(to - from);
    BatchProgress &progress = **c.shared;
    int *fds = c.fds;
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
        childFd = fds[1];
#ifndef BRIDGEPATH_ASAN
        // A runaway allocation outside the harness's allocator ends here (ASan needs the space).
        struct rlimit limit {};
        limit.rlim_cur = limit.rlim_max = o.memoryLimit + (1u << 30);
        setrlimit(RLIMIT_AS, &limit);
#endif
        for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM}) {
            struct sigaction sa {};
            sa.sa_handler = reportSignal;
            sigaction(sig, &sa, nullptr);
        }
        for (int sig : {SIGINT, SIGTERM, SIGHUP}) // the parent cleans up; the child just ends
            std::signal(sig, SIG_DFL);
        FILE *out = fdopen(fds[1], "w");
        code.snapshot();
        for (std::size_t i = from; i < to; ++i) {
            if (i != from) {
                progress.resetting.store(1, std::memory_order_relaxed);
                code.reset();
                progress.resetting.store(0, std::memory_order_relaxed);
            }
            code.onCrash(crashHook);
            progress.step.store(0, std::memory_order_relaxed);
            progress.started.store(i - from + 1, std::memory_order_relaxed);
            const CaseVerdict v = childCase(code, cases[i], config, o, progress);
            if (!v.agree) {
                std::fprintf(out, "disagree %zu %s\n", v.step, v.what.c_str());
                std::fflush(out);
                _exit(1);
            }
            progress.eventSteps[i - from].store(v.eventSteps, std::memory_order_relaxed);
            progress.agreed.store(i - from + 1, std::memory_order_relaxed);
        }
        _exit(0);
    }
    close(fds[1]);
    c.pid = pid;
    return c;
}

// The verdicts of a child's cases: those that agreed, then the first that did not (if any).
// A case that crashes or hangs ends the child; it is that case's.
std::vector<CaseVerdict> collectBatch(BatchChild &c, const KernelCheckOptions &o) {
    BatchProgress &progress = **c.shared;
    const int *fds = c.fds;
    const pid_t pid = c.pid;
    int status = 0;
    // Only a disagreement, a crash or a signal is written to the pipe; the rest is in `progress`.
    const std::string text = readChild(fds, pid, &status);
    std::vector<CaseVerdict> out(progress.agreed.load());
    for (std::size_t k = 0; k < out.size(); ++k)
        out[k].eventSteps = progress.eventSteps[k].load();
    std::istringstream lines(text);
    std::string line, crash;
    int signal = 0;
    std::optional<CaseVerdict> disagreed;
    while (std::getline(lines, line)) {
        if (line.rfind("signal ", 0) == 0) {
            signal = std::stoi(line.substr(7));
        } else if (line.rfind("crash ", 0) == 0) {
            crash = line.substr(6);
        } else if (line.rfind("disagree ", 0) == 0) {
            const std::size_t space = line.find(' ', 9);
            disagreed.emplace();
            disagreed->agree = false;
            disagreed->step = std::stoul(line.substr(9, space - 9));
            disagreed->what = line.substr(space + 1);
        }
    }
    if (WIFSIGNALED(status) && signal == 0)
        signal = WTERMSIG(status);
    const bool open = progress.started.load() > progress.agreed.load(); // a case has no verdict
    if (disagreed && open) {
        out.push_back(*disagreed);
        return out;
    }
    if (!open && out.size() == c.to - c.from && signal == 0 && crash.empty())
        return out;
    if (progress.resetting.load()) // no case of the user's code was running: the harness failed
        throw std::runtime_error("kernel-check: the harness failed while putting the library back "
                                 "between two cases (an internal error, not the code's)");
    // The case that was running when the child died (the next one if none was).
    CaseVerdict &v = out.emplace_back();
    v.agree = false;
    v.step = open ? progress.step.load() : 0;
    if (!crash.empty())
        v.what = "the kernel code crashed: " + crash;
    else if (signal == SIGALRM)
        v.what = "the kernel code hung (the step did not return within " +
                 std::to_string(o.stepSeconds) + " s)";
    else if (signal != 0)
        v.what = "the kernel code crashed (signal " + std::to_string(signal) + ")";
    else // a sanitizer's own fault handler ends the process with an exit status instead
        v.what = "the kernel code crashed (its process ended with status " +
                 std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + " mid-step)";
    return out;
}

// Runs cases[from..] in child processes, two at once on a machine with two cores or more (each
// half in a child of its own, so a crash stays its case's): the verdicts in case order, up to
// and including the first disagreement.
std::vector<CaseVerdict> runBatch(KernelCode &code, const std::vector<Case> &cases,
                                  std::size_t from, const LiveUpdateConfig &config,
                                  const KernelCheckOptions &o) {
    const std::size_t n = cases.size() - from;
    constexpr std::size_t kWorthASecondChild = 64;
    if (n < kWorthASecondChild || std::thread::hardware_concurrency() < 2) {
        BatchChild one = launchBatch(code, cases, from, cases.size(), config, o);
        return collectBatch(one, o);
    }
    const std::size_t mid = from + n / 2;
    BatchChild first = launchBatch(code, cases, from, mid, config, o);
    BatchChild second = launchBatch(code, cases, mid, cases.size(), config, o);
    std::vector<CaseVerdict> out = collectBatch(first, o);
    std::vector<CaseVerdict> rest = collectBatch(second, o);
    const bool firstAgreed =
        out.size() == mid - from &&
        std::all_of(out.begin(), out.end(), [](const CaseVerdict &v) { return v.agree; });
    if (firstAgreed)
        out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

CaseVerdict runCase(KernelCode &code, const Topology &t, const LiveUpdateConfig &config,
                    const std::vector<Op> &ops, const KernelCheckOptions &o) {
    return runBatch(code, {Case{t, ops}}, 0, config, o).back();
}

KernelDisagreement shrink(KernelCode &code, KernelDisagreement d, const KernelCheckOptions &o) {
    auto retry = [&](const Topology &t, const std::vector<Op> &candidate) {
        const CaseVerdict v = runCase(code, t, d.config, candidate, o);
        if (v.agree)
            return false;
        d.topology = t;
        d.ops = candidate;
        d.ops.resize(std::min(d.ops.size(), v.step + 1));
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
            progress = retry(d.topology, fewer);
        }
    }
    const Topology cut = namedOnly(d.topology, d.ops);
    if (cut.size() != 0 && cut.size() < d.topology.size()) {
        const KernelDisagreement before = d;
        if (!retry(cut, d.ops))
            d = before;
    }
    return d;
}

// The disagreement case `caseIndex` showed, cut after its disagreeing step and shrunk.
KernelDisagreement shrunk(KernelCode &code, const Topology &t, const LiveUpdateConfig &config,
                          const std::vector<Op> &ops, const CaseVerdict &v, std::size_t caseIndex,
                          const KernelCheckOptions &o) {
    KernelDisagreement d{t, config, ops, v.step, v.what, caseIndex, ops.size()};
    d.ops.resize(std::min(d.ops.size(), v.step + 1));
    return shrink(code, d, o);
}

// A chain of Live Updates drawn after `prefix` (which the model has run): each kernel finishes
// some of its incoming devices, preserves devices for the next one (the ones it inherited among
// them, and endpoints below its incoming bridges, so that a bridge is incoming from one
// generation and outgoing for the next), unpreserves, fails steps and corrupts slots, maybe ends
// its update, and kexecs, until `kexecs` kexecs are in the sequence. Deterministic in `rng`.
class ChainDraw {
  public:
    ChainDraw(const Topology &t, const KernelShape &shape, std::mt19937_64 &rng)
        : t_(t), shape_(shape), rng_(rng), model_(t, shape.config()), gone_(t.size()),
          vanishing_(t.size()) {}

    // Runs `op` on the model and the marks.
    void run(const Op &op) {
        (void)model_.apply(op);
        if (op.kind == OpKind::Unplug)
            mark(gone_, op.bdf);
        if (op.kind == OpKind::Vanish)
            mark(vanishing_, op.bdf);
        if (op.kind == OpKind::Kexec)
            for (DeviceId d = 0; d < t_.size(); ++d)
                gone_[d] |= vanishing_[d];
        ops_.push_back(op);
    }

    std::vector<Op> chain(std::vector<Op> prefix, std::size_t kexecs) {
        std::size_t done = 0;
        for (const Op &op : prefix) {
            run(op);
            done += op.kind == OpKind::Kexec;
        }
        while (!model_.state().crashed()) {
            const std::size_t length = 2 + pick(8);
            for (std::size_t i = 0; i < length && !model_.state().crashed(); ++i) {
                if (next_) {
                    const Op op = *next_;
                    next_.reset();
                    run(op);
                } else if (const auto op = drawOp()) {
                    run(*op);
                }
            }
            if (done >= kexecs || model_.state().crashed())
                break;
            run(Op{OpKind::Kexec, {}, StepKind::Preserve, 0});
            ++done;
        }
        return ops_;
    }

  private:
    std::size_t pick(std::size_t n) { return n ? static_cast<std::size_t>(rng_() % n) : 0; }
    template <class T> const T &any(const std::vector<T> &v) { return v[pick(v.size())]; }

    void mark(std::vector<char> &marks, const Bdf &top) const {
        const DeviceId root = *t_.find(top);
        for (DeviceId d = 0; d < t_.size(); ++d)
            for (std::optional<DeviceId> up = d; up; up = t_.parent(*up))
                if (*up == root)
                    marks[d] = 1;
    }

    std::optional<Op> drawOp() {
        const State s = model_.state();
        std::vector<Bdf> present, incoming, directIn, endpointsBelowIncoming, direct, holding, vfs;
        std::set<Bdf> incomingSet;
        for (const SlotEntry &e : s.incoming.table)
            if (e.refcount != 0)
                incomingSet.insert(e.address());
        for (DeviceId d = 0; d < t_.size(); ++d) {
            if (gone_[d])
                continue;
            const Bdf &b = t_.bdf(d);
            present.push_back(b);
            if (t_.isVf(d))
                vfs.push_back(b);
            if (s.phase == Phase::Incoming && incomingSet.count(b))
                incoming.push_back(b);
            if (s.incoming.directlyPreserved.count(b))
                directIn.push_back(b);
            if (s.directlyPreserved.count(b))
                direct.push_back(b);
            if (s.refcount(b) != 0 || s.dangling.count(b) ||
                (s.phase == Phase::Incoming && incomingSet.count(b)))
                holding.push_back(b);
            if (!t_.isBridge(d))
                for (std::optional<DeviceId> up = t_.parent(d); up; up = t_.parent(*up))
                    if (incomingSet.count(t_.bdf(*up))) {
                        endpointsBelowIncoming.push_back(b);
                        break;
                    }
        }
        if (present.empty())
            return std::nullopt;
        auto preserveTarget = [&]() -> Bdf {
            const std::size_t r = pick(10);
            if (r < 4 && !directIn.empty())
                return any(directIn); // preserved again for the next kernel
            if (r < 8 && !endpointsBelowIncoming.empty())
                return any(endpointsBelowIncoming); // below a bridge still incoming
            return any(present);
        };
        std::vector<std::pair<unsigned, int>> options; // weight, kind
        auto add = [&](unsigned weight, int kind) {
            if (weight)
                options.emplace_back(weight, kind);
        };
        add(6, 0);                                     // preserve
        add(direct.empty() ? 0 : 3, 1);                // unpreserve
        add(incoming.empty() ? 0 : 5, 2);              // finish
        add(s.phase == Phase::Incoming ? 1 : 0, 3);    // finish-all
        add(2, 4);                                     // fail-next
        add(holding.empty() ? 0 : 1, 5);               // lose
        add(holding.empty() ? 0 : 1, 6);               // set-refcount
        add(1, 7);                                     // vanish
        add(shape_.cleanup ? 1 : 0, 8);                // unplug
        add(shape_.freeze && pick(3) == 0 ? 1 : 0, 9); // freeze
        unsigned total = 0;
        for (const auto &o : options)
            total += o.first;
        unsigned r = static_cast<unsigned>(pick(total));
        int kind = options.back().second;
        for (const auto &[w, k] : options) {
            if (r < w) {
                kind = k;
                break;
            }
            r -= w;
        }
        Op op;
        switch (kind) {
        case 0:
            op.kind = OpKind::Preserve;
            op.bdf = preserveTarget();
            break;
        case 1:
            op.kind = OpKind::Unpreserve;
            op.bdf = any(direct);
            break;
        case 2:
            op.kind = OpKind::Finish;
            op.bdf = !directIn.empty() && pick(3) != 0 ? any(directIn) : any(incoming);
            break;
        case 3:
            op.kind = OpKind::FinishAll;
            break;
        case 4: {
            op.kind = OpKind::FailNext;
            op.step = static_cast<StepKind>(pick(3));
            if (op.step == StepKind::Preserve && !vfs.empty() && pick(3) == 0) {
                // where a VF is refused: before the walk (the fault stays) or in its step
                op.bdf = any(vfs);
                next_ = Op{OpKind::Preserve, op.bdf, StepKind::Preserve, 0};
                break;
            }
            // a device on a path the chain walks: an upstream bridge of a target, or the target
            const Bdf target =
                op.step == StepKind::Finish && !incoming.empty() ? any(incoming) : preserveTarget();
            const std::vector<DeviceId> path = t_.upstreamPath(*t_.find(target));
            op.bdf = t_.bdf(path[pick(path.size())]);
            break;
        }
        case 5:
            op.kind = OpKind::Lose;
            op.bdf = any(holding);
            break;
        case 6:
            op.kind = OpKind::SetRefcount;
            op.bdf = any(holding);
            op.value = static_cast<std::uint16_t>(pick(4));
            break;
        case 7:
            op.kind = OpKind::Vanish;
            op.bdf = any(present);
            break;
        case 8:
            op.kind = OpKind::Unplug;
            op.bdf = any(present);
            break;
        default:
            op.kind = OpKind::Freeze;
            op.bdf = any(present);
            break;
        }
        if (!kernelCheckable(op, shape_))
            return std::nullopt;
        return op;
    }

    const Topology &t_;
    const KernelShape &shape_;
    std::mt19937_64 &rng_;
    ReferenceModel model_;
    std::vector<char> gone_, vanishing_;
    std::vector<Op> ops_;
    std::optional<Op> next_; // drawn with the op before it
};

// The cases of a run: the same seed gives the same cases for every variant. A quarter are the
// property generator's sequences as drawn (one Live Update, its faults and misuse); the rest go
// on from a point of such a sequence after its first kexec as a chain of up to three kexecs.
std::vector<Case> drawCases(const KernelShape &shape, const KernelCheckOptions &o) {
    std::set<FaultClass> faults{FaultClass::Step, FaultClass::LostSlot, FaultClass::Refcount,
                                FaultClass::Misuse, FaultClass::Vanish};
    if (shape.cleanup)
        faults.insert(FaultClass::Unplug);
    std::vector<Case> out;
    out.reserve(o.cases);
    for (std::size_t i = 0; i < o.cases; ++i) {
        const GeneratedCase c =
            sampleCase(shardSeed(o.seed, i), 40, Policy::Bail, shape.abi(), faults, o.topology);
        const Topology &t = c.setup->topology;
        std::vector<Op> drawn;
        for (const Op &op : c.ops)
            if (kernelCheckable(op, shape))
                drawn.push_back(op);
        std::mt19937_64 rng(shardSeed(o.seed, i) ^ 0x6b65726e656c6368ull);
        if (rng() % 4 != 0) {
            // The generator's sequence up to a point after its first kexec (or all of it and a
            // kexec), never into the repeated finish-alls after the end of its update.
            const auto kexec = std::find_if(drawn.begin(), drawn.end(),
                                            [](const Op &op) { return op.kind == OpKind::Kexec; });
            std::vector<Op> prefix(drawn.begin(), kexec);
            if (kexec != drawn.end()) {
                std::size_t end = static_cast<std::size_t>(kexec - drawn.begin()) + 1;
                std::size_t last = end;
                while (last < drawn.size() && drawn[last].kind != OpKind::FinishAll)
                    ++last;
                end += static_cast<std::size_t>(rng() % (last - end + 1));
                prefix.assign(drawn.begin(), drawn.begin() + static_cast<long>(end));
            } else {
                prefix.push_back(Op{OpKind::Kexec, {}, StepKind::Preserve, 0});
            }
            const std::size_t kexecs = 1 + static_cast<std::size_t>(rng() % 5 + 1) / 2; // 1-3
            drawn = ChainDraw(t, shape, rng).chain(prefix, kexecs);
        }
        // A device that is gone (unplugged, or not enumerated after the kexec) has no slot a
        // fault could reach: corruptions of it are left out.
        std::vector<char> gone(t.size()), vanishing(t.size());
        auto mark = [&t](std::vector<char> &marks, const Bdf &top) {
            const DeviceId root = *t.find(top);
            for (DeviceId d = 0; d < t.size(); ++d)
                for (std::optional<DeviceId> up = d; up; up = t.parent(*up))
                    if (*up == root)
                        marks[d] = 1;
        };
        std::vector<Op> ops;
        for (const Op &op : drawn) {
            if ((op.kind == OpKind::Lose || op.kind == OpKind::SetRefcount) &&
                gone[*t.find(op.bdf)])
                continue;
            if (op.kind == OpKind::Unplug)
                mark(gone, op.bdf);
            if (op.kind == OpKind::Vanish)
                mark(vanishing, op.bdf);
            if (op.kind == OpKind::Kexec)
                for (DeviceId d = 0; d < t.size(); ++d)
                    gone[d] |= vanishing[d];
            ops.push_back(op);
        }
        out.emplace_back(t, std::move(ops));
    }
    return out;
}

bool isFault(OpKind k) {
    return k == OpKind::FailNext || k == OpKind::Lose || k == OpKind::SetRefcount ||
           k == OpKind::Vanish || k == OpKind::Unplug;
}

KernelCheckResult runCases(KernelCode &code, const LiveUpdateConfig &config,
                           const std::vector<Case> &cases, const KernelCheckOptions &o) {
    KernelCheckResult r;
    r.config = config;
    const std::vector<CaseVerdict> verdicts = runBatch(code, cases, 0, config, o);
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
        const CaseVerdict &v = verdicts[i];
        const auto &[t, ops] = cases[i];
        ++r.cases;
        const std::size_t ran = v.agree ? ops.size() : std::min(ops.size(), v.step + 1);
        r.steps += ran;
        r.eventSteps += v.eventSteps;
        std::size_t kexecs = 0;
        for (std::size_t k = 0; k < ran; ++k) {
            r.faultSteps += isFault(ops[k].kind);
            kexecs += ops[k].kind == OpKind::Kexec;
        }
        r.kexecSteps += kexecs;
        r.chainCases += kexecs >= 2;
        if (v.agree)
            continue;
        r.disagreement = shrunk(code, t, config, ops, v, i, o);
        break;
    }
    return r;
}

} // namespace

std::vector<std::pair<Topology, std::vector<Op>>>
drawKernelCheckCases(const KernelShape &shape, const KernelCheckOptions &o) {
    return drawCases(shape, o);
}

std::optional<KernelDisagreement> checkOne(KernelCode &code, const Topology &t,
                                           const LiveUpdateConfig &config,
                                           const std::vector<Op> &ops,
                                           const KernelCheckOptions &options) {
    const CaseVerdict v = runCase(code, t, config, ops, options);
    if (v.agree)
        return std::nullopt;
    return shrunk(code, t, config, ops, v, 0, options);
}

KernelCheckResult runKernelCheck(KernelCode &code, const LiveUpdateConfig &config,
                                 const KernelCheckOptions &options) {
    return runCases(code, config, drawCases(code.shape(), options), options);
}

std::vector<VariantVerdict> matchVariants(KernelCode &code, const KernelCheckOptions &options) {
    const auto cases = drawCases(code.shape(), options);
    std::vector<VariantVerdict> out;
    // Without step checks the check order means nothing: one order only, so that two variants
    // never agree for a reason the file cannot show.
    std::vector<CheckOrder> orders{CheckOrder::ZeroRefcountFirst, CheckOrder::EbusyFirst};
    if (code.shape().checks == StepChecks::None)
        orders = {code.shape().order};
    for (Policy p : {Policy::Bail, Policy::Continue, Policy::Guarded})
        for (CheckOrder order : orders)
            for (VfCheck vf : {VfCheck::NamedDevice, VfCheck::EveryDevice})
                for (WalkOrder walk : {WalkOrder::LeafFirst, WalkOrder::RootFirst}) {
                    // Guarded stops only after the named device's step, which a root-first
                    // walk takes last: there it is continue under another name.
                    if (p == Policy::Guarded && walk == WalkOrder::RootFirst)
                        continue;
                    VariantVerdict v;
                    v.policy = p;
                    v.order = order;
                    v.vf = vf;
                    v.walk = walk;
                    LiveUpdateConfig c = code.shape().config(p, order);
                    c.vfCheck = vf;
                    c.walkOrder = walk;
                    v.result = runCases(code, c, cases, options);
                    out.push_back(std::move(v));
                }
    std::stable_sort(out.begin(), out.end(), [](const VariantVerdict &a, const VariantVerdict &b) {
        return !a.result.disagreement && b.result.disagreement;
    });
    return out;
}

namespace {

void writeSlots(std::ostream &out, const std::vector<SlotEntry> &slots) {
    out << ' ' << slots.size();
    for (const SlotEntry &e : slots)
        out << ' ' << e.domain << ' ' << e.bdf << ' ' << e.refcount;
}

std::vector<SlotEntry> readSlots(std::istream &in) {
    std::size_t n = 0;
    in >> n;
    std::vector<SlotEntry> slots(n);
    for (SlotEntry &e : slots)
        in >> e.domain >> e.bdf >> e.refcount;
    return slots;
}

} // namespace

std::vector<KernelStep> observeKernel(KernelCode &code, const Topology &t,
                                      const std::vector<Op> &ops, std::string *crash,
                                      const KernelCheckOptions &o) {
    int fds[2];
    if (pipe(fds) != 0)
        throw std::runtime_error("kernel-check: cannot create a pipe for a child process");
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0)
        throw std::runtime_error("kernel-check: cannot fork a child process");
    if (pid == 0) {
        close(fds[0]);
        childFd = fds[1];
        for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM}) {
            struct sigaction sa {};
            sa.sa_handler = reportSignal;
            sigaction(sig, &sa, nullptr);
        }
        code.onCrash(crashHook);
        alarm(o.stepSeconds);
        std::string why;
        if (!code.setUp(t, why, o.memoryLimit))
            crashHook(why.c_str());
        for (const Op &op : ops) {
            alarm(o.stepSeconds);
            const std::optional<Result> r = code.apply(t, op);
            const KernelSnapshot k = code.snapshot(t);
            std::ostringstream line;
            line << "step " << (r ? static_cast<int>(*r) : -1) << ' ' << static_cast<int>(k.phase)
                 << ' ' << k.generation << ' ' << k.nrDevices;
            writeSlots(line, k.slots);
            line << ' ' << k.incomingNrDevices;
            writeSlots(line, k.incomingSlots);
            line << ' ' << k.dangling.size();
            for (const auto &[dev, rc] : k.dangling)
                line << ' ' << *t.find(dev) << ' ' << rc;
            line << ' ' << k.calls.preserve << ' ' << k.calls.unpreserve << ' ' << k.calls.retrieve
                 << ' ' << k.calls.finish << ' ' << k.events.size();
            for (const KernelEvent &e : k.events)
                line << ' ' << static_cast<int>(e.kind) << ' '
                     << (e.device ? static_cast<long>(*t.find(*e.device)) : -1L) << ' '
                     << e.nrDevices;
            line << ' ' << k.otherEvents.size() << '\n';
            const std::string text = line.str();
            if (write(fds[1], text.data(), text.size()) < 0)
                _exit(125);
        }
        _exit(0);
    }
    int status = 0;
    close(fds[1]);
    const std::string text = readChild(fds, pid, &status);
    std::vector<KernelStep> out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream in(line);
        std::string word;
        in >> word;
        if (word == "crash" || word == "signal") {
            if (crash)
                *crash = line;
            continue;
        }
        if (word != "step")
            continue;
        KernelStep step;
        int result = -1, phase = 0;
        in >> result >> phase >> step.state.generation >> step.state.nrDevices;
        if (result >= 0)
            step.result = static_cast<Result>(result);
        step.state.phase = static_cast<Phase>(phase);
        step.state.slots = readSlots(in);
        in >> step.state.incomingNrDevices;
        step.state.incomingSlots = readSlots(in);
        std::size_t n = 0;
        in >> n;
        for (std::size_t i = 0; i < n; ++i) {
            DeviceId dev = 0;
            std::uint16_t rc = 0;
            in >> dev >> rc;
            step.state.dangling[t.bdf(dev)] = rc;
        }
        in >> step.state.calls.preserve >> step.state.calls.unpreserve >>
            step.state.calls.retrieve >> step.state.calls.finish >> n;
        for (std::size_t i = 0; i < n; ++i) {
            int kind = 0;
            long dev = -1;
            KernelEvent e;
            in >> kind >> dev >> e.nrDevices;
            e.kind = static_cast<KernelEventKind>(kind);
            if (dev >= 0)
                e.device = t.bdf(static_cast<DeviceId>(dev));
            step.state.events.push_back(e);
        }
        in >> n;
        step.state.otherEvents.resize(n);
        out.push_back(std::move(step));
    }
    return out;
}

Trace disagreementTrace(const KernelDisagreement &d) {
    Trace t;
    t.inlineTopology = renderLspci(d.topology, true); // labels keep VFs ("Virtual Function")
    t.policy = d.config.policy;
    t.abi = d.config.abi;
    setDesignHeaders(t, d.config);
    t.ops = d.ops;
    return t;
}

std::string describeVariant(const LiveUpdateConfig &c) {
    return std::string("policy ") + toString(c.policy) + ", " +
           (c.abi == Abi::V6 ? "fixed table (v6)" : "block-set table (v7)") + ", " +
           (c.stepChecks == StepChecks::Full ? std::string(toString(checkOrderOf(c)))
                                             : std::string("no step checks")) +
           ", VF check " + toString(vfCheckOf(c)) + ", walk " + toString(c.walkOrder) +
           (c.directRecord == DirectRecord::Checked ? ", record checked" : "") + ", release " +
           toString(releaseCheckOf(c)) + ", end " + toString(endOfUpdateOf(c));
}

} // namespace bridgepath
