// `emscore dsmr parse [FILE] [--key HEX] [--ak HEX] [--tz ZONE]` — P1 telegrams to JSON.
//
// Reads a byte stream (a capture of a P1 port, one telegram, many telegrams, noise between
// them) from FILE or stdin and prints one JSON object per telegram:
//   {"header": "ISk5\\2MT382-1000", "crc": "ok"|"absent"|"mismatch",
//    "objects": [{"obis": "1-0:1.8.1", "values": [{"value": "4.426", "unit": "kWh"}]},
//                {"obis": "0-1:24.2.1", "timestamp": "2017-01-02T15:10:05Z",
//                 "values": [{"value": "0.107", "unit": "m3"}]}, ...],
//    "offset": 0, "dialect": {...}, "issues": [...]}
// A value with a unit is its exact decimal; a value without one is the text as sent ("0002",
// "00013", hex ids); an OBIS reference is canonical; a timestamp that is not the line's own
// (log entries) is ISO 8601 UTC. The first group of a line, when it is a timestamp, is the
// line's "timestamp" and is not repeated in "values" unless it is the line's only value
// (0-0:1.0.0). With --key the input is a stream of
// Luxembourg Smarty frames (AES-128-GCM), decrypted first.
#include <cstdio>
#include <cstring>
#include <optional>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "boost/json/array.hpp"
#include "boost/json/object.hpp"
#include "cli.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/time.hpp"
#include "emscore/core/unit.hpp"
#include "emscore/dsmr/framer.hpp"
#include "emscore/dsmr/smarty.hpp"
#include "emscore/dsmr/telegram.hpp"
#include "fmt/core.h"

namespace {

using emscore::cli::Context;
namespace dsmr = emscore::dsmr;
namespace json = boost::json;

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// Text for JSON: CR LF of wrapped lines removed; bytes that are not UTF-8 (meters send
// Latin-1 at most) read as Latin-1, so that the output is always valid JSON text.
std::string clean_text(std::string_view raw) {
  std::string s;
  s.reserve(raw.size());
  for (char c : raw) {
    if (c != '\r' && c != '\n') s += c;
  }
  if (valid_utf8(s)) return s;
  std::string latin1;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      latin1 += c;
    } else {
      latin1 += static_cast<char>(0xC0 | (b >> 6));
      latin1 += static_cast<char>(0x80 | (b & 0x3F));
    }
  }
  return latin1;
}

// Hex-encoded text objects: equipment ids (0-n:96.1.x), text messages (0-0:96.13.x), the
// COSEM logical device name (0-0:42.0.0).
bool is_hex_text_object(const emscore::obis::ObisCode& o) {
  return (o.c == 96 && (o.d == 1 || o.d == 13)) || (o.a == 0 && o.c == 42 && o.d == 0);
}

json::object value_json(const dsmr::ValueGroup& g, bool hex_text_object) {
  json::object v;
  switch (g.kind) {
    case dsmr::GroupKind::kNumber:
      if (!g.unit_text.empty()) {
        v["value"] = g.value.to_string();
        v["unit"] = clean_text(g.unit_text);
      } else {
        v["value"] = clean_text(dsmr::ValueGroup::trim_spaces(g.raw));
        v["unit"] = nullptr;
      }
      break;
    case dsmr::GroupKind::kTimestamp:
      v["value"] = emscore::format_iso8601_utc(g.time);
      v["unit"] = nullptr;
      break;
    case dsmr::GroupKind::kObis:
      v["value"] = g.obis.to_string();
      v["unit"] = nullptr;
      break;
    case dsmr::GroupKind::kText:
    case dsmr::GroupKind::kEmpty:
      v["value"] = clean_text(g.raw);
      v["unit"] = nullptr;
      break;
  }
  if (hex_text_object && !g.raw.empty()) {
    std::string text;
    if (dsmr::decode_hex_text(clean_text(g.raw), &text)) {
      bool printable = true;
      for (unsigned char c : text) printable = printable && c >= 0x20 && c < 0x7F;
      if (printable) v["text"] = std::move(text);
    }
  }
  return v;
}

}  // namespace

