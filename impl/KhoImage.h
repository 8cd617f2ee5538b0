#pragma once
/// KhoImage: the bytes that cross the kexec (packed, little-endian), per ABI.
///
/// v6:  struct pci_ser { u32 max_nr_devices; u32 nr_devices; struct pci_dev_ser devices[max]; }
/// v7:  { u32 version = 7; u32 nr_devices; u32 nr_slots; struct pci_dev_ser devices[nr_slots]; }
///      (our single-block stand-in for v7's growable block set)
/// with struct pci_dev_ser { u32 domain; u16 bdf; u16 refcount; } (8 bytes).

#include "topology/Policy.h"
#include "topology/State.h"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace bridgepath {

/// What the outgoing kernel hands over: every slot (free ones too) and the nr_devices counter.
struct KhoImage {
    std::uint32_t nrDevices = 0;
    std::vector<SlotEntry> slots;
};

/// Serializes for `abi`.
std::vector<std::uint8_t> encodeKho(Abi abi, const KhoImage &image);

/// Why bytes could not be decoded.
struct KhoDecodeError {
    std::string reason;
};

/// Parses bytes written by encodeKho for `abi`; an error if truncated, too long or of the wrong
/// version. Never reads past `bytes`.
std::variant<KhoImage, KhoDecodeError> decodeKho(Abi abi, const std::vector<std::uint8_t> &bytes);

} // namespace bridgepath
