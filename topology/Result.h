#pragma once
/// Result: what one operation returned, in the kernel's terms (0, a negative errno) or the panic.

#include <optional>
#include <string_view>

namespace bridgepath {

/// The result of one operation of a trace.
enum class Result {
    Ok,     ///< 0
    Einval, ///< -EINVAL: VF, frozen device, no slot / not incoming, slot with refcount 0
    Ebusy,  ///< -EBUSY: an endpoint that already has a slot
    Enospc, ///< -ENOSPC: v6 table full (nr_devices == capacity)
    Enoent, ///< -ENOENT: no outgoing state (after kexec) or no incoming state (before it)
    Eio,    ///< -EIO: injected by fail-next
    Enodev, ///< -ENODEV: the named device was hot-unplugged or did not come back after kexec
    Eexist, ///< -EEXIST: kexec found two serialized slots with the same key
    Panic,  ///< finish-all with nr_devices != 0 ("preserved device(s) were never finished")
};

/// `ok`, `EINVAL`, ..., `panic`.
const char *toString(Result r);
/// Inverse of toString.
std::optional<Result> parseResult(std::string_view text);
/// The kernel's return value: 0 or a negative errno (`-EINVAL`...); nullopt for the panic, which
/// is not a return value.
std::optional<int> errnoOf(Result r);
/// Inverse of errnoOf: nullopt for a value no operation returns.
std::optional<Result> resultOfErrno(int value);

} // namespace bridgepath
