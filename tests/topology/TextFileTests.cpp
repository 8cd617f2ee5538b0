// readTextFile decides from the file's type and size before it reads a byte: a FIFO would block
// forever, /dev/zero never ends, and a huge file would be read whole.

#include "topology/InputError.h"
#include "topology/TextFile.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sys/stat.h>

namespace bridgepath {
namespace {

namespace fs = std::filesystem;

std::string readError(const std::string &path) {
    try {
        readTextFile(path);
    } catch (const InputError &e) {
        return e.what();
    }
    return "no error";
}

fs::path scratch(const std::string &name) {
    return fs::temp_directory_path() /
           ("bridgepath-textfile-" + std::to_string(std::random_device{}()) + "-" + name);
}

TEST(TextFile, AFifoIsRefusedWithoutOpeningIt) {
    const fs::path fifo = scratch("fifo");
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    // Were it opened, this test would block here forever (no writer).
    EXPECT_EQ(readError(fifo.string()),
              fifo.string() + ": cannot read: not a regular file (a device, FIFO or socket)");
    fs::remove(fifo);
}

TEST(TextFile, ADeviceIsRefusedAlsoThroughALink) {
    EXPECT_EQ(readError("/dev/zero"),
              "/dev/zero: cannot read: not a regular file (a device, FIFO or socket)");
    const fs::path link = scratch("link");
    fs::create_symlink("/dev/zero", link);
    EXPECT_EQ(readError(link.string()),
              link.string() + ": cannot read: not a regular file (a device, FIFO or socket)");
    fs::remove(link);
}

TEST(TextFile, AFileAboveTheLimitIsRefusedByItsSize) {
    const fs::path big = scratch("big");
    { std::ofstream(big) << "x"; }
    fs::resize_file(big, kMaxTextFileBytes + 1); // sparse: nothing is written
    EXPECT_EQ(readError(big.string()), big.string() +
                                           ": too large: " + std::to_string(kMaxTextFileBytes + 1) +
                                           " bytes, at most " + std::to_string(kMaxTextFileBytes));
    fs::remove(big);
}

TEST(TextFile, AFileAtTheLimitIsReadWhole) {
    const fs::path edge = scratch("edge");
    { std::ofstream(edge) << "x"; }
    fs::resize_file(edge, kMaxTextFileBytes);
    // Sparse zeros: read to the end, then refused as not text (at the first NUL, byte 1).
    EXPECT_EQ(readError(edge.string()), edge.string() + ": byte 1 is NUL: not a text file");
    fs::remove(edge);
}

TEST(TextFile, AMissingFileNamesItself) {
    const fs::path missing = scratch("missing");
    EXPECT_EQ(readError(missing.string()),
              missing.string() + ": cannot read: No such file or directory");
}

} // namespace
} // namespace bridgepath
