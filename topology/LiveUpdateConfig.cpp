#include "topology/LiveUpdateConfig.h"

namespace bridgepath {

CheckOrder checkOrderOf(const LiveUpdateConfig &config) {
    if (config.checkOrder)
        return *config.checkOrder;
    switch (config.abi) {
    case Abi::V6:
        return CheckOrder::ZeroRefcountFirst;
    case Abi::V7:
        return CheckOrder::EbusyFirst;
    }
    return CheckOrder::ZeroRefcountFirst;
}

VfCheck vfCheckOf(const LiveUpdateConfig &config) {
    if (config.vfCheck)
        return *config.vfCheck;
    switch (config.abi) {
    case Abi::V6:
        return VfCheck::NamedDevice;
    case Abi::V7:
        return VfCheck::EveryDevice;
    }
    return VfCheck::NamedDevice;
}

ReleaseCheck releaseCheckOf(const LiveUpdateConfig &config) {
    if (config.releaseCheck)
        return *config.releaseCheck;
    switch (config.abi) {
    case Abi::V6:
        return ReleaseCheck::BugOn;
    case Abi::V7:
        return ReleaseCheck::WarnAndFree;
    }
    return ReleaseCheck::BugOn;
}

EndOfUpdate endOfUpdateOf(const LiveUpdateConfig &config) {
    if (config.endOfUpdate)
        return *config.endOfUpdate;
    switch (config.abi) {
    case Abi::V6:
        return EndOfUpdate::HeldForever;
    case Abi::V7:
        return EndOfUpdate::Panic;
    }
    return EndOfUpdate::HeldForever;
}

UnplugCleanup unplugCleanupOf(const LiveUpdateConfig &config) {
    if (config.unplugCleanup)
        return *config.unplugCleanup;
    switch (config.abi) {
    case Abi::V6:
        return UnplugCleanup::WalksPaths;
    case Abi::V7:
        return UnplugCleanup::DropsIncoming;
    }
    return UnplugCleanup::WalksPaths;
}

const char *toString(CheckOrder o) {
    switch (o) {
    case CheckOrder::ZeroRefcountFirst:
        return "zero-refcount-first";
    case CheckOrder::EbusyFirst:
        return "ebusy-first";
    }
    return "?";
}

std::optional<CheckOrder> parseCheckOrder(std::string_view text) {
    for (CheckOrder o : {CheckOrder::ZeroRefcountFirst, CheckOrder::EbusyFirst})
        if (text == toString(o))
            return o;
    return std::nullopt;
}

const char *toString(VfCheck v) {
    switch (v) {
    case VfCheck::NamedDevice:
        return "named-device";
    case VfCheck::EveryDevice:
        return "every-device";
    }
    return "?";
}

std::optional<VfCheck> parseVfCheck(std::string_view text) {
    for (VfCheck v : {VfCheck::NamedDevice, VfCheck::EveryDevice})
        if (text == toString(v))
            return v;
    return std::nullopt;
}

const char *toString(ReleaseCheck r) {
    switch (r) {
    case ReleaseCheck::BugOn:
        return "bug-on";
    case ReleaseCheck::WarnAndFree:
        return "warn-and-free";
    case ReleaseCheck::WarnOnceAndFree:
        return "warn-once-and-free";
    case ReleaseCheck::WarnClearAndFree:
        return "warn-clear-and-free";
    case ReleaseCheck::WarnAndReconcile:
        return "warn-and-reconcile";
    }
    return "?";
}

std::optional<ReleaseCheck> parseReleaseCheck(std::string_view text) {
    for (ReleaseCheck r :
         {ReleaseCheck::BugOn, ReleaseCheck::WarnAndFree, ReleaseCheck::WarnOnceAndFree,
          ReleaseCheck::WarnClearAndFree, ReleaseCheck::WarnAndReconcile})
        if (text == toString(r))
            return r;
    return std::nullopt;
}

const char *toString(EndOfUpdate e) {
    switch (e) {
    case EndOfUpdate::Panic:
        return "panic";
    case EndOfUpdate::HeldForever:
        return "held-forever";
    case EndOfUpdate::PanicIfDirectUnfinished:
        return "panic-if-direct-unfinished";
    }
    return "?";
}

std::optional<EndOfUpdate> parseEndOfUpdate(std::string_view text) {
    for (EndOfUpdate e :
         {EndOfUpdate::Panic, EndOfUpdate::HeldForever, EndOfUpdate::PanicIfDirectUnfinished})
        if (text == toString(e))
            return e;
    return std::nullopt;
}

const char *toString(DirectRecord r) {
    switch (r) {
    case DirectRecord::None:
        return "none";
    case DirectRecord::Checked:
        return "checked";
    }
    return "?";
}

std::optional<DirectRecord> parseDirectRecord(std::string_view text) {
    for (DirectRecord r : {DirectRecord::None, DirectRecord::Checked})
        if (text == toString(r))
            return r;
    return std::nullopt;
}

const char *toString(IncomingPut p) {
    switch (p) {
    case IncomingPut::PerDevice:
        return "per-device";
    case IncomingPut::PerFinishCall:
        return "per-finish-call";
    case IncomingPut::AtSetup:
        return "at-setup";
    }
    return "?";
}

std::optional<IncomingPut> parseIncomingPut(std::string_view text) {
    for (IncomingPut p : {IncomingPut::PerDevice, IncomingPut::PerFinishCall, IncomingPut::AtSetup})
        if (text == toString(p))
            return p;
    return std::nullopt;
}

IncomingPut incomingPutOf(const LiveUpdateConfig &config) {
    return config.stepChecks == StepChecks::None ? IncomingPut::PerFinishCall : config.incomingPut;
}

const char *toString(WalkOrder w) {
    switch (w) {
    case WalkOrder::LeafFirst:
        return "leaf-first";
    case WalkOrder::RootFirst:
        return "root-first";
    }
    return "?";
}

std::optional<WalkOrder> parseWalkOrder(std::string_view text) {
    for (WalkOrder w : {WalkOrder::LeafFirst, WalkOrder::RootFirst})
        if (text == toString(w))
            return w;
    return std::nullopt;
}

const char *toString(StepChecks c) {
    switch (c) {
    case StepChecks::Full:
        return "full";
    case StepChecks::None:
        return "none";
    }
    return "?";
}

std::optional<StepChecks> parseStepChecks(std::string_view text) {
    for (StepChecks c : {StepChecks::Full, StepChecks::None})
        if (text == toString(c))
            return c;
    return std::nullopt;
}

const char *toString(UnplugCleanup u) {
    switch (u) {
    case UnplugCleanup::WalksPaths:
        return "walks-paths";
    case UnplugCleanup::DropsIncoming:
        return "drops-incoming";
    }
    return "?";
}

std::optional<UnplugCleanup> parseUnplugCleanup(std::string_view text) {
    for (UnplugCleanup u : {UnplugCleanup::WalksPaths, UnplugCleanup::DropsIncoming})
        if (text == toString(u))
            return u;
    return std::nullopt;
}

} // namespace bridgepath
