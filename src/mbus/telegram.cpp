#include "emscore/mbus/telegram.hpp"

#include "emscore/core/bcd.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::mbus {

std::array<char, 3> manufacturer_letters(std::uint16_t code) noexcept {
  std::array<char, 3> out{};
  for (int i = 0; i < 3; ++i) {
    const unsigned v = (code >> (10 - 5 * i)) & 0x1Fu;
    out[static_cast<std::size_t>(i)] = (v >= 1 && v <= 26) ? static_cast<char>('@' + v) : '?';
  }
  return out;
}

std::optional<std::uint16_t> manufacturer_code(std::string_view letters) noexcept {
  if (letters.size() != 3) return std::nullopt;
  unsigned code = 0;
  for (char ch : letters) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    if (ch < 'A' || ch > 'Z') return std::nullopt;
    code = code * 32 + static_cast<unsigned>(ch - '@');
  }
  return static_cast<std::uint16_t>(code);
}

std::string_view medium_name(std::uint8_t m) noexcept {
  switch (m) {
    case 0x00: return "Other";
    case 0x01: return "Oil";
    case 0x02: return "Electricity";
    case 0x03: return "Gas";
    case 0x04: return "Heat: Outlet";
    case 0x05: return "Steam";
    case 0x06: return "Warm water (30-90°C)";
    case 0x07: return "Water";
    case 0x08: return "Heat Cost Allocator";
    case 0x09: return "Compressed Air";
    case 0x0A: return "Cooling load meter: Outlet";
    case 0x0B: return "Cooling load meter: Inlet";
    case 0x0C: return "Heat: Inlet";
    case 0x0D: return "Heat / Cooling load meter";
    case 0x0E: return "Bus/System";
    case 0x0F: return "Unknown Medium";
    case 0x10: return "Irrigation water";
    case 0x11: return "Water data logger";
    case 0x12: return "Gas data logger";
    case 0x13: return "Gas converter";
    case 0x14: return "Calorific value";
    case 0x15: return "Hot water (>=90°C)";
    case 0x16: return "Cold water";
    case 0x17: return "Dual register (hot/cold) water";
    case 0x18: return "Pressure";
    case 0x19: return "A/D Converter";
    case 0x1A: return "Smoke detector";
    case 0x1B: return "Room sensor";
    case 0x1C: return "Gas detector";
    case 0x20: return "Breaker: Electricity";
    case 0x21: return "Valve: Gas or Water";
    case 0x25: return "Customer unit: Display device";
    case 0x28: return "Waste water";
    case 0x29: return "Garbage";
    case 0x2A: return "Carbon dioxide";
    case 0x31: return "Communication controller";
    case 0x32: return "Unidirectional repeater";
    case 0x33: return "Bidirectional repeater";
    case 0x36: return "Radio converter (system side)";
    case 0x37: return "Radio converter (meter side)";
    default: return "Reserved";
  }
}

std::string_view application_error_text(std::uint8_t code) noexcept {
  switch (code) {
    case 0x00: return "Unspecified error";
    case 0x01: return "Unimplemented CI-Field";
    case 0x02: return "Buffer too long, truncated";
    case 0x03: return "Too many records";
    case 0x04: return "Premature end of record";
    case 0x05: return "More than 10 DIFEs";
    case 0x06: return "More than 10 VIFEs";
    case 0x08: return "Application busy";
    case 0x09: return "Too many readouts";
    default: return "Reserved";
  }
}

std::string_view fixed_medium_name(std::uint8_t code) noexcept {
  static constexpr std::string_view kNames[16] = {
      "Other", "Oil", "Electricity", "Gas", "Heat", "Steam", "Hot Water", "Water",
      "H.C.A.", "Reserved", "Gas Mode 2", "Heat Mode 2", "Hot Water Mode 2", "Water Mode 2",
      "H.C.A. Mode 2", "Reserved"};
  return kNames[code & 0x0F];
}

std::optional<std::uint32_t> FixedHeader::id() const noexcept {
  std::uint32_t v = 0;
  for (std::size_t i = 4; i-- > 0;) {
    const unsigned hi = id_bytes[i] >> 4, lo = id_bytes[i] & 0x0F;
    if (hi > 9 || lo > 9) return std::nullopt;
    v = v * 100 + hi * 10 + lo;
  }
  return v;
}

std::string FixedHeader::id_string() const { return bcd_to_hex_digits(id_bytes); }

