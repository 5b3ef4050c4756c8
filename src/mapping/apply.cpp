#include "emscore/mapping/apply.hpp"

#include "emscore/core/strings.hpp"

namespace emscore::mapping {

std::size_t apply(const ModbusDriver& driver, std::span<const RegisterBlock> blocks,
                  DeviceRef device, absl::Time at, std::vector<Reading>& out,
                  std::vector<FieldError>* errors) {
  std::size_t n = 0;
  auto report = [&](std::size_t i, std::string msg) {
    if (errors != nullptr) errors->push_back(FieldError{i, std::move(msg)});
  };
  for (std::size_t i = 0; i < driver.fields.size(); ++i) {
    const ModbusField& f = driver.fields[i];
    const RegisterBlock* block = nullptr;
    for (const RegisterBlock& b : blocks) {
      if (b.contains(f.table, f.address, f.width())) {
        block = &b;
        break;
      }
    }
    if (block == nullptr) {
      report(i, str_cat(f.meaning.name, ": ", table_name(f.table), " address ", f.address,
                        " was not read"));
      continue;
    }
    const auto regs = block->values.subspan(f.address - block->start, f.width());
    Value raw;
    if (is_bit_table(f.table)) {
      raw = Value(regs[0] != 0 ? 1 : 0, 0);
    } else {
      auto decoded = modbus::decode_value(regs, f.type, f.order);
      absl::StatusOr<Value> v = decoded.ok() ? decoded->to_value() : decoded.status();
      if (!v.ok()) {
        report(i, str_cat(f.meaning.name, ": ", to_std(v.status().message())));
        continue;
      }
      raw = *v;
    }
    auto value = apply_meaning(f.meaning, raw);
    if (!value.ok()) {
      report(i, str_cat(f.meaning.name, ": ", to_std(value.status().message())));
      continue;
    }
    if (!f.meaning.obis) continue;
    out.push_back(Reading{device, *f.meaning.obis, *value, at, Quality::kMeasured});
    ++n;
  }
  return n;
}

}  // namespace emscore::mapping
