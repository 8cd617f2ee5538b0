#pragma once
/// Contract: preconditions that stay checked in every build (NDEBUG or not), as CaDiCaL's
/// contract.hpp does for its API. A violated contract is a bug in the caller, not bad input:
/// it prints where and what, and aborts. Input is checked at the boundary with InputError
/// instead; a contract guards what the library's callers promise.

#include <cstdio>
#include <cstdlib>

namespace bridgepath {

/// Reports the violated contract `what` at file:line (in `function`) and aborts.
[[noreturn]] inline void contractViolated(const char *file, int line, const char *function,
                                          const char *condition, const char *what) {
    std::fprintf(stderr, "bridgepath: contract violated: %s:%d: %s: %s (%s)\n", file, line,
                 function, what, condition);
    std::abort();
}

} // namespace bridgepath

/// Checks `condition` in every build; on failure reports `what` (a string literal) and aborts.
#define BP_REQUIRE(condition, what)                                                                \
    do {                                                                                           \
        if (!(condition))                                                                          \
            ::bridgepath::contractViolated(__FILE__, __LINE__, __func__, #condition, what);        \
    } while (0)
