// emscore/mbus/telegram.hpp — the application layer of a RSP_UD (EN 13757-3:2013 §5-6).
//
// The CI field after C and A says how the user data is structured (EN 13757-3 Table 2):
//   0x72  variable data, long header (12 bytes: identification, manufacturer, version,
//         medium, access number, status, signature), data LSB first
//   0x76  the same, data MSB first ("mode 2")
//   0x7A  variable data, short header (4 bytes: access number, status, signature)
//   0x78  variable data, no header
//   0x73 / 0x77  fixed data structure (EN 1434-3 style; two counters, LSB/MSB first)
//   0x70  application error (one status byte), 0x71 alarm status
//   0x51  SND_UD data from a master: records without a header
// Identification is 8 BCD digits LSB first; the manufacturer is three letters packed in
// 15 bits (EN 13757-3 §5.6: ((c1-64)*32 + c2-64)*32 + c3-64); medium per Table 3.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "emscore/core/value.hpp"
#include "emscore/mbus/frame.hpp"
#include "emscore/mbus/record.hpp"

namespace emscore::mbus {

namespace ci {
inline constexpr std::uint8_t kApplicationReset = 0x50;
inline constexpr std::uint8_t kDataSend = 0x51;          // SND_UD with data records
inline constexpr std::uint8_t kSelectSecondary = 0x52;
inline constexpr std::uint8_t kSyncAction = 0x54;
inline constexpr std::uint8_t kApplicationError = 0x70;
inline constexpr std::uint8_t kAlarmStatus = 0x71;
inline constexpr std::uint8_t kVariableLong = 0x72;
inline constexpr std::uint8_t kFixed = 0x73;
inline constexpr std::uint8_t kVariableLongMsb = 0x76;
inline constexpr std::uint8_t kFixedMsb = 0x77;
inline constexpr std::uint8_t kVariableNone = 0x78;
inline constexpr std::uint8_t kVariableShort = 0x7A;
inline constexpr std::uint8_t kSetBaud300 = 0xB8;        // 0xB8..0xBF: 300..38400 baud
}  // namespace ci

// Manufacturer letters from the 15-bit code ("KAM" from 0x2C2D); '?' for out-of-range letters.
std::array<char, 3> manufacturer_letters(std::uint16_t code) noexcept;
inline std::string manufacturer_string(std::uint16_t code) {
  const auto l = manufacturer_letters(code);
  return std::string(l.data(), 3);
}
// The code for three letters A-Z (case-insensitive); nullopt otherwise.
std::optional<std::uint16_t> manufacturer_code(std::string_view letters) noexcept;

// Medium (device type) name, EN 13757-3 Table 3, e.g. 0x04 "Heat: Outlet", 0x07 "Water".
std::string_view medium_name(std::uint8_t medium) noexcept;

struct FixedHeader {
  std::array<std::uint8_t, 4> id_bytes{};  // as sent (BCD, LSB first)
  std::uint16_t manufacturer = 0;
  std::uint8_t version = 0;
  std::uint8_t medium = 0;
  std::uint8_t access_number = 0;
  std::uint8_t status = 0;
  std::uint16_t signature = 0;
  bool has_address = false;                // long header: id/manufacturer/version/medium

  // The identification as a number when all 8 digits are decimal.
  std::optional<std::uint32_t> id() const noexcept;
  // The 8 digits as sent, most significant first ("06855817"; A-F kept).
  std::string id_string() const;
};

// Fixed data structure (CI 0x73/0x77): two counters with their units.
struct FixedData {
  std::uint8_t medium = 0;       // 4-bit fixed-structure medium code
  std::uint8_t unit1 = 0;        // 6-bit unit codes
  std::uint8_t unit2 = 0;
  bool historic1 = false;        // status bit 6: counter 1 is a historic value
  bool binary = false;           // status bit 7: counters are binary, not BCD
  std::span<const std::uint8_t> counter1;
  std::span<const std::uint8_t> counter2;
};
// A fixed-structure counter as an exact value with its quantity; nullopt for the time/date
// unit codes 0x00/0x01, reserved codes and invalid BCD.
struct FixedCounter {
  Value value;
  std::string_view quantity;
  bool historic = false;
};
std::optional<FixedCounter> fixed_counter(const FixedData& f, int which) noexcept;
std::string_view fixed_medium_name(std::uint8_t code) noexcept;
// The application error of a CI 0x70 telegram (EN 13757-3 Table 20), e.g. 0x08
// "Application busy".
std::string_view application_error_text(std::uint8_t code) noexcept;

enum class HeaderKind : std::uint8_t { kNone, kShort, kLong };

struct Telegram {
  std::uint8_t c = 0;
  std::uint8_t a = 0;
  std::uint8_t ci = 0;
  HeaderKind header_kind = HeaderKind::kNone;
  FixedHeader header;
  Endian order = Endian::kLittle;
  std::span<const std::uint8_t> records;  // variable data records
  std::size_t records_offset = 0;         // offset of `records` in the frame user data
  std::optional<FixedData> fixed;         // CI 0x73/0x77
  std::optional<std::uint8_t> application_error;  // CI 0x70 (first byte, if any)
  std::span<const std::uint8_t> user_data;        // everything after CI

  RecordReader reader() const noexcept {
    return RecordReader(records, records_offset, order);
  }
};

// The application layer of a long frame (any direction); borrows from frame.data.
absl::StatusOr<Telegram> parse_telegram(const Frame& frame);
// The same for a CI field and the bytes after it (e.g. from a wireless or TCP transport).
absl::StatusOr<Telegram> parse_application(std::uint8_t ci, std::span<const std::uint8_t> data);

}  // namespace emscore::mbus
