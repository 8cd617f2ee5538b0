// kernel-check's speed: 1,000 cases on the latest-shaped fixture (the file compiled once, outside
// the timing; three cases in four are chains of up to three Live Updates), run the way
// kernel-check runs them (many cases per child process, the library's data put back between
// them), against one child process per case (how it ran before) and the reference model alone on
// the same cases (the floor: what the comparison itself costs).

#include "kernelcheck/KernelCheck.h"
#include "model/ReferenceModel.h"

#include <benchmark/benchmark.h>

namespace bridgepath {
namespace {

const std::string kFixture =
    std::string(BRIDGEPATH_SOURCE_DIR) + "/tests/kernelcheck/c/flb-latest/drivers/pci/liveupdate.c";

KernelCode &fixture() {
    static const std::unique_ptr<KernelCode> code = KernelCode::build(kFixture);
    return *code;
}

void BM_KernelCheck_1000Cases_Batched(benchmark::State &state) {
    KernelCode &code = fixture();
    KernelCheckOptions o;
    o.cases = 1000;
    for (auto _ : state) {
        const KernelCheckResult r = runKernelCheck(code, code.shape().config(), o);
        if (r.disagreement)
            state.SkipWithError("the fixture disagrees");
        benchmark::DoNotOptimize(r.steps);
    }
}
BENCHMARK(BM_KernelCheck_1000Cases_Batched)->Unit(benchmark::kMillisecond);

// The same 1,000 cases, each in a child process of its own.
void BM_KernelCheck_1000Cases_ChildPerCase(benchmark::State &state) {
    KernelCode &code = fixture();
    KernelCheckOptions o;
    o.cases = 1000;
    const auto cases = drawKernelCheckCases(code.shape(), o);
    for (auto _ : state)
        for (const auto &[t, ops] : cases)
            benchmark::DoNotOptimize(checkOne(code, t, code.shape().config(), ops).has_value());
}
BENCHMARK(BM_KernelCheck_1000Cases_ChildPerCase)->Unit(benchmark::kMillisecond);

// The model alone on 1,000 cases of the same draw (no kernel code, no child process).
void BM_Model_1000Cases(benchmark::State &state) {
    KernelCode &code = fixture();
    KernelCheckOptions o;
    o.cases = 1000;
    const auto cases = drawKernelCheckCases(code.shape(), o);
    for (auto _ : state)
        for (const auto &[t, ops] : cases) {
            ReferenceModel m(t, code.shape().config());
            for (const Op &op : ops) {
                benchmark::DoNotOptimize(m.apply(op));
                benchmark::DoNotOptimize(m.state().nrDevices); // kernel-check reads it every step
            }
        }
}
BENCHMARK(BM_Model_1000Cases)->Unit(benchmark::kMillisecond);

// Drawing the 1,000 cases (RapidCheck's generators), which every run above includes or reuses.
void BM_KernelCheck_Draw1000Cases(benchmark::State &state) {
    KernelCode &code = fixture();
    KernelCheckOptions o;
    o.cases = 1000;
    for (auto _ : state)
        benchmark::DoNotOptimize(drawKernelCheckCases(code.shape(), o).size());
}
BENCHMARK(BM_KernelCheck_Draw1000Cases)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace bridgepath
