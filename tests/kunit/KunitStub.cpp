// The stand-in kernel for exported KUnit suites: KUnit's checks print KTAP, and the
// pci_liveupdate_* entry points and test hooks run on bridgepath's implementation. An exported
// .c file linked with this is a program that runs its suite and exits 1 if a check failed.

#include <kunit/test.h>
#include <linux/pci-liveupdate-test.h>

#include "impl/PciLiveUpdate.h"
#include "topology/LspciParser.h"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

struct pci_dev {
    bridgepath::DeviceId id;
};

namespace {

using namespace bridgepath;

struct Machine {
    Topology topology;
    std::unique_ptr<PciLiveUpdate> impl;
    std::vector<pci_dev> devices;
    int walkResult = 0;
};

Machine &machine() {
    static Machine m;
    return m;
}

// What the C API returns for a result (the panic as the test hooks spell it).
int returned(Result r) {
    return errnoOf(r).value_or(PCI_LIVEUPDATE_TEST_PANIC);
}

PciLiveUpdate &impl() {
    return *machine().impl;
}

int walk(Result r) {
    machine().walkResult = returned(r);
    return machine().walkResult;
}

} // namespace

static void report(struct kunit *test, long left, long right, const char *expr, const char *file,
                   int line, const char *fmt, va_list args) {
    test->failed = 1;
    char message[512];
    std::vsnprintf(message, sizeof message, fmt, args);
    std::printf("        # %s:%d: EXPECTATION FAILED: %s (%ld vs %ld): %s\n", file, line, expr,
                left, right, message);
}

extern "C" {

void kunit_stub_expect(struct kunit *test, int ok, long left, long right, const char *expr,
                       const char *file, int line, const char *fmt, ...) {
    if (ok)
        return;
    va_list args;
    va_start(args, fmt);
    report(test, left, right, expr, file, line, fmt, args);
    va_end(args);
}

void kunit_stub_expect_eq(struct kunit *test, long left, long right, const char *expr,
                          const char *file, int line, const char *fmt, ...) {
    if (left == right)
        return;
    va_list args;
    va_start(args, fmt);
    report(test, left, right, expr, file, line, fmt, args);
    va_end(args);
}

struct pci_dev *pci_get_domain_bus_and_slot(int domain, unsigned int bus, unsigned int devfn) {
    Bdf b;
    b.domain = static_cast<std::uint32_t>(domain);
    b.bus = static_cast<std::uint8_t>(bus);
    b.devfn = static_cast<std::uint8_t>(devfn);
    const auto id = machine().topology.find(b);
    return id ? &machine().devices[*id] : nullptr;
}

void pci_dev_put(struct pci_dev *) {}

int pci_liveupdate_preserve(struct pci_dev *dev) {
    return returned(impl().preserve(dev->id));
}
void pci_liveupdate_unpreserve(struct pci_dev *dev) {
    walk(impl().unpreserve(dev->id));
}
void pci_liveupdate_freeze(struct pci_dev *dev) {
    walk(impl().freeze(dev->id));
}
void pci_liveupdate_finish(struct pci_dev *dev) {
    walk(impl().finish(dev->id));
}
int pci_liveupdate_test_walk_result(void) {
    return machine().walkResult;
}

int pci_liveupdate_test_setup(struct kunit *, const char *lspci, const char *policy,
                              const char *abi, unsigned int capacity) {
    Machine &m = machine();
    m.topology = parseLspci(lspci, "the exported suite's bp_topology");
    LiveUpdateConfig config;
    config.policy = *parsePolicy(policy);
    config.abi = *parseAbi(abi);
    config.capacity = capacity != 0 ? capacity : m.topology.size();
    m.impl = std::make_unique<PciLiveUpdate>(m.topology, config);
    m.devices.clear();
    for (DeviceId d = 0; d < m.topology.size(); ++d)
        m.devices.push_back(pci_dev{d});
    m.walkResult = 0;
    return 0;
}

int pci_liveupdate_test_kexec(void) {
    return returned(impl().kexec());
}
int pci_liveupdate_test_finish_all(void) {
    return returned(impl().finishAll());
}
int pci_liveupdate_test_fail_next(struct pci_dev *dev, const char *step) {
    const std::string s = step;
    const StepKind kind = s == "preserve" ? StepKind::Preserve
                          : s == "finish" ? StepKind::Finish
                                          : StepKind::Unpreserve;
    return returned(impl().failNext(dev->id, kind));
}
int pci_liveupdate_test_lose(struct pci_dev *dev) {
    return returned(impl().lose(dev->id));
}
int pci_liveupdate_test_set_refcount(struct pci_dev *dev, u16 refcount) {
    return returned(impl().setRefcount(dev->id, refcount));
}
int pci_liveupdate_test_vanish(struct pci_dev *dev) {
    return returned(impl().vanish(dev->id));
}
int pci_liveupdate_test_unplug(struct pci_dev *dev) {
    return walk(impl().unplug(dev->id));
}
unsigned int pci_liveupdate_test_refcount(struct pci_dev *dev) {
    return impl().state().refcount(machine().topology.bdf(dev->id));
}
unsigned int pci_liveupdate_test_nr_devices(void) {
    return impl().nrDevices();
}

} // extern "C"

int main() {
    const kunit_suite &suite = *kunit_stub_suite;
    std::size_t cases = 0;
    while (suite.test_cases[cases].run_case)
        ++cases;
    std::printf("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: %s\n    1..%zu\n",
                suite.name, cases);
    bool failed = false;
    for (std::size_t i = 0; i < cases; ++i) {
        kunit test{0};
        if (suite.init && suite.init(&test) != 0)
            test.failed = 1;
        else
            suite.test_cases[i].run_case(&test);
        if (suite.exit)
            suite.exit(&test);
        failed = failed || test.failed;
        std::printf("    %s %zu %s\n", test.failed ? "not ok" : "ok", i + 1,
                    suite.test_cases[i].name);
    }
    std::printf("%s 1 %s\n", failed ? "not ok" : "ok", suite.name);
    return failed ? 1 : 0;
}
