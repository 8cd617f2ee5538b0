#include "cli/Commands.h"
#include "cli/Flags.h"
#include "cli/ReviewReport.h"
#include "cli/RunSetup.h"

#include "topology/InputError.h"
#include "topology/TextFile.h"

#include <iostream>

namespace bridgepath {

int runReport(const std::vector<std::string> &args, std::ostream &out) {
    const Flags flags(args, {"--prove-devices", "--solver", "--fixtures", "--output"}, {});
    flags.allowPositional(0, "report takes flags only");
    ReviewReportOptions o;
    o.proveDevices = static_cast<int>(countFlag(flags, "--prove-devices", 6, 1, 16));
    o.solver = solverFlag(flags, o.solver);
    if (const auto f = flags.value("--fixtures"))
        o.fixtures = *f;
    const std::string text = reviewReport(o);
    if (const auto path = flags.value("--output")) {
        writeTextFile(*path, text);
        return 0;
    }
    out << text;
    return 0;
}

} // namespace bridgepath
