#include "cli/Flags.h"

#include "topology/InputError.h"

#include <algorithm>
#include <thread>

namespace bridgepath {

Flags::Flags(const std::vector<std::string> &args, const std::set<std::string> &valued,
             const std::set<std::string> &switches, const std::set<std::string> &optionalValue) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        if (arg.rfind("--", 0) != 0 || arg == "--") {
            positional_.push_back(arg);
            continue;
        }
        std::optional<std::string> inlineValue;
        const std::size_t eq = arg.find('=');
        if (eq != std::string::npos) {
            inlineValue = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
        }
        if (values_.count(arg))
            throw InputError(arg, "given twice");
        if (switches.count(arg)) {
            if (inlineValue)
                throw InputError(arg, "takes no value");
            values_[arg] = "";
        } else if (valued.count(arg)) {
            if (inlineValue) {
                values_[arg] = *inlineValue;
            } else if (i + 1 < args.size() &&
                       !(args[i + 1].rfind("--", 0) == 0 && args[i + 1].size() > 2)) {
                values_[arg] = args[++i];
            } else {
                // `--cases --seed 3`: the next word is a flag, so this one's value is missing.
                throw InputError(arg, i + 1 < args.size()
                                          ? "needs a value (found the flag " +
                                                quotedToken(args[i + 1]) + " instead)"
                                          : std::string("needs a value"));
            }
        } else if (optionalValue.count(arg)) {
            if (inlineValue)
                values_[arg] = *inlineValue;
            else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0)
                values_[arg] = args[++i];
            else
                values_[arg] = "";
        } else {
            throw InputError(
                arg.size() <= 40 && quotedToken(arg) == "'" + arg + "'" ? arg : quotedToken(arg),
                "unknown flag (see `bridgepath help`)");
        }
    }
}

std::optional<std::string> Flags::value(const std::string &flag) const {
    auto it = values_.find(flag);
    if (it == values_.end())
        return std::nullopt;
    return it->second;
}

void Flags::allowPositional(std::size_t n, const std::string &what) const {
    if (positional_.size() > n)
        throw InputError(positional_[n], "unexpected argument (" + what + ")");
}

std::string quotedToken(const std::string &text) {
    // A megabyte or binary token is not echoed whole: the first 40 bytes, printable only.
    std::string out;
    for (char c : text.substr(0, 40))
        out += c >= ' ' && c <= '~' ? c : '?';
    return "'" + out + (text.size() > 40 ? "...'" : "'");
}

std::size_t parseCount(const std::string &flag, const std::string &text) {
    bool digits = !text.empty();
    for (char c : text)
        digits = digits && c >= '0' && c <= '9';
    if (!digits)
        throw InputError(flag, "expected a non-negative number, got " + quotedToken(text));
    std::size_t v = 0;
    for (char c : text) {
        v = v * 10 + static_cast<std::size_t>(c - '0');
        if (v > kMaxCount)
            throw InputError(flag, "too large: at most " + std::to_string(kMaxCount));
    }
    return v;
}

} // namespace bridgepath

namespace bridgepath {

std::size_t countFlag(const Flags &flags, const std::string &flag, std::size_t fallback,
                      std::size_t lo, std::size_t hi) {
    const auto v = flags.value(flag);
    if (!v)
        return fallback;
    const std::size_t n = parseCount(flag, *v);
    if (n < lo || n > hi)
        throw InputError(flag, "expected " + std::to_string(lo) + ".." + std::to_string(hi) +
                                   ", got " + *v);
    return n;
}

unsigned threadsFlag(const Flags &flags) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    return static_cast<unsigned>(countFlag(flags, "--threads", cores, 1, 256));
}

ReportFormat reportFormatFlag(const Flags &flags) {
    const std::string format = flags.value("--format").value_or("text");
    if (format == "json")
        return ReportFormat::Json;
    if (format == "markdown")
        return ReportFormat::Markdown;
    if (format != "text")
        throw InputError("--format", "unknown format '" + format + "' (text, json, markdown)");
    return ReportFormat::Text;
}

} // namespace bridgepath
