#include "emscore/mapping/datalogger_layout.hpp"

#include <gtest/gtest.h>

#include <set>

namespace emscore::mapping {
namespace {

using namespace emscore::obis::literals;

TEST(DataloggerLayout, IndexView) {
  EXPECT_EQ(index_float_register(0), 12000);
  EXPECT_EQ(index_uint64_register(0), 12002);
  EXPECT_EQ(index_float_register(1), 12030);
  EXPECT_EQ(index_float_register(3), 12090);  // the manual's example: register 3 -> 12090
  EXPECT_EQ(index_float_register(100), 15000);
  EXPECT_EQ(index_uint64_register(100), 15002);
  EXPECT_EQ(index_float_register(1784), 65520);
  EXPECT_EQ(index_uint64_register(1784), 65522);  // + 4 registers = 65525 < 65536
  EXPECT_EQ(index_float_register(1785), std::nullopt);
}

TEST(DataloggerLayout, ObisViewAsPrinted) {
  auto s = slots_for("1-0:1.8.1"_obis);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].float_register, 1030);  // the manual's example
  EXPECT_EQ(s[0].uint64_register(), 1032);
  EXPECT_EQ(slots_for("1-0:1.8.0"_obis)[0].float_register, 1000);
  EXPECT_EQ(slots_for("1-0:14.7.0"_obis)[0].float_register, 2650);
  EXPECT_EQ(slots_for("8-0:1.0.0"_obis)[0].float_register, 3000);
  EXPECT_EQ(slots_for("7-0:3.0.6"_obis)[0].float_register, 3240);
  EXPECT_EQ(slots_for("4-0:3.3.0"_obis)[0].float_register, 4180);
  EXPECT_EQ(slots_for("4-0:3.3.0"_obis)[0].uint64_register(), 4182);
  EXPECT_TRUE(slots_for("1-0:99.97.0"_obis).empty());
}

// Decision 1: the shifted rows around 2440 follow the table's stride of 30.
TEST(DataloggerLayout, SlipOneSharedRegisterResolvedByStride) {
  EXPECT_EQ(slots_for("1-0:71.7.0"_obis)[0].float_register, 2440);
  EXPECT_EQ(slots_for("1-0:32.7.0"_obis)[0].float_register, 2470);
  EXPECT_EQ(slots_for("1-0:52.7.0"_obis)[0].float_register, 2500);
  EXPECT_EQ(slots_for("1-0:72.7.0"_obis)[0].float_register, 2530);
  EXPECT_EQ(slots_for("1-0:33.7.0"_obis)[0].float_register, 2560);
}

// Decision 2: 5-0:1.0.0 and 5-0:2.0.0 are served at both of their printed slots.
TEST(DataloggerLayout, SlipTwoCodeUnderTwoMediaServedAtBoth) {
  auto e = slots_for("5-0:1.0.0"_obis);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].float_register, 3680);
  EXPECT_EQ(e[1].float_register, 4000);
  auto v = slots_for("5-0:2.0.0"_obis);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].float_register, 3710);
  EXPECT_EQ(v[1].float_register, 4030);
}

TEST(DataloggerLayout, TableIsConsistent) {
  const auto t = datalogger_obis_table();
  EXPECT_EQ(t.size(), 84u);
  std::set<std::uint16_t> regs;
  for (std::size_t i = 0; i < t.size(); ++i) {
    EXPECT_TRUE(regs.insert(t[i].float_register).second) << t[i].code.to_string();
    EXPECT_GE(t[i].float_register, 1000);
    EXPECT_LE(t[i].uint64_register(), 4182);
    EXPECT_EQ(t[i].float_register % 10, 0) << t[i].code.to_string();
    if (i > 0) {
      EXPECT_GE(t[i].float_register, t[i - 1].float_register + 30) << t[i].code.to_string();
    }
    // Every slot can be found from its code.
    bool found = false;
    for (const auto& s : slots_for(t[i].code)) found = found || s.float_register == t[i].float_register;
    EXPECT_TRUE(found) << t[i].code.to_string();
  }
  // The whole index view lies above the OBIS view.
  EXPECT_LT(t.back().uint64_register() + 4, kIndexBase);
}

}  // namespace
}  // namespace emscore::mapping
