#pragma once
/// Flags: the command line of one subcommand, checked against the flags it accepts.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bridgepath {

/// Parsed `--name value` / `--name` flags and positional arguments.
class Flags {
  public:
    /// `valued`: flags that take a value; `switches`: flags that take none; `optionalValue`: flags
    /// whose value may be omitted (`--sysfs [DIR]`: a following word not starting with `--`).
    /// Throws InputError naming the flag on an unknown flag, a missing value or a repeated flag.
    Flags(const std::vector<std::string> &args, const std::set<std::string> &valued,
          const std::set<std::string> &switches, const std::set<std::string> &optionalValue = {});

    bool has(const std::string &flag) const { return values_.count(flag) != 0; }
    /// The value of a valued flag, if given.
    std::optional<std::string> value(const std::string &flag) const;
    const std::vector<std::string> &positional() const { return positional_; }
    /// Throws InputError unless there are at most `n` positional arguments.
    void allowPositional(std::size_t n, const std::string &what) const;

  private:
    std::map<std::string, std::string> values_;
    std::vector<std::string> positional_;
};

/// The largest count any flag takes (a seed, a number of cases).
inline constexpr std::size_t kMaxCount = 999'999'999;

/// Parses a non-negative decimal flag value; InputError naming the flag otherwise ("too large:
/// at most N" above kMaxCount).
std::size_t parseCount(const std::string &flag, const std::string &text);

/// `text` quoted for an error message: at most 40 bytes, non-printable bytes as '?'.
std::string quotedToken(const std::string &text);

/// The count a flag gives, in lo..hi (InputError naming the flag and the range otherwise), or
/// `fallback` when the flag is absent.
std::size_t countFlag(const Flags &flags, const std::string &flag, std::size_t fallback,
                      std::size_t lo, std::size_t hi);

/// `--threads T` in 1..256, else the machine's cores.
unsigned threadsFlag(const Flags &flags);

/// The formats of a report command (policies, designs).
enum class ReportFormat { Text, Json, Markdown };

/// `--format text|json|markdown` (default text); InputError naming the flag otherwise.
ReportFormat reportFormatFlag(const Flags &flags);

} // namespace bridgepath
