// `emscore driver check FILE...` — validates driver files, runs their golden tests and prints
// the planned Modbus reads (function code, start, count, fields) or the M-Bus match.
#include <cstdlib>

#include "boost/json/array.hpp"
#include "boost/json/object.hpp"
#include "cli.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/mapping/apply.hpp"
#include "emscore/mapping/driver_json.hpp"
#include "emscore/mapping/driver_set.hpp"
#include "emscore/mapping/read_plan.hpp"
#include "emscore/mbus/frame.hpp"
#include "fmt/core.h"

namespace {

namespace mapping = emscore::mapping;
using emscore::cli::Context;

int function_code(mapping::Table t) {
  switch (t) {
    case mapping::Table::kCoil: return 1;
    case mapping::Table::kDiscreteInput: return 2;
    case mapping::Table::kHoldingRegister: return 3;
    case mapping::Table::kInputRegister: return 4;
  }
  return 3;
}

// Compares readings with a golden test's expectations; "" when they agree.
std::string compare(const std::vector<emscore::Reading>& out,
                    const std::vector<mapping::ExpectedReading>& expect,
                    const std::vector<mapping::FieldError>& errors) {
  if (!errors.empty()) return errors.front().message;
  if (out.size() != expect.size()) {
    return fmt::format("{} readings, expected {}", out.size(), expect.size());
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].quantity != expect[i].obis || out[i].value.unit != expect[i].value.unit ||
        !(out[i].value == expect[i].value)) {
      return fmt::format("reading {}: {} = {}, expected {} = {}", i, out[i].quantity.to_string(),
                         out[i].value.to_string_with_unit(), expect[i].obis.to_string(),
                         expect[i].value.to_string_with_unit());
    }
  }
  return {};
}

// Runs the golden tests of a file; the failures as "test NAME: why".
std::vector<std::string> run_golden(const mapping::DriverFile& file, std::size_t& run) {
  std::vector<std::string> failures;
  run = 0;
  if (const auto* d = std::get_if<mapping::ModbusDriver>(&file.driver)) {
    for (const auto& t : file.modbus_tests) {
      ++run;
      const auto blocks = t.blocks();
      std::vector<emscore::Reading> out;
      std::vector<mapping::FieldError> errors;
      mapping::apply(*d, blocks, emscore::DeviceRef{0}, absl::UnixEpoch(), out, &errors);
      if (auto why = compare(out, t.expect, errors); !why.empty()) {
        failures.push_back(fmt::format("test \"{}\": {}", t.name, why));
      }
    }
  } else {
    const auto& b = std::get<mapping::MbusDriver>(file.driver);
    for (const auto& t : file.mbus_tests) {
      ++run;
      auto frame = emscore::mbus::parse_frame(t.frame);
      absl::StatusOr<emscore::mbus::Telegram> telegram =
          frame.ok() ? emscore::mbus::parse_telegram(*frame) : frame.status();
      if (!telegram.ok()) {
        failures.push_back(fmt::format("test \"{}\": {}", t.name, emscore::to_std(telegram.status().message())));
        continue;
      }
      auto key = mapping::mbus_match_key(*telegram);
      if (!key.ok() || !(*key == b.match)) {
        failures.push_back(fmt::format(
            "test \"{}\": the frame is {} medium {} version {} with {} records, the driver matches "
            "{} medium {} version {} with {} records",
            t.name, key.ok() ? key->manufacturer : "?", key.ok() ? key->medium : 0,
            key.ok() ? key->version : 0, key.ok() ? key->records : 0, b.match.manufacturer,
            b.match.medium, b.match.version, b.match.records));
        continue;
      }
      std::vector<emscore::Reading> out;
      std::vector<mapping::FieldError> errors;
      mapping::apply(b, *telegram, emscore::DeviceRef{0}, absl::UnixEpoch(), out, &errors);
      if (auto why = compare(out, t.expect, errors); !why.empty()) {
        failures.push_back(fmt::format("test \"{}\": {}", t.name, why));
      }
    }
  }
  return failures;
}

// The register number as manuals write it: 30001 = input register 0, 40001 = holding 0.
std::string modicon(mapping::Table t, std::uint16_t start) {
  const int prefix = t == mapping::Table::kCoil ? 0 : t == mapping::Table::kDiscreteInput ? 1
                     : t == mapping::Table::kInputRegister ? 3 : 4;
  const long n = start + 1L;
  return n <= 9999 ? fmt::format("{}{:04}", prefix, n) : fmt::format("{}{:05}", prefix, n);
}

bool parse_number(const std::string& text, long lo, long hi, long& out) {
  char* end = nullptr;
  out = std::strtol(text.c_str(), &end, 10);
  return !text.empty() && end != nullptr && *end == '\0' && out >= lo && out <= hi;
}

