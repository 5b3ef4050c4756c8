#include "emscore/core/crc.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace emscore {
namespace {

constexpr std::string_view kCheck = "123456789";
std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

// Catalogue check values (CRC RevEng catalogue) — also proven at compile time.
static_assert(crc16_arc(kCheck) == 0xBB3D);

TEST(Crc, CatalogueCheckValues) {
  EXPECT_EQ(crc16_modbus(bytes(kCheck)), 0x4B37);
  EXPECT_EQ(crc16_arc(bytes(kCheck)), 0xBB3D);
  EXPECT_EQ(crc16_arc(kCheck), 0xBB3D);
}

TEST(Crc, ModbusRtuFrame) {
  // Read holding registers, slave 1, address 0, 10 registers: 01 03 00 00 00 0A C5 CD.
  const std::uint8_t frame[] = {0x01, 0x03, 0x00, 0x00, 0x00, 0x0A};
  const auto crc = crc16_modbus(frame);
  EXPECT_EQ(crc & 0xFF, 0xC5);  // sent low byte first
  EXPECT_EQ(crc >> 8, 0xCD);
  // A frame followed by its CRC (low, high) has a CRC of zero.
  const std::uint8_t whole[] = {0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD};
  EXPECT_EQ(crc16_modbus(whole), 0);
}

TEST(Crc, IncrementalEqualsOneShot) {
  const auto b = bytes(kCheck);
  Crc16Arc c;
  c.update(std::span(b).first(4));
  c.update(b[4]);
  c.update(std::span(b).subspan(5));
  EXPECT_EQ(c.value(), 0xBB3D);
  c.reset();
  EXPECT_EQ(c.value(), 0);
  Crc16Modbus m;
  m.update(kCheck);
  EXPECT_EQ(m.value(), 0x4B37);
}

TEST(Crc, EmptyInput) {
  EXPECT_EQ(crc16_modbus({}), 0xFFFF);
  EXPECT_EQ(crc16_arc(std::span<const std::uint8_t>{}), 0);
  EXPECT_EQ(mbus_checksum({}), 0);
}

TEST(Crc, MbusChecksum) {
  // Short frame REQ_UD2 to address 1: 10 5B 01 5C 16, checksum = 0x5B + 0x01.
  const std::uint8_t cf[] = {0x5B, 0x01};
  EXPECT_EQ(mbus_checksum(cf), 0x5C);
  const std::uint8_t wrap[] = {0xFF, 0x02};
  EXPECT_EQ(mbus_checksum(wrap), 0x01);
  EXPECT_EQ(mbus_checksum(bytes(kCheck)), (0x31 + 0x32 + 0x33 + 0x34 + 0x35 + 0x36 + 0x37 + 0x38 + 0x39) & 0xFF);
}

}  // namespace
}  // namespace emscore
