#include "emscore/mbus/request.hpp"

#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/mbus/telegram.hpp"

namespace emscore::mbus {
namespace {

constexpr unsigned kBauds[8] = {300, 600, 1200, 2400, 4800, 9600, 19200, 38400};

std::uint8_t with_fcb(std::uint8_t c, bool fcb) noexcept {
  return static_cast<std::uint8_t>(fcb ? (c | control::kFcb) : c);
}

int hex_value(char ch) noexcept {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return -1;
}

}  // namespace

std::uint8_t SecondaryAddress::nibble(std::size_t i) const noexcept {
  if (i < 8) {  // id digit, most significant first: byte 3 high nibble is digit 0
    const std::uint8_t b = id[3 - i / 2];
    return static_cast<std::uint8_t>(i % 2 == 0 ? b >> 4 : b & 0x0F);
  }
  if (i < 12) {  // manufacturer as a 16-bit value, most significant nibble first
    return static_cast<std::uint8_t>((manufacturer >> (4 * (11 - i))) & 0x0F);
  }
  const std::uint8_t b = i < 14 ? version : medium;
  return static_cast<std::uint8_t>(i % 2 == 0 ? b >> 4 : b & 0x0F);
}

void SecondaryAddress::set_nibble(std::size_t i, std::uint8_t v) noexcept {
  v &= 0x0F;
  if (i < 8) {
    std::uint8_t& b = id[3 - i / 2];
    b = static_cast<std::uint8_t>(i % 2 == 0 ? (b & 0x0F) | (v << 4) : (b & 0xF0) | v);
    return;
  }
  if (i < 12) {
    const unsigned shift = 4 * static_cast<unsigned>(11 - i);
    manufacturer = static_cast<std::uint16_t>((manufacturer & ~(0xFu << shift)) | (unsigned{v} << shift));
    return;
  }
  if (i >= kNibbles) return;
  std::uint8_t& b = i < 14 ? version : medium;
  b = static_cast<std::uint8_t>(i % 2 == 0 ? (b & 0x0F) | (v << 4) : (b & 0xF0) | v);
}

std::string SecondaryAddress::to_string() const {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string s;
  s.reserve(16);
  for (std::size_t i = 0; i < 8; ++i) s.push_back(kHex[nibble(i)]);
  // Manufacturer as sent on the wire (low byte first), then version and medium.
  const std::uint8_t m[2] = {static_cast<std::uint8_t>(manufacturer & 0xFF),
                             static_cast<std::uint8_t>(manufacturer >> 8)};
  for (std::uint8_t b : m) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 0x0F]);
  }
  for (std::uint8_t b : {version, medium}) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 0x0F]);
  }
  return s;
}

