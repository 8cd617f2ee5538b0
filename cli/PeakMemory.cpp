#include "cli/PeakMemory.h"

#include <sys/resource.h>

namespace bridgepath {

double peakRssMebibytes() {
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) != 0)
        return 0;
    return static_cast<double>(usage.ru_maxrss) / 1024.0; // Linux: ru_maxrss in KiB
}

} // namespace bridgepath
