#include "topology/FaultClass.h"

namespace bridgepath {

const char *toString(FaultClass f) {
    switch (f) {
    case FaultClass::None:
        return "none";
    case FaultClass::Alloc:
        return "alloc";
    case FaultClass::Step:
        return "step";
    case FaultClass::LostSlot:
        return "lost-slot";
    case FaultClass::Refcount:
        return "refcount";
    case FaultClass::Misuse:
        return "misuse";
    case FaultClass::Vanish:
        return "vanish";
    case FaultClass::Unplug:
        return "unplug";
    }
    return "?";
}

const std::vector<FaultClass> &allFaultClasses() {
    static const std::vector<FaultClass> all{
        FaultClass::Alloc,  FaultClass::Step,   FaultClass::LostSlot, FaultClass::Refcount,
        FaultClass::Misuse, FaultClass::Vanish, FaultClass::Unplug};
    return all;
}

std::optional<std::set<FaultClass>> parseFaultClasses(std::string_view list, std::string *bad) {
    std::set<FaultClass> out;
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t end = list.find(',', start);
        if (end == std::string_view::npos)
            end = list.size();
        const std::string_view word = list.substr(start, end - start);
        bool known = false;
        if (word == "all") {
            out.insert(allFaultClasses().begin(), allFaultClasses().end());
            known = true;
        } else if (word == "none") {
            known = true;
        } else {
            for (FaultClass f : allFaultClasses())
                if (word == toString(f)) {
                    out.insert(f);
                    known = true;
                }
        }
        if (!known) {
            if (bad)
                *bad = std::string(word);
            return std::nullopt;
        }
        start = end + 1;
    }
    return out;
}

std::string toString(const std::set<FaultClass> &faults) {
    if (faults.empty())
        return "none";
    std::string s;
    for (FaultClass f : faults)
        s += (s.empty() ? "" : ",") + std::string(toString(f));
    return s;
}

std::optional<FaultClass> faultClassOf(OpKind kind) {
    switch (kind) {
    case OpKind::FailNext:
        return FaultClass::Step;
    case OpKind::Lose:
        return FaultClass::LostSlot;
    case OpKind::SetRefcount:
        return FaultClass::Refcount;
    case OpKind::Vanish:
        return FaultClass::Vanish;
    case OpKind::Unplug:
        return FaultClass::Unplug;
    case OpKind::Preserve:
    case OpKind::Unpreserve:
    case OpKind::Freeze:
    case OpKind::Kexec:
    case OpKind::Finish:
    case OpKind::FinishAll:
        return std::nullopt;
    }
    return std::nullopt;
}

} // namespace bridgepath