absl::StatusOr<SecondaryAddress> SecondaryAddress::parse(std::string_view text) {
  if (text.size() != 16) {
    return absl::InvalidArgumentError(str_cat("mbus: secondary address \"", text, "\" has ",
                                              text.size(), " characters, expected 16 hex digits"));
  }
  std::uint8_t v[8];
  for (std::size_t i = 0; i < 8; ++i) {
    const int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(str_cat("mbus: secondary address \"", text,
                                                "\": character ", hi < 0 ? 2 * i : 2 * i + 1,
                                                " is not a hex digit"));
    }
    v[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  SecondaryAddress a;
  a.id = {v[3], v[2], v[1], v[0]};
  a.manufacturer = static_cast<std::uint16_t>(v[4] | (v[5] << 8));
  a.version = v[6];
  a.medium = v[7];
  return a;
}

bool SecondaryAddress::matches(const SecondaryAddress& meter) const noexcept {
  for (std::size_t i = 0; i < kNibbles; ++i) {
    const std::uint8_t n = nibble(i);
    if (n != 0xF && n != meter.nibble(i)) return false;
  }
  return true;
}

absl::StatusOr<std::size_t> encode_snd_nke(std::span<std::uint8_t> out, std::uint8_t a) {
  return encode_short_frame(out, control::kSndNke, a);
}

absl::StatusOr<std::size_t> encode_req_ud2(std::span<std::uint8_t> out, std::uint8_t a, bool fcb) {
  return encode_short_frame(out, with_fcb(control::kReqUd2, fcb), a);
}

absl::StatusOr<std::size_t> encode_req_ud1(std::span<std::uint8_t> out, std::uint8_t a, bool fcb) {
  return encode_short_frame(out, with_fcb(control::kReqUd1, fcb), a);
}

absl::StatusOr<std::size_t> encode_application_reset(std::span<std::uint8_t> out, std::uint8_t a,
                                                     bool fcb,
                                                     std::optional<std::uint8_t> subcode) {
  const std::uint8_t sub[1] = {subcode.value_or(0)};
  return encode_long_frame(out, with_fcb(control::kSndUd, fcb), a, ci::kApplicationReset,
                           subcode ? std::span<const std::uint8_t>(sub, 1)
                                   : std::span<const std::uint8_t>());
}

absl::StatusOr<std::size_t> encode_select_secondary(std::span<std::uint8_t> out,
                                                    const SecondaryAddress& m) {
  const std::uint8_t data[8] = {m.id[0], m.id[1], m.id[2], m.id[3],
                                static_cast<std::uint8_t>(m.manufacturer & 0xFF),
                                static_cast<std::uint8_t>(m.manufacturer >> 8), m.version,
                                m.medium};
  return encode_long_frame(out, control::kSndUd, address::kNetworkLayer, ci::kSelectSecondary,
                           data);
}

absl::StatusOr<std::size_t> encode_set_baud_rate(std::span<std::uint8_t> out, std::uint8_t a,
                                                 unsigned baud) {
  for (std::size_t i = 0; i < 8; ++i) {
    if (kBauds[i] == baud) {
      return encode_long_frame(out, control::kSndUd, a,
                               static_cast<std::uint8_t>(ci::kSetBaud300 + i), {});
    }
  }
  return absl::InvalidArgumentError(
      str_cat("mbus: baud rate ", baud, ", expected 300, 600, 1200, 2400, 4800, 9600, 19200 "
              "or 38400"));
}

std::optional<unsigned> baud_of_ci(std::uint8_t c) noexcept {
  if (c < ci::kSetBaud300) return std::nullopt;
  return kBauds[c - ci::kSetBaud300];
}

absl::StatusOr<std::size_t> encode_set_primary_address(std::span<std::uint8_t> out,
                                                       std::uint8_t a, bool fcb,
                                                       std::uint8_t new_address) {
  if (new_address > address::kMaxPrimary) {
    return absl::InvalidArgumentError(
        str_cat("mbus: primary address ", new_address, ", expected 0-250"));
  }
  const std::uint8_t data[3] = {0x01, 0x7A, new_address};  // 8-bit int, VIF bus address
  return encode_long_frame(out, with_fcb(control::kSndUd, fcb), a, ci::kDataSend, data);
}

absl::StatusOr<std::size_t> encode_set_datetime(std::span<std::uint8_t> out, std::uint8_t a,
                                                bool fcb, const DateTime& t) {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour > 23 || t.minute > 59 ||
      t.year < 1900 || t.year > 2299) {
    return absl::InvalidArgumentError(str_cat("mbus: set date/time: ", format_datetime(t),
                                              " is not a valid type F date and time"));
  }
  std::uint8_t data[6] = {0x04, 0x6D, 0, 0, 0, 0};  // 32-bit, VIF time point date & time
  encode_type_f(t, std::span<std::uint8_t, 4>(data + 2, 4));
  return encode_long_frame(out, with_fcb(control::kSndUd, fcb), a, ci::kDataSend, data);
}

absl::StatusOr<std::size_t> encode_tariff_switch(std::span<std::uint8_t> out, std::uint8_t a,
                                                 bool fcb, std::uint8_t tariff,
                                                 std::uint8_t manufacturer_vife) {
  const std::uint8_t data[4] = {0x01, 0xFF, static_cast<std::uint8_t>(manufacturer_vife & 0x7F),
                                tariff};
  return encode_long_frame(out, with_fcb(control::kSndUd, fcb), a, ci::kDataSend, data);
}

}  // namespace emscore::mbus
