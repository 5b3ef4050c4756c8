// libFuzzer: the application-layer decoder on arbitrary frames and on arbitrary user data
// behind every response CI field; all records, meanings, values and their text forms.
// Differential: the decoder's fast paths (BCD two digits per table load, binary integers
// by fixed-size loads, real32 read from to_chars' text, VIF tables) are checked against the
// straightforward references (core's decode_bcd, a byte loop, Value::parse, the vif.hpp
// table functions); a mismatch traps.
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "emscore/core/bcd.hpp"

#include "emscore/mbus/data.hpp"
#include "emscore/mbus/frame.hpp"
#include "emscore/mbus/telegram.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// What the value of `r` must be, by the plain reference decoders, for the fixed codings.
void check_value(const emscore::mbus::Record& r, const emscore::mbus::RecordMeaning& m,
                 const emscore::mbus::RecordValue& v) {
  using namespace emscore::mbus;
  if (r.kind != RecordKind::kData || m.kind == VifKind::kDate || m.kind == VifKind::kDateTime) return;
  const auto c = static_cast<unsigned>(r.coding);
  const auto d = r.data;
  if (m.seconds != 1 || m.exponent < -120 || m.exponent > 120) return;  // may not scale
  if (c >= 0x9 && c <= 0xE && c != 0xD) {  // BCD
    emscore::BcdOptions opt;
    opt.order = r.order;
    auto want = emscore::decode_bcd(d, opt);
    if (want.ok()) {
      check(v.type == ValueType::kNumber && v.number.mantissa == *want);
    } else {
      check(v.type == ValueType::kInvalid);
    }
    check(v.type != ValueType::kNumber || v.number.exponent == m.exponent);
  } else if (c >= 0x1 && c <= 0x7 && c != 0x5) {  // binary integer
    std::uint64_t u = 0;
    for (std::size_t i = 0; i < d.size(); ++i) {
      const std::size_t k = r.order == emscore::Endian::kLittle ? d.size() - 1 - i : i;
      u = (u << 8) | d[k];
    }
    const bool is_signed = m.kind != VifKind::kIdentifier && m.kind != VifKind::kBitField;
    if (!is_signed && d.size() == 8 && u > static_cast<std::uint64_t>(INT64_MAX)) {
      check(v.type == ValueType::kBytes);
      return;
    }
    std::int64_t want = static_cast<std::int64_t>(u);
    if (is_signed && d.size() < 8 && (u >> (8 * d.size() - 1)) & 1) {
      want = static_cast<std::int64_t>(u | (~std::uint64_t{0} << (8 * d.size())));
    }
    check(v.type == ValueType::kNumber && v.number.mantissa == want);
  } else if (c == 0x5) {  // real32
    std::uint32_t bits = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const std::size_t k = r.order == emscore::Endian::kLittle ? 3 - i : i;
      bits = (bits << 8) | d[k];
    }
    float f;
    std::memcpy(&f, &bits, 4);
    if (!std::isfinite(f)) {
      check(v.type == ValueType::kInvalid);
      return;
    }
    char buf[48];
    const auto res = std::to_chars(buf, buf + sizeof buf, f);
    auto want = emscore::Value::parse(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf)));
    if (want.ok() && want->exponent + m.exponent >= -127 && want->exponent + m.exponent <= 127) {
      check(v.type == ValueType::kNumber && v.number.mantissa == want->mantissa &&
            v.number.exponent == want->exponent + m.exponent);
    }
  }
}

// The meaning of a record without VIFEs is its VIF's table entry.
void check_meaning(const emscore::mbus::Record& r, const emscore::mbus::RecordMeaning& m) {
  using namespace emscore::mbus;
  if (r.kind != RecordKind::kData || !r.vifes.empty()) return;
  VifInfo want;
  switch (r.table) {
    case VifTable::kPrimary: want = primary_vif(r.code); break;
    case VifTable::kFB: want = fb_vif(r.code); break;
    case VifTable::kFD: want = fd_vif(r.code); break;
    default: return;
  }
  check(m.quantity == want.quantity && m.unit == want.unit && m.exponent == want.exponent &&
        m.seconds == want.seconds && m.kind == want.kind);
}

void walk(const emscore::mbus::Telegram& t) {
  using namespace emscore::mbus;
  if (t.fixed) {
    (void)fixed_counter(*t.fixed, 1);
    (void)fixed_counter(*t.fixed, 2);
  }
  RecordReader rd = t.reader();
  Record r;
  while (rd.next(r)) {
    const RecordMeaning m = describe_record(r);
    check_meaning(r, m);
    auto v = decode_value(r, m);
    if (v.ok()) {
      check_value(r, m, *v);
      (void)value_string(*v, r);
      (void)unit_string(m);
      (void)quantity_string(r, m);
    }
  }
  (void)rd.status();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> in(data, size);
  if (auto f = emscore::mbus::parse_frame(in); f.ok()) {
    if (auto t = emscore::mbus::parse_telegram(*f); t.ok()) walk(*t);
  }
  if (size >= 1) {
    if (auto t = emscore::mbus::parse_application(data[0], in.subspan(1)); t.ok()) walk(*t);
  }
  return 0;
}
