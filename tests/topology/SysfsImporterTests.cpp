#include "topology/InputError.h"
#include "topology/SysfsImporter.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

using namespace bridgepath;
namespace fs = std::filesystem;

namespace {

bool startsWith(const std::string &s, const std::string &prefix) {
    return s.rfind(prefix, 0) == 0;
}

/// A fresh folder laid out like /sys, removed again after the test:
///
///   devices/pci0000:00/0000:00:01.0                          bridge [01-02], 8086:1234
///   devices/pci0000:00/0000:00:01.0/0000:01:00.0             bridge to 02 (pci_bus/0000:02 only)
///   devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.0  endpoint
///   devices/pci0000:00/0000:00:01.0/0000:01:00.0/0000:02:00.1  VF (physfn -> ../0000:02:00.0)
///   devices/pci0000:00/0000:00:02.0                          endpoint
///   bus/pci/devices/<bdf> -> ../../../devices/pci0000:00/...   as the kernel links them
class FakeSysfs : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() /
                ("bridgepath-sysfs-" + std::to_string(std::random_device{}()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(root_ / "bus" / "pci" / "devices");

        const fs::path b0 = addDevice("0000:00:01.0");
        fs::create_directories(b0 / "pci_bus" / "0000:01");
        write(b0 / "secondary_bus_number", "1\n");
        write(b0 / "subordinate_bus_number", "2\n");
        write(b0 / "vendor", "0x8086\n");
        write(b0 / "device", "0x1234\n");

        const fs::path b1 = addDevice("0000:00:01.0/0000:01:00.0");
        fs::create_directories(b1 / "pci_bus" / "0000:02");

        addDevice("0000:00:01.0/0000:01:00.0/0000:02:00.0");
        const fs::path vf = addDevice("0000:00:01.0/0000:01:00.0/0000:02:00.1");
        fs::create_directory_symlink("../0000:02:00.0", vf / "physfn");

        addDevice("0000:00:02.0");
    }

    void TearDown() override {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }

    /// Creates devices/pci0000:00/<chain> and its bus/pci/devices link; returns the folder.
    fs::path addDevice(const std::string &chain) {
        const fs::path folder = root_ / "devices" / "pci0000:00" / chain;
        fs::create_directories(folder);
        link(fs::path(chain).filename().string(), chain);
        return folder;
    }

    /// bus/pci/devices/<name> -> ../../../devices/pci0000:00/<chain>
    void link(const std::string &name, const std::string &chain) {
        fs::create_directory_symlink(fs::path("../../../devices/pci0000:00") / chain,
                                     root_ / "bus" / "pci" / "devices" / name);
    }

    static void write(const fs::path &file, const std::string &text) {
        std::ofstream out(file);
        out << text;
    }

    /// The what() of the InputError importing the fake tree throws, or "no error".
    std::string importError() const {
        try {
            importSysfs(root_.string());
        } catch (const InputError &e) {
            return e.what();
        }
        return "no error";
    }

    DeviceId idOf(const Topology &t, const char *bdf) const {
        const auto id = t.find(*Bdf::parse(bdf));
        EXPECT_TRUE(id) << bdf;
        return id.value_or(0);
    }

    fs::path root_;
};

} // namespace

TEST_F(FakeSysfs, ImportsEveryLinkedDevice) {
    const Topology t = importSysfs(root_.string());
    EXPECT_EQ(t.size(), 5u);
    EXPECT_EQ(t.bridgeCount(), 2u);
    EXPECT_EQ(t.endpointCount(), 3u);
    EXPECT_EQ(t.vfCount(), 1u);
    EXPECT_EQ(t.rootBuses(), (std::vector<RootBus>{{0, 0}}));
    EXPECT_EQ(t.maxUpstreamBridges(), 2u);
}

TEST_F(FakeSysfs, ParentIsTheBdfFolderAbove) {
    const Topology t = importSysfs(root_.string());
    EXPECT_FALSE(t.parent(idOf(t, "0000:00:01.0")));
    EXPECT_FALSE(t.parent(idOf(t, "0000:00:02.0")));
    EXPECT_EQ(t.parent(idOf(t, "0000:01:00.0")), idOf(t, "0000:00:01.0"));
    EXPECT_EQ(t.parent(idOf(t, "0000:02:00.0")), idOf(t, "0000:01:00.0"));
    EXPECT_EQ(t.parent(idOf(t, "0000:02:00.1")), idOf(t, "0000:01:00.0"));
}

TEST_F(FakeSysfs, BusNumberFilesOrPciBusFolderMakeABridge) {
    const Topology t = importSysfs(root_.string());
    const DeviceId withFiles = idOf(t, "0000:00:01.0");
    EXPECT_TRUE(t.isBridge(withFiles));
    EXPECT_EQ(t.secondaryBus(withFiles), 1u);
    EXPECT_EQ(t.subordinateBus(withFiles), 2u);
    const DeviceId withFolderOnly = idOf(t, "0000:01:00.0");
    EXPECT_TRUE(t.isBridge(withFolderOnly));
    EXPECT_EQ(t.secondaryBus(withFolderOnly), 2u);
    EXPECT_EQ(t.subordinateBus(withFolderOnly), 2u);
    EXPECT_FALSE(t.isBridge(idOf(t, "0000:02:00.0")));
    EXPECT_FALSE(t.isBridge(idOf(t, "0000:00:02.0")));
}