namespace emscore::cli {
// Shared with cmd_dsmr_io.cpp (`emscore dsmr read`): the JSON of one telegram.
boost::json::object dsmr_telegram_json(const emscore::dsmr::Telegram& t, std::uint64_t offset);
}  // namespace emscore::cli

boost::json::object emscore::cli::dsmr_telegram_json(const emscore::dsmr::Telegram& t,
                                                     std::uint64_t offset) {
  json::object out;
  out["header"] = clean_text(t.header);
  out["crc"] = std::string(dsmr::crc_status_name(t.crc));
  json::array objects;
  for (const dsmr::DataObject& o : t.objects) {
    json::object jo;
    jo["obis"] = o.obis.to_string();
    const auto groups = t.groups(o);
    std::size_t first = 0;
    if (!groups.empty() && groups[0].kind == dsmr::GroupKind::kTimestamp) {
      jo["timestamp"] = emscore::format_iso8601_utc(groups[0].time);
      // A line that is only a timestamp (0-0:1.0.0) keeps it as its value too.
      first = groups.size() == 1 ? 0 : 1;
    }
    json::array values;
    const bool hex = is_hex_text_object(o.obis);
    for (std::size_t i = first; i < groups.size(); ++i) values.push_back(value_json(groups[i], hex));
    jo["values"] = std::move(values);
    objects.push_back(std::move(jo));
  }
  out["objects"] = std::move(objects);
  out["offset"] = offset;
  json::object d;
  d["manufacturer"] = clean_text(t.dialect.manufacturer);
  d["version"] = clean_text(t.dialect.version);
  d["variant"] = std::string(dsmr::variant_name(t.dialect.variant));
  out["dialect"] = std::move(d);
  json::array issues;
  for (const dsmr::Issue& i : t.issues) issues.push_back(json::value(dsmr::describe(i)));
  out["issues"] = std::move(issues);
  return out;
}

namespace {

void print_text(Context& ctx, const dsmr::Telegram& t) {
  fmt::print(ctx.out, "/{}  crc {}  {} objects  ({})\n", t.header, dsmr::crc_status_name(t.crc),
             t.objects.size(), dsmr::variant_name(t.dialect.variant));
  for (const dsmr::DataObject& o : t.objects) {
    std::string line = o.obis.to_string();
    for (const dsmr::ValueGroup& g : t.groups(o)) {
      line += "  ";
      switch (g.kind) {
        case dsmr::GroupKind::kNumber:
          line += g.unit_text.empty() ? std::string(g.raw)
                                      : g.value.to_string() + " " + std::string(g.unit_text);
          break;
        case dsmr::GroupKind::kTimestamp: line += emscore::format_iso8601_utc(g.time); break;
        case dsmr::GroupKind::kObis: line += g.obis.to_string(); break;
        case dsmr::GroupKind::kEmpty: line += "()"; break;
        case dsmr::GroupKind::kText: line += clean_text(g.raw); break;
      }
    }
    fmt::print(ctx.out, "  {}\n", line);
  }
}

int run_parse(std::span<const std::string> args, Context& ctx) {
  std::string path;
  std::string key_hex;
  std::string ak_hex;
  std::string tz_name;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    if (a == "--key") {
      if (!value(key_hex)) return emscore::cli::fail(ctx, "dsmr parse: --key needs 32 hex digits");
    } else if (a == "--ak") {
      if (!value(ak_hex)) return emscore::cli::fail(ctx, "dsmr parse: --ak needs 32 hex digits");
    } else if (a == "--tz") {
      if (!value(tz_name)) return emscore::cli::fail(ctx, "dsmr parse: --tz needs a zone name");
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      return emscore::cli::fail(ctx, "dsmr parse: unknown option '" + a + "'");
    } else if (path.empty()) {
      path = a;
    } else {
      return emscore::cli::fail(ctx, "dsmr parse: one input file at most");
    }
  }
  std::string input;
  if (path.empty() || path == "-") {
    input = emscore::cli::read_all(ctx.in);
  } else {
    std::ifstream f(path, std::ios::binary);
    if (!f) return emscore::cli::fail(ctx, "dsmr parse: cannot open '" + path + "'", 1);
    std::stringstream ss;
    ss << f.rdbuf();
    input = ss.str();
  }

