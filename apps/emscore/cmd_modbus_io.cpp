// `emscore modbus read|write` — a modpoll-like Modbus master.
//
//   emscore modbus read --tcp 127.0.0.1:1502 --unit 9 --type float32 --ref 1030 --count 1
//   emscore modbus write --rtu /dev/ttyUSB0 --baud 19200 --parity even --unit 3 --ref 40 7 8 9
//
// --ref counts from 1 as modpoll and mbpoll do (reference 1 = PDU address 0); with
// --zero-based it is the PDU address itself. Output: {"values":[...]} with one exact decimal
// per item (floats as the shortest decimal that reads back to the same float), or for
// write {"written":N}. Errors name the Modbus exception; exit status 1 for run-time failures
// (device, timeout, exception), 2 for bad usage. --ascii speaks Modbus ASCII on the serial line.
//
// `emscore modbus serve` — a Modbus server (slave) with a register image given on the command
// line or in a JSON file, over TCP or a serial line (RTU or ASCII), until SIGINT/SIGTERM:
//
//   emscore modbus serve --tcp 127.0.0.1:0 --holding 1=10,20,30 --holding 101:float32=230.1
//       --unit 2 --coils 1=1,0,1 --input 5:int32:CDAB=-7
//   listening on 127.0.0.1:40125
//
// See docs/modbus.md ("emscore modbus serve") for the image syntax.
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <optional>
#include <string>
#include <vector>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/signal_set.hpp"
#include "boost/json/parse.hpp"
#include "boost/json/value.hpp"
#include "cli.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/modbus/register_value.hpp"
#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus/rtu.hpp"
#include "emscore/modbus/serial_framer.hpp"
#include "emscore/modbus_io/client.hpp"
#include "emscore/modbus_io/rtu_client.hpp"
#include "emscore/modbus_io/rtu_server.hpp"
#include "emscore/modbus_io/tcp_client.hpp"
#include "emscore/modbus_io/tcp_server.hpp"
#include "fmt/core.h"

