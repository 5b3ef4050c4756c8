// emscore/mapping/json_reader.hpp — reading JSON configuration with errors that name the path.
//
// Drivers and the reference gateway's configuration are JSON written by people. A reader that
// says "$.devices[2].bus: expected a string, got an integer" or "unknown key \"baudrate\"
// (expected one of ...)" saves an installer an afternoon. JsonReader wraps one value and its
// path; child()/element() descend, the typed getters check kind and range and fall back to a
// default when a key is optional. Unknown keys are refused by expect_object(): a misspelt key
// must not silently leave a setting at its default.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "boost/json.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/core/value.hpp"

namespace emscore::mapping {

class JsonReader {
 public:
  JsonReader(const boost::json::value& v, std::string path, std::string_view origin)
      : v_(&v), path_(std::move(path)), origin_(origin) {}

  absl::Status error(std::string_view msg) const {
    return absl::InvalidArgumentError(str_cat(origin_, ": ", path_, ": ", msg));
  }
  const boost::json::value& value() const { return *v_; }
  const std::string& path() const { return path_; }
  std::string_view origin() const { return origin_; }

  bool is_object() const { return v_->is_object(); }
  const boost::json::value* find(std::string_view key) const {
    if (!v_->is_object()) return nullptr;
    return v_->as_object().if_contains(boost::json::string_view(key.data(), key.size()));
  }
  bool has(std::string_view key) const { return find(key) != nullptr; }
  // The value at `key` (a JSON null when the key is absent, so that an error can still name
  // the path).
  JsonReader child(std::string_view key) const {
    static const boost::json::value kNull;
    const boost::json::value* x = find(key);
    return JsonReader(x != nullptr ? *x : kNull, str_cat(path_, ".", key), origin_);
  }
  JsonReader element(const boost::json::array& a, std::size_t i) const {
    return JsonReader(a[i], str_cat(path_, "[", i, "]"), origin_);
  }

  // An object whose keys are all in `known`.
  absl::Status expect_object(std::span<const std::string_view> known) const {
    if (!v_->is_object()) return error(str_cat("expected an object, got ", kind(*v_)));
    for (const auto& kv : v_->as_object()) {
      const std::string_view key(kv.key().data(), kv.key().size());
      bool ok = false;
      for (auto k : known) ok = ok || k == key;
      if (!ok) {
        std::string list;
        for (auto k : known) list += str_cat(list.empty() ? "" : ", ", k);
        return error(str_cat("unknown key \"", key, "\" (expected one of ", list, ")"));
      }
    }
    return absl::OkStatus();
  }
  absl::Status expect_object(std::initializer_list<std::string_view> known) const {
    return expect_object(std::span<const std::string_view>(known.begin(), known.size()));
  }

  absl::StatusOr<std::string> string(std::string_view key, bool required,
                                     std::string_view fallback = "") const {
    const boost::json::value* x = find(key);
    if (x == nullptr) {
      if (required) return error(str_cat("missing \"", key, "\""));
      return std::string(fallback);
    }
    if (!x->is_string()) return child(key).error(str_cat("expected a string, got ", kind(*x)));
    return std::string(x->as_string().data(), x->as_string().size());
  }
  absl::StatusOr<std::int64_t> integer(std::string_view key, bool required, std::int64_t lo,
                                       std::int64_t hi, std::int64_t fallback = 0) const {
    const boost::json::value* x = find(key);
    if (x == nullptr) {
      if (required) return error(str_cat("missing \"", key, "\""));
      return fallback;
    }
    std::int64_t n;
    if (x->is_int64()) {
      n = x->as_int64();
    } else if (x->is_uint64() && x->as_uint64() <= static_cast<std::uint64_t>(hi)) {
      n = static_cast<std::int64_t>(x->as_uint64());
    } else {
      return child(key).error(str_cat("expected an integer ", lo, "-", hi, ", got ", kind(*x)));
    }
    if (n < lo || n > hi)
      return child(key).error(str_cat(n, " is out of range, expected ", lo, "-", hi));
    return n;
  }
  absl::StatusOr<bool> boolean(std::string_view key, bool fallback) const {
    const boost::json::value* x = find(key);
    if (x == nullptr) return fallback;
    if (!x->is_bool()) return child(key).error(str_cat("expected true or false, got ", kind(*x)));
    return x->as_bool();
  }
  // A decimal given as a string ("0.001") or a JSON number; exact.
  absl::StatusOr<Value> decimal(std::string_view key, Value fallback) const {
    const boost::json::value* x = find(key);
    if (x == nullptr) return fallback;
    std::string text;
    if (x->is_string()) {
      text.assign(x->as_string().data(), x->as_string().size());
    } else if (x->is_number()) {
      text = boost::json::serialize(*x);
    } else {
      return child(key).error(str_cat("expected a decimal number, got ", kind(*x)));
    }
    auto v = Value::parse(text);
    if (!v.ok()) return child(key).error(to_std(v.status().message()));
    return *v;
  }
  // nullptr when optional and absent.
  absl::StatusOr<const boost::json::array*> array(std::string_view key, bool required) const {
    const boost::json::value* x = find(key);
    if (x == nullptr) {
      if (required) return error(str_cat("missing \"", key, "\""));
      return nullptr;
    }
    if (!x->is_array()) return child(key).error(str_cat("expected an array, got ", kind(*x)));
    return &x->as_array();
  }

  static std::string_view kind(const boost::json::value& v) {
    switch (v.kind()) {
      case boost::json::kind::null: return "null";
      case boost::json::kind::bool_: return "a boolean";
      case boost::json::kind::int64:
      case boost::json::kind::uint64: return "an integer";
      case boost::json::kind::double_: return "a fraction";
      case boost::json::kind::string: return "a string";
      case boost::json::kind::array: return "an array";
      case boost::json::kind::object: return "an object";
    }
    return "something else";
  }

 private:
  const boost::json::value* v_;
  std::string path_;
  std::string_view origin_;
};

// Parses JSON text; a syntax error names the line and column:
//   "config.json: line 3, column 14: not valid JSON (syntax error)".
inline absl::StatusOr<boost::json::value> parse_json_text(std::string_view text,
                                                          std::string_view origin) {
  boost::json::stream_parser p;
  boost::json::error_code ec;
  const std::size_t used = p.write(text.data(), text.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < used && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return absl::InvalidArgumentError(str_cat(origin, ": line ", line, ", column ", col,
                                              ": not valid JSON (", ec.message(), ")"));
  }
  return p.release();
}

}  // namespace emscore::mapping
