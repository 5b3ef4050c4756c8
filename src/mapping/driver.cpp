#include "emscore/mapping/driver.hpp"

#include <algorithm>
#include <cstdint>

#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::mapping {

std::string_view table_name(Table t) noexcept {
  switch (t) {
    case Table::kCoil: return "coil";
    case Table::kDiscreteInput: return "discrete_input";
    case Table::kHoldingRegister: return "holding";
    case Table::kInputRegister: return "input";
  }
  return "holding";
}

std::optional<Table> parse_table(std::string_view name) noexcept {
  if (name == "coil" || name == "coils") return Table::kCoil;
  if (name == "discrete_input" || name == "discrete_inputs") return Table::kDiscreteInput;
  if (name == "holding" || name == "holding_register" || name == "holding_registers") return Table::kHoldingRegister;
  if (name == "input" || name == "input_register" || name == "input_registers") return Table::kInputRegister;
  return std::nullopt;
}

absl::StatusOr<Value> apply_meaning(const Meaning& m, const Value& raw) {
  return apply_scaling(m, Value(raw.mantissa, raw.exponent, m.unit));
}

absl::StatusOr<Value> apply_scaling(const Meaning& m, const Value& in) {
  Value v = in;
  const Value& raw = in;
  if (!(m.scaling.factor == Value(1, 0))) {
    EMSCORE_ASSIGN_OR_RETURN(v, v.scaled(m.scaling.factor.mantissa, m.scaling.factor.exponent));
  }
  const Value d = m.scaling.divisor.normalized();  // 1000 -> 1e3: a power of ten is an exponent shift
  if (!(d == Value(1, 0))) {
    if (d.mantissa == 0) return absl::InvalidArgumentError("mapping: divisor is zero");
    if (d.mantissa == -1 && v.mantissa == INT64_MIN) {
      return absl::OutOfRangeError(str_cat("mapping: ", raw.to_string(), " / ", d.to_string(), " overflows 64 bits"));
    }
    const int e = v.exponent - d.exponent;
    std::int64_t q = v.mantissa / d.mantissa;
    if (v.mantissa % d.mantissa == 0) {
      if (e < -127 || e > 127) return absl::OutOfRangeError("mapping: exponent out of range after divisor");
      v = Value(q, e, v.unit);
    } else {
      // Not exact: six more decimals, rounded half away from zero.
      std::int64_t widened;
      if (__builtin_mul_overflow(v.mantissa, std::int64_t{1000000}, &widened)) {
        return absl::OutOfRangeError(str_cat("mapping: ", raw.to_string(), " / ", d.to_string(),
                                             " overflows 64 bits"));
      }
      q = widened / d.mantissa;
      const std::int64_t r = widened % d.mantissa;
      const std::int64_t ar = r < 0 ? -r : r;
      const std::int64_t ad = d.mantissa < 0 ? -d.mantissa : d.mantissa;
      if (2 * ar >= ad) q += ((widened < 0) != (d.mantissa < 0)) ? -1 : 1;
      if (e - 6 < -127) return absl::OutOfRangeError("mapping: exponent out of range after divisor");
      v = Value(q, e - 6, v.unit);
    }
  }
  if (m.output_unit && *m.output_unit != v.unit) {
    EMSCORE_ASSIGN_OR_RETURN(v, v.converted(*m.output_unit));
  }
  return v;
}

namespace {

absl::Status check_meaning(const Meaning& m, std::size_t i) {
  if (m.scaling.divisor.mantissa == 0) {
    return absl::InvalidArgumentError(str_cat("mapping: field ", i, " (", m.name, "): divisor is zero"));
  }
  if (m.output_unit && !same_dimension(m.unit, *m.output_unit)) {
    return absl::InvalidArgumentError(
        str_cat("mapping: field ", i, " (", m.name, "): output unit ", unit_symbol(*m.output_unit),
                " is not a multiple of ", unit_symbol(m.unit).empty() ? "(none)" : unit_symbol(m.unit)));
  }
  if (m.phase > 3) {
    return absl::InvalidArgumentError(str_cat("mapping: field ", i, " (", m.name, "): phase ",
                                              m.phase, ", expected 0-3"));
  }
  return absl::OkStatus();
}

absl::Status check_duplicate_obis(const std::vector<const Meaning*>& meanings) {
  for (std::size_t i = 0; i < meanings.size(); ++i) {
    if (!meanings[i]->obis) continue;
    for (std::size_t j = i + 1; j < meanings.size(); ++j) {
      if (meanings[j]->obis == meanings[i]->obis) {
        return absl::InvalidArgumentError(str_cat("mapping: fields ", i, " and ", j,
                                                  " both give ", meanings[i]->obis->to_string()));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status validate(const ModbusDriver& d) {
  std::vector<const Meaning*> meanings;
  for (std::size_t i = 0; i < d.fields.size(); ++i) {
    const ModbusField& f = d.fields[i];
    EMSCORE_RETURN_IF_ERROR(check_meaning(f.meaning, i));
    if (is_bit_table(f.table) && f.type != modbus::ValueType::kU16) {
      return absl::InvalidArgumentError(str_cat("mapping: field ", i, " (", f.meaning.name, "): a ",
                                                table_name(f.table), " is one bit, type must be uint16"));
    }
    if (std::uint32_t{f.address} + f.width() > 65536u) {
      return absl::InvalidArgumentError(str_cat("mapping: field ", i, " (", f.meaning.name,
                                                "): address ", f.address, " + ", f.width(),
                                                " registers passes 65535"));
    }
    for (std::size_t j = 0; j < i; ++j) {
      const ModbusField& g = d.fields[j];
      if (g.table != f.table) continue;
      const bool overlap = f.address < g.address + g.width() && g.address < f.address + f.width();
      if (overlap) {
        return absl::InvalidArgumentError(str_cat("mapping: fields ", j, " (", g.meaning.name, ") and ", i, " (",
                                                  f.meaning.name, ") overlap at ", table_name(f.table),
                                                  " address ", std::max(f.address, g.address)));
      }
    }
    meanings.push_back(&f.meaning);
  }
  return check_duplicate_obis(meanings);
}

absl::Status validate(const MbusDriver& d) {
  if (d.match.manufacturer.size() != 3 ||
      !std::all_of(d.match.manufacturer.begin(), d.match.manufacturer.end(),
                   [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return absl::InvalidArgumentError(str_cat("mapping: manufacturer \"", d.match.manufacturer,
                                              "\", expected three letters A-Z"));
  }
  std::vector<const Meaning*> meanings;
  for (std::size_t i = 0; i < d.fields.size(); ++i) {
    const MbusField& f = d.fields[i];
    EMSCORE_RETURN_IF_ERROR(check_meaning(f.meaning, i));
    if (f.record >= d.match.records) {
      return absl::InvalidArgumentError(str_cat("mapping: field ", i, " (", f.meaning.name, "): record ",
                                                f.record, " but the driver matches telegrams with ",
                                                d.match.records, " records"));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (d.fields[j].record == f.record) {
        return absl::InvalidArgumentError(str_cat("mapping: fields ", j, " and ", i, " both map record ", f.record));
      }
    }
    meanings.push_back(&f.meaning);
  }
  return check_duplicate_obis(meanings);
}

}  // namespace emscore::mapping
