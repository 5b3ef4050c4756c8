#include "emscore/mapping/layout_model.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>

#include "emscore/modbus/register_value.hpp"
#include "emscore/modbus/request_handler.hpp"

namespace emscore::mapping {
namespace {

using namespace emscore::obis::literals;
using modbus::ExceptionCode;

IndexedReading at_index(std::uint32_t n, obis::ObisCode code, Value v, std::int64_t t = 0,
                        Quality q = Quality::kMeasured) {
  return IndexedReading{n, Reading{DeviceRef{1}, code, v, absl::FromUnixSeconds(t), q}};
}

std::vector<std::uint16_t> read(LayoutModel& m, std::uint8_t unit, std::uint32_t reg_number,
                                std::size_t count, bool input = false) {
  std::vector<std::uint16_t> out(count, 0xDEAD);
  const auto addr = static_cast<std::uint16_t>(reg_number - 1);  // numbers start at 1
  const ExceptionCode e = input ? m.read_input_registers(unit, addr, out)
                                : m.read_holding_registers(unit, addr, out);
  EXPECT_EQ(e, ExceptionCode::kNone);
  return out;
}

float as_float(std::span<const std::uint16_t> r) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(r[0]) << 16 | r[1]);
}
std::int64_t as_int64(std::span<const std::uint16_t> r) {
  std::uint64_t u = 0;
  for (int i = 0; i < 4; ++i) u = u << 16 | r[i];
  return static_cast<std::int64_t>(u);
}
bool no_value(std::span<const std::uint16_t> slot) {
  return std::isnan(as_float(slot.subspan(0, 2))) && as_int64(slot.subspan(2, 4)) == INT64_MIN;
}

// The seed's example: EMU Professional II, unit id 9, register 3 = 1-0:1.8.1 = 180.47 kWh.
TEST(LayoutModel, SeedExampleInBothViews) {
  LayoutModel m;
  const IndexedReading r = at_index(3, "1-0:1.8.1"_obis, Value(18047, -2, Unit::kKiloWattHour));
  m.set_unit(9, std::span(&r, 1));
  EXPECT_TRUE(m.serves_unit(9));
  EXPECT_FALSE(m.serves_unit(8));
  for (std::uint32_t reg : {1030u, 12090u}) {
    SCOPED_TRACE(reg);
    const auto v = read(m, 9, reg, 6);
    EXPECT_EQ(as_float(std::span(v).subspan(0, 2)), 180.47f);
    EXPECT_EQ(as_int64(std::span(v).subspan(2, 4)), 180470);  // thousandths: Wh
    // Same bits as the modbus codec's float32 ABCD.
    std::array<std::uint16_t, 2> expect{};
    ASSERT_TRUE(modbus::encode_value({modbus::ValueType::kF32, 180.47}, modbus::WordOrder::kABCD, expect).ok());
    EXPECT_EQ(v[0], expect[0]);
    EXPECT_EQ(v[1], expect[1]);
  }
}

TEST(LayoutModel, InputRegistersServeTheSameImage) {
  LayoutModel m;
  const IndexedReading r = at_index(0, "1-0:32.7.0"_obis, Value(2301, -1, Unit::kVolt));
  m.set_unit(1, std::span(&r, 1));
  EXPECT_EQ(read(m, 1, 2470, 6, true), read(m, 1, 2470, 6, false));
  EXPECT_EQ(read(m, 1, 12000, 6, true), read(m, 1, 12000, 6, false));
  EXPECT_EQ(as_float(read(m, 1, 2470, 2, true)), 230.1f);
}

TEST(LayoutModel, NothingIsWritableAndBitTablesAreAbsent) {
  LayoutModel m;
  m.set_unit(1, {});
  const std::uint16_t v[1] = {1};
  EXPECT_EQ(m.write_registers(1, 1029, v), ExceptionCode::kIllegalFunction);
  bool bits[1];
  EXPECT_EQ(m.read_coils(1, 0, bits), ExceptionCode::kIllegalFunction);
  EXPECT_EQ(m.read_discrete_inputs(1, 0, bits), ExceptionCode::kIllegalFunction);
}

