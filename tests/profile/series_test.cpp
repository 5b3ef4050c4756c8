#include "emscore/profile/series.hpp"

#include <gtest/gtest.h>

namespace emscore::profile {
namespace {

TEST(Series, KindFollowsValueGroupD) {
  EXPECT_EQ(kind_of(obis::ObisCode(1, 0, 1, 8, 0)), SeriesKind::kCounter);
  EXPECT_EQ(kind_of(obis::ObisCode(1, 0, 1, 7, 0)), SeriesKind::kInstantaneous);
  EXPECT_EQ(kind_of(obis::ObisCode(1, 0, 1, 29, 0)), SeriesKind::kInterval);
  EXPECT_EQ(kind_of(obis::ObisCode(0, 1, 24, 2, 1)), SeriesKind::kCounter);
  EXPECT_EQ(kind_of(obis::ObisCode(0, 0, 96, 8, 0)), SeriesKind::kInstantaneous);
}

TEST(Series, SamplesOfReadingsKeepValueAndQuality) {
  const absl::Time t = absl::FromUnixSeconds(1712840400);
  std::vector<Reading> rs = {
      {DeviceRef{1}, obis::ObisCode(1, 0, 1, 8, 0), Value(150, -2, Unit::kKiloWattHour), t,
       Quality::kMeasured},
      {DeviceRef{1}, obis::ObisCode(1, 0, 1, 8, 0), Value(151, -2, Unit::kKiloWattHour),
       t + absl::Minutes(15), Quality::kSubstituted}};
  auto s = samples_of(rs);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_TRUE(s[0].value.identical(Value(150, -2, Unit::kKiloWattHour)));
  EXPECT_EQ(s[1].quality, Quality::kSubstituted);
  EXPECT_TRUE(check_series(s).ok());
  // Identity of samples is exact: 1.50 and 1.5 are different representations.
  Sample a{t, Value(150, -2)}, b{t, Value(15, -1)};
  EXPECT_FALSE(a == b);
}

}  // namespace
}  // namespace emscore::profile