namespace {

namespace asio = boost::asio;
namespace mb = emscore::modbus;
namespace mio = emscore::modbus_io;
using emscore::cli::Context;

enum class Table { kHolding, kInput, kCoil, kDiscrete };

struct Options {
  std::string tcp;      // host:port
  std::string rtu;      // device
  std::string rtu_tcp;  // host:port carrying RTU frames
  mb::SerialFormat format{19200, 8, mb::Parity::kEven, 1};
  bool echo = false;
  mb::SerialMode mode = mb::SerialMode::kRtu;
  int unit = 1;
  long ref = 1;
  bool zero_based = false;
  std::size_t count = 1;
  mb::ValueType type = mb::ValueType::kU16;
  mb::WordOrder order = mb::WordOrder::kABCD;
  Table table = Table::kHolding;
  int timeout_ms = 1000;
  int retries = 2;
  std::vector<std::string> values;  // write
};

template <class T>
bool parse_int(const std::string& s, T& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool split_host_port(const std::string& s, std::string& host, std::uint16_t& port) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return !host.empty() && parse_int(s.substr(colon + 1), port);
}

// Returns an error message, or nothing.
std::optional<std::string> parse(std::span<const std::string> args, bool write, Options& o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    auto need = [&](std::string& dst) -> std::optional<std::string> {
      auto v = value();
      if (!v) return emscore::str_cat(a, " needs a value");
      dst = *v;
      return std::nullopt;
    };
    std::string v;
    if (a == "--tcp" || a == "--rtu" || a == "--rtu-tcp") {
      if (auto e = need(v)) return e;
      (a == "--tcp" ? o.tcp : a == "--rtu" ? o.rtu : o.rtu_tcp) = v;
    } else if (a == "--unit" || a == "-a") {
      if (auto e = need(v)) return e;
      if (!parse_int(v, o.unit) || o.unit < 0 || o.unit > 255) return "--unit takes 0..255";
    } else if (a == "--ref" || a == "-r") {
      if (auto e = need(v)) return e;
      if (!parse_int(v, o.ref)) return emscore::str_cat("--ref takes a number, got '", v, "'");
    } else if (a == "--zero-based" || a == "-0") {
      o.zero_based = true;
    } else if (a == "--count" || a == "-c") {
      if (auto e = need(v)) return e;
      if (!parse_int(v, o.count) || o.count < 1 || o.count > 2000) return "--count takes 1..2000";
    } else if (a == "--type" || a == "-t") {
      if (auto e = need(v)) return e;
      if (v == "coil" || v == "discrete" || v == "input" || v == "holding") {
        o.table = v == "coil" ? Table::kCoil : v == "discrete" ? Table::kDiscrete
                : v == "input" ? Table::kInput : Table::kHolding;
        continue;
      }
      auto t = mb::parse_value_type(v);
      if (!t.ok()) return std::string(emscore::to_std(t.status().message()));
      o.type = *t;
    } else if (a == "--table") {
      if (auto e = need(v)) return e;
      if (v == "holding") o.table = Table::kHolding;
      else if (v == "input") o.table = Table::kInput;
      else if (v == "coil" || v == "coils") o.table = Table::kCoil;
      else if (v == "discrete") o.table = Table::kDiscrete;
      else return "--table takes holding, input, coil or discrete";
    } else if (a == "--order") {
      if (auto e = need(v)) return e;
      auto ord = mb::parse_word_order(v);
      if (!ord.ok()) return std::string(emscore::to_std(ord.status().message()));
      o.order = *ord;
    } else if (a == "--baud" || a == "-b") {
      if (auto e = need(v)) return e;
      if (!parse_int(v, o.format.baud)) return "--baud takes a number";
    } else if (a == "--parity" || a == "-P") {
      if (auto e = need(v)) return e;
      auto p = mb::parse_parity(v);
      if (!p.ok()) return std::string(emscore::to_std(p.status().message()));
      o.format.parity = *p;
    } else if (a == "--data-bits" || a == "-d") {
      if (auto e = need(v)) return e;
      if (!parse_int(v, o.format.data_bits)) return "--data-bits takes 7 or 8";
    } else if (a == "--stop-bits" || a == "-s") {
      if (auto e = need(v)) return e;
      if (!parse_int(v, o.format.stop_bits)) return "--stop-bits takes 1 or 2";
    } else if (a == "--echo") {
      o.echo = true;
    } else if (a == "--ascii") {
      o.mode = mb::SerialMode::kAscii;
    } else if (a == "--timeout") {
      if (auto e = need(v)) return e;
      if (!parse_int(v, o.timeout_ms) || o.timeout_ms < 1) return "--timeout takes milliseconds";
    } else if (a == "--retries") {
      if (auto e = need(v)) return e;
      if (!parse_int(v, o.retries) || o.retries < 0 || o.retries > 10) return "--retries takes 0..10";
    } else if (a == "--" && write) {
      for (++i; i < args.size(); ++i) o.values.push_back(args[i]);
    } else if (a == "--value") {
      if (auto e = need(v)) return e;
      o.values.push_back(v);
    } else if (write && (a.empty() || a[0] != '-' || (a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.')))) {
      o.values.push_back(a);
    } else {
      return emscore::str_cat("unknown option '", a, "'");
    }
  }
  const int transports = !o.tcp.empty() + !o.rtu.empty() + !o.rtu_tcp.empty();
  if (transports != 1) return "give exactly one of --tcp HOST:PORT, --rtu DEVICE, --rtu-tcp HOST:PORT";
  if (auto s = o.format.validate(); !o.rtu.empty() && !s.ok()) return std::string(emscore::to_std(s.message()));
  const long first = o.zero_based ? 0 : 1;
  if (o.ref < first || o.ref > first + 65535) {
    return emscore::str_cat("--ref ", o.ref, " is outside ", first, "..", first + 65535,
                            o.zero_based ? " (zero-based)" : " (1-based; use --zero-based for PDU addresses)");
  }
  if (write && o.values.empty()) return "write needs values";
  if (write && (o.table == Table::kInput || o.table == Table::kDiscrete)) {
    return "input registers and discrete inputs are read-only";
  }
  return std::nullopt;
}

std::string bool_json(bool b) { return b ? "1" : "0"; }

asio::awaitable<int> run(Options o, bool write, Context& ctx) {
  auto ex = co_await asio::this_coro::executor;
  const mio::ClientOptions copts{std::chrono::milliseconds(o.timeout_ms), o.retries};
  std::unique_ptr<mio::Client> client;
  if (!o.tcp.empty()) {
    std::string host;
    std::uint16_t port = 0;
    if (!split_host_port(o.tcp, host, port)) co_return emscore::cli::fail(ctx, "--tcp takes HOST:PORT");
    auto c = std::make_unique<mio::TcpClient>(ex, copts);
    if (auto s = co_await c->connect(host, port); !s.ok()) co_return emscore::cli::fail(ctx, s, 1);
    client = std::move(c);
  } else {
    mio::RtuClientOptions ro;
    ro.client = copts;
    ro.format = o.format;
    ro.echo = o.echo;
    ro.mode = o.mode;
    auto c = std::make_unique<mio::RtuClient>(ex, ro);
    if (!o.rtu.empty()) {
      if (auto s = c->open_serial(o.rtu); !s.ok()) co_return emscore::cli::fail(ctx, s, 1);
    } else {
      std::string host;
      std::uint16_t port = 0;
      if (!split_host_port(o.rtu_tcp, host, port)) co_return emscore::cli::fail(ctx, "--rtu-tcp takes HOST:PORT");
      if (auto s = co_await c->connect_tcp(host, port); !s.ok()) co_return emscore::cli::fail(ctx, s, 1);
    }
    client = std::move(c);
  }
  const auto unit = static_cast<std::uint8_t>(o.unit);
  const auto address = static_cast<std::uint16_t>(o.ref - (o.zero_based ? 0 : 1));
  const bool bits = o.table == Table::kCoil || o.table == Table::kDiscrete;
  if (write) {
    absl::Status s;
    std::size_t written = 0;
    if (bits) {
      std::vector<char> raw;
      for (const auto& v : o.values) {
        if (v == "1" || v == "true" || v == "on") raw.push_back(1);
        else if (v == "0" || v == "false" || v == "off") raw.push_back(0);
        else co_return emscore::cli::fail(ctx, emscore::str_cat("coil value '", v, "' is not 0/1"));
      }
      std::unique_ptr<bool[]> arr(new bool[raw.size()]);
      for (std::size_t i = 0; i < raw.size(); ++i) arr[i] = raw[i] != 0;
      s = co_await mio::write_coils(*client, unit, address, std::span<const bool>(arr.get(), raw.size()));
      written = raw.size();
    } else {
      const std::size_t per = mb::register_count(o.type);
      std::vector<std::uint16_t> regs(per * o.values.size());
      for (std::size_t i = 0; i < o.values.size(); ++i) {
        if (auto e = mb::encode_text(o.values[i], o.type, o.order, std::span(regs).subspan(i * per, per)); !e.ok()) {
          co_return emscore::cli::fail(ctx, e);
        }
      }
      if (regs.size() > mb::kMaxWriteRegisters) {
        co_return emscore::cli::fail(ctx, emscore::str_cat(regs.size(), " registers: at most ", mb::kMaxWriteRegisters, " per write"));
      }
      s = co_await mio::write_registers(*client, unit, address, regs);
      written = o.values.size();
    }
    if (!s.ok()) co_return emscore::cli::fail(ctx, s, 1);
    fmt::print(ctx.out, "{{\"written\":{}}}\n", written);
    co_return 0;
  }
  std::vector<std::string> texts;
  if (bits) {
    if (o.count > mb::kMaxReadBits) co_return emscore::cli::fail(ctx, "--count: at most 2000 bits");
    auto r = co_await mio::read_bits(*client, unit, address, static_cast<std::uint16_t>(o.count),
                                     o.table == Table::kCoil);
    if (!r.ok()) co_return emscore::cli::fail(ctx, r.status(), 1);
    for (bool b : *r) texts.push_back(bool_json(b));
  } else {
    auto r = co_await mio::read_values(*client, unit, address, o.count, o.type, o.order,
                                       o.table == Table::kHolding);
    if (!r.ok()) co_return emscore::cli::fail(ctx, r.status(), 1);
    for (const auto& v : *r) {
      auto t = v.to_string();
      texts.push_back(t.ok() ? *t : std::string("null"));  // NaN/inf are not JSON numbers
    }
  }
  if (ctx.format == emscore::cli::Format::kText) {
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const std::size_t step = bits ? 1 : mb::register_count(o.type);
      fmt::print(ctx.out, "[{}]: {}\n", o.ref + static_cast<long>(i * step), texts[i]);
    }
    co_return 0;
  }
  std::string json = "{\"values\":[";
  for (std::size_t i = 0; i < texts.size(); ++i) json += (i ? "," : "") + texts[i];
  json += "]}";
  fmt::print(ctx.out, "{}\n", json);
  co_return 0;
}

int run_modbus(std::span<const std::string> args, Context& ctx, bool write) {
  Options o;
  if (auto err = parse(args, write, o)) return emscore::cli::fail(ctx, "modbus: " + *err);
  asio::io_context io;
  int status = 1;
  asio::co_spawn(io, run(o, write, ctx), [&](std::exception_ptr e, int s) {
    status = e ? 1 : s;
  });
  io.run();
  return status;
}

int run_read(std::span<const std::string> args, Context& ctx) { return run_modbus(args, ctx, false); }
int run_write(std::span<const std::string> args, Context& ctx) { return run_modbus(args, ctx, true); }

// ------------------------------------------------------------------ serve

// One block of the register image: values for consecutive entries of one table of one unit.
struct Fill {
  int unit = 1;
  Table table = Table::kHolding;
  long ref = 1;
  mb::ValueType type = mb::ValueType::kU16;
  mb::WordOrder order = mb::WordOrder::kABCD;
  std::vector<std::string> values;
  std::string where;  // for errors: the option or the JSON path
};

struct ServeOptions {
  std::string tcp;  // host:port
  std::string rtu;  // device
  mb::SerialFormat format{19200, 8, mb::Parity::kEven, 1};
  mb::SerialMode mode = mb::SerialMode::kRtu;
  bool echo = false;
  bool zero_based = false;
  bool any_unit = false;
  std::vector<int> units;  // named with --unit (served even without values)
  std::vector<Fill> fills;
  std::size_t max_connections = 64;
  int idle_timeout_ms = 60'000;
  std::string dump;  // write the final image here (the --image format) on exit
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t from = 0;
  for (;;) {
    const auto at = s.find(sep, from);
    out.push_back(s.substr(from, at == std::string::npos ? std::string::npos : at - from));
    if (at == std::string::npos) return out;
    from = at + 1;
  }
}

// "REF[:TYPE[:ORDER]]=V,V,..." (registers) or "REF=0,1,..." (bits).
std::optional<std::string> parse_fill(const std::string& opt, const std::string& spec, Fill& f) {
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq + 1 == spec.size()) {
    return emscore::str_cat(opt, " takes REF[:TYPE[:ORDER]]=V,V,..., got '", spec, "'");
  }
  const auto head = split(spec.substr(0, eq), ':');
  if (!parse_int(head[0], f.ref)) return emscore::str_cat(opt, ": reference '", head[0], "' is not a number");
  const bool bits = f.table == Table::kCoil || f.table == Table::kDiscrete;
  if (head.size() > 1 && bits) return emscore::str_cat(opt, " takes REF=0,1,... (bits have no type)");
  if (head.size() > 3) return emscore::str_cat(opt, ": '", spec.substr(0, eq), "' is not REF[:TYPE[:ORDER]]");
  if (head.size() > 1) {
    auto t = mb::parse_value_type(head[1]);
    if (!t.ok()) return emscore::str_cat(opt, ": ", emscore::to_std(t.status().message()));
    f.type = *t;
  }
  if (head.size() > 2) {
    auto o = mb::parse_word_order(head[2]);
    if (!o.ok()) return emscore::str_cat(opt, ": ", emscore::to_std(o.status().message()));
    f.order = *o;
  }
  f.values = split(spec.substr(eq + 1), ',');
  f.where = emscore::str_cat(opt, " ", spec);
  return std::nullopt;
}

