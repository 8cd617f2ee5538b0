#pragma once
/// Uniform: size-independent choices. rc::gen::inRange narrows its range at small sizes (and the
/// command generator runs at small sizes), which would pin every choice to its first option.

#include <rapidcheck.h>

namespace bridgepath {

/// Uniform in [lo, hi) whatever the size; shrinks towards lo. Requires lo < hi.
template <typename T> rc::Gen<T> uniformIn(T lo, T hi) {
    return rc::Gen<T>([lo, hi](const rc::Random &random, int) {
        const auto span = static_cast<std::uint64_t>(hi - lo);
        const T value = static_cast<T>(lo + static_cast<T>(rc::Random(random).next() % span));
        return rc::shrinkable::shrinkRecur(value,
                                           [lo](T x) { return rc::shrink::towards<T>(x, lo); });
    });
}

} // namespace bridgepath
