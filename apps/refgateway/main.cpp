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
#include <iostream>
#include <optional>
#include <string>

#include "boost/asio/io_context.hpp"
#include "boost/asio/signal_set.hpp"
#include "config.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "demo.hpp"
#include "gateway.hpp"
#include "users.hpp"

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



// The demo's configuration is generated at each start (the simulators' ports change); only its
// users are kept from the previous run, in DIR/demo-config.json.
std::vector<UserConfig> users_of(const std::string& path) {
  if (!std::filesystem::exists(path)) return {};
  auto c = load_config(path);
  if (!c.ok()) return {};
  return c->users;
}

int setup_admin(const Args& a, const std::string& config_path) {
  auto config = load_config_or_defaults(config_path, false);
  if (!config.ok()) return fail(config.status());
  std::string password;
  if (::isatty(0)) std::fprintf(stderr, "password for %s: ", a.command_arg.c_str());
  std::getline(std::cin, password);
  if (auto st = check_password_policy(a.command_arg, password); !st.ok()) return fail(st);
  auto hash = hash_password(password);
  if (!hash.ok()) return fail(hash.status());
  bool replaced = false;
  for (UserConfig& u : config->users) {
    if (u.name == a.command_arg) {
      u.role = "administrator";
      u.password_hash = *hash;
      u.must_change_password = false;
      replaced = true;
    }
  }
  if (!replaced) config->users.push_back(UserConfig{a.command_arg, "administrator", *hash, false});
  if (auto st = save_config(*config, config_path); !st.ok()) return fail(st);
  std::printf("administrator \"%s\" %s in %s\n", a.command_arg.c_str(),
              replaced ? "updated" : "created", config_path.c_str());
  return 0;
}

void print_summary(Gateway& gw, bool demo, const std::function<void(const std::string&)>& print) {
  const GatewayConfig& c = gw.config();
  const std::string http = str_cat("http://", c.servers.http.address, ":", gw.http_port());
  print(str_cat("emscore refgateway ", c.gateway.id, demo ? " (demo)" : "", ": ", c.devices.size(),
                " devices on ", c.buses.size(), " buses, raster ", absl::FormatDuration(c.gateway.raster),
                ", data in ", c.gateway.data_dir));
  print(str_cat("  HTTP API    ", http, "/app/api/devices  (health: ", http, "/app/api/health)"));
  for (const DeviceConfig& d : c.devices)
    print(str_cat("  device      ", d.name, " [", d.serial, "] ", http, "/app/api/serial/", d.serial,
                  ".json  Modbus unit ", static_cast<int>(d.modbus_unit)));
  if (c.servers.modbus_enabled)
    print(str_cat("  Modbus TCP  ", c.servers.modbus.address, ":", gw.modbus_port(),
                  "  e.g. mbpoll -m tcp -a 1 -t 4:float -B -r 12000 -c 1 -p ", gw.modbus_port(), " ",
                  c.servers.modbus.address));
  if (c.mqtt.enabled) {
    std::string prefix = c.mqtt.prefix.empty() ? "" : c.mqtt.prefix + "/";
    print(str_cat("  MQTT        ", c.mqtt.uri, " topics ", prefix, "emscore/", c.gateway.id,
                  "/meterreading/<serial>/byobis/<obis>  (", gw.mqtt_state(), ")"));
  } else {
    print("  MQTT        off (--mqtt-uri tcp://HOST:1883 to publish)");
  }
  if (!gw.one_time_password().empty())
    print(str_cat("  login       user \"admin\", one-time password ", gw.one_time_password(),
                  " (must be changed at first login: PUT ", http, "/app/api/users/admin/password)"));
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
  const std::string config_path = args->config.value_or(
      (std::filesystem::path(data_dir) / (args->demo ? "demo-config.json" : "config.json")).string());
  if (args->command == "setup-admin") return setup_admin(*args, config_path);

  ::signal(SIGPIPE, SIG_IGN);
  auto print = [](const std::string& line) {
    std::fputs((line + "\n").c_str(), stdout);
    std::fflush(stdout);
  };
  boost::asio::io_context io;
  std::unique_ptr<DemoSimulators> demo;
  if (args->demo) {
    demo = std::make_unique<DemoSimulators>(io.get_executor());
    if (auto st = demo->start(); !st.ok()) return fail(st);
  }
  bool restart = true;
  bool stopping = false;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  std::unique_ptr<Gateway> gw;
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    stopping = true;
    io.stop();
  });
  while (restart && !stopping) {
    restart = false;
    GatewayConfig config;
    if (demo) {
      config = demo->config();
      config.users = users_of(config_path);
      config.gateway.data_dir = data_dir;
    } else {
      auto c = load_config_or_defaults(config_path, args->config.has_value());
      if (!c.ok()) return fail(c.status());
      config = std::move(*c);
    }
    apply_overrides(*args, config);
    GatewayOptions options;
    options.config_path = config_path;
    options.demo = args->demo;
    options.print = print;
    options.request_restart = [&] {
      restart = true;
      io.stop();
    };
    if (demo) {
      options.station_link = [&demo](std::string_view station, std::string_view link)
          -> std::shared_ptr<StationLink> {
        if (link != "sim") return nullptr;
        return demo->stations().link(station);
      };
    }
    auto created = Gateway::create(io, std::move(config), std::move(options));
    if (!created.ok()) return fail(created.status());
    gw = std::move(*created);
    if (auto st = gw->start(); !st.ok()) return fail(st);
    print_summary(*gw, args->demo, print);
    print(str_cat("ready http=", gw->config().servers.http.address, ":", gw->http_port(),
                  " modbus=", gw->config().servers.modbus.address, ":", gw->modbus_port()));
    io.restart();
    io.run();
    gw->stop();
    io.restart();
    io.poll();  // let posted completions see the gateway stopped
    gw.reset();
    if (restart) print("restarting with the restored configuration");
  }
  if (demo) demo->stop();
  return 0;
}
