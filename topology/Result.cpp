#include "topology/Result.h"

namespace bridgepath {

const char *toString(Result r) {
    switch (r) {
    case Result::Ok:
        return "ok";
    case Result::Einval:
        return "EINVAL";
    case Result::Ebusy:
        return "EBUSY";
    case Result::Enospc:
        return "ENOSPC";
    case Result::Enoent:
        return "ENOENT";
    case Result::Eio:
        return "EIO";
    case Result::Enodev:
        return "ENODEV";
    case Result::Eexist:
        return "EEXIST";
    case Result::Panic:
        return "panic";
    }
    return "?";
}

std::optional<Result> parseResult(std::string_view text) {
    for (Result r : {Result::Ok, Result::Einval, Result::Ebusy, Result::Enospc, Result::Enoent,
                     Result::Eio, Result::Enodev, Result::Eexist, Result::Panic})
        if (text == toString(r))
            return r;
    return std::nullopt;
}

} // namespace bridgepath
