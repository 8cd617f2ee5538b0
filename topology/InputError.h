#pragma once
/// InputError: the one exception type for bad user input (files, flags, op text).

#include <stdexcept>
#include <string>

namespace bridgepath {

/// Bad user input, raised only at input boundaries; what() is one line naming the place.
class InputError : public std::runtime_error {
  public:
    /// `place` is "file:line:column", "--flag" or similar; `message` says what is wrong there.
    InputError(const std::string &place, const std::string &message)
        : std::runtime_error(place.empty() ? message : place + ": " + message) {}
};

} // namespace bridgepath
