#pragma once
/// Op: one operation of the trace grammar; one parser and one printer, used by --ops, trace files,
/// counterexamples and replay.
///
///   preserve BDF | unpreserve BDF | freeze BDF | kexec | finish BDF | finish-all
///   fail-next preserve|unpreserve|finish BDF | lose BDF | set-refcount BDF N | vanish BDF
///   unplug BDF
///
/// BDF is `dddd:bb:dd.f` or `bb:dd.f` (domain 0); N is a decimal u16 (0..65535).

#include "topology/Bdf.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bridgepath {

/// The operation kinds; the first six are the kernel API, the rest inject faults.
enum class OpKind {
    Preserve,    ///< pci_liveupdate_preserve(dev) in the outgoing kernel
    Unpreserve,  ///< pci_liveupdate_unpreserve(dev) in the outgoing kernel
    Freeze,      ///< shutdown freeze of dev: later preserve/unpreserve steps at it fail -EINVAL
    Kexec,       ///< serialize the table, boot the incoming kernel, rebuild the index
    Finish,      ///< the incoming driver of dev is done: walk its path down
    FinishAll,   ///< the Live Update ends: panic if nr_devices != 0
    FailNext,    ///< the next step of the given kind at dev fails once with -EIO
    Lose,        ///< zero dev's slot behind the code's back (cached index, nr_devices untouched)
    SetRefcount, ///< overwrite the refcount of dev's slot
    Vanish,      ///< dev and its subtree are not enumerated by the incoming kernel
    Unplug,      ///< hot-removal of dev and its subtree; the kernel unpreserves/finishes them
};

/// The walk step kinds a fail-next can target.
enum class StepKind { Preserve, Unpreserve, Finish };

/// `preserve`, `unpreserve`, ..., `unplug`.
const char *toString(OpKind k);
/// `preserve` / `unpreserve` / `finish`.
const char *toString(StepKind k);

/// One operation; `bdf` is unused for kexec and finish-all.
struct Op {
    OpKind kind = OpKind::Kexec;
    Bdf bdf;
    StepKind step = StepKind::Preserve; ///< fail-next only
    std::uint16_t value = 0;            ///< set-refcount only

    /// True for every kind that names a device.
    bool hasDevice() const { return kind != OpKind::Kexec && kind != OpKind::FinishAll; }
    /// The grammar's text form, with the full BDF: `fail-next unpreserve 0000:02:00.0`.
    std::string toString() const;

    friend bool operator==(const Op &a, const Op &b) {
        return a.kind == b.kind && (!a.hasDevice() || a.bdf == b.bdf) &&
               (a.kind != OpKind::FailNext || a.step == b.step) &&
               (a.kind != OpKind::SetRefcount || a.value == b.value);
    }
    friend bool operator!=(const Op &a, const Op &b) { return !(a == b); }
};

/// Parses one operation; on error throws InputError naming `place` and the 1-based column
/// (offset by `column0`, the column where `text` starts in its line).
Op parseOp(std::string_view text, const std::string &place, std::size_t column0 = 1);

} // namespace bridgepath
