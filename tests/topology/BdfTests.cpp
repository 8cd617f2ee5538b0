#include "topology/Bdf.h"

#include <gtest/gtest.h>

using bridgepath::Bdf;
using bridgepath::busToString;

TEST(Bdf, ParseThenPrintGivesTheSameText) {
    for (const char *text : {"0000:03:00.0", "0000:00:1f.7", "0001:ff:00.1", "ffff:a0:14.3"}) {
        const auto bdf = Bdf::parse(text);
        ASSERT_TRUE(bdf) << text;
        EXPECT_EQ(bdf->toString(), text);
    }
}

TEST(Bdf, ParseReadsEveryField) {
    const auto bdf = Bdf::parse("0001:3a:1c.5");
    ASSERT_TRUE(bdf);
    EXPECT_EQ(bdf->domain, 1u);
    EXPECT_EQ(bdf->bus, 0x3a);
    EXPECT_EQ(bdf->device(), 0x1cu);
    EXPECT_EQ(bdf->function(), 5u);
    EXPECT_EQ(bdf->devfn, 0x1c << 3 | 5);
}

TEST(Bdf, ShortFormMeansDomainZero) {
    const auto bdf = Bdf::parse("03:00.0");
    ASSERT_TRUE(bdf);
    EXPECT_EQ(bdf->domain, 0u);
    EXPECT_EQ(*bdf, Bdf::make(0, 3, 0, 0));
    EXPECT_EQ(bdf->toString(), "0000:03:00.0");
}

TEST(Bdf, UpperCaseHexIsAccepted) {
    EXPECT_EQ(Bdf::parse("0000:AF:1F.7"), Bdf::parse("0000:af:1f.7"));
}

TEST(Bdf, DomainsOfFiveOrMoreDigitsRoundTrip) {
    // VMD puts its devices in domains like 10000.
    const auto bdf = Bdf::parse("10000:00:01.0");
    ASSERT_TRUE(bdf);
    EXPECT_EQ(bdf->domain, 0x10000u);
    EXPECT_EQ(bdf->toString(), "10000:00:01.0");

    const auto widest = Bdf::parse("ffffffff:e0:06.0");
    ASSERT_TRUE(widest);
    EXPECT_EQ(widest->domain, 0xffffffffu);
    EXPECT_EQ(widest->toString(), "ffffffff:e0:06.0");
}

TEST(Bdf, DomainOfNineDigitsIsRejected) {
    EXPECT_FALSE(Bdf::parse("100000000:00:01.0"));
}

TEST(Bdf, DeviceAbove1fIsRejected) {
    EXPECT_TRUE(Bdf::parse("00:1f.0"));
    EXPECT_FALSE(Bdf::parse("00:20.0"));
    EXPECT_FALSE(Bdf::parse("0000:00:ff.0"));
}

TEST(Bdf, FunctionAbove7IsRejected) {
    EXPECT_TRUE(Bdf::parse("00:00.7"));
    EXPECT_FALSE(Bdf::parse("00:00.8"));
    EXPECT_FALSE(Bdf::parse("0000:00:00.f"));
}

TEST(Bdf, JunkIsRejected) {
    for (const char *text : {"", "junk", "0000:0g:00.0", "0000:00:00.0x", " 0000:00:00.0",
                             "0000:00:00.0 ", "0000-00-00.0", "0000:00:00:0", "0x0:00:00.0",
                             "0000:000:00.0", "0000:00:000.0", "0000:00:00.00"})
        EXPECT_FALSE(Bdf::parse(text)) << "'" << text << "'";
}

TEST(Bdf, MissingPartsAreRejected) {
    for (const char *text : {"0000:00:00.", "0000:00:00", "0000:00:.0", "0000::00.0", ":00:00.0",
                             "00:00", "00.0", ":00.0", "00:.0", "0000:00:00:00.0"})
        EXPECT_FALSE(Bdf::parse(text)) << "'" << text << "'";
}

TEST(Bdf, KeyIsDomainThenBusThenDevfn) {
    const Bdf bdf = Bdf::make(0x1234, 0xab, 0x1c, 5);
    EXPECT_EQ(bdf.abiBdf(), 0xab << 8 | (0x1c << 3 | 5));
    EXPECT_EQ(bdf.key(), std::uint64_t{0x1234} << 16 | 0xab << 8 | (0x1c << 3 | 5));
    EXPECT_EQ(Bdf::make(0x10000, 0, 0, 0).key(), std::uint64_t{1} << 32);
}

TEST(Bdf, OrderIsKeyOrder) {
    EXPECT_LT(*Bdf::parse("0000:00:1f.7"), *Bdf::parse("0000:01:00.0"));
    EXPECT_LT(*Bdf::parse("0000:ff:1f.7"), *Bdf::parse("0001:00:00.0"));
    EXPECT_LT(*Bdf::parse("0000:03:00.0"), *Bdf::parse("0000:03:00.1"));
    EXPECT_NE(*Bdf::parse("0000:03:00.0"), *Bdf::parse("0001:03:00.0"));
}

TEST(Bdf, BusPrintsAsDomainColonBus) {
    EXPECT_EQ(busToString(0, 3), "0000:03");
    EXPECT_EQ(busToString(0x10000, 0xe0), "10000:e0");
}
