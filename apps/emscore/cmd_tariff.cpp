// `emscore tariff bill --rules rules.json --profile profile.csv [--period 2020-03]` — the bill
// of consumptions of a site (schema: docs/tariff.md, include/emscore/tariff/site_json.hpp;
// CSV: include/emscore/tariff/interval.hpp).
// `emscore tariff switches --zone Europe/Zurich --from 2020-03-23 --to 2020-03-30 CMD...` —
// the instants at which tariff-switch commands ("mon-fri@07:00=1") fire.
#include <cctype>
#include <cstdio>
#include <string>

#include "boost/json/array.hpp"
#include "boost/json/object.hpp"
#include "cli.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/time.hpp"
#include "emscore/tariff/bill.hpp"
#include "emscore/tariff/site_json.hpp"
#include "emscore/tariff/switch_schedule.hpp"
#include "fmt/core.h"

namespace {

using emscore::cli::Context;
namespace json = boost::json;
namespace tf = emscore::tariff;

absl::StatusOr<std::string> read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return absl::NotFoundError(emscore::str_cat("cannot open ", path));
  std::string s = emscore::cli::read_all(f);
  std::fclose(f);
  return s;
}

json::object amount_json(const tf::Amount& a) {
  json::object o;
  o["quantity"] = a.quantity.to_string();
  o["cost"] = a.cost.amount_string();
  return o;
}

json::object breakdown_json(const tf::Breakdown& b, const tf::TariffPlan& plan) {
  json::object o = amount_json(b.total);
  json::array tariffs;
  for (std::size_t t = 0; t < b.by_tariff.size(); ++t) {
    json::object to = amount_json(b.by_tariff[t]);
    to["tariff"] = plan.tariffs[t].name;
    if (!plan.tariffs[t].colour.empty()) to["colour"] = plan.tariffs[t].colour;
    tariffs.push_back(std::move(to));
  }
  o["tariffs"] = std::move(tariffs);
  o["unpriced"] = b.unpriced.to_string();
  if (b.kwh_equivalent) o["kwh_equivalent"] = b.kwh_equivalent->to_string();
  return o;
}

json::array parts_json(const std::vector<tf::PartBill>& parts, const tf::Site& site,
                       const char* key) {
  json::array a;
  for (const auto& p : parts) {
    json::object o = breakdown_json(p.amounts, site.plan(p.medium));
    o[key] = p.name;
    o["medium"] = tf::medium_name(p.medium);
    if (std::string_view(key) == "id") o["excluded_from_totals"] = p.excluded_from_totals;
    a.push_back(std::move(o));
  }
  return a;
}

void print_text(Context& ctx, const tf::Bill& bill, const tf::Site& site) {
  const std::string cur(bill.currency.code_view());
  fmt::print(ctx.out, "Bill {} ({}), {} intervals\n", bill.period.to_string(),
             site.time_zone.name(), bill.intervals);
  auto line = [&](std::string_view label, const tf::Amount& a, tf::Medium m) {
    fmt::print(ctx.out, "  {:<28} {:>18} {:<4} {:>14} {}\n", label, a.quantity.to_string(),
               emscore::unit_symbol(tf::billing_unit(m)), a.cost.amount_string(), cur);
  };
  for (tf::Medium m : tf::kMedia) {
    bool used = false;
    for (const auto& d : site.devices) used = used || d.medium == m;
    if (!used) continue;
    const tf::MediumBill& mb = bill.medium(m);
    fmt::print(ctx.out, "{}\n", tf::medium_name(m));
    for (std::size_t t = 0; t < mb.total.by_tariff.size(); ++t) {
      line(site.plan(m).tariffs[t].name, mb.total.by_tariff[t], m);
    }
    if (mb.total.unpriced.mantissa != 0) {
      fmt::print(ctx.out, "  {:<28} {:>18} {}\n", "(no rule / no price)",
                 mb.total.unpriced.to_string(), emscore::unit_symbol(tf::billing_unit(m)));
    }
    line("total", mb.total.total, m);
    if (mb.total.kwh_equivalent) {
      fmt::print(ctx.out, "  {:<28} {:>18} kWh\n", "kWh equivalent",
                 mb.total.kwh_equivalent->to_string());
    }
  }
  fmt::print(ctx.out, "devices\n");
  for (const auto& d : bill.devices) {
    line(d.excluded_from_totals ? d.name + " (excluded)" : d.name, d.amounts.total, d.medium);
  }
  fmt::print(ctx.out, "total {} {}\n", bill.total_cost.amount_string(), cur);
}

