#pragma once
/// PeakMemory: how much memory this process has held at most so far, for the timing lines the
/// commands print on stderr.

namespace bridgepath {

/// The peak resident set size of this process so far, in MiB (getrusage's ru_maxrss, as
/// `/usr/bin/time -v` reports it in KiB).
double peakRssMebibytes();

} // namespace bridgepath
