#pragma once
/// PeakMemory: how much memory this process has held at most so far, for the timing lines the
/// commands print on stderr.

namespace bridgepath {

/// The peak resident set size of this process so far, in MB (10^6 bytes; getrusage's ru_maxrss).
double peakRssMegabytes();

} // namespace bridgepath
