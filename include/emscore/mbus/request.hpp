// emscore/mbus/request.hpp — master requests (EN 13757-2 §5, EN 13757-3 §7-8).
//
//   SND_NKE          10 40 A CS 16           link reset; the next FCB the slave expects is 1
//   REQ_UD2          10 5B/7B A CS 16        request data, FCB toggles per successful exchange
//   application reset SND_UD CI 0x50 [subcode]   EN 13757-3 §7.3 (e.g. 0x10 = reset readout)
//   select secondary SND_UD A=0xFD CI 0x52 + id(4, BCD, F nibble = wildcard) + manufacturer(2)
//                    + version + medium (0xFF / F nibbles = wildcard)       EN 13757-3 §7.5
//   set baud rate    control frame CI 0xB8..0xBF (300..38400)               EN 13757-3 §7.6
//   set date/time    SND_UD CI 0x51, record 04 6D + type F                  EN 13757-3 §7.4
//   tariff switch    SND_UD CI 0x51, record 01 FF <vife> <tariff>: there is no standard
//                    "active tariff" code, meters that switch by M-Bus define it in their
//                    manufacturer VIFE (e.g. 0x10); the VIFE is a parameter.
// The FCB (frame count bit) makes a repeated request recognisable: the master toggles it
// after every successful exchange with a slave and repeats it unchanged on a retry.
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "emscore/mbus/data.hpp"
#include "emscore/mbus/frame.hpp"

namespace emscore::mbus {

// Per-address FCB state of a master.
class FcbState {
 public:
  // The FCB to send in the next REQ_UD2/SND_UD to `a`.
  bool current(std::uint8_t a) const noexcept { return bits_[a]; }
  // After a successful exchange (the slave answered): toggle.
  void toggle(std::uint8_t a) noexcept { bits_.flip(a); }
  // After SND_NKE: the slave expects FCB = 1 next (EN 13757-2 §5.5.2).
  void reset(std::uint8_t a) noexcept { bits_.set(a); }
  void reset_all() noexcept { bits_.set(); }

 private:
  std::bitset<256> bits_ = std::bitset<256>().set();
};

// A secondary address, or a search mask when it holds wildcard nibbles (0xF).
struct SecondaryAddress {
  std::array<std::uint8_t, 4> id{0xFF, 0xFF, 0xFF, 0xFF};  // BCD, LSB first, F = wildcard
  std::uint16_t manufacturer = 0xFFFF;
  std::uint8_t version = 0xFF;
  std::uint8_t medium = 0xFF;

  static constexpr std::size_t kNibbles = 16;  // 8 id, 4 manufacturer, 2 version, 2 medium
  // Nibble i in search order: 0..7 the id digits from the most significant, 8..11 the
  // manufacturer, 12..13 version, 14..15 medium (each most significant nibble first).
  std::uint8_t nibble(std::size_t i) const noexcept;
  void set_nibble(std::size_t i, std::uint8_t v) noexcept;

  // The 16-hex-digit form "IIIIIIIIMMMMVVDD" (id digits, manufacturer as sent LSB first,
  // version, medium), as libmbus and most tools print secondary addresses.
  std::string to_string() const;
  static absl::StatusOr<SecondaryAddress> parse(std::string_view text);
  // True when a meter with address `meter` answers a selection with this mask (every F
  // nibble of the mask matches anything).
  bool matches(const SecondaryAddress& meter) const noexcept;
  bool operator==(const SecondaryAddress&) const = default;
};

absl::StatusOr<std::size_t> encode_snd_nke(std::span<std::uint8_t> out, std::uint8_t a);
absl::StatusOr<std::size_t> encode_req_ud2(std::span<std::uint8_t> out, std::uint8_t a, bool fcb);
absl::StatusOr<std::size_t> encode_req_ud1(std::span<std::uint8_t> out, std::uint8_t a, bool fcb);
// SND_UD with CI 0x50; `subcode` (e.g. 0x00 all, 0x10 user data, 0x20 simple billing, 0x30
// enhanced billing, 0x40 multi-tariff, 0x50 instantaneous, 0x60 load management, 0x80
// installation, 0x90 testing, 0xA0 calibration, 0xB0 manufacturing, 0xC0 development, 0xD0
// self-test; low nibble = telegram number) makes it a reset with subcode.
absl::StatusOr<std::size_t> encode_application_reset(std::span<std::uint8_t> out, std::uint8_t a,
                                                     bool fcb,
                                                     std::optional<std::uint8_t> subcode = {});
absl::StatusOr<std::size_t> encode_select_secondary(std::span<std::uint8_t> out,
                                                    const SecondaryAddress& mask);
// Supported: 300, 600, 1200, 2400, 4800, 9600, 19200, 38400.
absl::StatusOr<std::size_t> encode_set_baud_rate(std::span<std::uint8_t> out, std::uint8_t a,
                                                 unsigned baud);
absl::StatusOr<std::size_t> encode_set_primary_address(std::span<std::uint8_t> out,
                                                       std::uint8_t a, bool fcb,
                                                       std::uint8_t new_address);
absl::StatusOr<std::size_t> encode_set_datetime(std::span<std::uint8_t> out, std::uint8_t a,
                                                bool fcb, const DateTime& local_time);
absl::StatusOr<std::size_t> encode_tariff_switch(std::span<std::uint8_t> out, std::uint8_t a,
                                                 bool fcb, std::uint8_t tariff,
                                                 std::uint8_t manufacturer_vife = 0x10);
// Baud rate for a CI 0xB8..0xBF, or nullopt.
std::optional<unsigned> baud_of_ci(std::uint8_t ci) noexcept;

}  // namespace emscore::mbus
