#include "emscore/mapping/apply.hpp"

#include "emscore/core/strings.hpp"
#include "emscore/mbus/data.hpp"

namespace emscore::mapping {

std::size_t apply(const ModbusDriver& driver, std::span<const RegisterBlock> blocks,
                  DeviceRef device, absl::Time at, std::vector<Reading>& out,
                  std::vector<FieldError>* errors, std::vector<std::uint32_t>* fields) {
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
    if (fields != nullptr) fields->push_back(static_cast<std::uint32_t>(i));
    ++n;
  }
  return n;
}

Quality telegram_quality(const mbus::Telegram& t) noexcept {
  // EN 13757-3 status byte: bits 1-0 application status (01 busy, 10 any application error,
  // 11 abnormal condition), bit 2 power low, bit 3 permanent error, bit 4 temporary error.
  const std::uint8_t s = t.header.status;
  return (s & 0x03) != 0 || (s & 0x18) != 0 ? Quality::kQuestionable : Quality::kMeasured;
}

std::size_t apply(const MbusDriver& driver, const mbus::Telegram& telegram, DeviceRef device,
                  absl::Time at, std::vector<Reading>& out, std::vector<FieldError>* errors,
                  std::vector<std::uint32_t>* fields) {
  auto report = [&](std::size_t i, std::string msg) {
    if (errors != nullptr) errors->push_back(FieldError{i, std::move(msg)});
  };
  std::vector<mbus::Record> records;
  records.reserve(driver.match.records);
  mbus::RecordReader reader = telegram.reader();
  mbus::Record r;
  while (reader.next(r)) records.push_back(r);
  const std::string broken = reader.ok() ? std::string() : std::string(to_std(reader.status().message()));
  const Quality base_quality = telegram_quality(telegram);

  std::size_t n = 0;
  for (std::size_t i = 0; i < driver.fields.size(); ++i) {
    const MbusField& f = driver.fields[i];
    const std::string_view name = f.meaning.name;
    if (f.record >= records.size()) {
      report(i, str_cat(name, ": record ", f.record, " is not in the telegram (", records.size(),
                        " records", broken.empty() ? "" : str_cat("; ", broken), ")"));
      continue;
    }
    const mbus::Record& rec = records[f.record];
    if (rec.kind != mbus::RecordKind::kData) {
      report(i, str_cat(name, ": record ", f.record, " is manufacturer specific data, not a value"));
      continue;
    }
    if (rec.storage != f.storage || rec.tariff != f.meaning.tariff) {
      report(i, str_cat(name, ": record ", f.record, " has storage ", rec.storage, " tariff ",
                        rec.tariff, ", the driver expects storage ", f.storage, " tariff ",
                        f.meaning.tariff, " (the telegram does not fit the driver)"));
      continue;
    }
    const mbus::RecordMeaning m = mbus::describe_record(rec);
    auto decoded = mbus::decode_value(rec, m);
    if (!decoded.ok()) {
      report(i, str_cat(name, ": record ", f.record, ": ", to_std(decoded.status().message())));
      continue;
    }
    if (decoded->type != mbus::ValueType::kNumber) {
      report(i, str_cat(name, ": record ", f.record, " (", mbus::quantity_string(rec, m), ") is ",
                        decoded->type == mbus::ValueType::kInvalid ? "flagged invalid by the meter"
                        : decoded->type == mbus::ValueType::kDateTime ? "a date/time, not a number"
                                                                       : "not a number"));
      continue;
    }
    Value v = decoded->number;
    if (f.meaning.unit != Unit::kNone && f.meaning.unit != v.unit) {
      auto c = v.converted(f.meaning.unit);
      if (!c.ok()) {
        report(i, str_cat(name, ": record ", f.record, " is in ", mbus::unit_string(m), ", not convertible to ",
                          unit_symbol(f.meaning.unit)));
        continue;
      }
      v = *c;
    }
    auto value = apply_scaling(f.meaning, v);
    if (!value.ok()) {
      report(i, str_cat(name, ": record ", f.record, ": ", to_std(value.status().message())));
      continue;
    }
    if (!f.meaning.obis) continue;
    const Quality q = m.has_error ? Quality::kQuestionable : base_quality;
    out.push_back(Reading{device, *f.meaning.obis, *value, at, q});
    if (fields != nullptr) fields->push_back(static_cast<std::uint32_t>(i));
    ++n;
  }
  return n;
}

}  // namespace emscore::mapping
