#include "emscore/dsmr/emitter.hpp"

#include <gtest/gtest.h>

#include "emscore/core/time.hpp"
#include "emscore/dsmr/framer.hpp"
#include "emscore/dsmr/telegram.hpp"

namespace emscore::dsmr {
namespace {

using namespace emscore::obis::literals;

TEST(Emitter, FormatsValuesTheDsmrWay) {
  EXPECT_EQ(TelegramWriter::format_value(Value(4426, -3, Unit::kKiloWattHour)), "000004.426*kWh");
  EXPECT_EQ(TelegramWriter::format_value(Value(244, -3, Unit::kKiloWatt)), "00.244*kW");
  EXPECT_EQ(TelegramWriter::format_value(Value(2300, -1, Unit::kVolt)), "230.0*V");
  EXPECT_EQ(TelegramWriter::format_value(Value(1, 0, Unit::kAmpere)), "001*A");
  EXPECT_EQ(TelegramWriter::format_value(Value(107, -3, Unit::kCubicMetre)), "00000.107*m3");
  EXPECT_EQ(TelegramWriter::format_value(Value(-5, -1, Unit::kKiloWatt)), "-00.5*kW");
  EXPECT_EQ(TelegramWriter::format_value(Value(13, 0)), "13");
}

TEST(Emitter, WritesTheNdokterV5TelegramByteForByte) {
  // The first lines of ndokter's telegram_v5, rebuilt with the writer: same bytes, same CRC.
  auto t = parse_iso8601("2017-01-02T18:20:02Z");
  auto gas_at = parse_iso8601("2017-01-02T15:10:05Z");
  ASSERT_TRUE(t.ok() && gas_at.ok());
  TelegramWriter w("ISk5\\2MT382-1000");
  w.text("1-3:0.2.8"_obis, "50")
      .timestamp("0-0:1.0.0"_obis, *t)
      .hex_text("0-0:96.1.1"_obis, "K8EG004046395507")
      .number("1-0:1.8.1"_obis, Value(4426, -3, Unit::kKiloWattHour))
      .text("0-0:96.14.0"_obis, "0002");
  const std::string_view log[] = {"0", "0-0:96.7.19"};
  w.line("1-0:99.97.0"_obis, log).text("0-0:96.13.0"_obis, "");
  w.timestamped_number("0-1:24.2.1"_obis, *gas_at, Value(107, -3, Unit::kCubicMetre));
  const std::string s = w.finish();
  EXPECT_EQ(s,
            "/ISk5\\2MT382-1000\r\n\r\n1-3:0.2.8(50)\r\n0-0:1.0.0(170102192002W)\r\n"
            "0-0:96.1.1(4B384547303034303436333935353037)\r\n1-0:1.8.1(000004.426*kWh)\r\n"
            "0-0:96.14.0(0002)\r\n1-0:99.97.0(0)(0-0:96.7.19)\r\n0-0:96.13.0()\r\n"
            "0-1:24.2.1(170102161005W)(00000.107*m3)\r\n!" +
                s.substr(s.size() - 6));
  // The CRC the writer put there is the one the framer checks.
  TelegramFramer f;
  int ok = 0;
  f.feed(s, [&](const FrameEvent& e) { ok += e.crc == CrcStatus::kOk; });
  EXPECT_EQ(ok, 1);
  // Without CRC: DSMR 2.2/3.0 form.
  EXPECT_TRUE(w.finish(false).ends_with(")\r\n!\r\n"));
}

TEST(Emitter, ReadingsRoundTripThroughTheParser) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  const Reading readings[] = {
      {DeviceRef{1}, "1-0:1.8.1"_obis, Value(123456789, -3, Unit::kKiloWattHour), now},
      {DeviceRef{1}, "1-0:1.7.0"_obis, Value(1234, -3, Unit::kKiloWatt), now},
      {DeviceRef{1}, "1-0:32.7.0"_obis, Value(2291, -1, Unit::kVolt), now},
      {DeviceRef{2}, "0-1:24.2.1"_obis, Value(1091352, -3, Unit::kCubicMetre),
       now - absl::Minutes(5)},
  };
  const std::string s = emit_telegram("EMS5emscore", readings, now);
  TelegramParser p;
  auto t = p.parse(s);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->crc, CrcStatus::kOk);
  EXPECT_TRUE(t->issues.empty());
  EXPECT_EQ(t->dialect.variant, Variant::kDsmr5);
  EXPECT_EQ(*t->timestamp("0-0:1.0.0"_obis), now);
  for (const Reading& r : readings) {
    ASSERT_TRUE(t->number(r.quantity).has_value()) << r.quantity.to_string();
    EXPECT_TRUE(t->number(r.quantity)->identical(r.value)) << r.quantity.to_string();
  }
  EXPECT_EQ(*t->timestamp("0-1:24.2.1"_obis), now - absl::Minutes(5));
  // Legacy form without CRC.
  auto legacy = p.parse(emit_telegram("EMS5emscore", readings, now, false));
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->crc, CrcStatus::kAbsent);
}

}  // namespace
}  // namespace emscore::dsmr
