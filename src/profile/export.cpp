#include "emscore/profile/export.hpp"

#include <algorithm>

#include "absl/time/civil_time.h"
#include "emscore/core/status.hpp"
#include "emscore/core/time.hpp"

namespace emscore::profile {
namespace {

std::string decimal_text(const Value& v, char decimal) {
  std::string s = v.to_string();
  if (decimal != '.') std::replace(s.begin(), s.end(), '.', decimal);
  return s;
}

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += "0123456789abcdef"[(c >> 4) & 0xF];
          out += "0123456789abcdef"[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string time_text(absl::Time t, const absl::TimeZone& tz) {
  if (t == absl::InfinitePast()) return "-infinity";
  if (t == absl::InfiniteFuture()) return "infinity";
  return format_iso8601(t, tz);
}

std::string safe_name_part(std::string_view s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.';
    out += ok ? c : '_';
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> to_csv(std::span<const ExportSeries> series, const CsvOptions& o) {
  if (o.decimal != '.' && o.decimal != ',') {
    return absl::InvalidArgumentError("profile: CSV decimal separator must be '.' or ','");
  }
  if (o.separator != ',' && o.separator != ';') {
    return absl::InvalidArgumentError("profile: CSV field separator must be ',' or ';'");
  }
  if (o.decimal == o.separator) {
    return absl::InvalidArgumentError(
        "profile: CSV decimal comma needs the semicolon as field separator");
  }
  for (std::size_t i = 0; i < series.size(); ++i) {
    EMSCORE_RETURN_IF_ERROR(with_context(check_series(series[i].samples),
                                         str_cat("series ", series[i].quantity.to_string())));
  }
  std::string out = "time";
  for (const ExportSeries& s : series) {
    out += o.separator;
    out += s.quantity.to_string();
    if (s.unit != Unit::kNone) out += str_cat(" [", unit_symbol(s.unit), "]");
    if (o.quality) {
      out += o.separator;
      out += "quality " + s.quantity.to_string();
    }
  }
  out += "\r\n";
  // Merge by time: one cursor per series.
  std::vector<std::size_t> pos(series.size(), 0);
  for (;;) {
    absl::Time t = absl::InfiniteFuture();
    for (std::size_t i = 0; i < series.size(); ++i) {
      if (pos[i] < series[i].samples.size()) t = std::min(t, series[i].samples[pos[i]].at);
    }
    if (t == absl::InfiniteFuture()) break;
    out += format_iso8601(t, o.tz);
    for (std::size_t i = 0; i < series.size(); ++i) {
      const bool here = pos[i] < series[i].samples.size() && series[i].samples[pos[i]].at == t;
      out += o.separator;
      if (here) out += decimal_text(series[i].samples[pos[i]].value, o.decimal);
      if (o.quality) {
        out += o.separator;
        if (here) out += quality_name(series[i].samples[pos[i]].quality);
      }
      if (here) ++pos[i];
    }
    out += "\r\n";
  }
  return out;
}

absl::StatusOr<std::string> to_json(std::span<const ExportSeries> series,
                                    const JsonExportInfo& info) {
  std::string out = str_cat("{\"device\":{\"id\":", info.device_id, ",\"serial\":");
  json_string(out, info.serial);
  out += ",\"name\":";
  json_string(out, info.name);
  out += "},\"from\":";
  json_string(out, time_text(info.from, info.tz));
  out += ",\"to\":";
  json_string(out, time_text(info.to, info.tz));
  out += ",\"series\":[";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const ExportSeries& s = series[i];
    EMSCORE_RETURN_IF_ERROR(
        with_context(check_series(s.samples), str_cat("series ", s.quantity.to_string())));
    if (i > 0) out += ',';
    out += "{\"obis\":";
    json_string(out, s.quantity.to_string());
    out += ",\"unit\":";
    json_string(out, unit_symbol(s.unit));
    out += ",\"values\":[";
    for (std::size_t k = 0; k < s.samples.size(); ++k) {
      if (k > 0) out += ',';
      out += "{\"time\":";
      json_string(out, format_iso8601(s.samples[k].at, info.tz));
      // A JSON number with exactly the stored digits: Value::to_string() prints
      // [-]digits[.digits], which is valid JSON number syntax.
      out += ",\"value\":" + s.samples[k].value.to_string() + ",\"quality\":";
      json_string(out, quality_name(s.samples[k].quality));
      out += '}';
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

std::string logger_export_file_name(std::string_view serial, std::string_view device_name,
                                    std::uint32_t device_id, absl::Time exported_at,
                                    std::string_view extension, const absl::TimeZone& tz) {
  return str_cat("DataExport-", safe_name_part(serial), "-", safe_name_part(device_name), "-",
                 device_id, "-", safe_name_part(serial), "-",
                 absl::FormatTime("%Y%m%d_%H%M%S", exported_at, tz), ".", extension);
}

std::string history_file_name(std::uint32_t device_id, std::string_view type, absl::Time month,
                              const absl::TimeZone& tz) {
  return str_cat(device_id, "_", safe_name_part(type), "_",
                 absl::FormatTime("%Y-%m", month, tz), ".csv");
}

}  // namespace emscore::profile
