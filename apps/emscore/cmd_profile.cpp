// `emscore profile import|export|stats` — the load-profile store from the command line.
//   emscore profile import DB --device N --obis CODE --unit kWh  < time,value[,quality] lines
//   emscore profile export DB --device N [--obis CODE]... [--from T] [--to T] [--tier N]
//                          [--as csv|json] [--decimal point|comma] [--separator comma|semicolon]
//                          [--tz ZONE] [--serial S] [--name NAME]
//   emscore profile stats DB
#include <charconv>
#include <map>
#include <optional>
#include <string>

#include "boost/json/array.hpp"
#include "boost/json/object.hpp"
#include "cli.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/time.hpp"
#include "emscore/profile/export.hpp"
#include "emscore/profile/store.hpp"
#include "fmt/core.h"

namespace {

using emscore::cli::Context;
using emscore::cli::fail;
namespace profile = emscore::profile;

// "--key value" options after the positional database path.
struct Args {
  std::string db;
  std::multimap<std::string, std::string> opts;
  std::optional<std::string> get(const std::string& k) const {
    auto it = opts.find(k);
    if (it == opts.end()) return std::nullopt;
    return it->second;
  }
};

std::optional<Args> parse_args(std::span<const std::string> args, Context& ctx, int* status) {
  Args a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& s = args[i];
    if (s.rfind("--", 0) == 0) {
      if (i + 1 >= args.size()) {
        *status = fail(ctx, "profile: option " + s + " needs a value");
        return std::nullopt;
      }
      a.opts.emplace(s.substr(2), args[++i]);
    } else if (a.db.empty()) {
      a.db = s;
    } else {
      *status = fail(ctx, "profile: unexpected argument '" + s + "'");
      return std::nullopt;
    }
  }
  if (a.db.empty()) {
    *status = fail(ctx, "profile: give the store's database file");
    return std::nullopt;
  }
  return a;
}

std::optional<std::uint32_t> device_of(const Args& a, Context& ctx, int* status) {
  const auto d = a.get("device");
  if (!d) {
    *status = fail(ctx, "profile: --device N is required");
    return std::nullopt;
  }
  std::uint32_t id = 0;
  const auto r = std::from_chars(d->data(), d->data() + d->size(), id);
  if (r.ec != std::errc() || r.ptr != d->data() + d->size()) {
    *status = fail(ctx, "profile: --device takes a number, got '" + *d + "'");
    return std::nullopt;
  }
  return id;
}

std::optional<emscore::Quality> quality_of(std::string_view s) {
  for (int q = 0; q < 5; ++q) {
    if (emscore::quality_name(static_cast<emscore::Quality>(q)) == s) {
      return static_cast<emscore::Quality>(q);
    }
  }
  return std::nullopt;
}

int run_import(std::span<const std::string> args, Context& ctx) {
  int status = 2;
  auto a = parse_args(args, ctx, &status);
  if (!a) return status;
  auto dev = device_of(*a, ctx, &status);
  if (!dev) return status;
  auto code = emscore::obis::ObisCode::parse(a->get("obis").value_or(""));
  if (!code.ok()) return fail(ctx, code.status());
  auto unit = emscore::parse_unit(a->get("unit").value_or(""));
  if (!unit) return fail(ctx, "profile: --unit takes a unit symbol such as kWh");
  std::vector<emscore::Reading> batch;
  const std::string text = emscore::cli::read_all(ctx.in);
  std::size_t line_no = 0, start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto c1 = line.find(',');
    if (c1 == std::string::npos) {
      return fail(ctx, fmt::format("profile: line {}: expected time,value[,quality]", line_no));
    }
    const auto c2 = line.find(',', c1 + 1);
    auto t = emscore::parse_iso8601(line.substr(0, c1));
    if (!t.ok()) return fail(ctx, emscore::with_context(t.status(), fmt::format("line {}", line_no)));
    auto v = emscore::Value::parse(line.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1), *unit);
    if (!v.ok()) return fail(ctx, emscore::with_context(v.status(), fmt::format("line {}", line_no)));
    emscore::Quality q = emscore::Quality::kMeasured;
    if (c2 != std::string::npos) {
      auto parsed = quality_of(line.substr(c2 + 1));
      if (!parsed) return fail(ctx, fmt::format("profile: line {}: unknown quality", line_no));
      q = *parsed;
    }
    batch.push_back(emscore::Reading{emscore::DeviceRef{*dev}, *code, *v, *t, q});
  }
  auto store = profile::Store::open(a->db);
  if (!store.ok()) return fail(ctx, store.status(), 1);
  auto rep = (*store)->ingest(batch);
  if (!rep.ok()) return fail(ctx, rep.status(), 1);
  boost::json::object o;
  o["accepted"] = rep->accepted;
  o["duplicates"] = rep->duplicates;
  boost::json::array rejected;
  for (const auto& r : rep->rejected) {
    boost::json::object x;
    x["index"] = r.index;  // of the reading among the imported lines
    x["error"] = std::string(emscore::to_std(r.status.message()));
    rejected.push_back(x);
  }
  o["rejected"] = rejected;
  emscore::cli::print_json(ctx, o);
  return rep->rejected.empty() ? 0 : 2;
}

