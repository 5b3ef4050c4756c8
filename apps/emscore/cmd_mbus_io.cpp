// `emscore mbus scan` and `emscore mbus read`: talk to a real M-Bus through a level
// converter on a serial port (--device /dev/ttyUSB0) or a serial-to-TCP converter
// (--tcp host:port). Output is JSON; telegrams are the raw RSP_UD frames in hex (decode
// them with `emscore mbus decode`).
#include <string>
#include <vector>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/json/array.hpp"
#include "boost/json/object.hpp"
#include "cli.hpp"
#include "emscore/mbus_io/master.hpp"

namespace {

using emscore::cli::Context;
namespace mio = emscore::mbus_io;
namespace asio = boost::asio;

struct Args {
  std::string device, tcp, secondary;
  unsigned baud = 2400;
  int timeout_ms = 3000, retries = 2, first = 0, last = 250, address = -1;
  bool scan_secondary = false;
};

bool parse_args(std::span<const std::string> a, Args& out, std::string& err) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto next = [&](std::string& v) {
      if (i + 1 >= a.size()) {
        err = a[i] + " needs a value";
        return false;
      }
      v = a[++i];
      return true;
    };
    std::string v;
    if (a[i] == "--device") { if (!next(out.device)) return false; }
    else if (a[i] == "--tcp") { if (!next(out.tcp)) return false; }
    else if (a[i] == "--secondary") {
      if (i + 1 < a.size() && a[i + 1].size() == 16) out.secondary = a[++i];
      else out.scan_secondary = true;
    }
    else if (a[i] == "--baud") { if (!next(v)) return false; out.baud = static_cast<unsigned>(std::stoul(v)); }
    else if (a[i] == "--timeout") { if (!next(v)) return false; out.timeout_ms = std::stoi(v); }
    else if (a[i] == "--retries") { if (!next(v)) return false; out.retries = std::stoi(v); }
    else if (a[i] == "--first") { if (!next(v)) return false; out.first = std::stoi(v); }
    else if (a[i] == "--last") { if (!next(v)) return false; out.last = std::stoi(v); }
    else if (a[i] == "--address") { if (!next(v)) return false; out.address = std::stoi(v); }
    else { err = "unknown option " + a[i]; return false; }
  }
  if (out.device.empty() == out.tcp.empty()) {
    err = "give exactly one of --device PATH or --tcp HOST:PORT";
    return false;
  }
  return true;
}

std::string hex(const std::vector<std::uint8_t>& b) {
  static constexpr char k[] = "0123456789ABCDEF";
  std::string s;
  for (auto x : b) { s.push_back(k[x >> 4]); s.push_back(k[x & 15]); }
  return s;
}

int run_io(std::span<const std::string> args, Context& ctx, bool scan) {
  Args a;
  std::string err;
  try {
    if (!parse_args(args, a, err)) return emscore::cli::fail(ctx, "mbus: " + err);
  } catch (const std::exception& e) {
    return emscore::cli::fail(ctx, std::string("mbus: bad number: ") + e.what());
  }
  if (!scan && a.address < 0 && a.secondary.empty()) {
    return emscore::cli::fail(ctx, "mbus read: give --address N or --secondary 16HEX");
  }
  asio::io_context io;
  boost::json::object out;
  absl::Status status;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    absl::StatusOr<mio::Link> link = absl::UnknownError("no link");
    if (!a.device.empty()) {
      link = mio::Link::open_serial(io.get_executor(), a.device, a.baud);
    } else {
      const auto colon = a.tcp.rfind(':');
      if (colon == std::string::npos) { status = absl::InvalidArgumentError("--tcp HOST:PORT"); co_return; }
      link = co_await mio::Link::connect_tcp(a.tcp.substr(0, colon),
                                             static_cast<std::uint16_t>(std::stoi(a.tcp.substr(colon + 1))),
                                             std::chrono::milliseconds(a.timeout_ms));
    }
    if (!link.ok()) { status = link.status(); co_return; }
    mio::MasterOptions o;
    o.timeout = std::chrono::milliseconds(a.timeout_ms);
    o.retries = a.retries;
    o.baud = a.baud;
    mio::Master m(std::move(*link), o);
    if (scan && a.scan_secondary) {
      auto r = co_await m.scan_secondary();
      if (!r.ok()) { status = r.status(); co_return; }
      boost::json::array found, unresolved;
      for (const auto& s : r->found) found.push_back(boost::json::value(s.to_string()));
      for (const auto& s : r->unresolved) unresolved.push_back(boost::json::value(s.to_string()));
      out["secondary"] = std::move(found);
      out["unresolved"] = std::move(unresolved);
      out["probes"] = r->probes;
    } else if (scan) {
      auto r = co_await m.scan_primary(static_cast<std::uint8_t>(a.first), static_cast<std::uint8_t>(a.last));
      if (!r.ok()) { status = r.status(); co_return; }
      boost::json::array found;
      for (auto x : *r) found.push_back(x);
      out["primary"] = std::move(found);
    } else {
      absl::StatusOr<std::vector<mio::Telegram>> t;
      if (!a.secondary.empty()) {
        auto sa = emscore::mbus::SecondaryAddress::parse(a.secondary);
        if (!sa.ok()) { status = sa.status(); co_return; }
        t = co_await m.read_secondary(*sa);
        out["secondary"] = a.secondary;
      } else {
        t = co_await m.read(static_cast<std::uint8_t>(a.address));
        out["address"] = a.address;
      }
      if (!t.ok()) { status = t.status(); co_return; }
      boost::json::array tel;
      for (const auto& f : *t) tel.push_back(boost::json::value(hex(f)));
      out["telegrams"] = std::move(tel);
    }
  }, asio::detached);
  io.run();
  if (!status.ok()) return emscore::cli::fail(ctx, status, 1);
  emscore::cli::print_json(ctx, out);
  return 0;
}

int run_scan(std::span<const std::string> args, Context& ctx) { return run_io(args, ctx, true); }
int run_read(std::span<const std::string> args, Context& ctx) { return run_io(args, ctx, false); }

}  // namespace

EMSCORE_CLI_COMMAND("mbus scan", "scan a wired M-Bus for primary or secondary addresses",
                    "--device PATH | --tcp HOST:PORT [--baud 2400] [--timeout 3000] "
                    "[--retries 2] [--first 0 --last 250 | --secondary]",
                    run_scan);
EMSCORE_CLI_COMMAND("mbus read", "read all telegrams of one M-Bus meter (raw RSP_UD hex)",
                    "--device PATH | --tcp HOST:PORT (--address N | --secondary 16HEX) "
                    "[--baud 2400] [--timeout 3000] [--retries 2]",
                    run_read);