int run_bill(std::span<const std::string> args, Context& ctx) {
  std::string rules, profile, period_text;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has = i + 1 < args.size();
    if (args[i] == "--rules" && has) {
      rules = args[++i];
    } else if (args[i] == "--profile" && has) {
      profile = args[++i];
    } else if (args[i] == "--period" && has) {
      period_text = args[++i];
    } else {
      return emscore::cli::fail(ctx, "tariff bill: unknown or incomplete argument '" + args[i] +
                                         "' (expected --rules F --profile F [--period P])");
    }
  }
  if (rules.empty() || profile.empty()) {
    return emscore::cli::fail(ctx,
                              "tariff bill: give --rules rules.json and --profile profile.csv");
  }
  auto rules_text = read_file(rules);
  if (!rules_text.ok()) return emscore::cli::fail(ctx, rules_text.status(), 1);
  auto site = tf::site_from_json(*rules_text);
  if (!site.ok()) return emscore::cli::fail(ctx, emscore::with_context(site.status(), rules));
  auto profile_text = read_file(profile);
  if (!profile_text.ok()) return emscore::cli::fail(ctx, profile_text.status(), 1);
  auto intervals = tf::parse_profile_csv(*profile_text, *site);
  if (!intervals.ok()) {
    return emscore::cli::fail(ctx, emscore::with_context(intervals.status(), profile));
  }
  tf::BillPeriod period;
  if (!period_text.empty()) {
    auto p = tf::BillPeriod::parse(period_text);
    if (!p.ok()) return emscore::cli::fail(ctx, p.status());
    period = *p;
  } else if (!intervals->empty()) {  // the month of the first interval, in site time
    period =
        tf::BillPeriod::month(absl::CivilMonth(site->time_zone.At(intervals->front().start).cs));
  } else {
    return emscore::cli::fail(ctx, "tariff bill: empty profile and no --period");
  }
  auto bill = tf::compute_bill(*site, period, *intervals);
  if (!bill.ok()) return emscore::cli::fail(ctx, bill.status());
  if (ctx.format == emscore::cli::Format::kText) {
    print_text(ctx, *bill, *site);
    return 0;
  }
  json::object o;
  o["period"] = bill->period.to_string();
  o["currency"] = std::string(bill->currency.code_view());
  o["time_zone"] = site->time_zone.name();
  o["intervals"] = bill->intervals;
  o["total_cost"] = bill->total_cost.amount_string();
  json::array media;
  for (tf::Medium m : tf::kMedia) {
    bool used = false;
    for (const auto& d : site->devices) used = used || d.medium == m;
    if (!used) continue;
    const tf::MediumBill& mb = bill->medium(m);
    json::object mo = breakdown_json(mb.total, site->plan(m));
    mo["medium"] = tf::medium_name(m);
    mo["unit"] = emscore::unit_symbol(tf::billing_unit(m));
    json::array buckets;
    for (std::size_t b = 0; b < mb.by_bucket.size(); ++b) {
      json::object bo = breakdown_json(mb.by_bucket[b], site->plan(m));
      bo["start"] = emscore::format_iso8601(bill->buckets[b].start, site->time_zone);
      buckets.push_back(std::move(bo));
    }
    mo["buckets"] = std::move(buckets);
    media.push_back(std::move(mo));
  }
  o["media"] = std::move(media);
  o["devices"] = parts_json(bill->devices, *site, "id");
  o["loads"] = parts_json(bill->loads, *site, "load");
  o["groups"] = parts_json(bill->groups, *site, "group");
  emscore::cli::print_json(ctx, o);
  return 0;
}

