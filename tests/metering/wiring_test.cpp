#include "emscore/metering/wiring.hpp"

#include <gtest/gtest.h>

namespace emscore::metering {
namespace {

TEST(Wiring, ChannelCounts) {
  EXPECT_EQ(channel_count(Wiring::k1P2W, false), 2);
  EXPECT_EQ(channel_count(Wiring::k1P2W, true), 2);  // no measured neutral in 1P2W
  EXPECT_EQ(channel_count(Wiring::k2P3W, true), 5);
  EXPECT_EQ(channel_count(Wiring::k3P4W, false), 6);
  EXPECT_EQ(channel_count(Wiring::k3P4W, true), 7);
  EXPECT_EQ(channel_count(Wiring::k3P3W, true), 5);
  EXPECT_EQ(channel_count(Wiring::k3P3WAron, false), 4);
  EXPECT_EQ(channel_count(Wiring::kWildLegDelta, true), 7);
  for (const WiringInfo& i : kWiringTable) EXPECT_EQ(&wiring_info(i.wiring), &i);
}

TEST(Wiring, Parse) {
  EXPECT_EQ(parse_wiring("3p4w"), Wiring::k3P4W);
  EXPECT_EQ(parse_wiring("3P3W-ARON"), Wiring::k3P3WAron);
  EXPECT_EQ(parse_wiring("aron"), Wiring::k3P3WAron);
  EXPECT_EQ(parse_wiring("wild-leg"), Wiring::kWildLegDelta);
  EXPECT_EQ(parse_wiring("1P2W"), Wiring::k1P2W);
  EXPECT_EQ(parse_wiring("2p3w"), Wiring::k2P3W);
  EXPECT_FALSE(parse_wiring("4P5W").has_value());
  EXPECT_FALSE(parse_wiring("").has_value());
}

}  // namespace
}  // namespace emscore::metering