TEST_F(FakeSysfs, PhysfnLinkMarksAVf) {
    const Topology t = importSysfs(root_.string());
    EXPECT_TRUE(t.isVf(idOf(t, "0000:02:00.1")));
    EXPECT_FALSE(t.isVf(idOf(t, "0000:02:00.0")));
}

TEST_F(FakeSysfs, LabelIsVendorColonDevice) {
    const Topology t = importSysfs(root_.string());
    EXPECT_EQ(t.label(idOf(t, "0000:00:01.0")), "8086:1234");
    EXPECT_EQ(t.label(idOf(t, "0000:00:02.0")), ""); // no vendor/device files
}

TEST_F(FakeSysfs, MissingFolderIsAnInputErrorNamingThePath) {
    const std::string missing = (root_ / "nowhere").string();
    try {
        importSysfs(missing);
        FAIL() << "no InputError";
    } catch (const InputError &e) {
        EXPECT_TRUE(startsWith(e.what(), missing)) << e.what();
    }
}

TEST_F(FakeSysfs, AFolderWithoutDevicesIsNoTopology) {
    const fs::path empty = root_ / "empty";
    fs::create_directories(empty / "bus" / "pci" / "devices");
    try {
        importSysfs(empty.string());
        FAIL() << "no InputError";
    } catch (const InputError &e) {
        EXPECT_EQ(std::string(e.what()),
                  (empty / "bus" / "pci" / "devices").string() + ": no PCI device in the folder");
    }
}

TEST_F(FakeSysfs, AnAttributeThatIsAFifoOrADeviceIsRefused) {
    const fs::path attr = root_ / "devices" / "pci0000:00" / "0000:00:02.0" / "vendor";
    ASSERT_EQ(mkfifo(attr.c_str(), 0600), 0); // opened, it would block the import forever
    const std::string tail = ": not a regular file: a sysfs attribute is one";
    std::string what = importError();
    EXPECT_TRUE(startsWith(what, root_.string())) << what;
    EXPECT_NE(what.find("/0000:00:02.0/vendor" + tail), std::string::npos) << what;
    fs::remove(attr);
    const fs::path bus =
        root_ / "devices" / "pci0000:00" / "0000:00:01.0" / "subordinate_bus_number";
    fs::remove(bus);
    fs::create_symlink("/dev/zero", bus); // read, it would never end
    what = importError();
    EXPECT_NE(what.find("/0000:00:01.0/subordinate_bus_number" + tail), std::string::npos) << what;
}

TEST_F(FakeSysfs, LinkNotEndingInItsOwnBdfIsAnInputError) {
    link("0000:00:03.0", "0000:00:02.0");
    const std::string what = importError();
    EXPECT_TRUE(
        startsWith(what, (root_ / "bus" / "pci" / "devices" / "0000:00:03.0").string() + ": "))
        << what;
}

TEST_F(FakeSysfs, EntryThatIsNotABdfIsAnInputError) {
    link("junk", "0000:00:02.0");
    const std::string what = importError();
    EXPECT_TRUE(startsWith(what, (root_ / "bus" / "pci" / "devices" / "junk").string() + ": "))
        << what;
}

TEST_F(FakeSysfs, BadBusNumberFileIsAnInputErrorNamingTheFile) {
    write(root_ / "devices" / "pci0000:00" / "0000:00:01.0" / "secondary_bus_number", "0x1\n");
    const std::string what = importError();
    EXPECT_NE(what.find("secondary_bus_number: "), std::string::npos) << what;
}

TEST_F(FakeSysfs, FolderNestingThatContradictsTheBusNumbersIsAnInputError) {
    // 0000:01:00.5 sits on bus 01 (forwarded by 00:01.0) but its folder is under 00:02.0.
    fs::create_directories(root_ / "devices" / "pci0000:00" / "0000:00:02.0" / "0000:01:00.5");
    link("0000:01:00.5", "0000:00:02.0/0000:01:00.5");
    const std::string what = importError();
    EXPECT_TRUE(
        startsWith(what, (root_ / "bus" / "pci" / "devices" / "0000:01:00.5").string() + ": "))
        << what;
}

TEST(SysfsImporter, ThisMachinesSysImportsEveryDevice) {
    const fs::path devices = "/sys/bus/pci/devices";
    std::error_code ec;
    if (!fs::is_directory(devices, ec) || fs::is_empty(devices, ec))
        GTEST_SKIP() << "no PCI devices in /sys on this machine";
    std::size_t entries = 0;
    for (auto it = fs::directory_iterator(devices, ec); it != fs::directory_iterator(); ++it)
        ++entries;
    const Topology t = importSysfs("/sys");
    EXPECT_EQ(t.size(), entries);
    const std::vector<RootBus> rootBuses = t.rootBuses();
    for (DeviceId id = 0; id < t.size(); ++id) {
        const DeviceId top = t.upstreamPath(id).back();
        EXPECT_FALSE(t.parent(top));
        const RootBus bus{t.bdf(top).domain, t.bdf(top).bus};
        EXPECT_NE(std::find(rootBuses.begin(), rootBuses.end(), bus), rootBuses.end())
            << t.bdf(id).toString();
    }
}
