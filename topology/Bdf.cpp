#include "topology/Bdf.h"

#include <algorithm>
#include <cstdio>

namespace bridgepath {

namespace {

// Takes minDigits..maxDigits hex digits from the front of `text`.
std::optional<unsigned long> takeHex(std::string_view &text, std::size_t minDigits,
                                     std::size_t maxDigits) {
    std::size_t n = 0;
    unsigned long value = 0;
    while (n < text.size() && n < maxDigits) {
        const char c = text[n];
        unsigned digit;
        if (c >= '0' && c <= '9')
            digit = static_cast<unsigned>(c - '0');
        else if (c >= 'a' && c <= 'f')
            digit = static_cast<unsigned>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            digit = static_cast<unsigned>(c - 'A' + 10);
        else
            break;
        value = value * 16 + digit;
        ++n;
    }
    if (n < minDigits)
        return std::nullopt;
    text.remove_prefix(n);
    return value;
}

bool takeChar(std::string_view &text, char c) {
    if (text.empty() || text.front() != c)
        return false;
    text.remove_prefix(1);
    return true;
}

} // namespace

Bdf Bdf::make(std::uint32_t domain, unsigned bus, unsigned device, unsigned function) {
    Bdf b;
    b.domain = domain;
    b.bus = static_cast<std::uint8_t>(bus);
    b.devfn = static_cast<std::uint8_t>(device << 3 | function);
    return b;
}

std::optional<Bdf> Bdf::parse(std::string_view text) {
    // Either dddd:bb:dd.f (domain of 4..8 hex digits, as lspci prints VMD domains) or bb:dd.f.
    std::string_view rest = text;
    std::uint32_t domain = 0;
    const auto colons = std::count(text.begin(), text.end(), ':');
    if (colons == 2) {
        auto d = takeHex(rest, 1, 8);
        if (!d || !takeChar(rest, ':'))
            return std::nullopt;
        domain = static_cast<std::uint32_t>(*d);
    } else if (colons != 1) {
        return std::nullopt;
    }
    auto bus = takeHex(rest, 1, 2);
    if (!bus || !takeChar(rest, ':'))
        return std::nullopt;
    auto dev = takeHex(rest, 1, 2);
    if (!dev || *dev > 0x1f || !takeChar(rest, '.'))
        return std::nullopt;
    auto fn = takeHex(rest, 1, 1);
    if (!fn || *fn > 7 || !rest.empty())
        return std::nullopt;
    return make(domain, static_cast<unsigned>(*bus), static_cast<unsigned>(*dev),
                static_cast<unsigned>(*fn));
}

std::string Bdf::toString() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04x:%02x:%02x.%x", domain, bus, device(), function());
    return buf;
}

std::string busToString(std::uint32_t domain, unsigned bus) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%04x:%02x", domain, bus);
    return buf;
}

} // namespace bridgepath
