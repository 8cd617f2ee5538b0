#include "kernelcheck/KernelShape.h"

#include "topology/InputError.h"

#include <regex>

namespace bridgepath {

namespace {

// The text of `name` and of every function it calls in the file.
std::string closureText(const CSource &src, const std::string &name) {
    std::string text;
    for (const CItem *item : src.closure({name}))
        if (item->isFunction)
            text += item->text + "\n";
    return text;
}

std::string opOf(const std::string &text, const char *op) {
    std::smatch m;
    const std::regex r(std::string(R"(\.)") + op + R"(\s*=\s*([A-Za-z_]\w*))");
    return std::regex_search(text, m, r) ? m[1].str() : std::string();
}

// A function of `api`'s closure that calls itself: a recursive walk (the early file's steps).
const CItem *recursiveWalk(const CSource &src, const std::string &api) {
    for (const CItem *item : src.closure({api})) {
        if (!item->isFunction || item->defines.empty())
            continue;
        const std::string &name = item->defines.front();
        const std::string body = item->text.substr(item->bodyOffset);
        if (std::regex_search(body, std::regex("\\b" + name + "\\s*\\(")) &&
            body.find("->bus->self") != std::string::npos)
            return item;
    }
    return nullptr;
}

} // namespace

LiveUpdateConfig KernelShape::config(Policy policy, CheckOrder order) const {
    LiveUpdateConfig c;
    c.policy = policy;
    c.abi = abi();
    c.sessionTable = true;
    c.tableSizedToPresent = true;
    c.checkOrder = order;
    c.vfCheck = vf;
    c.releaseCheck = release;
    c.endOfUpdate = end;
    c.walkOrder = walk;
    c.stepChecks = checks;
    c.directRecord = record;
    c.unplugCleanup = cleanupUnpreserves ? UnplugCleanup::WalksPaths : UnplugCleanup::DropsIncoming;
    // A file with step checks that puts one reference per finish call (v4 06/11) is held to the
    // per-device rule, so the state it never frees shows as a disagreement with its reproducer;
    // the early file's walks are modelled as they are.
    c.incomingPut = put == IncomingPut::AtSetup ? IncomingPut::AtSetup : IncomingPut::PerDevice;
    return c;
}

std::string KernelShape::describe() const {
    std::string s = blockSet ? "block-set table" : "fixed devices[] table";
    s += versionField ? " with a version field" : "";
    s += record == DirectRecord::Checked ? ", a record of direct preservation" : "";
    switch (release) {
    case ReleaseCheck::BugOn:
        s += ", BUG_ON(nr_devices) at the release";
        break;
    case ReleaseCheck::WarnAndFree:
        s += ", WARN_ON(nr_devices) and free at the release";
        break;
    case ReleaseCheck::WarnOnceAndFree:
        s += ", WARN_ON_ONCE(nr_devices) and free at the release";
        break;
    case ReleaseCheck::WarnClearAndFree:
        s += ", WARN at the release, every cached pointer cleared, then free";
        break;
    case ReleaseCheck::WarnAndReconcile:
        s += ", WARN at the release and every count still held dropped";
        break;
    }
    s += end == EndOfUpdate::Panic ? ", panic() at the end of the update if a device is unfinished"
                                   : ", no end-of-update panic";
    s += vf == VfCheck::NamedDevice ? ", a VF refused as the named device before the walk"
                                    : ", every device of the path checked for being a VF";
    if (walk == WalkOrder::RootFirst)
        s += ", recursive walks from the root port down";
    else
        s += ownPathMacro ? ", its own for_each_pci_dev_in_path"
                          : ", the 1-argument for_each_pci_dev_in_path";
    if (checks == StepChecks::None)
        s += ", no checks in the walk steps";
    else if (put == IncomingPut::PerFinishCall)
        s += ", one incoming reference put per finish call";
    return s;
}

KernelShape detectShape(const CSource &src) {
    KernelShape s;
    std::string all;
    for (const CItem &item : src.items())
        all += item.text + "\n";
    if (all.find("->bus->self") == std::string::npos &&
        all.find("for_each_pci_dev_in_path") == std::string::npos)
        throw InputError(src.path(),
                         "has no bridge walk (neither dev->bus->self nor "
                         "for_each_pci_dev_in_path): kernel-check checks the upstream-bridge "
                         "preservation of PCI Live Update (patch 06/12 and later)");
    auto need = [&src](const char *name) {
        if (!src.function(name))
            throw InputError(src.path(),
                             std::string("no definition of ") + name + " (kernel-check drives it)");
        return std::string(name);
    };
    s.preserve = need("pci_liveupdate_preserve");
    s.unpreserve = need("pci_liveupdate_unpreserve");
    s.finish = need("pci_liveupdate_finish");
    s.registerFlb = need("pci_liveupdate_register_flb");
    s.preserveStep = need("pci_liveupdate_preserve_device");
    // The per-device steps of v6 and later, or the recursive walks of the early file.
    auto stepFn = [&](const char *name, const std::string &api) {
        if (src.function(name))
            return std::string(name);
        if (const CItem *walk = recursiveWalk(src, api)) {
            s.recursiveSteps = true;
            return walk->defines.front();
        }
        throw InputError(src.path(), std::string("no definition of ") + name +
                                         ", and no recursive walk in " + api +
                                         " (kernel-check drives one of them)");
    };
    s.unpreserveStep = stepFn("pci_liveupdate_unpreserve_device", s.unpreserve);
    s.finishStep = stepFn("pci_liveupdate_finish_device", s.finish);
    if (s.recursiveSteps) {
        s.walk = WalkOrder::RootFirst;
        s.notes.push_back("walks: " + s.unpreserveStep + " and " + s.finishStep +
                          " recurse to the root port first (root-first, every device visited)");
    }
    for (auto [field, name] : {std::pair{&s.setup, "pci_liveupdate_setup_device"},
                               std::pair{&s.cleanup, "pci_liveupdate_cleanup_device"},
                               std::pair{&s.freeze, "pci_liveupdate_freeze"}})
        if (src.function(name))
            *field = name;

    // Who puts a device's reference on the incoming FLB: its finish step, else the finish call
    // when it puts more than it gets (the named device's), else nobody after setup.
    {
        auto calls = [](const std::string &text, const char *what) {
            const std::regex r(std::string("flb_") + what + R"(_incoming\s*\()");
            return std::distance(std::sregex_iterator(text.begin(), text.end(), r),
                                 std::sregex_iterator());
        };
        const CItem &fin = *src.function(s.finish);
        const std::string finBody = fin.text.substr(fin.bodyOffset);
        if (calls(src.function(s.finishStep)->text, "put") > 0)
            s.put = IncomingPut::PerDevice;
        else if (calls(finBody, "put") > calls(finBody, "get")) {
            s.put = IncomingPut::PerFinishCall;
            s.notes.push_back("incoming references: " + s.finish +
                              " puts one per call, so the bridges its walk finishes keep theirs "
                              "(v4 06/11's bug): checked against the per-device rule");
        } else
            s.put = IncomingPut::AtSetup;
    }
    if (s.cleanup)
        s.cleanupUnpreserves = std::regex_search(src.function(*s.cleanup)->text,
                                                 std::regex("\\b" + s.unpreserve + "\\s*\\("));
    if (std::regex_search(all, std::regex(R"(liveupdate\.preserved_directly)"))) {
        s.record = DirectRecord::Checked;
        s.notes.push_back("record: dev->liveupdate.preserved_directly refuses a misused call "
                          "before its walk (bridgepath's design)");
    }
    s.blockSet = all.find("kho_block_set") != std::string::npos;
    if (!s.blockSet && all.find("max_nr_devices") == std::string::npos)
        throw InputError(src.path(), "neither a fixed devices[] table (max_nr_devices) nor a "
                                     "kho_block_set: a table kernel-check does not know");
    s.notes.push_back(s.blockSet ? "table: kho_block_set (first free entry, else grow)"
                                 : "table: fixed devices[] of max_nr_devices (probe from "
                                   "nr_devices mod max)");
    s.versionField = std::regex_search(all, std::regex(R"(ser->version\b)"));

    s.flbUnpreserve = opOf(all, "unpreserve");
    s.flbFinish = opOf(all, "finish");
    if (s.flbUnpreserve.empty() || !src.function(s.flbUnpreserve) || s.flbFinish.empty() ||
        !src.function(s.flbFinish))
        throw InputError(src.path(), "no struct liveupdate_flb_ops with .unpreserve and .finish "
                                     "functions in the file (kernel-check drives LUO's FLB)");
    const std::string release = closureText(src, s.flbUnpreserve);
    if (std::regex_search(release, std::regex(R"(\bBUG_ON\s*\()"))) {
        s.release = ReleaseCheck::BugOn;
        s.notes.push_back("release: BUG_ON in " + s.flbUnpreserve);
    } else if (std::regex_search(release, std::regex(R"(liveupdate\.outgoing\s*=\s*NULL)"))) {
        s.release = ReleaseCheck::WarnClearAndFree;
        s.notes.push_back("release: every device's outgoing pointer cleared, then free, in " +
                          s.flbUnpreserve);
    } else if (std::regex_search(release, std::regex(R"(\bWARN_ON_ONCE\s*\()"))) {
        s.release = ReleaseCheck::WarnOnceAndFree;
        s.notes.push_back("release: WARN_ON_ONCE, then free, in " + s.flbUnpreserve);
    } else {
        s.release = ReleaseCheck::WarnAndFree;
        s.notes.push_back(std::regex_search(release, std::regex(R"(\bWARN_ON\s*\()"))
                              ? "release: WARN_ON, then free, in " + s.flbUnpreserve
                              : "release: no check of nr_devices in " + s.flbUnpreserve);
    }
    const std::string finish = closureText(src, s.flbFinish);
    s.end = std::regex_search(finish, std::regex(R"(\bpanic\s*\()")) ? EndOfUpdate::Panic
                                                                     : EndOfUpdate::HeldForever;
    s.notes.push_back(s.end == EndOfUpdate::Panic
                          ? "end of update: panic() reached from " + s.flbFinish
                          : "end of update: no panic in " + s.flbFinish);

    // Where the preserve API fetches the outgoing state: its first call of LUO's getter or of a
    // function of the file that calls it.
    const CItem &apiItem = *src.function(s.preserve);
    const std::string body = apiItem.text.substr(apiItem.bodyOffset);
    std::vector<std::string> getters{"liveupdate_flb_get_outgoing"};
    for (const CItem &item : src.items())
        if (item.isFunction && item.text.find("liveupdate_flb_get_outgoing") != std::string::npos)
            getters.push_back(item.defines.front());
    const std::size_t vfAt = body.find("is_virtfn");
    std::size_t stateAt = std::string::npos;
    for (const std::string &g : getters) {
        std::smatch m;
        if (std::regex_search(body, m, std::regex("\\b" + g + "\\s*\\(")))
            stateAt = std::min(stateAt, static_cast<std::size_t>(m.position(0)));
    }
    if (vfAt != std::string::npos && (stateAt == std::string::npos || vfAt < stateAt)) {
        s.vf = VfCheck::NamedDevice;
        s.notes.push_back("VF: refused by " + s.preserve + " before it fetches the state");
    } else if (vfAt != std::string::npos) {
        // After the state is fetched, but a preserve always has its session's state: the same.
        s.vf = VfCheck::NamedDevice;
        s.notes.push_back("VF: refused by " + s.preserve +
                          " for the named device, after it "
                          "fetches the state");
    } else if (closureText(src, s.preserveStep).find("is_virtfn") != std::string::npos) {
        s.vf = VfCheck::EveryDevice;
        s.notes.push_back("VF: checked for every device by " + s.preserveStep);
    } else {
        s.vf = VfCheck::EveryDevice;
        s.notes.push_back("VF: no check before the walk found; taken as per device");
    }
    const std::string step = closureText(src, s.preserveStep);
    std::smatch zero;
    const std::size_t ebusyAt = step.find("-EBUSY");
    const bool hasZero = std::regex_search(
        step, zero,
        std::regex(
            R"((!\s*[\w>.-]*refcount\s*\)|[\w>.-]*refcount\s*==\s*0\s*\))[\s\S]{0,160}?-EINVAL)"));
    if (!hasZero && ebusyAt == std::string::npos) {
        s.checks = StepChecks::None;
        s.notes.push_back("preserve step: neither -EBUSY nor a refcount-0 check in " +
                          s.preserveStep + " (no step checks)");
    }
    s.order = hasZero && ebusyAt != std::string::npos &&
                      static_cast<std::size_t>(zero.position(0)) > ebusyAt
                  ? CheckOrder::EbusyFirst
                  : CheckOrder::ZeroRefcountFirst;
    if (s.checks == StepChecks::Full)
        s.notes.push_back(std::string("preserve step: ") +
                          (s.order == CheckOrder::EbusyFirst ? "-EBUSY checked before refcount 0"
                                                             : "refcount 0 checked before -EBUSY"));
    for (const CItem &item : src.items())
        if (item.isMacro)
            for (const std::string &d : item.defines)
                s.ownPathMacro |= d == "for_each_pci_dev_in_path";
    return s;
}

} // namespace bridgepath
