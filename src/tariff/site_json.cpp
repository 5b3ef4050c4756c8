#include "emscore/tariff/site_json.hpp"

#include <initializer_list>
#include <string>

#include "boost/json/parse.hpp"
#include "boost/json/value.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/time.hpp"

namespace emscore::tariff {
namespace {

namespace json = boost::json;

absl::Status path_error(const std::string& path, std::string_view detail) {
  return absl::InvalidArgumentError(str_cat("tariff: ", path, ": ", detail));
}

std::string_view sv(const json::string& s) { return {s.data(), s.size()}; }

absl::Status only_keys(const json::object& o, const std::string& path,
                       std::initializer_list<std::string_view> keys) {
  for (const auto& kv : o) {
    const std::string_view k(kv.key().data(), kv.key().size());
    bool known = false;
    for (std::string_view allowed : keys) known = known || allowed == k;
    if (!known) return path_error(path, str_cat("unknown key \"", k, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<const json::object*> get_object(const json::value& v, const std::string& path) {
  if (!v.is_object()) return path_error(path, "expected an object");
  return &v.get_object();
}

absl::StatusOr<std::string_view> get_string(const json::object& o, std::string_view key,
                                            const std::string& path, bool required) {
  const auto* v = o.if_contains(json::string_view(key.data(), key.size()));
  if (v == nullptr) {
    if (required) return path_error(str_cat(path, ".", key), "missing");
    return std::string_view();
  }
  if (v->is_number()) {
    return path_error(str_cat(path, ".", key),
                      "a number; write it as a string (e.g. \"0.2155\") so that it stays exact");
  }
  if (!v->is_string()) return path_error(str_cat(path, ".", key), "expected a string");
  return sv(v->get_string());
}

absl::StatusOr<absl::CivilDay> parse_day(std::string_view text, const std::string& path) {
  absl::CivilDay d;
  if (text.size() != 10 || !absl::ParseCivilTime(std::string(text), &d) ||
      absl::FormatCivilTime(d) != text) {
    return path_error(path, str_cat("\"", text, "\" is not a date YYYY-MM-DD"));
  }
  return d;
}

absl::StatusOr<Tariff> parse_tariff(const json::value& v, const std::string& path) {
  EMSCORE_ASSIGN_OR_RETURN(const json::object* o, get_object(v, path));
  EMSCORE_RETURN_IF_ERROR(only_keys(*o, path, {"name", "colour", "color", "prices"}));
  Tariff t;
  EMSCORE_ASSIGN_OR_RETURN(std::string_view name, get_string(*o, "name", path, true));
  t.name = std::string(name);
  EMSCORE_ASSIGN_OR_RETURN(std::string_view colour, get_string(*o, "colour", path, false));
  if (colour.empty()) {
    EMSCORE_ASSIGN_OR_RETURN(colour, get_string(*o, "color", path, false));
  }
  t.colour = std::string(colour);
  const auto* prices = o->if_contains("prices");
  if (prices == nullptr || !prices->is_array()) {
    return path_error(str_cat(path, ".prices"), "expected an array of prices");
  }
  const auto& arr = prices->get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string p = str_cat(path, ".prices[", i, "]");
    EMSCORE_ASSIGN_OR_RETURN(const json::object* po, get_object(arr[i], p));
    EMSCORE_RETURN_IF_ERROR(only_keys(*po, p, {"from", "price"}));
    PricePoint pp;
    EMSCORE_ASSIGN_OR_RETURN(std::string_view from, get_string(*po, "from", p, false));
    if (!from.empty()) {
      EMSCORE_ASSIGN_OR_RETURN(pp.valid_from, parse_day(from, p + ".from"));
    }
    EMSCORE_ASSIGN_OR_RETURN(std::string_view price, get_string(*po, "price", p, true));
    auto value = Value::parse(price);
    if (!value.ok()) return path_error(p + ".price", to_std(value.status().message()));
    pp.price = *value;
    t.prices.push_back(pp);
  }
  EMSCORE_RETURN_IF_ERROR(with_context(t.validate(), path));
  return t;
}

absl::StatusOr<CostRule> parse_rule(const json::value& v, const std::string& path,
                                    const std::vector<Tariff>& tariffs) {
  EMSCORE_ASSIGN_OR_RETURN(const json::object* o, get_object(v, path));
  EMSCORE_RETURN_IF_ERROR(
      only_keys(*o, path, {"tariff", "date", "from", "to", "every_year", "time", "weekdays"}));
  CostRule r;
  EMSCORE_ASSIGN_OR_RETURN(std::string_view tariff, get_string(*o, "tariff", path, true));
  r.tariff = -1;
  for (std::size_t i = 0; i < tariffs.size(); ++i) {
    if (tariffs[i].name == tariff) r.tariff = static_cast<int>(i);
  }
  if (r.tariff < 0)
    return path_error(path + ".tariff", str_cat("no tariff named \"", tariff, "\""));
  EMSCORE_ASSIGN_OR_RETURN(std::string_view date, get_string(*o, "date", path, false));
  EMSCORE_ASSIGN_OR_RETURN(std::string_view from, get_string(*o, "from", path, false));
  EMSCORE_ASSIGN_OR_RETURN(std::string_view to, get_string(*o, "to", path, false));
  if (!date.empty() && (!from.empty() || !to.empty())) {
    return path_error(path, "give either \"date\" or \"from\"/\"to\", not both");
  }
  if (!date.empty()) {
    EMSCORE_ASSIGN_OR_RETURN(r.from, parse_day(date, path + ".date"));
    r.to = r.from;
  }
  if (!from.empty()) {
    EMSCORE_ASSIGN_OR_RETURN(r.from, parse_day(from, path + ".from"));
  }
  if (!to.empty()) {
    EMSCORE_ASSIGN_OR_RETURN(r.to, parse_day(to, path + ".to"));
  }
  if (const auto* ey = o->if_contains("every_year")) {
    if (!ey->is_bool()) return path_error(path + ".every_year", "expected true or false");
    r.every_year = ey->get_bool();
  }
  EMSCORE_ASSIGN_OR_RETURN(std::string_view time, get_string(*o, "time", path, false));
  if (!time.empty()) {
    auto w = DayWindow::parse(time);
    if (!w.ok()) return path_error(path + ".time", to_std(w.status().message()));
    r.window = *w;
  }
  EMSCORE_ASSIGN_OR_RETURN(std::string_view days, get_string(*o, "weekdays", path, false));
  if (!days.empty()) {
    auto w = WeekdaySet::parse(days);
    if (!w.ok()) return path_error(path + ".weekdays", to_std(w.status().message()));
    r.weekdays = *w;
  }
  EMSCORE_RETURN_IF_ERROR(with_context(r.validate(tariffs.size()), path));
  return r;
}

absl::StatusOr<TariffPlan> parse_plan(const json::value& v, const std::string& path) {
  EMSCORE_ASSIGN_OR_RETURN(const json::object* o, get_object(v, path));
  EMSCORE_RETURN_IF_ERROR(only_keys(*o, path, {"tariffs", "rules"}));
  TariffPlan plan;
  for (std::string_view key : {"tariffs", "rules"}) {
    const auto* a = o->if_contains(json::string_view(key.data(), key.size()));
    if (a == nullptr) continue;
    if (!a->is_array()) return path_error(str_cat(path, ".", key), "expected an array");
    const auto& arr = a->get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string p = str_cat(path, ".", key, "[", i, "]");
      if (key == "tariffs") {
        EMSCORE_ASSIGN_OR_RETURN(Tariff t, parse_tariff(arr[i], p));
        for (const Tariff& other : plan.tariffs) {
          if (other.name == t.name) return path_error(p, str_cat("tariff \"", t.name, "\" twice"));
        }
        plan.tariffs.push_back(std::move(t));
      } else {
        EMSCORE_ASSIGN_OR_RETURN(CostRule r, parse_rule(arr[i], p, plan.tariffs));
        plan.rules.push_back(r);
      }
    }
  }
  return plan;
}

}  // namespace

absl::StatusOr<Site> site_from_json(std::string_view json_text) {
  boost::system::error_code ec;
  const json::value root = json::parse(json::string_view(json_text.data(), json_text.size()), ec);
  if (ec) return path_error("$", str_cat("not JSON: ", ec.message()));
  const std::string path = "$";
  EMSCORE_ASSIGN_OR_RETURN(const json::object* o, get_object(root, path));
  EMSCORE_RETURN_IF_ERROR(only_keys(
      *o, path,
      {"currency", "time_zone", "gas_kwh_per_m3", "electricity", "gas", "water", "devices"}));
  Site site;
  EMSCORE_ASSIGN_OR_RETURN(std::string_view cur, get_string(*o, "currency", path, true));
  auto currency = Currency::parse(cur);
  if (!currency.ok()) return path_error("$.currency", to_std(currency.status().message()));
  site.currency = *currency;
  EMSCORE_ASSIGN_OR_RETURN(std::string_view zone, get_string(*o, "time_zone", path, true));
  auto tz = load_time_zone(zone);
  if (!tz.ok()) return path_error("$.time_zone", to_std(tz.status().message()));
  site.time_zone = *tz;
  EMSCORE_ASSIGN_OR_RETURN(std::string_view factor, get_string(*o, "gas_kwh_per_m3", path, false));
  if (!factor.empty()) {
    auto f = Value::parse(factor, Unit::kNone);
    if (!f.ok()) return path_error("$.gas_kwh_per_m3", to_std(f.status().message()));
    if (f->mantissa < 0) return path_error("$.gas_kwh_per_m3", "negative");
    site.gas_kwh_per_m3 = *f;
  }
  for (Medium m : kMedia) {
    const std::string_view name = medium_name(m);
    if (const auto* v = o->if_contains(json::string_view(name.data(), name.size()))) {
      EMSCORE_ASSIGN_OR_RETURN(site.plan(m), parse_plan(*v, str_cat("$.", name)));
    }
  }
  if (const auto* devs = o->if_contains("devices")) {
    if (!devs->is_array()) return path_error("$.devices", "expected an array");
    const auto& arr = devs->get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string p = str_cat("$.devices[", i, "]");
      EMSCORE_ASSIGN_OR_RETURN(const json::object* d, get_object(arr[i], p));
      EMSCORE_RETURN_IF_ERROR(
          only_keys(*d, p, {"id", "medium", "load", "group", "exclude_from_totals"}));
      Device dev;
      EMSCORE_ASSIGN_OR_RETURN(std::string_view id, get_string(*d, "id", p, true));
      dev.id = std::string(id);
      EMSCORE_ASSIGN_OR_RETURN(std::string_view medium, get_string(*d, "medium", p, true));
      const auto m = parse_medium(medium);
      if (!m) {
        return path_error(p + ".medium",
                          str_cat("\"", medium, "\", expected electricity, gas or water"));
      }
      dev.medium = *m;
      EMSCORE_ASSIGN_OR_RETURN(std::string_view load, get_string(*d, "load", p, false));
      dev.load = std::string(load);
      EMSCORE_ASSIGN_OR_RETURN(std::string_view group, get_string(*d, "group", p, false));
      dev.group = std::string(group);
      if (const auto* ex = d->if_contains("exclude_from_totals")) {
        if (!ex->is_bool()) return path_error(p + ".exclude_from_totals", "expected true or false");
        dev.exclude_from_totals = ex->get_bool();
      }
      site.devices.push_back(std::move(dev));
    }
  }
  EMSCORE_RETURN_IF_ERROR(site.validate());
  return site;
}

}  // namespace emscore::tariff