TEST(LayoutModel, UnpopulatedRegistersOfAServedUnit) {
  LayoutModel m;
  const IndexedReading r = at_index(2, "1-0:1.8.1"_obis, Value(5, 0, Unit::kKiloWattHour));
  m.set_unit(4, std::span(&r, 1));
  // An OBIS slot without a reading: NaN and the int64 minimum.
  EXPECT_TRUE(no_value(read(m, 4, 1000, 6)));
  // Registers between slots, below the table, between the views: zero.
  EXPECT_EQ(read(m, 4, 1006, 24), std::vector<std::uint16_t>(24, 0));
  EXPECT_EQ(read(m, 4, 1, 125), std::vector<std::uint16_t>(125, 0));
  EXPECT_EQ(read(m, 4, 5000, 125), std::vector<std::uint16_t>(125, 0));
  // Index slots below, inside and far beyond the stored image.
  EXPECT_TRUE(no_value(read(m, 4, 12000, 6)));
  EXPECT_TRUE(no_value(read(m, 4, 12030, 6)));
  EXPECT_FALSE(no_value(read(m, 4, 12060, 6)));
  EXPECT_TRUE(no_value(read(m, 4, 12090, 6)));
  EXPECT_TRUE(no_value(read(m, 4, 15000, 6)));
  EXPECT_TRUE(no_value(read(m, 4, 65520, 6)));  // index 1784, the last one
  EXPECT_EQ(read(m, 4, 65526, 11), std::vector<std::uint16_t>(11, 0));
  // One read across the end of the stored image equals the slot-by-slot view.
  const std::size_t stored = m.image_size(4);
  ASSERT_EQ(stored, 12059u + 6u);  // PDU 12059 is the float32 of index 2
  const auto across = read(m, 4, 12001, 125);
  for (std::size_t i = 0; i < across.size(); ++i) {
    EXPECT_EQ(across[i], read(m, 4, static_cast<std::uint32_t>(12001 + i), 1)[0]) << i;
  }
}

TEST(LayoutModel, UnitsNotSetAreNotServed) {
  LayoutModel m;
  std::uint16_t out[2];
  EXPECT_FALSE(m.serves_unit(1));
  EXPECT_EQ(m.read_holding_registers(1, 1029, out), ExceptionCode::kGatewayPathUnavailable);
  m.set_unit(1, {});
  EXPECT_TRUE(m.serves_unit(1));
  EXPECT_TRUE(no_value(read(m, 1, 1030, 6)));
  m.clear_unit(1);
  EXPECT_FALSE(m.serves_unit(1));
  EXPECT_EQ(m.image_size(1), 0u);

  // Through the server's request handler: exception 0x0A for a unit not served (TCP).
  modbus::RequestHandler h(m, modbus::RequestHandler::Options{.answer_unknown_unit = true});
  const std::uint8_t pdu[] = {0x03, 0x04, 0x05, 0x00, 0x02};
  std::vector<std::uint8_t> resp(modbus::kMaxPduSize);
  ASSERT_EQ(h.handle(7, pdu, resp), 2u);
  EXPECT_EQ(resp[0], 0x83);
  EXPECT_EQ(resp[1], 0x0A);
}

TEST(LayoutModel, SetUnitReplacesTheImage) {
  LayoutModel m;
  const IndexedReading a[] = {at_index(0, "1-0:1.8.0"_obis, Value(1, 0, Unit::kKiloWattHour)),
                              at_index(40, "1-0:2.8.0"_obis, Value(2, 0, Unit::kKiloWattHour))};
  m.set_unit(2, a);
  EXPECT_EQ(as_float(read(m, 2, 1000, 2)), 1.0f);
  EXPECT_EQ(as_float(read(m, 2, 12000 + 30 * 40, 2)), 2.0f);
  const IndexedReading b = at_index(1, "1-0:1.8.1"_obis, Value(3, 0, Unit::kKiloWattHour));
  m.set_unit(2, std::span(&b, 1));
  EXPECT_TRUE(no_value(read(m, 2, 1000, 6)));
  EXPECT_TRUE(no_value(read(m, 2, 12000, 6)));
  EXPECT_TRUE(no_value(read(m, 2, 12000 + 30 * 40, 6)));
  EXPECT_EQ(as_float(read(m, 2, 1030, 2)), 3.0f);
  EXPECT_EQ(as_float(read(m, 2, 12030, 2)), 3.0f);
  // Units are independent.
  m.set_unit(3, a);
  EXPECT_EQ(as_float(read(m, 3, 1000, 2)), 1.0f);
  EXPECT_TRUE(no_value(read(m, 2, 1000, 6)));
}