// A JSON number, string or boolean as the text encode_text() takes.
std::optional<std::string> json_text(const boost::json::value& v) {
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) return fmt::format("{}", v.as_double());  // shortest text that reads back
  if (v.is_string()) return std::string(v.as_string().c_str());
  if (v.is_bool()) return std::string(v.as_bool() ? "1" : "0");
  return std::nullopt;
}

// The image file: {"any_unit": false, "units": {"1": {"holding": {"1": [10, 20],
//   "101": {"type": "float32", "order": "ABCD", "values": [230.1]}}, "input": {...},
//   "coils": {"1": [1, 0, 1]}, "discrete": {...}}}}
std::optional<std::string> load_image(const std::string& path, ServeOptions& o) {
  std::ifstream in(path);
  if (!in) return emscore::str_cat("--image: cannot read ", path);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  const auto doc = boost::json::parse(ss.str(), ec);
  if (ec) return emscore::str_cat(path, ": not JSON: ", ec.message());
  if (!doc.is_object()) return emscore::str_cat(path, ": expected an object with \"units\"");
  const auto& root = doc.as_object();
  for (const auto& [key, v] : root) {
    if (key != "units" && key != "any_unit") {
      return emscore::str_cat(path, ": unknown key \"", std::string_view(key), "\", expected units, any_unit");
    }
  }
  if (const auto* any = root.if_contains("any_unit")) {
    if (!any->is_bool()) return emscore::str_cat(path, ": any_unit: expected true or false");
    o.any_unit = o.any_unit || any->as_bool();
  }
  const auto* units = root.if_contains("units");
  if (!units || !units->is_object()) return emscore::str_cat(path, ": units: expected an object of unit ids");
  for (const auto& [ukey, tables] : units->as_object()) {
    const std::string upath = emscore::str_cat(path, ": units.", std::string_view(ukey));
    int unit = 0;
    if (!parse_int(std::string(ukey), unit) || unit < 0 || unit > 255) return upath + ": unit id 0..255 expected";
    if (!tables.is_object()) return upath + ": expected an object of tables";
    o.units.push_back(unit);
    for (const auto& [tkey, blocks] : tables.as_object()) {
      const std::string tpath = emscore::str_cat(upath, ".", std::string_view(tkey));
      Table table;
      if (tkey == "holding") table = Table::kHolding;
      else if (tkey == "input") table = Table::kInput;
      else if (tkey == "coils") table = Table::kCoil;
      else if (tkey == "discrete") table = Table::kDiscrete;
      else return tpath + ": unknown table, expected holding, input, coils or discrete";
      if (!blocks.is_object()) return tpath + ": expected an object {\"REF\": [values]}";
      for (const auto& [rkey, block] : blocks.as_object()) {
        Fill f;
        f.unit = unit;
        f.table = table;
        f.where = emscore::str_cat(tpath, ".", std::string_view(rkey));
        if (!parse_int(std::string(rkey), f.ref)) return f.where + ": the key is a reference number";
        const boost::json::array* values = block.if_array();
        if (const auto* obj = block.if_object()) {
          for (const auto& [k, v] : *obj) {
            if (k != "type" && k != "order" && k != "values") {
              return emscore::str_cat(f.where, ": unknown key \"", std::string_view(k), "\", expected type, order, values");
            }
          }
          if (const auto* t = obj->if_contains("type")) {
            auto vt = t->is_string() ? mb::parse_value_type(t->as_string().c_str())
                                     : absl::InvalidArgumentError("expected a type name");
            if (!vt.ok()) return emscore::str_cat(f.where, ".type: ", emscore::to_std(vt.status().message()));
            f.type = *vt;
          }
          if (const auto* ord = obj->if_contains("order")) {
            auto wo = ord->is_string() ? mb::parse_word_order(ord->as_string().c_str())
                                       : absl::InvalidArgumentError("expected ABCD, CDAB, BADC or DCBA");
            if (!wo.ok()) return emscore::str_cat(f.where, ".order: ", emscore::to_std(wo.status().message()));
            f.order = *wo;
          }
          const auto* vs = obj->if_contains("values");
          values = vs ? vs->if_array() : nullptr;
        }
        if (!values) return f.where + ": expected an array of values or {\"type\", \"order\", \"values\": [...]}";
        for (std::size_t i = 0; i < values->size(); ++i) {
          auto text = json_text((*values)[i]);
          if (!text) return emscore::str_cat(f.where, "[", i, "]: expected a number, string or boolean");
          f.values.push_back(*text);
        }
        o.fills.push_back(std::move(f));
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> parse_serve(std::span<const std::string> args, ServeOptions& o) {
  int unit = 1;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string v;
    auto need = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) return emscore::str_cat(a, " needs a value");
      v = args[++i];
      return std::nullopt;
    };
    if (a == "--tcp" || a == "--rtu") {
      if (auto e = need()) return e;
      (a == "--tcp" ? o.tcp : o.rtu) = v;
    } else if (a == "--unit" || a == "-a") {
      if (auto e = need()) return e;
      if (!parse_int(v, unit) || unit < 0 || unit > 255) return "--unit takes 0..255";
      o.units.push_back(unit);
    } else if (a == "--holding" || a == "--input" || a == "--coils" || a == "--discrete") {
      if (auto e = need()) return e;
      Fill f;
      f.unit = unit;
      f.table = a == "--holding" ? Table::kHolding : a == "--input" ? Table::kInput
              : a == "--coils"   ? Table::kCoil    : Table::kDiscrete;
      if (auto e = parse_fill(a, v, f)) return e;
      o.fills.push_back(std::move(f));
    } else if (a == "--image") {
      if (auto e = need()) return e;
      if (auto e = load_image(v, o)) return e;
    } else if (a == "--dump") {
      if (auto e = need()) return e;
      o.dump = v;
    } else if (a == "--any-unit") {
      o.any_unit = true;
    } else if (a == "--zero-based" || a == "-0") {
      o.zero_based = true;
    } else if (a == "--baud" || a == "-b") {
      if (auto e = need()) return e;
      if (!parse_int(v, o.format.baud)) return "--baud takes a number";
    } else if (a == "--parity" || a == "-P") {
      if (auto e = need()) return e;
      auto p = mb::parse_parity(v);
      if (!p.ok()) return std::string(emscore::to_std(p.status().message()));
      o.format.parity = *p;
    } else if (a == "--data-bits" || a == "-d") {
      if (auto e = need()) return e;
      if (!parse_int(v, o.format.data_bits)) return "--data-bits takes 7 or 8";
    } else if (a == "--stop-bits" || a == "-s") {
      if (auto e = need()) return e;
      if (!parse_int(v, o.format.stop_bits)) return "--stop-bits takes 1 or 2";
    } else if (a == "--ascii") {
      o.mode = mb::SerialMode::kAscii;
    } else if (a == "--echo") {
      o.echo = true;
    } else if (a == "--max-connections") {
      if (auto e = need()) return e;
      if (!parse_int(v, o.max_connections) || o.max_connections < 1) return "--max-connections takes a number >= 1";
    } else if (a == "--idle-timeout") {
      if (auto e = need()) return e;
      if (!parse_int(v, o.idle_timeout_ms) || o.idle_timeout_ms < 1) return "--idle-timeout takes milliseconds";
    } else {
      return emscore::str_cat("unknown option '", a, "'");
    }
  }
  if (o.tcp.empty() == o.rtu.empty()) return "give exactly one of --tcp HOST:PORT, --rtu DEVICE";
  if (!o.rtu.empty()) {
    if (auto s = o.format.validate(); !s.ok()) return std::string(emscore::to_std(s.message()));
  }
  return std::nullopt;
}

// Writes the image into the model; an error names the block.
std::optional<std::string> apply(const Fill& f, bool zero_based, mb::MemoryDataModel& model) {
  const long first = zero_based ? 0 : 1;
  if (f.ref < first || f.ref > first + 65535) {
    return emscore::str_cat(f.where, ": reference ", f.ref, " is outside ", first, "..", first + 65535,
                            zero_based ? " (zero-based)" : " (1-based; use --zero-based for PDU addresses)");
  }
  const std::size_t address = static_cast<std::size_t>(f.ref - first);
  auto& bank = model.add_unit(static_cast<std::uint8_t>(f.unit));
  const bool bits = f.table == Table::kCoil || f.table == Table::kDiscrete;
  const std::size_t per = bits ? 1 : mb::register_count(f.type);
  if (address + per * f.values.size() > 65536) {
    return emscore::str_cat(f.where, ": ", f.values.size(), " values from address ", address,
                            " run past the end of the table (65536 entries)");
  }
  for (std::size_t i = 0; i < f.values.size(); ++i) {
    const std::string& v = f.values[i];
    const std::size_t at = address + i * per;
    if (bits) {
      bool b;
      if (v == "1" || v == "true" || v == "on") b = true;
      else if (v == "0" || v == "false" || v == "off") b = false;
      else return emscore::str_cat(f.where, ": bit value '", v, "' is not 0/1");
      (f.table == Table::kCoil ? bank.coils : bank.discrete_inputs)[at] = b;
      continue;
    }
    auto& table = f.table == Table::kHolding ? bank.holding : bank.input;
    if (auto e = mb::encode_text(v, f.type, f.order, std::span(table).subspan(at, per)); !e.ok()) {
      return emscore::str_cat(f.where, ": ", emscore::to_std(e.message()));
    }
  }
  return std::nullopt;
}

// The image as the --image format: per unit and table, runs of non-zero entries keyed by
// their first reference (1-based unless --zero-based), so a dump can be served again.
std::string image_json(mb::MemoryDataModel& model, const ServeOptions& o) {
  std::string out = o.any_unit ? "{\"any_unit\":true,\"units\":{" : "{\"units\":{";
  const long first = o.zero_based ? 0 : 1;
  bool any_bank = false;
  for (int u = 0; u < 256; ++u) {
    mb::MemoryDataModel::Bank* b = model.bank(static_cast<std::uint8_t>(u));
    if (!b || (o.any_unit && u != 1)) continue;
    out += fmt::format("{}\"{}\":{{", any_bank ? "," : "", u);
    any_bank = true;
    bool any_table = false;
    auto table = [&](const char* name, auto const& values) {
      std::string blocks;
      for (std::size_t i = 0; i < values.size();) {
        if (!values[i]) {
          ++i;
          continue;
        }
        std::string run;
        const std::size_t start = i;
        for (; i < values.size() && values[i]; ++i) run += fmt::format("{}{}", i > start ? "," : "", static_cast<unsigned>(values[i]));
        blocks += fmt::format("{}\"{}\":[{}]", blocks.empty() ? "" : ",", static_cast<long>(start) + first, run);
      }
      if (blocks.empty()) return;
      out += fmt::format("{}\"{}\":{{{}}}", any_table ? "," : "", name, blocks);
      any_table = true;
    };
    table("holding", b->holding);
    table("input", b->input);
    table("coils", b->coils);
    table("discrete", b->discrete_inputs);
    out += "}";
  }
  return out + "}}\n";
}

int run_serve(std::span<const std::string> args, Context& ctx) {
  ServeOptions o;
  if (auto err = parse_serve(args, o)) return emscore::cli::fail(ctx, "modbus serve: " + *err);
  mb::MemoryDataModel model(o.any_unit);
  for (int u : o.units) model.add_unit(static_cast<std::uint8_t>(u));
  for (const auto& f : o.fills) {
    if (auto err = apply(f, o.zero_based, model)) return emscore::cli::fail(ctx, "modbus serve: " + *err);
  }
  if (o.units.empty() && o.fills.empty()) model.add_unit(1);
  asio::io_context io(1);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::unique_ptr<mio::TcpServer> tcp;
  std::unique_ptr<mio::RtuServer> serial;
  if (!o.tcp.empty()) {
    std::string host;
    std::uint16_t port = 0;
    if (!split_host_port(o.tcp, host, port)) return emscore::cli::fail(ctx, "modbus serve: --tcp takes HOST:PORT");
    mio::TcpServerOptions to;
    to.max_connections = o.max_connections;
    to.idle_timeout = std::chrono::milliseconds(o.idle_timeout_ms);
    tcp = std::make_unique<mio::TcpServer>(io.get_executor(), model, to);
    if (auto s = tcp->listen(host, port); !s.ok()) return emscore::cli::fail(ctx, s, 1);
    tcp->start();
    const bool v6 = host.find(':') != std::string::npos;
    fmt::print(ctx.out, "listening on {}{}{}:{}\n", v6 ? "[" : "", host, v6 ? "]" : "", tcp->port());
  } else {
    mio::RtuServerOptions ro;
    ro.format = o.format;
    ro.echo = o.echo;
    ro.mode = o.mode;
    serial = std::make_unique<mio::RtuServer>(io.get_executor(), model, ro);
    if (auto s = serial->open_serial(o.rtu); !s.ok()) return emscore::cli::fail(ctx, s, 1);
    serial->start();
    fmt::print(ctx.out, "listening on {} ({} {} {}{}{})\n", o.rtu, mb::serial_mode_name(o.mode), o.format.baud,
               o.format.data_bits, "NEO"[static_cast<int>(o.format.parity)], o.format.stop_bits);
  }
  std::fflush(ctx.out);
  signals.async_wait([&](const boost::system::error_code&, int) {
    if (tcp) tcp->stop();
    if (serial) serial->stop();
    io.stop();
  });
  io.run();
  // Requests served (RTU: the 16-bit diagnostics counter of requests addressed to us).
  const std::uint64_t served = tcp ? tcp->stats().requests : serial->counters().server_messages;
  fmt::print(ctx.out, "{{\"requests\":{}}}\n", served);
  if (!o.dump.empty()) {
    std::ofstream f(o.dump);
    f << image_json(model, o);
    if (!f) return emscore::cli::fail(ctx, emscore::str_cat("modbus serve: cannot write ", o.dump), 1);
  }
  return 0;
}

constexpr const char* kServeUsage =
    "(--tcp HOST:PORT | --rtu DEVICE [--baud 19200] [--parity even|odd|none] [--data-bits 8]\n"
    "   [--stop-bits 1] [--ascii] [--echo])\n"
    "   [--unit N] [--holding REF[:TYPE[:ORDER]]=V,V,...] [--input ...] [--coils REF=0,1,...]\n"
    "   [--discrete REF=...] [--image FILE.json] [--any-unit] [--zero-based] [--dump FILE.json]\n"
    "   [--max-connections 64] [--idle-timeout 60000]\n"
    "   Image options after --unit N fill unit N (default 1); REF is 1-based as in read/write.\n"
    "   Prints \"listening on HOST:PORT\" (port 0 picks a free one) and serves until SIGINT/SIGTERM;\n"
    "   --dump writes the final image (after clients' writes) in the --image format on exit.";

constexpr const char* kUsage =
    "(--tcp HOST:PORT | --rtu DEVICE [--baud 19200] [--parity even|odd|none] [--data-bits 8]\n"
    "   [--stop-bits 1] [--echo] [--ascii] | --rtu-tcp HOST:PORT) [--unit 1] --ref N [--zero-based]\n"
    "   [--count 1] [--type uint16|int16|uint32|int32|uint64|int64|float32|float64]\n"
    "   [--table holding|input|coil|discrete] [--order ABCD|CDAB|BADC|DCBA]\n"
    "   [--timeout 1000] [--retries 2]   (write: VALUE...)";

}  // namespace

EMSCORE_CLI_COMMAND("modbus read", "read registers or bits from a Modbus device (JSON values)", kUsage, run_read);
EMSCORE_CLI_COMMAND("modbus write", "write registers or coils of a Modbus device", kUsage, run_write);
EMSCORE_CLI_COMMAND("modbus serve", "serve a register image as a Modbus TCP, RTU or ASCII device", kServeUsage, run_serve);
