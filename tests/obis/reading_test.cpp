#include "emscore/obis/reading.hpp"

#include <gtest/gtest.h>

namespace emscore {
namespace {

using namespace emscore::obis::literals;

TEST(Reading, CarriesAnExactValue) {
  const Reading r{DeviceRef{9}, "1-0:1.8.1"_obis, Value(18047, -2, Unit::kKiloWattHour),
                  absl::FromUnixSeconds(1712840425), Quality::kMeasured};
  EXPECT_EQ(r.device, DeviceRef{9});
  EXPECT_EQ(r.quantity.to_string(), "1-0:1.8.1");
  EXPECT_EQ(r.value.to_string_with_unit(), "180.47 kWh");
  EXPECT_EQ(quality_name(r.quality), "measured");
  EXPECT_EQ(quality_name(Quality::kQuestionable), "questionable");
  EXPECT_LT(DeviceRef{1}, DeviceRef{2});
}

}  // namespace
}  // namespace emscore
