#include "emscore/dsmr/emitter.hpp"

#include "emscore/core/crc.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/core/unit.hpp"
#include "emscore/dsmr/timestamp.hpp"

namespace emscore::dsmr {
namespace {

// Integer digits DSMR 5 uses per unit (P1 CS 5.0.2 §6.12 value formats).
std::size_t integer_width(Unit u) {
  switch (u) {
    case Unit::kKiloWattHour:
    case Unit::kKiloVarHour:
    case Unit::kWattHour:
    case Unit::kVarHour:
      return 6;  // F9(3)
    case Unit::kKiloWatt:
    case Unit::kKiloVar:
      return 2;  // F5(3)
    case Unit::kVolt:
    case Unit::kAmpere:
      return 3;  // F4(1), F3(0)
    case Unit::kCubicMetre:
    case Unit::kGigaJoule:
      return 5;  // F8(2)/F8(3)
    case Unit::kSecond:
      return 10;  // F10(0) power-failure durations
    default:
      return 1;
  }
}

// DSMR writes cubic metres as "m3".
std::string_view p1_unit(Unit u) {
  if (u == Unit::kCubicMetre) return "m3";
  return unit_symbol(u);
}

}  // namespace

TelegramWriter::TelegramWriter(std::string_view identification)
    : TelegramWriter(identification, default_time_zone()) {}

TelegramWriter::TelegramWriter(std::string_view identification, absl::TimeZone zone)
    : zone_(zone) {
  text_.reserve(1024);
  text_ += '/';
  text_ += identification;
  text_ += "\r\n\r\n";
}

std::string TelegramWriter::format_value(const Value& v) {
  std::string digits = v.to_string();
  std::string sign;
  if (!digits.empty() && digits.front() == '-') {
    sign = "-";
    digits.erase(0, 1);
  }
  const std::size_t int_len = digits.find('.') == std::string::npos ? digits.size()
                                                                     : digits.find('.');
  const std::size_t width = integer_width(v.unit);
  std::string out = sign;
  if (int_len < width) out.append(width - int_len, '0');
  out += digits;
  if (v.unit != Unit::kNone) {
    out += '*';
    out += p1_unit(v.unit);
  }
  return out;
}

void TelegramWriter::begin_line(const obis::ObisCode& code) {
  text_ += str_cat(code.a, "-", code.b, ":", code.c, ".", code.d, ".", code.e);
}

TelegramWriter& TelegramWriter::number(const obis::ObisCode& code, const Value& value) {
  begin_line(code);
  text_ += '(';
  text_ += format_value(value);
  text_ += ")\r\n";
  return *this;
}

TelegramWriter& TelegramWriter::timestamp(const obis::ObisCode& code, absl::Time t) {
  begin_line(code);
  text_ += '(';
  text_ += format_timestamp(t, zone_);
  text_ += ")\r\n";
  return *this;
}

TelegramWriter& TelegramWriter::timestamped_number(const obis::ObisCode& code, absl::Time t,
                                                   const Value& v) {
  begin_line(code);
  text_ += '(';
  text_ += format_timestamp(t, zone_);
  text_ += ")(";
  text_ += format_value(v);
  text_ += ")\r\n";
  return *this;
}

TelegramWriter& TelegramWriter::text(const obis::ObisCode& code, std::string_view raw) {
  begin_line(code);
  text_ += '(';
  text_ += raw;
  text_ += ")\r\n";
  return *this;
}

TelegramWriter& TelegramWriter::hex_text(const obis::ObisCode& code, std::string_view plain) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  begin_line(code);
  text_ += '(';
  for (char c : plain) {
    const auto b = static_cast<std::uint8_t>(c);
    text_ += kHex[b >> 4];
    text_ += kHex[b & 0xF];
  }
  text_ += ")\r\n";
  return *this;
}

TelegramWriter& TelegramWriter::line(const obis::ObisCode& code,
                                     std::span<const std::string_view> groups) {
  begin_line(code);
  for (std::string_view g : groups) {
    text_ += '(';
    text_ += g;
    text_ += ')';
  }
  text_ += "\r\n";
  return *this;
}

std::string TelegramWriter::finish(bool with_crc) const {
  std::string out = text_;
  out += '!';
  if (with_crc) {
    const std::uint16_t crc = crc16_arc(std::string_view(out));
    std::string h = hex(crc, 4);  // "0x1A2B"
    out.append(h, 2, std::string::npos);
  }
  out += "\r\n";
  return out;
}

std::string emit_telegram(std::string_view identification, std::span<const Reading> readings,
                          absl::Time now, bool with_crc) {
  TelegramWriter w(identification);
  if (with_crc) w.text(obis::ObisCode(1, 3, 0, 2, 8), "50");
  w.timestamp(obis::ObisCode(0, 0, 1, 0, 0), now);
  for (const Reading& r : readings) {
    const obis::ObisCode& q = r.quantity;
    if (q.a == 0 && q.c == 24 && q.d == 2) {
      w.timestamped_number(q, r.at, r.value);
    } else {
      w.number(q, r.value);
    }
  }
  return w.finish(with_crc);
}

}  // namespace emscore::dsmr