int run_export(std::span<const std::string> args, Context& ctx) {
  int status = 2;
  auto a = parse_args(args, ctx, &status);
  if (!a) return status;
  auto dev = device_of(*a, ctx, &status);
  if (!dev) return status;
  absl::Time from = absl::InfinitePast(), to = absl::InfiniteFuture();
  if (auto f = a->get("from")) {
    auto t = emscore::parse_iso8601(*f);
    if (!t.ok()) return fail(ctx, t.status());
    from = *t;
  }
  if (auto f = a->get("to")) {
    auto t = emscore::parse_iso8601(*f);
    if (!t.ok()) return fail(ctx, t.status());
    to = *t;
  }
  absl::TimeZone tz = absl::UTCTimeZone();
  if (auto z = a->get("tz")) {
    auto loaded = emscore::load_time_zone(*z);
    if (!loaded.ok()) return fail(ctx, loaded.status());
    tz = *loaded;
  }
  int tier = 0;
  if (auto t = a->get("tier")) tier = std::atoi(t->c_str());
  const std::string as = a->get("as").value_or("csv");
  if (as != "csv" && as != "json") return fail(ctx, "profile: --as takes csv or json");
  auto store = profile::Store::open(a->db);
  if (!store.ok()) return fail(ctx, store.status(), 1);
  std::vector<emscore::obis::ObisCode> codes;
  for (auto [it, end] = a->opts.equal_range("obis"); it != end; ++it) {
    auto c = emscore::obis::ObisCode::parse(it->second);
    if (!c.ok()) return fail(ctx, c.status());
    codes.push_back(*c);
  }
  auto series = (*store)->list_series();
  if (!series.ok()) return fail(ctx, series.status(), 1);
  if (codes.empty()) {
    for (const auto& s : *series) {
      if (s.key.device.id == *dev && s.key.tier == tier && s.key.field == 0) codes.push_back(s.key.quantity);
    }
  }
  std::vector<profile::ExportSeries> out;
  for (const auto& code : codes) {
    emscore::Unit unit = emscore::Unit::kNone;
    for (const auto& s : *series) {
      if (s.key.device.id == *dev && s.key.quantity == code) unit = s.unit;
    }
    auto samples = (*store)->query({emscore::DeviceRef{*dev}, code,
                                    static_cast<std::uint8_t>(tier), 0}, from, to);
    if (!samples.ok()) return fail(ctx, samples.status(), 1);
    out.push_back({code, unit, std::move(*samples)});
  }
  if (as == "json") {
    profile::JsonExportInfo info;
    info.device_id = *dev;
    info.serial = a->get("serial").value_or("");
    info.name = a->get("name").value_or("");
    info.from = from;
    info.to = to;
    info.tz = tz;
    auto json = profile::to_json(out, info);
    if (!json.ok()) return fail(ctx, json.status(), 1);
    fmt::print(ctx.out, "{}\n", *json);
    return 0;
  }
  profile::CsvOptions o;
  o.tz = tz;
  if (auto d = a->get("decimal")) {
    if (*d != "point" && *d != "comma") return fail(ctx, "profile: --decimal takes point or comma");
    o.decimal = *d == "point" ? '.' : ',';
  }
  if (auto s = a->get("separator")) {
    if (*s != "comma" && *s != "semicolon") {
      return fail(ctx, "profile: --separator takes comma or semicolon");
    }
    o.separator = *s == "comma" ? ',' : ';';
  }
  auto csv = profile::to_csv(out, o);
  if (!csv.ok()) return fail(ctx, csv.status());
  fmt::print(ctx.out, "{}", *csv);
  return 0;
}

int run_stats(std::span<const std::string> args, Context& ctx) {
  int status = 2;
  auto a = parse_args(args, ctx, &status);
  if (!a) return status;
  auto store = profile::Store::open(a->db);
  if (!store.ok()) return fail(ctx, store.status(), 1);
  auto series = (*store)->list_series();
  if (!series.ok()) return fail(ctx, series.status(), 1);
  for (const auto& s : *series) {
    const double bits = s.samples ? 8.0 * static_cast<double>(s.bytes) / static_cast<double>(s.samples) : 0;
    if (ctx.format == emscore::cli::Format::kText) {
      fmt::print(ctx.out, "device {:<5} {:<14} tier {} field {}  {:>9} samples {:>6} blocks {:>10} bytes {:6.2f} bits/sample  {} .. {}\n",
                 s.key.device.id, s.key.quantity.to_string(), s.key.tier, s.key.field, s.samples,
                 s.blocks, s.bytes, bits, emscore::format_iso8601_utc(s.first),
                 emscore::format_iso8601_utc(s.last));
      continue;
    }
    boost::json::object o;
    o["device"] = s.key.device.id;
    o["obis"] = s.key.quantity.to_string();
    o["tier"] = s.key.tier;
    o["field"] = s.key.field;
    o["unit"] = emscore::unit_symbol(s.unit);
    o["samples"] = s.samples;
    o["blocks"] = s.blocks;
    o["bytes"] = s.bytes;
    o["bits_per_sample"] = bits;
    if (s.blocks > 0) {
      o["first"] = emscore::format_iso8601_utc(s.first);
      o["last"] = emscore::format_iso8601_utc(s.last);
    }
    emscore::cli::print_json(ctx, o);
  }
  return 0;
}

}  // namespace

EMSCORE_CLI_COMMAND("profile import", "store time,value[,quality] lines from stdin as one series",
                    "DB --device N --obis CODE --unit UNIT  < lines", run_import);
EMSCORE_CLI_COMMAND("profile export", "export a device's load profile as CSV or JSON",
                    "DB --device N [--obis CODE]... [--from T] [--to T] [--tier N] [--as csv|json] "
                    "[--decimal point|comma] [--separator comma|semicolon] [--tz ZONE] "
                    "[--serial S] [--name NAME]",
                    run_export);
EMSCORE_CLI_COMMAND("profile stats", "series, samples, blocks and bits per sample of a store",
                    "DB", run_stats);
