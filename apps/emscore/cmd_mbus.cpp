// `emscore mbus decode [HEX...]` — one M-Bus frame (hex, from the arguments or stdin;
// whitespace allowed) decoded to one JSON object:
//   {id, manufacturer, version, medium, access_number, status,
//    records: [{storage, tariff, subunit, function, unit, quantity, value, raw}]}
// `value` is an exact decimal scaled to `unit`, text for strings, ISO 8601 for time points.
#include <cctype>
#include <string>
#include <vector>

#include "boost/json/array.hpp"
#include "boost/json/object.hpp"
#include "boost/json/serialize.hpp"
#include "cli.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/mbus/data.hpp"
#include "emscore/mbus/frame.hpp"
#include "emscore/mbus/record.hpp"
#include "emscore/mbus/telegram.hpp"
#include "fmt/core.h"

namespace {

using emscore::cli::Context;
namespace mbus = emscore::mbus;

// Hex digits with any whitespace (and optional 0x prefixes) in between.
absl::StatusOr<std::vector<std::uint8_t>> parse_hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  int pending = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (std::isspace(static_cast<unsigned char>(ch)) || ch == ',' || ch == ':') continue;
    if (ch == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X') &&
        pending < 0) {
      ++i;
      continue;
    }
    int v;
    if (ch >= '0' && ch <= '9') v = ch - '0';
    else if (ch >= 'a' && ch <= 'f') v = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F') v = ch - 'A' + 10;
    else {
      return absl::InvalidArgumentError(emscore::str_cat(
          "mbus decode: character '", std::string_view(&text[i], 1), "' at position ", i,
          " is not a hex digit"));
    }
    if (pending < 0) {
      pending = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(pending << 4 | v));
      pending = -1;
    }
  }
  if (pending >= 0) return absl::InvalidArgumentError("mbus decode: odd number of hex digits");
  if (out.empty()) return absl::InvalidArgumentError("mbus decode: no frame given");
  return out;
}

std::string hex_bytes(std::span<const std::uint8_t> b) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string s;
  for (std::uint8_t x : b) {
    s.push_back(kHex[x >> 4]);
    s.push_back(kHex[x & 0x0F]);
  }
  return s;
}

boost::json::value json_number_or_string(const mbus::FixedHeader& h) {
  if (auto id = h.id()) return boost::json::value(static_cast<std::uint64_t>(*id));
  return boost::json::value(h.id_string());
}

int run_decode(std::span<const std::string> args, Context& ctx) {
  std::string text;
  if (args.empty() || (args.size() == 1 && args[0] == "-")) {
    text = emscore::cli::read_all(ctx.in);
  } else {
    for (const auto& a : args) text += a + " ";
  }
  auto bytes = parse_hex(text);
  if (!bytes.ok()) return emscore::cli::fail(ctx, bytes.status());
  auto frame = mbus::parse_frame(*bytes);
  if (!frame.ok()) return emscore::cli::fail(ctx, frame.status());
  boost::json::object o;
  if (frame->kind == mbus::FrameKind::kAck || frame->kind == mbus::FrameKind::kShort) {
    o["frame"] = frame->kind == mbus::FrameKind::kAck ? "ack" : "short";
    if (frame->kind == mbus::FrameKind::kShort) {
      o["c"] = frame->c;
      o["a"] = frame->a;
    }
    emscore::cli::print_json(ctx, o);
    return 0;
  }
  auto tg = mbus::parse_telegram(*frame);
  if (!tg.ok()) return emscore::cli::fail(ctx, tg.status());
  const mbus::FixedHeader& h = tg->header;
  if (h.has_address || tg->fixed) {
    o["id"] = json_number_or_string(h);
  } else {
    o["id"] = nullptr;
  }
  if (h.has_address) {
    o["manufacturer"] = mbus::manufacturer_string(h.manufacturer);
    o["version"] = h.version;
    o["medium"] = mbus::medium_name(h.medium);
  } else {
    o["manufacturer"] = nullptr;
    o["version"] = nullptr;
    o["medium"] = tg->fixed ? boost::json::value(mbus::fixed_medium_name(tg->fixed->medium))
                            : boost::json::value(nullptr);
  }
  if (tg->application_error) {
    o["application_error"] = mbus::application_error_text(*tg->application_error);
  }
  o["access_number"] = h.access_number;
  o["status"] = h.status;
  boost::json::array recs;
  if (tg->fixed) {
    for (int which = 1; which <= 2; ++which) {
      boost::json::object r;
      r["storage"] = 0;
      r["tariff"] = 0;
      r["subunit"] = 0;
      auto c = mbus::fixed_counter(*tg->fixed, which);
      r["function"] = c && c->historic ? "Historic value" : "Actual value";
      r["unit"] = c ? std::string(emscore::unit_symbol(c->value.unit)) : std::string();
      r["quantity"] = c ? std::string(c->quantity) : std::string();
      r["value"] = c ? c->value.to_string()
                     : hex_bytes(which == 1 ? tg->fixed->counter1 : tg->fixed->counter2);
      r["raw"] = "";
      recs.push_back(std::move(r));
    }
  } else {
    mbus::RecordReader reader = tg->reader();
    mbus::Record rec;
    while (reader.next(rec)) {
      boost::json::object r;
      const mbus::RecordMeaning m = mbus::describe_record(rec);
      auto v = mbus::decode_value(rec, m);
      if (!v.ok()) return emscore::cli::fail(ctx, v.status());
      r["storage"] = rec.storage;
      r["tariff"] = rec.tariff;
      r["subunit"] = rec.subunit;
      switch (rec.kind) {
        case mbus::RecordKind::kData: r["function"] = mbus::function_name(rec.function); break;
        case mbus::RecordKind::kManufacturerSpecific: r["function"] = "Manufacturer specific"; break;
        case mbus::RecordKind::kMoreRecordsFollow: r["function"] = "More records follow"; break;
        case mbus::RecordKind::kGlobalReadout: r["function"] = "Global readout request"; break;
      }
      r["unit"] = mbus::unit_string(m);
      r["quantity"] = mbus::quantity_string(rec, m);
      r["value"] = mbus::value_string(*v, rec);
      r["raw"] = hex_bytes(rec.header);
      recs.push_back(std::move(r));
    }
    if (!reader.ok()) return emscore::cli::fail(ctx, reader.status());
  }
  o["records"] = std::move(recs);
  if (ctx.format == emscore::cli::Format::kText) {
    fmt::print(ctx.out, "{}\n", boost::json::serialize(o));
    return 0;
  }
  emscore::cli::print_json(ctx, o);
  return 0;
}

}  // namespace

EMSCORE_CLI_COMMAND("mbus decode", "decode one wired M-Bus frame (hex) to JSON",
                    "[HEX...]  (reads stdin when no argument or '-'; whitespace allowed)",
                    run_decode);
