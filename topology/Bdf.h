#pragma once
/// Bdf: a PCI function address (domain, bus, device, function), one parser and one printer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bridgepath {

/// A PCI address; printed `0000:03:00.0`, parsed from that or the short form `03:00.0` (domain 0).
struct Bdf {
    std::uint32_t domain = 0;
    std::uint8_t bus = 0;
    std::uint8_t devfn = 0; ///< device << 3 | function, as the kernel stores it

    /// Builds a Bdf from device (0..31) and function (0..7) numbers.
    static Bdf make(std::uint32_t domain, unsigned bus, unsigned device, unsigned function);
    /// Parses `dddd:bb:dd.f` or `bb:dd.f` (hex); nullopt on anything else.
    static std::optional<Bdf> parse(std::string_view text);

    unsigned device() const { return devfn >> 3; }
    unsigned function() const { return devfn & 7u; }
    /// The KHO ABI's 16-bit `bdf` field: bus << 8 | devfn.
    std::uint16_t abiBdf() const { return static_cast<std::uint16_t>(bus << 8 | devfn); }
    /// The incoming kernel's index key: domain << 16 | bdf.
    std::uint64_t key() const { return std::uint64_t{domain} << 16 | abiBdf(); }
    /// `0000:03:00.0`
    std::string toString() const;

    friend bool operator==(const Bdf &a, const Bdf &b) { return a.key() == b.key(); }
    friend bool operator!=(const Bdf &a, const Bdf &b) { return !(a == b); }
    friend bool operator<(const Bdf &a, const Bdf &b) { return a.key() < b.key(); }
};

/// Formats a PCI bus number within a domain: `0000:03`.
std::string busToString(std::uint32_t domain, unsigned bus);

} // namespace bridgepath
