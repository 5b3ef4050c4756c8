#include "emscore/tariff/interval.hpp"

#include <array>

#include "emscore/core/status.hpp"
#include "emscore/core/time.hpp"

namespace emscore::tariff {
namespace {

constexpr std::string_view kHeader = "device,start,end,consumption,unit";
constexpr std::array<std::string_view, 5> kColumns = {"device", "start", "end", "consumption",
                                                      "unit"};

absl::Status line_error(std::size_t line, std::string_view column, std::string_view detail) {
  return absl::InvalidArgumentError(
      str_cat("tariff: profile line ", line, ", column ", column, ": ", detail));
}

}  // namespace

absl::StatusOr<std::vector<ConsumptionInterval>> parse_profile_csv(std::string_view text,
                                                                   const Site& site) {
  std::vector<ConsumptionInterval> out;
  bool header_seen = false;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (!header_seen) {
      if (line != kHeader) {
        return absl::InvalidArgumentError(str_cat("tariff: profile line ", line_no, ": header \"",
                                                  line, "\", expected \"", kHeader, "\""));
      }
      header_seen = true;
      continue;
    }
    std::array<std::string_view, 5> f;
    std::size_t n = 0;
    std::string_view rest = line;
    while (true) {
      const auto comma = rest.find(',');
      if (n == f.size()) {
        return absl::InvalidArgumentError(
            str_cat("tariff: profile line ", line_no, ": more than 5 columns"));
      }
      f[n++] = rest.substr(0, comma);
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
    if (n != f.size()) {
      return absl::InvalidArgumentError(
          str_cat("tariff: profile line ", line_no, ": ", n, " columns, expected 5"));
    }
    ConsumptionInterval iv;
    const int dev = site.device_index(f[0]);
    if (dev < 0) return line_error(line_no, kColumns[0], str_cat("unknown device \"", f[0], "\""));
    iv.device = static_cast<std::uint32_t>(dev);
    auto start = parse_iso8601(f[1]);
    if (!start.ok()) return line_error(line_no, kColumns[1], to_std(start.status().message()));
    auto end = parse_iso8601(f[2]);
    if (!end.ok()) return line_error(line_no, kColumns[2], to_std(end.status().message()));
    if (!(*start < *end)) return line_error(line_no, kColumns[2], "end is not after start");
    iv.start = *start;
    iv.end = *end;
    const auto unit = parse_unit(f[4]);
    if (!unit) return line_error(line_no, kColumns[4], str_cat("unknown unit \"", f[4], "\""));
    auto value = Value::parse(f[3], *unit);
    if (!value.ok()) return line_error(line_no, kColumns[3], to_std(value.status().message()));
    if (value->mantissa < 0) return line_error(line_no, kColumns[3], "negative consumption");
    iv.consumption = *value;
    out.push_back(iv);
  }
  if (!header_seen) {
    return absl::InvalidArgumentError(
        str_cat("tariff: profile has no header (expected \"", kHeader, "\")"));
  }
  return out;
}

std::string format_profile_csv(const std::vector<ConsumptionInterval>& intervals,
                               const Site& site) {
  std::string out = str_cat(kHeader, "\n");
  for (const auto& iv : intervals) {
    const std::string_view id =
        iv.device < site.devices.size() ? std::string_view(site.devices[iv.device].id) : "?";
    out += str_cat(id, ",", format_iso8601_utc(iv.start), ",", format_iso8601_utc(iv.end), ",",
                   iv.consumption.to_string(), ",", unit_symbol(iv.consumption.unit), "\n");
  }
  return out;
}

}  // namespace emscore::tariff
