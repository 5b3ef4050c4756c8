// refgateway — the reference gateway. See docs/refgateway.md.
//
//   refgateway --demo                       simulated meters + a config that reads them
//   refgateway --config site.json           a real installation
//   refgateway check-config site.json       validate a configuration and exit
//   refgateway setup-admin NAME [--config site.json]   create an administrator (password on stdin)
//
// Overrides: --http-port N, --modbus-port N, --data-dir DIR, --mqtt-uri URI.
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "boost/asio/io_context.hpp"
#include "boost/asio/signal_set.hpp"
#include "config.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "gateway.hpp"

namespace {

using namespace emscore;
using namespace emscore::refgw;

constexpr const char* kUsage =
    "usage: refgateway [--demo] [--config FILE] [--http-port N] [--modbus-port N]\n"
    "                  [--data-dir DIR] [--mqtt-uri URI]\n"
    "       refgateway check-config FILE\n"
    "       refgateway setup-admin NAME [--config FILE] [--data-dir DIR]   (password on stdin)\n"
    "\n"
    "Without --config the configuration is DIR/config.json (DIR: --data-dir, default\n"
    "./refgateway-data); it is created from the built-in defaults when missing.\n"
    "--demo starts simulated meters and reads them (no hardware needed).\n";

struct Args {
  bool demo = false;
  bool help = false;
  std::string command;  // "", "check-config", "setup-admin"
  std::string command_arg;
  std::optional<std::string> config;
  std::optional<std::uint16_t> http_port;
  std::optional<std::uint16_t> modbus_port;
  std::optional<std::string> data_dir;
  std::optional<std::string> mqtt_uri;
};

absl::StatusOr<std::uint16_t> parse_port(std::string_view flag, std::string_view text) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v > 65535)
    return absl::InvalidArgumentError(str_cat(flag, ": \"", text, "\", expected a port 0-65535"));
  return static_cast<std::uint16_t>(v);
}

absl::StatusOr<Args> parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_value = false;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto need = [&](std::string_view flag) -> absl::StatusOr<std::string> {
      if (has_value) return std::string(value);
      if (i + 1 >= argc) return absl::InvalidArgumentError(str_cat(flag, " needs a value"));
      return std::string(argv[++i]);
    };
    if (arg == "--demo") {
      a.demo = true;
    } else if (arg == "--help" || arg == "-h") {
      a.help = true;
    } else if (arg == "--config") {
      EMSCORE_ASSIGN_OR_RETURN(std::string v, need(arg));
      a.config = v;
    } else if (arg == "--data-dir") {
      EMSCORE_ASSIGN_OR_RETURN(std::string v, need(arg));
      a.data_dir = v;
    } else if (arg == "--mqtt-uri") {
      EMSCORE_ASSIGN_OR_RETURN(std::string v, need(arg));
      a.mqtt_uri = v;
    } else if (arg == "--http-port" || arg == "--modbus-port") {
      EMSCORE_ASSIGN_OR_RETURN(std::string v, need(arg));
      EMSCORE_ASSIGN_OR_RETURN(std::uint16_t port, parse_port(arg, v));
      (arg == "--http-port" ? a.http_port : a.modbus_port) = port;
    } else if (!arg.starts_with("-") && a.command.empty() &&
               (arg == "check-config" || arg == "setup-admin")) {
      a.command = std::string(arg);
      if (i + 1 >= argc) return absl::InvalidArgumentError(str_cat(arg, " needs an argument"));
      a.command_arg = argv[++i];
    } else {
      return absl::InvalidArgumentError(str_cat("unknown argument \"", arg, "\""));
    }
  }
  return a;
}

void apply_overrides(const Args& a, GatewayConfig& c) {
  if (a.http_port) c.servers.http.port = *a.http_port;
  if (a.modbus_port) c.servers.modbus.port = *a.modbus_port;
  if (a.data_dir) c.gateway.data_dir = *a.data_dir;
  if (a.mqtt_uri) {
    c.mqtt.enabled = true;
    c.mqtt.uri = *a.mqtt_uri;
  }
}

int fail(const absl::Status& st) {
  std::fprintf(stderr, "refgateway: %s\n", std::string(st.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = parse_args(argc, argv);
  if (!args.ok()) {
    std::fprintf(stderr, "refgateway: %s\n%s", std::string(args.status().message()).c_str(), kUsage);
    return 2;
  }
  if (args->help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args->command == "check-config") {
    auto c = load_config(args->command_arg);
    if (!c.ok()) return fail(c.status());
    std::printf("%s: ok (%zu buses, %zu devices, %zu users)\n", args->command_arg.c_str(),
                c->buses.size(), c->devices.size(), c->users.size());
    return 0;
  }

  const std::string data_dir = args->data_dir.value_or("./refgateway-data");
  std::string config_path =
      args->config.value_or((std::filesystem::path(data_dir) / "config.json").string());

  ::signal(SIGPIPE, SIG_IGN);
  boost::asio::io_context io;
  GatewayConfig config;
  if (args->config || std::filesystem::exists(config_path)) {
    auto c = load_config(config_path);
    if (!c.ok()) return fail(c.status());
    config = std::move(*c);
  } else {
    auto c = parse_config("{}");
    if (!c.ok()) return fail(c.status());
    config = std::move(*c);
  }
  apply_overrides(*args, config);

  auto print = [](const std::string& line) {
    std::fputs((line + "\n").c_str(), stdout);
    std::fflush(stdout);
  };
  auto gw = Gateway::create(io, std::move(config),
                            GatewayOptions{config_path, args->demo, print, {}});
  if (!gw.ok()) return fail(gw.status());
  if (auto st = (*gw)->start(); !st.ok()) return fail(st);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    (*gw)->stop();
    io.stop();
  });
  print(str_cat("ready modbus=", (*gw)->config().servers.modbus.address, ":", (*gw)->modbus_port()));
  io.run();
  return 0;
}
