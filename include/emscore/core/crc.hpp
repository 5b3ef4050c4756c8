// emscore/core/crc.hpp — the checksums of the meter protocols, table-driven and constexpr.
//
//   CRC-16/MODBUS  poly 0x8005 reflected (0xA001), init 0xFFFF, no final xor; check 0x4B37.
//                  Modbus RTU sends it low byte first.
//   CRC-16/ARC     poly 0x8005 reflected (0xA001), init 0x0000, no final xor; check 0xBB3D.
//                  DSMR P1 (since DSMR 4) over '/'..'!' inclusive, sent as 4 upper-case hex digits.
//   M-Bus sum      EN 13757-2: arithmetic sum modulo 256 of the C, A, CI and data bytes.
// "check" is the catalogue value of the CRC over the ASCII string "123456789".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace emscore {

namespace detail {
constexpr std::array<std::uint16_t, 256> make_crc16_reflected_table(std::uint16_t poly_reflected) {
  std::array<std::uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    std::uint16_t c = static_cast<std::uint16_t>(i);
    for (int k = 0; k < 8; ++k) {
      c = (c & 1u) ? static_cast<std::uint16_t>((c >> 1) ^ poly_reflected)
                   : static_cast<std::uint16_t>(c >> 1);
    }
    t[i] = c;
  }
  return t;
}
inline constexpr auto kCrc16A001Table = make_crc16_reflected_table(0xA001);
}  // namespace detail

// Incremental reflected CRC-16 with polynomial 0x8005; Init selects the variant.
template <std::uint16_t Init>
class Crc16A001 {
 public:
  constexpr Crc16A001() = default;
  constexpr void update(std::uint8_t b) noexcept {
    crc_ = static_cast<std::uint16_t>((crc_ >> 8) ^ detail::kCrc16A001Table[(crc_ ^ b) & 0xFFu]);
  }
  constexpr void update(std::span<const std::uint8_t> data) noexcept {
    std::uint16_t c = crc_;
    for (std::uint8_t b : data) {
      c = static_cast<std::uint16_t>((c >> 8) ^ detail::kCrc16A001Table[(c ^ b) & 0xFFu]);
    }
    crc_ = c;
  }
  constexpr void update(std::string_view text) noexcept {
    for (char ch : text) update(static_cast<std::uint8_t>(ch));
  }
  constexpr std::uint16_t value() const noexcept { return crc_; }
  constexpr void reset() noexcept { crc_ = Init; }

 private:
  std::uint16_t crc_ = Init;
};

using Crc16Modbus = Crc16A001<0xFFFF>;
using Crc16Arc = Crc16A001<0x0000>;

constexpr std::uint16_t crc16_modbus(std::span<const std::uint8_t> data) noexcept {
  Crc16Modbus c;
  c.update(data);
  return c.value();
}
constexpr std::uint16_t crc16_arc(std::span<const std::uint8_t> data) noexcept {
  Crc16Arc c;
  c.update(data);
  return c.value();
}
constexpr std::uint16_t crc16_arc(std::string_view text) noexcept {
  Crc16Arc c;
  c.update(text);
  return c.value();
}

// EN 13757-2 frame checksum: sum of the bytes modulo 256.
constexpr std::uint8_t mbus_checksum(std::span<const std::uint8_t> data) noexcept {
  unsigned sum = 0;
  for (std::uint8_t b : data) sum += b;
  return static_cast<std::uint8_t>(sum & 0xFFu);
}

}  // namespace emscore
