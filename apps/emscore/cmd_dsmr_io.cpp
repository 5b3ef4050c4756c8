// `emscore dsmr read DEVICE [--legacy] [--count N] [--timeout-ms MS] [--key HEX32 [--ak HEX32]]
//  [--tz ZONE]` — reads telegrams from a P1 port and prints them as `emscore dsmr parse` does.
#include <chrono>
#include <cstdio>
#include <functional>
#include <cstdlib>
#include <string>

#include "boost/asio/io_context.hpp"
#include "boost/json/object.hpp"
#include "cli.hpp"
#include "emscore/core/time.hpp"
#include "emscore/dsmr/telegram.hpp"
#include "emscore/dsmr_io/p1_reader.hpp"

namespace emscore::cli {
boost::json::object dsmr_telegram_json(const emscore::dsmr::Telegram& t, std::uint64_t offset);
}

namespace {

using emscore::cli::Context;
namespace dsmr = emscore::dsmr;
namespace dsmr_io = emscore::dsmr_io;

bool to_count(const std::string& s, long* out) {
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (end == s.c_str() || *end != '\0' || v <= 0) return false;
  *out = v;
  return true;
}

int run_read(std::span<const std::string> args, Context& ctx) {
  std::string device;
  bool legacy = false;
  long count = 1;
  long timeout_ms = 15000;
  dsmr_io::ReaderOptions options;
  dsmr::ParserOptions parser_options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--legacy") {
      legacy = true;
    } else if (a == "--count" && has_value) {
      if (!to_count(args[++i], &count)) return emscore::cli::fail(ctx, "dsmr read: --count takes a positive number");
    } else if (a == "--timeout-ms" && has_value) {
      if (!to_count(args[++i], &timeout_ms)) return emscore::cli::fail(ctx, "dsmr read: --timeout-ms takes a positive number");
    } else if (a == "--key" && has_value) {
      auto k = dsmr::parse_key(args[++i]);
      if (!k.ok()) return emscore::cli::fail(ctx, k.status());
      options.smarty_key = *k;
    } else if (a == "--ak" && has_value) {
      auto k = dsmr::parse_key(args[++i]);
      if (!k.ok()) return emscore::cli::fail(ctx, k.status());
      options.smarty_auth_key = *k;
    } else if (a == "--tz" && has_value) {
      auto tz = emscore::load_time_zone(args[++i]);
      if (!tz.ok()) return emscore::cli::fail(ctx, tz.status());
      parser_options.time_zone = *tz;
    } else if (!a.empty() && a[0] != '-' && device.empty()) {
      device = a;
    } else {
      return emscore::cli::fail(ctx, "dsmr read: unexpected argument '" + a + "'");
    }
  }
  if (device.empty()) return emscore::cli::fail(ctx, "dsmr read: give the P1 device, e.g. /dev/ttyUSB0");
  options.timeout = std::chrono::milliseconds(timeout_ms);

  boost::asio::io_context io;
  dsmr_io::P1Reader reader(io.get_executor(), options);
  const absl::Status opened = reader.open(
      device, legacy ? dsmr_io::SerialSettings::dsmr22() : dsmr_io::SerialSettings::dsmr5());
  if (!opened.ok()) return emscore::cli::fail(ctx, opened, 1);
  dsmr::TelegramParser parser(parser_options);
  long done = 0;
  int status = 0;
  std::function<void(absl::StatusOr<dsmr_io::ReceivedTelegram>)> on_telegram =
      [&](absl::StatusOr<dsmr_io::ReceivedTelegram> t) {
        if (!t.ok()) {
          status = emscore::cli::fail(ctx, t.status(), 1);
          return;
        }
        auto parsed = parser.parse(t->bytes, t->crc);
        if (parsed.ok()) {
          if (options.smarty_key) parsed->dialect.variant = dsmr::Variant::kLuxembourg;
          emscore::cli::print_json(ctx, emscore::cli::dsmr_telegram_json(*parsed, t->offset));
          std::fflush(ctx.out);
        }
        if (++done < count) reader.async_read_telegram(on_telegram);
      };
  reader.async_read_telegram(on_telegram);
  io.run();
  return status;
}

}  // namespace

EMSCORE_CLI_COMMAND("dsmr read", "read telegrams from a P1 serial port and print them as JSON",
                    "DEVICE [--legacy (9600 7E1)] [--count N] [--timeout-ms MS] [--key HEX32 "
                    "[--ak HEX32]] [--tz ZONE]",
                    run_read);
