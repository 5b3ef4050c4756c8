// emscore/dsmr/emitter.hpp — writes P1 telegrams (for meter simulators and tests).
//
// TelegramWriter builds a telegram line by line in the DSMR 5 layout (P1 CS 5.0.2 §6.4):
//   /<identification> CR LF CR LF, one "OBIS(group)..." line per object, "!" CRC CR LF
// with the CRC-16/ARC over '/'..'!' as four upper-case hex digits (omitted for DSMR 2.2/3.0
// style telegrams). Numbers are written exactly from their Value, the integer part padded
// with zeros to the width DSMR uses for the unit (kWh F9(3): "000004.426", kW F5(3):
// "00.244", V F4(1): "230.0", A F3: "001", m3 F8(3): "00000.107"); timestamps as
// YYMMDDhhmmssX in the writer's zone.
//
// emit_telegram() turns Readings into a telegram: 0-0:1.0.0 from `now`, then one line per
// reading; M-Bus readings (A=0, C=24, D=2: gas/water/heat) carry their own capture time.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "emscore/core/value.hpp"
#include "emscore/obis/obis_code.hpp"
#include "emscore/obis/reading.hpp"

namespace emscore::dsmr {

class TelegramWriter {
 public:
  // `identification` is the header after '/', e.g. "ISK5\\2M550T-1012" or "EMS5emscore".
  explicit TelegramWriter(std::string_view identification);
  TelegramWriter(std::string_view identification, absl::TimeZone zone);

  // "1-0:1.8.1(000004.426*kWh)" (unit from the value; none for Unit::kNone).
  TelegramWriter& number(const obis::ObisCode& code, const Value& value);
  // "0-0:1.0.0(170102192002W)".
  TelegramWriter& timestamp(const obis::ObisCode& code, absl::Time t);
  // "0-1:24.2.1(170102161005W)(00000.107*m3)".
  TelegramWriter& timestamped_number(const obis::ObisCode& code, absl::Time t, const Value& v);
  // "0-0:96.14.0(0002)" — the text as given (ids, tariff, counts with leading zeros).
  TelegramWriter& text(const obis::ObisCode& code, std::string_view raw);
  // "0-0:96.13.0(48656C6C6F)" — text hex-encoded as DSMR sends messages and ids.
  TelegramWriter& hex_text(const obis::ObisCode& code, std::string_view text);
  // Any line: "code" followed by the given groups, each wrapped in parentheses.
  TelegramWriter& line(const obis::ObisCode& code, std::span<const std::string_view> groups);

  // The finished telegram; with_crc = false gives the DSMR 2.2/3.0 form "!\r\n".
  std::string finish(bool with_crc = true) const;

  // The P1 text of a value: integer part zero-padded for the unit, then "*unit".
  static std::string format_value(const Value& v);

 private:
  void begin_line(const obis::ObisCode& code);

  absl::TimeZone zone_;
  std::string text_;
};

std::string emit_telegram(std::string_view identification, std::span<const Reading> readings,
                          absl::Time now, bool with_crc = true);

}  // namespace emscore::dsmr