// "mon-fri@07:00=1" or "sat@00:00=2" (name = the text itself).
absl::StatusOr<tf::SwitchCommand> parse_command(const std::string& text) {
  const auto at = text.find('@');
  const auto eq = text.find('=', at == std::string::npos ? 0 : at);
  auto bad = [&] {
    return absl::InvalidArgumentError(emscore::str_cat(
        "tariff switches: \"", text, "\" is not DAYS@HH:MM=TARIFF (e.g. mon-fri@07:00=1)"));
  };
  if (at == std::string::npos || eq == std::string::npos || eq - at != 6) return bad();
  auto days = tf::WeekdaySet::parse(std::string_view(text).substr(0, at));
  if (!days.ok()) return days.status();
  // A command takes one first..last range (which may wrap): the set must be a single run.
  int first = 0, last = 6;
  if (*days != tf::WeekdaySet::all()) {
    first = -1;
    for (int d = 0; d < 7; ++d) {
      const bool in = days->contains(static_cast<absl::Weekday>(d));
      const bool prev = days->contains(static_cast<absl::Weekday>((d + 6) % 7));
      if (in && !prev) {
        if (first >= 0) return bad();  // two runs
        first = d;
      }
    }
    last = first;
    while (days->contains(static_cast<absl::Weekday>((last + 1) % 7))) last = (last + 1) % 7;
  }
  const std::string hhmm = text.substr(at + 1, 5);
  if (hhmm[2] != ':' || !std::isdigit(static_cast<unsigned char>(hhmm[0])) ||
      !std::isdigit(static_cast<unsigned char>(hhmm[1])) ||
      !std::isdigit(static_cast<unsigned char>(hhmm[3])) ||
      !std::isdigit(static_cast<unsigned char>(hhmm[4]))) {
    return bad();
  }
  tf::SwitchCommand c;
  c.name = text;
  c.first_day = static_cast<absl::Weekday>(first);
  c.last_day = static_cast<absl::Weekday>(last);
  c.hour = (hhmm[0] - '0') * 10 + (hhmm[1] - '0');
  c.minute = (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
  const std::string t = text.substr(eq + 1);
  if (t.empty() || t.size() > 3 || t.find_first_not_of("0123456789") != std::string::npos) {
    return bad();
  }
  c.tariff = std::stoi(t);
  return c;
}

int run_switches(std::span<const std::string> args, Context& ctx) {
  std::string zone = "UTC", from_text, to_text;
  std::vector<tf::SwitchCommand> cmds;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has = i + 1 < args.size();
    if (args[i] == "--zone" && has) {
      zone = args[++i];
    } else if (args[i] == "--from" && has) {
      from_text = args[++i];
    } else if (args[i] == "--to" && has) {
      to_text = args[++i];
    } else {
      auto c = parse_command(args[i]);
      if (!c.ok()) return emscore::cli::fail(ctx, c.status());
      cmds.push_back(*c);
    }
  }
  auto tz = emscore::load_time_zone(zone);
  if (!tz.ok()) return emscore::cli::fail(ctx, tz.status());
  absl::CivilDay from, to;
  if (!absl::ParseCivilTime(from_text, &from) || !absl::ParseCivilTime(to_text, &to) ||
      !(from < to)) {
    return emscore::cli::fail(
        ctx, "tariff switches: give --from YYYY-MM-DD --to YYYY-MM-DD (after from)");
  }
  auto schedule = tf::SwitchSchedule::create(std::move(cmds));
  if (!schedule.ok()) return emscore::cli::fail(ctx, schedule.status());
  for (const std::string& w : schedule->warnings())
    fmt::print(ctx.err, "emscore: warning: {}\n", w);
  const auto events = schedule->events(*tz, tf::civil_instant(*tz, absl::CivilSecond(from)),
                                       tf::civil_instant(*tz, absl::CivilSecond(to)));
  for (const auto& e : events) {
    if (ctx.format == emscore::cli::Format::kText) {
      fmt::print(ctx.out, "{}  tariff {}  ({})\n", emscore::format_iso8601(e.at, *tz), e.tariff,
                 schedule->commands()[e.command].name);
      continue;
    }
    json::object o;
    o["at"] = emscore::format_iso8601(e.at, *tz);
    o["utc"] = emscore::format_iso8601_utc(e.at);
    o["tariff"] = e.tariff;
    o["command"] = schedule->commands()[e.command].name;
    emscore::cli::print_json(ctx, o);
  }
  return 0;
}

}  // namespace

EMSCORE_CLI_COMMAND("tariff bill",
                    "bill of consumptions: cost per tariff, period, device, load, group",
                    "--rules rules.json --profile profile.csv [--period YYYY|YYYY-MM|YYYY-MM-DD]",
                    run_bill);
EMSCORE_CLI_COMMAND("tariff switches", "instants at which tariff-switch commands fire",
                    "--zone ZONE --from YYYY-MM-DD --to YYYY-MM-DD DAYS@HH:MM=TARIFF... "
                    "(e.g. mon-fri@07:00=1 mon-fri@20:00=2)",
                    run_switches);
