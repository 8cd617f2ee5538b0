#include "topology/Policy.h"

namespace bridgepath {

const char *toString(Policy p) {
    switch (p) {
    case Policy::Bail:
        return "bail";
    case Policy::Continue:
        return "continue";
    case Policy::Guarded:
        return "guarded";
    }
    return "?";
}

std::optional<Policy> parsePolicy(std::string_view text) {
    for (Policy p : {Policy::Bail, Policy::Continue, Policy::Guarded})
        if (text == toString(p))
            return p;
    return std::nullopt;
}

const char *toString(Abi a) {
    switch (a) {
    case Abi::V6:
        return "v6";
    case Abi::V7:
        return "v7";
    }
    return "?";
}

std::optional<Abi> parseAbi(std::string_view text) {
    for (Abi a : {Abi::V6, Abi::V7})
        if (text == toString(a))
            return a;
    return std::nullopt;
}

} // namespace bridgepath
