#include "topology/Design.h"

namespace bridgepath {

const std::vector<KernelDesign> &currentKernels() {
    static const std::vector<KernelDesign> all{
        {"v6",
         "v6 06/12 on its base",
         {Policy::Bail, DirectRecord::None, ReleaseCheck::BugOn, EndOfUpdate::HeldForever}},
        {"later",
         "the later full file (block set, WARN_ON at the release, no end panic)",
         {Policy::Bail, DirectRecord::None, ReleaseCheck::WarnAndFree, EndOfUpdate::HeldForever}},
        {"latest",
         "the latest full file (WARN_ON and free, panic at the end)",
         {Policy::Bail, DirectRecord::None, ReleaseCheck::WarnAndFree, EndOfUpdate::Panic}},
    };
    return all;
}

const Design &latestKernel() {
    return currentKernels().back().design;
}

const std::vector<Design> &allDesigns() {
    static const std::vector<Design> all = [] {
        std::vector<Design> out;
        for (Policy w : {Policy::Bail, Policy::Continue, Policy::Guarded})
            for (DirectRecord r : {DirectRecord::None, DirectRecord::Checked})
                for (ReleaseCheck rel :
                     {ReleaseCheck::BugOn, ReleaseCheck::WarnAndFree,
                      ReleaseCheck::WarnClearAndFree, ReleaseCheck::WarnAndReconcile})
                    for (EndOfUpdate e : {EndOfUpdate::Panic, EndOfUpdate::HeldForever,
                                          EndOfUpdate::PanicIfDirectUnfinished})
                        out.push_back(Design{w, r, rel, e});
        return out;
    }();
    return all;
}

int changesBetween(const Design &a, const Design &b) {
    return (a.walk != b.walk) + (a.record != b.record) + (a.release != b.release) +
           (a.end != b.end);
}

std::string toString(const Design &d) {
    return std::string(toString(d.walk)) + "/" + toString(d.record) + "/" + toString(d.release) +
           "/" + toString(d.end);
}

std::optional<Design> parseDesign(std::string_view text) {
    for (const KernelDesign &k : currentKernels())
        if (text == k.name)
            return k.design;
    for (const Design &d : allDesigns())
        if (text == toString(d))
            return d;
    return std::nullopt;
}

const KernelDesign *kernelOf(const Design &d) {
    for (const KernelDesign &k : currentKernels())
        if (k.design == d)
            return &k;
    return nullptr;
}

LiveUpdateConfig withDesign(LiveUpdateConfig config, const Design &d) {
    config.policy = d.walk;
    config.directRecord = d.record;
    config.releaseCheck = d.release;
    config.endOfUpdate = d.end;
    return config;
}

} // namespace bridgepath