int check_one(const std::string& path, const mapping::PlanOptions& opt, Context& ctx) {
  auto file = mapping::load_driver_file(path);
  if (!file.ok()) return emscore::cli::fail(ctx, file.status());
  std::size_t tests = 0;
  const auto failures = run_golden(*file, tests);
  boost::json::object o;
  o["file"] = path;
  const bool text = ctx.format == emscore::cli::Format::kText;

  if (const auto* d = std::get_if<mapping::ModbusDriver>(&file->driver)) {
    auto plan = mapping::plan_reads(*d, opt);
    if (!plan.ok()) return emscore::cli::fail(ctx, fmt::format("{}: {}", path, emscore::to_std(plan.status().message())));
    if (text) {
      fmt::print(ctx.out, "{}: modbus driver \"{}\" ({} {}), {} fields, {} planned reads\n", path, d->id,
                 d->manufacturer, d->model, d->fields.size(), plan->size());
    }
    boost::json::array reads;
    for (const mapping::PlannedRead& r : *plan) {
      boost::json::array fields;
      for (std::size_t i : r.fields) {
        fields.push_back(boost::json::object{{"index", i}, {"name", d->fields[i].meaning.name},
                                             {"address", d->fields[i].address}});
      }
      if (text) {
        fmt::print(ctx.out, "  FC {:02} {:<14} start {:>5} {:<9} count {:>4}  fields", function_code(r.table),
                   mapping::table_name(r.table), r.start, "(" + modicon(r.table, r.start) + ")", r.count);
        for (std::size_t i : r.fields) fmt::print(ctx.out, " {}", i);
        fmt::print(ctx.out, "\n");
      }
      reads.push_back(boost::json::object{{"fc", function_code(r.table)},
                                          {"table", mapping::table_name(r.table)},
                                          {"start", r.start},
                                          {"count", r.count},
                                          {"fields", std::move(fields)}});
    }
    o["kind"] = "modbus";
    o["id"] = d->id;
    o["fields"] = d->fields.size();
    o["reads"] = std::move(reads);
  } else {
    const auto& b = std::get<mapping::MbusDriver>(file->driver);
    if (text) {
      fmt::print(ctx.out, "{}: mbus driver \"{}\", matches {} medium {} version {} with {} records, {} fields\n",
                 path, b.id, b.match.manufacturer, b.match.medium, b.match.version, b.match.records,
                 b.fields.size());
    }
    boost::json::array fields;
    for (std::size_t i = 0; i < b.fields.size(); ++i) {
      const auto& f = b.fields[i];
      if (text) {
        fmt::print(ctx.out, "  record {:>3}  {}{}\n", f.record, f.meaning.name,
                   f.meaning.obis ? " -> " + f.meaning.obis->to_string() : std::string());
      }
      boost::json::object fo{{"index", i}, {"record", f.record}, {"name", f.meaning.name}};
      if (f.meaning.obis) fo["obis"] = f.meaning.obis->to_string();
      fields.push_back(std::move(fo));
    }
    o["kind"] = "mbus";
    o["id"] = b.id;
    o["match"] = boost::json::object{{"manufacturer", b.match.manufacturer},
                                     {"medium", b.match.medium},
                                     {"version", b.match.version},
                                     {"records", b.match.records}};
    o["fields"] = std::move(fields);
  }
  o["tests"] = boost::json::object{{"run", tests}, {"passed", tests - failures.size()}};
  if (text) fmt::print(ctx.out, "  golden tests: {} of {} passed\n", tests - failures.size(), tests);
  if (!text) emscore::cli::print_json(ctx, o);
  for (const auto& f : failures) emscore::cli::fail(ctx, fmt::format("{}: {}", path, f));
  return failures.empty() ? 0 : 2;
}

int run_driver_check(std::span<const std::string> args, Context& ctx) {
  mapping::PlanOptions opt;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    long n = 0;
    if (a == "--max-registers" || a == "--max-gap") {
      const bool regs = a == "--max-registers";
      if (i + 1 >= args.size() || !parse_number(args[i + 1], regs ? 1 : 0, regs ? 125 : 125, n)) {
        return emscore::cli::fail(ctx, fmt::format("driver check: {} takes a number {}", a, regs ? "1-125" : "0-125"));
      }
      ++i;
      (regs ? opt.max_registers : opt.max_gap) = static_cast<std::uint16_t>(n);
    } else if (a.rfind("--", 0) == 0) {
      return emscore::cli::fail(ctx, fmt::format("driver check: unknown option {} (expected --max-registers N, --max-gap N)", a));
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) return emscore::cli::fail(ctx, "driver check: give one or more driver files (e.g. drivers/eastron_sdm630.json)");
  int status = 0;
  for (const auto& f : files) status = std::max(status, check_one(f, opt, ctx));
  return status;
}

}  // namespace

EMSCORE_CLI_COMMAND("driver check",
                    "validate driver files, run their golden tests, print the planned reads",
                    "FILE... [--max-registers N] [--max-gap N]   (exit 0 valid, 2 invalid or a golden test fails)",
                    run_driver_check);
