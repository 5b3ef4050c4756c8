// `emscore modbus read|write` — a modpoll-like Modbus master.
//
//   emscore modbus read --tcp 127.0.0.1:1502 --unit 9 --type float32 --ref 1030 --count 1
//   emscore modbus write --rtu /dev/ttyUSB0 --baud 19200 --parity even --unit 3 --ref 40 7 8 9
//
// --ref counts from 1 as modpoll and mbpoll do (reference 1 = PDU address 0); with
// --zero-based it is the PDU address itself. Output: {"values":[...]} with one exact decimal
// per item (floats as the shortest decimal that reads back to the same float), or for
// write {"written":N}. Errors name the Modbus exception; exit status 1 for run-time failures
// (device, timeout, exception), 2 for bad usage.
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "cli.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/modbus/register_value.hpp"
#include "emscore/modbus/rtu.hpp"
#include "emscore/modbus_io/client.hpp"
#include "emscore/modbus_io/rtu_client.hpp"
#include "emscore/modbus_io/tcp_client.hpp"
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

constexpr const char* kUsage =
    "(--tcp HOST:PORT | --rtu DEVICE [--baud 19200] [--parity even|odd|none] [--data-bits 8]\n"
    "   [--stop-bits 1] [--echo] | --rtu-tcp HOST:PORT) [--unit 1] --ref N [--zero-based]\n"
    "   [--count 1] [--type uint16|int16|uint32|int32|uint64|int64|float32|float64]\n"
    "   [--table holding|input|coil|discrete] [--order ABCD|CDAB|BADC|DCBA]\n"
    "   [--timeout 1000] [--retries 2]   (write: VALUE...)";

}  // namespace

EMSCORE_CLI_COMMAND("modbus read", "read registers or bits from a Modbus device (JSON values)", kUsage, run_read);
EMSCORE_CLI_COMMAND("modbus write", "write registers or coils of a Modbus device", kUsage, run_write);