TEST(LayoutModel, CodeUnderTwoMediaIsServedAtBothSlots) {
  LayoutModel m;
  const IndexedReading r[] = {at_index(0, "5-0:1.0.0"_obis, Value(12345, -3, Unit::kMegaWattHour)),
                              at_index(1, "5-0:2.0.0"_obis, Value(77, -1, Unit::kCubicMetre))};
  m.set_unit(5, r);
  for (std::uint32_t reg : {3680u, 4000u}) EXPECT_EQ(as_float(read(m, 5, reg, 2)), 12.345f) << reg;
  for (std::uint32_t reg : {3710u, 4030u}) EXPECT_EQ(as_float(read(m, 5, reg, 2)), 7.7f) << reg;
  EXPECT_EQ(as_int64(read(m, 5, 4002, 4)), 12345);
}

TEST(LayoutModel, NewestReadingWinsAndInvalidServesNoValue) {
  LayoutModel m;
  const IndexedReading r[] = {
      at_index(0, "1-0:1.8.0"_obis, Value(20, 0, Unit::kKiloWattHour), 200),
      at_index(1, "1-0:1.8.0"_obis, Value(10, 0, Unit::kKiloWattHour), 100),  // older
      at_index(2, "1-0:2.8.0"_obis, Value(1, 0, Unit::kKiloWattHour), 100),
      at_index(3, "1-0:2.8.0"_obis, Value(2, 0, Unit::kKiloWattHour), 100),   // same time, later
      at_index(4, "1-0:3.8.0"_obis, Value(9, 0, Unit::kKiloWattHour), 100, Quality::kInvalid),
      at_index(5, "1-0:4.8.0"_obis, Value(9, 0, Unit::kKiloWattHour), 100, Quality::kQuestionable),
  };
  m.set_unit(1, r);
  EXPECT_EQ(as_float(read(m, 1, 1000, 2)), 20.0f);
  EXPECT_EQ(as_float(read(m, 1, 1150, 2)), 2.0f);
  EXPECT_TRUE(no_value(read(m, 1, 1300, 6)));
  EXPECT_TRUE(no_value(read(m, 1, 12120, 6)));
  EXPECT_EQ(as_float(read(m, 1, 1450, 2)), 9.0f);
  // The index view keeps every index.
  EXPECT_EQ(as_float(read(m, 1, 12030, 2)), 10.0f);
}

TEST(LayoutModel, IndexBeyondTheLayoutIsServedByObisOnly) {
  LayoutModel m;
  const IndexedReading r = at_index(1785, "1-0:14.7.0"_obis, Value(4998, -2, Unit::kHertz));
  m.set_unit(1, std::span(&r, 1));
  EXPECT_EQ(as_float(read(m, 1, 2650, 2)), 49.98f);
  EXPECT_EQ(m.image_size(1), 4185u);  // the OBIS region only
}

TEST(LayoutModel, Uint64ViewRoundsSignsAndOverflows) {
  std::array<std::uint16_t, 6> s{};
  auto milli = [&](Value v) {
    encode_layout_slot(&v, s);
    return as_int64(std::span(s).subspan(2, 4));
  };
  EXPECT_EQ(milli(Value(180470, -3)), 180470);
  EXPECT_EQ(milli(Value(5, -4)), 1);       // 0.0005 -> 0.001, half away from zero
  EXPECT_EQ(milli(Value(-5, -4)), -1);
  EXPECT_EQ(milli(Value(4, -4)), 0);
  EXPECT_EQ(milli(Value(-15, -1, Unit::kKiloWatt)), -1500);
  EXPECT_EQ(s[2], 0xFFFF);  // two's complement
  EXPECT_EQ(milli(Value(7, 2)), 700000);
  // 1e17 does not fit in thousandths: marker, but the float32 is served.
  Value big(1, 17);
  encode_layout_slot(&big, s);
  EXPECT_EQ(as_int64(std::span(s).subspan(2, 4)), INT64_MIN);
  EXPECT_EQ(as_float(std::span(s).subspan(0, 2)), 1e17f);
  // Beyond float32: NaN there.
  Value huge(1, 40);
  encode_layout_slot(&huge, s);
  EXPECT_TRUE(no_value(s));
}

}  // namespace
}  // namespace emscore::mapping