std::optional<FixedCounter> fixed_counter(const FixedData& f, int which) noexcept {
  const std::span<const std::uint8_t> raw = which == 1 ? f.counter1 : f.counter2;
  std::uint8_t unit = which == 1 ? f.unit1 : f.unit2;
  bool historic = which == 1 ? f.historic1 : false;
  if (which == 2 && unit == 0x3E) {  // "same unit as counter 1, but historic"
    unit = f.unit1;
    historic = true;
  }
  if (raw.size() != 4) return std::nullopt;
  std::int64_t n = 0;
  if (f.binary) {
    n = static_cast<std::int64_t>(std::uint32_t{raw[0]} | (std::uint32_t{raw[1]} << 8) |
                                  (std::uint32_t{raw[2]} << 16) | (std::uint32_t{raw[3]} << 24));
  } else {
    BcdOptions opt;
    opt.allow_negative = false;
    auto b = decode_bcd(raw, opt);
    if (!b.ok()) return std::nullopt;
    n = *b;
  }
  // Units of the fixed data structure (EN 13757-3:2013 Annex / EN 1434-3 Table).
  FixedCounter c;
  c.historic = historic;
  if (unit >= 0x02 && unit <= 0x0A) {
    c.value = Value(n, unit - 0x02, Unit::kWattHour);
    c.quantity = "Energy";
  } else if (unit >= 0x0B && unit <= 0x13) {
    c.value = Value(n, unit - 0x0B + 3, Unit::kJoule);
    c.quantity = "Energy";
  } else if (unit >= 0x14 && unit <= 0x1C) {
    c.value = Value(n, unit - 0x14, Unit::kWatt);
    c.quantity = "Power";
  } else if (unit >= 0x1D && unit <= 0x25) {
    c.value = Value(n, unit - 0x1D + 3, Unit::kJoulePerHour);
    c.quantity = "Power";
  } else if (unit >= 0x26 && unit <= 0x2E) {
    c.value = Value(n, unit - 0x26 - 6, Unit::kCubicMetre);
    c.quantity = "Volume";
  } else if (unit >= 0x2F && unit <= 0x37) {
    c.value = Value(n, unit - 0x2F - 6, Unit::kCubicMetrePerHour);
    c.quantity = "Volume flow";
  } else if (unit == 0x38) {
    c.value = Value(n, -3, Unit::kCelsius);
    c.quantity = "Temperature";
  } else if (unit == 0x39) {
    c.value = Value(n, 0, Unit::kHeatCostAllocation);
    c.quantity = "H.C.A.";
  } else if (unit == 0x3F) {
    c.value = Value(n, 0, Unit::kNone);
    c.quantity = "Dimensionless";
  } else {
    return std::nullopt;  // 0x00/0x01 time/date codings, reserved codes
  }
  return c;
}

namespace {

void read_long_header(std::span<const std::uint8_t> d, FixedHeader& h) noexcept {
  for (std::size_t i = 0; i < 4; ++i) h.id_bytes[i] = d[i];
  h.manufacturer = static_cast<std::uint16_t>(d[4] | (d[5] << 8));
  h.version = d[6];
  h.medium = d[7];
  h.access_number = d[8];
  h.status = d[9];
  h.signature = static_cast<std::uint16_t>(d[10] | (d[11] << 8));
  h.has_address = true;
}

}  // namespace

absl::StatusOr<Telegram> parse_application(std::uint8_t ci_field,
                                           std::span<const std::uint8_t> d) {
  Telegram t;
  t.ci = ci_field;
  t.user_data = d;
  // Offsets in messages are relative to the first byte after the CI field.
  switch (ci_field) {
    case ci::kVariableLong:
    case ci::kVariableLongMsb: {
      if (d.size() < 12) {
        return truncated_error("mbus", "long header", 0, 12, d.size());
      }
      read_long_header(d, t.header);
      t.header_kind = HeaderKind::kLong;
      t.order = ci_field == ci::kVariableLongMsb ? Endian::kBig : Endian::kLittle;
      t.records = d.subspan(12);
      t.records_offset = 12;
      return t;
    }
    case ci::kVariableShort: {
      if (d.size() < 4) return truncated_error("mbus", "short header", 0, 4, d.size());
      t.header.access_number = d[0];
      t.header.status = d[1];
      t.header.signature = static_cast<std::uint16_t>(d[2] | (d[3] << 8));
      t.header_kind = HeaderKind::kShort;
      t.records = d.subspan(4);
      t.records_offset = 4;
      return t;
    }
    case ci::kVariableNone:
    case ci::kDataSend:  // SND_UD from a master: data records without a header
      t.records = d;
      return t;
    case ci::kFixed:
    case ci::kFixedMsb: {
      if (d.size() < 16) return truncated_error("mbus", "fixed data structure", 0, 16, d.size());
      FixedData f;
      for (std::size_t i = 0; i < 4; ++i) {
        t.header.id_bytes[i] = ci_field == ci::kFixedMsb ? d[3 - i] : d[i];
      }
      t.header.access_number = d[4];
      t.header.status = d[5];
      f.binary = (d[5] & 0x80) != 0;
      f.historic1 = (d[5] & 0x40) != 0;
      f.unit1 = d[6] & 0x3F;
      f.unit2 = d[7] & 0x3F;
      f.medium = static_cast<std::uint8_t>(((d[6] & 0xC0) >> 6) | ((d[7] & 0xC0) >> 4));
      f.counter1 = d.subspan(8, 4);
      f.counter2 = d.subspan(12, 4);
      t.order = ci_field == ci::kFixedMsb ? Endian::kBig : Endian::kLittle;
      t.header_kind = HeaderKind::kShort;
      t.fixed = f;
      return t;
    }
    case ci::kApplicationError:
      // No status byte at all is the unspecified error 0x00.
      t.application_error = d.empty() ? std::uint8_t{0} : d[0];
      return t;
    case ci::kAlarmStatus:
      return t;
    default:
      return decode_error("mbus", "telegram", 0,
                          str_cat("CI field ", hex(ci_field),
                                  " is not a response the decoder knows, expected 0x70-0x73, "
                                  "0x51, 0x76-0x78 or 0x7A"));
  }
}

absl::StatusOr<Telegram> parse_telegram(const Frame& frame) {
  if (frame.kind != FrameKind::kLong && frame.kind != FrameKind::kControl) {
    return absl::InvalidArgumentError("mbus: telegram: not a long frame");
  }
  auto t = parse_application(frame.ci, frame.data);
  if (!t.ok()) return with_context(t.status(), "user data after CI");
  t->c = frame.c;
  t->a = frame.a;
  t->records_offset += 7;  // 68 L L 68 C A CI: offsets in record errors count from the 0x68
  return t;
}

}  // namespace emscore::mbus
