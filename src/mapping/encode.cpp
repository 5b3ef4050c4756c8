#include "emscore/mapping/encode.hpp"

#include <array>
#include <cstdint>

#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::mapping {
namespace {

bool is_float_type(modbus::ValueType t) {
  return t == modbus::ValueType::kF32 || t == modbus::ValueType::kF64;
}

// value / factor for a factor that is not ±10^k: six more decimals, rounded half away from
// zero (the same rule as apply_meaning's divisor); exact when it divides.
absl::StatusOr<Value> divide(const Value& v, const Value& d) {
  const Value n = d.normalized();
  if (n.mantissa == 0) return absl::InvalidArgumentError("the field's factor is zero: no raw value gives it");
  if (n.mantissa == -1 && v.mantissa == INT64_MIN) {
    return absl::OutOfRangeError(str_cat(v.to_string(), " / ", n.to_string(), " overflows 64 bits"));
  }
  const int e = v.exponent - n.exponent;
  if (e - 6 < -127 || e > 127) return absl::OutOfRangeError("exponent out of range after the factor");
  if (v.mantissa % n.mantissa == 0) return Value(v.mantissa / n.mantissa, e, v.unit);
  std::int64_t widened;
  if (__builtin_mul_overflow(v.mantissa, std::int64_t{1000000}, &widened)) {
    return absl::OutOfRangeError(str_cat(v.to_string(), " / ", n.to_string(), " overflows 64 bits"));
  }
  std::int64_t q = widened / n.mantissa;
  const std::int64_t r = widened % n.mantissa;
  const std::int64_t ar = r < 0 ? -r : r;
  const std::int64_t ad = n.mantissa < 0 ? -n.mantissa : n.mantissa;
  if (2 * ar >= ad) q += ((widened < 0) != (n.mantissa < 0)) ? -1 : 1;
  return Value(q, e - 6, v.unit);
}

}  // namespace

absl::Status encode_field(const ModbusField& f, const Value& value, std::span<std::uint16_t> out) {
  const Meaning& m = f.meaning;
  auto fail = [&](std::string_view why) {
    return absl::InvalidArgumentError(str_cat("mapping: ", m.name, ": ", value.to_string_with_unit(), " ", why));
  };
  // In the field's unit.
  Value v = value;
  if (v.unit != m.unit) {
    auto c = v.converted(m.unit);
    if (!c.ok()) return fail(str_cat("is not convertible to the field's unit ", unit_symbol(m.unit)));
    v = *c;
  }
  // raw = v * divisor / factor.
  auto scaled = v.scaled(m.scaling.divisor.mantissa, m.scaling.divisor.exponent);
  if (!scaled.ok()) return fail(str_cat("overflows: ", to_std(scaled.status().message())));
  auto raw = divide(*scaled, m.scaling.factor);
  if (!raw.ok()) return fail(to_std(raw.status().message()));

  const std::size_t width = f.width();
  if (out.size() < width) return absl::OutOfRangeError(str_cat("mapping: ", m.name, ": room for ", out.size(), " registers, need ", width));
  modbus::RegisterValue rv;
  rv.type = f.type;
  if (!is_float_type(f.type) || is_bit_table(f.table)) {
    auto whole = raw->rescaled(0, /*round=*/true);
    if (!whole.ok()) return fail(str_cat("does not fit: ", to_std(whole.status().message())));
    if (is_bit_table(f.table)) {
      if (whole->mantissa != 0 && whole->mantissa != 1) return fail("is not a bit (0 or 1)");
      out[0] = static_cast<std::uint16_t>(whole->mantissa);
      return absl::OkStatus();
    }
    rv.v = whole->mantissa;
    // It must read back as the reading.
    auto back = apply_meaning(m, Value(whole->mantissa, 0));
    if (!back.ok() || !(*back == value)) {
      return fail(str_cat("is not representable: the nearest raw value ", whole->mantissa, " reads back as ",
                          back.ok() ? back->to_string_with_unit() : std::string(to_std(back.status().message()))));
    }
  } else {
    rv.v = raw->to_double();
  }
  auto st = modbus::encode_value(rv, f.order, out.first(width));
  if (!st.ok()) return fail(str_cat("as ", modbus::value_type_name(f.type), ": ", to_std(st.message())));
  return absl::OkStatus();
}

absl::Status encode(const ModbusDriver& d, std::span<const Reading> readings,
                    modbus::MemoryDataModel& model, std::uint8_t unit) {
  modbus::MemoryDataModel::Bank& bank = model.add_unit(unit);
  for (const Reading& r : readings) {
    for (const ModbusField& f : d.fields) {
      if (!f.meaning.obis || *f.meaning.obis != r.quantity) continue;
      std::array<std::uint16_t, 4> regs{};
      EMSCORE_RETURN_IF_ERROR(encode_field(f, r.value, regs));
      switch (f.table) {
        case Table::kCoil: bank.coils[f.address] = regs[0] != 0; break;
        case Table::kDiscreteInput: bank.discrete_inputs[f.address] = regs[0] != 0; break;
        case Table::kHoldingRegister:
          std::copy_n(regs.begin(), f.width(), bank.holding.begin() + f.address);
          break;
        case Table::kInputRegister:
          std::copy_n(regs.begin(), f.width(), bank.input.begin() + f.address);
          break;
      }
      break;  // validate() allows one field per code
    }
  }
  return absl::OkStatus();
}

}  // namespace emscore::mapping