  dsmr::ParserOptions options;
  if (!tz_name.empty()) {
    auto tz = emscore::load_time_zone(tz_name);
    if (!tz.ok()) return emscore::cli::fail(ctx, tz.status());
    options.time_zone = *tz;
  }
  dsmr::TelegramParser parser(options);
  int telegrams = 0;
  int failures = 0;

  auto emit = [&](std::span<const std::uint8_t> bytes, std::optional<dsmr::CrcStatus> crc,
                  std::uint64_t offset, bool luxembourg, bool lf_only = false) {
    auto t = parser.parse(bytes, crc);
    if (!t.ok()) {
      emscore::cli::fail(ctx, t.status());
      ++failures;
      return;
    }
    if (luxembourg) t->dialect.variant = dsmr::Variant::kLuxembourg;
    ++telegrams;
    if (ctx.format == emscore::cli::Format::kText) {
      print_text(ctx, *t);
    } else {
      auto j = emscore::cli::dsmr_telegram_json(*t, offset);
      // The CRC matched only with CR restored before LF (a copy that lost its CRs).
      if (lf_only) j["crc_lf_only"] = true;
      emscore::cli::print_json(ctx, j);
    }
  };

  const auto* data = reinterpret_cast<const std::uint8_t*>(input.data());
  if (!key_hex.empty()) {
    auto key = dsmr::parse_key(key_hex);
    if (!key.ok()) return emscore::cli::fail(ctx, key.status());
    dsmr::AesKey ak = dsmr::kSmartyDefaultAuthKey;
    if (!ak_hex.empty()) {
      auto parsed = dsmr::parse_key(ak_hex);
      if (!parsed.ok()) return emscore::cli::fail(ctx, parsed.status());
      ak = *parsed;
    }
    std::size_t pos = 0;
    std::vector<std::uint8_t> plain;
    while (pos < input.size()) {
      const void* hit = std::memchr(data + pos, 0xDB, input.size() - pos);
      if (hit == nullptr) break;
      pos = static_cast<std::size_t>(static_cast<const std::uint8_t*>(hit) - data);
      const std::span<const std::uint8_t> rest(data + pos, input.size() - pos);
      auto header = dsmr::read_smarty_header(rest);
      if (!header.ok() || header->frame_length > rest.size()) {
        ++pos;  // not a frame start (or cut off): look further
        continue;
      }
      plain.clear();
      auto info = dsmr::decrypt_smarty(rest, *key, ak, plain);
      if (!info.ok()) {
        emscore::cli::fail(ctx, emscore::with_context(info.status(),
                                                      "at offset " + std::to_string(pos)));
        ++failures;
        pos += header->frame_length;
        continue;
      }
      emit(plain, std::nullopt, pos, true);
      pos += header->frame_length;
    }
    if (telegrams == 0 && failures == 0) {
      return emscore::cli::fail(ctx, "dsmr parse: no Smarty frame (0xDB ...) in the input");
    }
    return failures > 0 ? 2 : 0;
  }

  dsmr::TelegramFramer framer;
  auto on_event = [&](const dsmr::FrameEvent& e) {
    switch (e.kind) {
      case dsmr::FrameEvent::Kind::kTelegram:
        emit(e.telegram, e.crc, e.offset, false, e.crc_after_crlf_restore);
        break;
      case dsmr::FrameEvent::Kind::kNoise:
        fmt::print(ctx.err, "emscore: dsmr: skipped {} bytes of noise at offset {}\n", e.length,
                   e.offset);
        break;
      case dsmr::FrameEvent::Kind::kError:
        emscore::cli::fail(ctx, e.error);
        break;
    }
  };
  framer.feed(std::span<const std::uint8_t>(data, input.size()), on_event);
  framer.finish(on_event);
  if (telegrams == 0) {
    return emscore::cli::fail(ctx, "dsmr parse: no telegram (/...!) in the input");
  }
  return failures > 0 ? 2 : 0;
}

}  // namespace

EMSCORE_CLI_COMMAND("dsmr parse", "P1 telegrams (file or stdin) to JSON, one object per telegram",
                    "[FILE|-] [--key HEX32 [--ak HEX32]] [--tz ZONE]  (--key: Luxembourg Smarty "
                    "AES-128-GCM frames; --tz: wall-clock zone, default Europe/Amsterdam)",
                    run_parse);
