#include "emscore/dsmr/readings.hpp"

#include <gtest/gtest.h>

#include <string>

#include "emscore/core/time.hpp"
#include "../support/vectors.hpp"

namespace emscore::dsmr {
namespace {

using namespace emscore::obis::literals;

std::string read_file(const std::string& rel) { return testing::read_vector("dsmr/" + rel); }

const Reading* find(const std::vector<Reading>& rs, const obis::ObisCode& c) {
  for (const Reading& r : rs) {
    if (r.quantity == c) return &r;
  }
  return nullptr;
}

const absl::Time kReceived = absl::FromUnixSeconds(1'700'000'000);

// The readings of a vector telegram for `device`, received at kReceived (the parse must pass).
void vector_readings(const std::string& rel, DeviceRef device, std::vector<Reading>* out) {
  const std::string text = read_file(rel);  // the telegram borrows from it
  TelegramParser p;
  auto t = p.parse(text);
  ASSERT_TRUE(t.ok()) << rel << ": " << t.status();
  *out = readings_of(*t, device, kReceived);
}

TEST(Readings, Dsmr5AtTheTelegramsTimeAndGasAtItsCaptureTime) {
  std::vector<Reading> rs;
  ASSERT_NO_FATAL_FAILURE(vector_readings("ndokter_dsmr_parser/telegram_v5.txt", DeviceRef{7}, &rs));
  const Reading* import1 = find(rs, "1-0:1.8.1"_obis);
  ASSERT_NE(import1, nullptr);
  EXPECT_EQ(import1->device, DeviceRef{7});
  EXPECT_TRUE(import1->value.identical(Value(4426, -3, Unit::kKiloWattHour)));
  // 0-0:1.0.0(170102192002W): 19:20:02 CET.
  EXPECT_EQ(format_iso8601_utc(import1->at), "2017-01-02T18:20:02Z");
  EXPECT_EQ(import1->quality, Quality::kMeasured);
  const Reading* voltage = find(rs, "1-0:72.7.0"_obis);
  ASSERT_NE(voltage, nullptr);
  EXPECT_TRUE(voltage->value.identical(Value(2290, -1, Unit::kVolt)));
  // 0-1:24.2.1(170102161005W)(00000.107*m3): the gas value at its own capture time.
  const Reading* gas = find(rs, "0-1:24.2.1"_obis);
  ASSERT_NE(gas, nullptr);
  EXPECT_TRUE(gas->value.identical(Value(107, -3, Unit::kCubicMetre)));
  EXPECT_EQ(format_iso8601_utc(gas->at), "2017-01-02T15:10:05Z");
  // Identifiers and the empty text message are not quantities.
  EXPECT_EQ(find(rs, "0-0:96.1.1"_obis), nullptr);
  EXPECT_EQ(find(rs, "0-1:96.1.0"_obis), nullptr);
  EXPECT_EQ(find(rs, "0-0:96.13.0"_obis), nullptr);
  // The time object itself carries no number.
  EXPECT_EQ(find(rs, "0-0:1.0.0"_obis), nullptr);
  // One Reading per numeric object, never two for one code.
  for (std::size_t i = 0; i < rs.size(); ++i) {
    for (std::size_t j = i + 1; j < rs.size(); ++j) EXPECT_NE(rs[i].quantity, rs[j].quantity);
  }
}

TEST(Readings, Dsmr22HasNoTimeSoTheReceiveTimeIsUsedAndAllDigitIdsAreSkipped) {
  std::vector<Reading> rs;
  ASSERT_NO_FATAL_FAILURE(vector_readings("ndokter_dsmr_parser/telegram_v2_2.txt", DeviceRef{1}, &rs));
  ASSERT_FALSE(rs.empty());
  for (const Reading& r : rs) EXPECT_EQ(r.at, kReceived) << r.quantity.to_string();
  const Reading* import1 = find(rs, "1-0:1.8.1"_obis);
  ASSERT_NE(import1, nullptr);
  EXPECT_TRUE(import1->value.identical(Value(1001, -3, Unit::kKiloWattHour)));
  // 0-0:96.1.1(00000000000000) looks like a number; it is the equipment id.
  EXPECT_EQ(find(rs, "0-0:96.1.1"_obis), nullptr);
}

}  // namespace
}  // namespace emscore::dsmr
