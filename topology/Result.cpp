#include "topology/Result.h"

#include <cerrno>

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

namespace {

constexpr Result kAll[] = {Result::Ok,     Result::Einval, Result::Ebusy,
                           Result::Enospc, Result::Enoent, Result::Eio,
                           Result::Enodev, Result::Eexist, Result::Panic};

} // namespace

std::optional<Result> parseResult(std::string_view text) {
    for (Result r : kAll)
        if (text == toString(r))
            return r;
    return std::nullopt;
}

std::optional<int> errnoOf(Result r) {
    switch (r) {
    case Result::Ok:
        return 0;
    case Result::Einval:
        return -EINVAL;
    case Result::Ebusy:
        return -EBUSY;
    case Result::Enospc:
        return -ENOSPC;
    case Result::Enoent:
        return -ENOENT;
    case Result::Eio:
        return -EIO;
    case Result::Enodev:
        return -ENODEV;
    case Result::Eexist:
        return -EEXIST;
    case Result::Panic:
        return std::nullopt;
    }
    return std::nullopt;
}

std::optional<Result> resultOfErrno(int value) {
    for (Result r : kAll)
        if (errnoOf(r) == value)
            return r;
    return std::nullopt;
}

} // namespace bridgepath
