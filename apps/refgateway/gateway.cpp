#include "gateway.hpp"

#include <cstdio>
#include <filesystem>
#include <map>

#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/mapping/driver_set.hpp"
#include "emscore/mapping/layout_model.hpp"
#include "emscore/modbus_io/tcp_server.hpp"
#include "control_runner.hpp"
#include "http_api.hpp"
#include "mqtt_publisher.hpp"
#include "poller.hpp"
#include "store_worker.hpp"
#include "users.hpp"

namespace emscore::refgw {
namespace asio = boost::asio;
namespace fs = std::filesystem;

struct Gateway::Impl final : ApiBackend {
  Impl(asio::io_context& io_, GatewayConfig config_, GatewayOptions options_)
      : io(io_), config(std::move(config_)), options(std::move(options_)), table(config),
        control_timer(io_) {}

  asio::io_context& io;
  GatewayConfig config;
  GatewayOptions options;
  DeviceTable table;
  std::unique_ptr<StoreWorker> store;
  mapping::DriverSet drivers;
  mapping::LayoutModel layout;
  std::unique_ptr<modbus_io::TcpServer> modbus_server;
  std::vector<std::unique_ptr<Poller>> pollers;
  std::unique_ptr<UserStore> users;
  std::unique_ptr<HttpApi> http;
  std::unique_ptr<MqttPublisher> mqtt;
  std::optional<ControlRunner> control;
  asio::steady_timer control_timer;
  std::string one_time_password;
  absl::Time started_at = absl::Now();
  bool started = false;
  bool started_or_starting = false;
  // Completions posted to the io thread check this before touching the gateway.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);

  // ---- ApiBackend ----
  const DeviceTable& devices() const override { return table; }
  EventLog& events() override { return *events_; }
  HealthInfo health() const override;
  absl::TimeZone time_zone() const override {
    absl::TimeZone tz;
    if (!absl::LoadTimeZone(config.gateway.time_zone, &tz)) tz = absl::UTCTimeZone();
    return tz;
  }
  void query_history(const HistoryRequest& request, HistoryDone done) override {
    store->query(profile::SeriesKey{request.device, request.quantity}, request.from, request.to,
                 std::move(done));
  }
  std::string config_json() const override {
    GatewayConfig c = config;
    if (users) c.users = users->to_config();
    return config_to_json(c);
  }
  absl::Status restore_config(std::string_view json_text, std::string_view user) override;
  absl::Status save_users(const std::vector<UserConfig>& list) override;
  boost::json::value control_view() const override {
    if (!control) return boost::json::object{{"load_management", false}, {"outputs", boost::json::array{}}};
    return control->view_json(absl::Now());
  }
  absl::Status set_output(std::string_view name, bool on, std::string_view user) override {
    if (!control) return absl::NotFoundError(str_cat("no output named \"", name, "\" (no outputs are configured)"));
    return control->remote_output(name, on, user, absl::Now());
  }

  std::unique_ptr<EventLog> events_;
  absl::Status write_config_file(const GatewayConfig& c);
  absl::Status start_users();
  absl::Status start_http();
  absl::Status start_mqtt();
  absl::Status start_control();
  void control_tick();

  void print(const std::string& line) const {
    if (options.print) options.print(line);
  }
  void log(Severity s, std::string category, std::string source, std::string message) {
    if (!events_) return;
    auto id = events_->append(s, std::move(category), std::move(source), std::move(message));
    (void)id;  // an event log that cannot write is reported by health, not by every caller
  }

  absl::Status open_storage();
  absl::Status load_drivers();
  absl::Status start_modbus_server();
  absl::Status start_pollers();
  void on_readout(const DeviceConfig& device, absl::StatusOr<Readout> result);
  void seed_counters();
};

// S0 counters live in the gateway: after a restart they continue from the last stored value.
void Gateway::Impl::seed_counters() {
  std::optional<std::vector<profile::SeriesInfo>> series;
  for (auto& p : pollers) {
    if (p->bus().type != BusType::kS0) continue;
    if (!series) {
      auto s = store->list_series_now();
      if (!s.ok()) {
        log(Severity::kError, "store", "", str_cat("cannot list series: ", s.status().message()));
        return;
      }
      series = std::move(*s);
    }
    for (const DeviceConfig& d : config.devices) {
      if (d.bus != p->bus().name || !d.s0) continue;
      for (const profile::SeriesInfo& info : *series) {
        if (info.key.device != d.ref || info.key.quantity != d.s0->code || info.key.tier != 0 ||
            info.key.field != 0 || info.samples == 0)
          continue;
        auto last = store->query_now(info.key, info.last, info.last + absl::Milliseconds(1));
        if (last.ok() && !last->empty()) {
          p->reader().seed(d, last->back().value);
          log(Severity::kInfo, "device", d.serial,
              str_cat("S0 counter continues at ", last->back().value.to_string_with_unit()));
        }
      }
    }
  }
}

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gateway::~Gateway() {
  stop();
  *impl_->alive = false;
  impl_->alive.reset();
}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::create(asio::io_context& io, GatewayConfig config,
                                                         GatewayOptions options) {
  return std::unique_ptr<Gateway>(
      new Gateway(std::make_unique<Impl>(io, std::move(config), std::move(options))));
}

absl::Status Gateway::Impl::open_storage() {
  std::error_code ec;
  fs::create_directories(config.gateway.data_dir, ec);
  if (ec)
    return absl::PermissionDeniedError(str_cat("data directory ", config.gateway.data_dir,
                                               ": cannot create: ", ec.message()));
  auto log = EventLog::open((fs::path(config.gateway.data_dir) / "events.db").string());
  if (!log.ok()) return log.status();
  events_ = std::move(*log);
  auto s = StoreWorker::open((fs::path(config.gateway.data_dir) / "profile.db").string(),
                             io.get_executor());
  if (!s.ok()) return s.status();
  store = std::move(*s);
  return absl::OkStatus();
}

absl::Status Gateway::Impl::load_drivers() {
  std::vector<std::string> dirs = config.gateway.driver_dirs;
  if (fs::is_directory(fs::path(EMSCORE_DRIVERS_DIR))) dirs.emplace_back(EMSCORE_DRIVERS_DIR);
  auto set = mapping::load_driver_dirs(dirs);
  if (!set.ok()) return set.status();
  drivers = std::move(*set);
  return absl::OkStatus();
}

absl::Status Gateway::Impl::start_modbus_server() {
  if (!config.servers.modbus_enabled) return absl::OkStatus();
  modbus_server = std::make_unique<modbus_io::TcpServer>(io.get_executor(), layout);
  auto st = modbus_server->listen(config.servers.modbus.address, config.servers.modbus.port);
  if (!st.ok())
    return absl::Status(st.code(), str_cat("Modbus TCP server on ", config.servers.modbus.address,
                                           ":", config.servers.modbus.port, ": ", st.message(),
                                           " (use --modbus-port to pick another port)"));
  modbus_server->start();
  return absl::OkStatus();
}

absl::Status Gateway::Impl::start_pollers() {
  for (const BusConfig& bus : config.buses) {
    std::vector<const DeviceConfig*> devices;
    for (const DeviceConfig& d : config.devices)
      if (d.bus == bus.name) devices.push_back(&d);
    if (devices.empty()) continue;
    auto reader = make_device_reader(io.get_executor(), bus, devices, drivers);
    if (!reader.ok()) return reader.status();
    pollers.push_back(std::make_unique<Poller>(
        io.get_executor(), config, bus, std::move(*reader),
        [this](const DeviceConfig& d, absl::StatusOr<Readout> r) { on_readout(d, std::move(r)); }));
  }
  seed_counters();
  for (auto& p : pollers) p->start(true);
  return absl::OkStatus();
}

void Gateway::Impl::on_readout(const DeviceConfig& device, absl::StatusOr<Readout> result) {
  const DeviceEntry* entry = table.by_ref(device.ref);
  const bool was_failing = entry && entry->status.last_failure > entry->status.last_ok &&
                           entry->status.last_failure != absl::InfinitePast();
  const bool never_read = entry && entry->status.readouts == 0 && entry->status.failures == 0;
  if (!result.ok()) {
    const std::string error(result.status().message());
    table.record_failure(device.ref, absl::Now(), error);
    if (!was_failing) log(Severity::kError, "device", device.serial, str_cat("readout failed: ", error));
    return;
  }
  Readout& r = *result;
  if (was_failing) log(Severity::kInfo, "device", device.serial, "readout works again");
  if (never_read)
    log(Severity::kInfo, "device", device.serial,
        str_cat("first readout: ", r.values.size(), " values"));
  for (const std::string& w : r.warnings)
    log(Severity::kWarning, "device", device.serial, w);

  // Modbus server image of the device's unit id.
  if (device.modbus_unit != 0) {
    std::vector<mapping::IndexedReading> indexed;
    indexed.reserve(r.values.size());
    for (const LatestValue& v : r.values) indexed.push_back({v.index, v.reading});
    layout.set_unit(device.modbus_unit, indexed);
  }
  // Profile store.
  std::vector<Reading> batch;
  for (const LatestValue& v : r.values)
    if (v.save) batch.push_back(v.reading);
  if (!batch.empty()) {
    std::weak_ptr<bool> weak = alive;
    store->ingest(std::move(batch), [this, weak, serial = device.serial](
                                        absl::StatusOr<profile::IngestReport> rep) {
      if (weak.expired()) return;
      if (!rep.ok()) {
        log(Severity::kError, "store", serial, str_cat("not stored: ", rep.status().message()));
        return;
      }
      for (const profile::Rejection& rej : rep->rejected)
        log(Severity::kWarning, "store", serial, str_cat("value refused: ", rej.status.message()));
    });
  }
  if (control) {
    std::vector<Reading> readings;
    readings.reserve(r.values.size());
    for (const LatestValue& v : r.values) readings.push_back(v.reading);
    control->on_readings(device.ref, readings, absl::Now());
  }
  const absl::Time at = r.at;
  table.record_success(device.ref, at, std::move(r.values));
  if (mqtt) {
    // Handed to the publisher's thread, which commits a whole raster's readouts together.
    if (const DeviceEntry* e = table.by_ref(device.ref)) mqtt->queue_readout(*e, at);
  }
}


HealthInfo Gateway::Impl::health() const {
  HealthInfo h;
  h.version = "emscore refgateway 0.1.0";
  h.uptime = absl::Now() - started_at;
  h.gateway_id = config.gateway.id;
  std::vector<std::string> problems;
  std::size_t offline = 0;
  for (const DeviceEntry& e : table.devices())
    if (e.status.failures > 0 && !e.status.online()) ++offline;
  if (offline > 0) problems.push_back(str_cat(offline, " of ", table.devices().size(), " devices failing"));
  if (mqtt) {
    const MqttStatus st = mqtt->status();
    if (!st.connected) problems.push_back(str_cat("MQTT broker not connected (", st.queued, " queued)"));
  }
  if (!problems.empty()) {
    h.status = "degraded";
    for (const auto& p : problems) h.detail += str_cat(h.detail.empty() ? "" : "; ", p);
  }
  return h;
}

absl::Status Gateway::Impl::write_config_file(const GatewayConfig& c) {
  if (options.config_path.empty()) return absl::OkStatus();
  return save_config(c, options.config_path);
}

absl::Status Gateway::Impl::save_users(const std::vector<UserConfig>& list) {
  GatewayConfig c = config;
  c.users = list;
  if (auto st = write_config_file(c); !st.ok()) return st;
  config.users = list;
  return absl::OkStatus();
}

absl::Status Gateway::Impl::restore_config(std::string_view json_text, std::string_view user) {
  auto parsed = parse_config(json_text);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->users.empty()) {
    bool admin = false;
    for (const UserConfig& u : parsed->users) admin = admin || u.role == "administrator";
    if (!admin)
      return absl::FailedPreconditionError("the restored configuration has users but no administrator: nobody could log in to manage it");
  } else {
    parsed->users = users ? users->to_config() : config.users;  // keep who can log in
  }
  if (auto st = write_config_file(*parsed); !st.ok()) return st;
  log(Severity::kInfo, "config", std::string(user), "restarting with the restored configuration");
  if (options.request_restart) {
    asio::post(io, [restart = options.request_restart] { restart(); });
  }
  return absl::OkStatus();
}

absl::Status Gateway::Impl::start_users() {
  auto u = UserStore::create(io.get_executor(), config.users);
  if (!u.ok()) return u.status();
  users = std::move(*u);
  auto otp = users->bootstrap_admin();
  if (!otp.ok()) return otp.status();
  if (otp->has_value()) {
    one_time_password = **otp;
    if (auto st = save_users(users->to_config()); !st.ok())
      log(Severity::kError, "config", "admin", str_cat("cannot save the new administrator: ", st.message()));
    log(Severity::kWarning, "auth", "admin",
        "no administrator was configured: created \"admin\" with a one-time password (printed once at start)");
  }
  return absl::OkStatus();
}

absl::Status Gateway::Impl::start_http() {
  http = std::make_unique<HttpApi>(io.get_executor(), *this, *users);
  auto st = http->listen(config.servers.http.address, config.servers.http.port);
  if (!st.ok())
    return absl::Status(st.code(), str_cat("HTTP server on ", config.servers.http.address, ":",
                                           config.servers.http.port, ": ", st.message(),
                                           " (use --http-port to pick another port)"));
  http->start();
  return absl::OkStatus();
}

absl::Status Gateway::Impl::start_mqtt() {
  if (!config.mqtt.enabled) return absl::OkStatus();
  MqttPublisherOptions o;
  o.mqtt = config.mqtt;
  o.gateway_id = config.gateway.id;
  o.outbox_path = (fs::path(config.gateway.data_dir) / "mqtt-outbox.db").string();
  o.max_backoff = options.mqtt_max_backoff;
  std::weak_ptr<bool> weak = alive;
  o.on_event = [this, weak](Severity sev, std::string message) {
    asio::post(io, [this, weak, sev, message = std::move(message)]() mutable {
      if (weak.expired()) return;
      log(sev, "mqtt", config.mqtt.uri, std::move(message));
    });
  };
  auto m = MqttPublisher::create(std::move(o));
  if (!m.ok()) return m.status();
  mqtt = std::move(*m);
  if (auto st = mqtt->start(); !st.ok()) return st;
  for (const DeviceEntry& e : table.devices()) {
    auto st = mqtt->publish_device_config(e, config.bus(e.config.bus));
    if (!st.ok()) log(Severity::kError, "mqtt", e.config.serial, str_cat("config topics not queued: ", st.message()));
  }
  return absl::OkStatus();
}

absl::Status Gateway::Impl::start_control() {
  const ControlSection& c = config.control;
  if (!c.load_manager && c.outputs.empty() && c.alarms.empty()) return absl::OkStatus();
  ControlRunnerOptions o;
  o.sink = ControlRunner::sink_to(*events_);
  auto runner = ControlRunner::create(c, ControlRunner::resolver_for(config), std::move(o));
  if (!runner.ok()) return runner.status();
  control.emplace(std::move(*runner));
  for (const StationBinding& s : c.stations) {
    std::shared_ptr<StationLink> link;
    if (options.station_link) link = options.station_link(s.station.name, s.device);
    if (!link) continue;  // the runner reports the station failed (and logs it)
    if (auto st = control->attach(s.station.name, std::move(link)); !st.ok()) return st;
  }
  control_tick();
  return absl::OkStatus();
}

void Gateway::Impl::control_tick() {
  if (!control || !started_or_starting) return;
  control->tick(absl::Now());
  control_timer.expires_after(std::chrono::seconds(1));
  std::weak_ptr<bool> weak = alive;
  control_timer.async_wait([this, weak](boost::system::error_code ec) {
    if (ec || weak.expired()) return;
    control_tick();
  });
}

absl::Status Gateway::start() {
  Impl& g = *impl_;
  if (g.started) return absl::OkStatus();
  if (auto st = g.open_storage(); !st.ok()) return st;
  g.log(Severity::kInfo, "gateway", g.config.gateway.id,
        str_cat("start", g.options.demo ? " (demo)" : "", ": ", g.config.devices.size(),
                " devices on ", g.config.buses.size(), " buses"));
  g.started_or_starting = true;
  absl::Status st = g.load_drivers();
  if (st.ok()) st = g.start_users();
  if (st.ok()) st = g.start_modbus_server();
  if (st.ok()) st = g.start_http();
  if (st.ok()) st = g.start_mqtt();
  if (st.ok()) st = g.start_control();
  if (st.ok()) st = g.start_pollers();
  g.started = true;  // stop() undoes whatever part started
  if (!st.ok()) {
    g.log(Severity::kError, "gateway", g.config.gateway.id, str_cat("start failed: ", st.message()));
    stop();
  }
  return st;
}

void Gateway::stop() {
  Impl& g = *impl_;
  if (!g.started) return;
  g.started = false;
  g.started_or_starting = false;
  for (auto& p : g.pollers) p->stop();
  g.control_timer.cancel();
  if (g.modbus_server) g.modbus_server->stop();
  if (g.http) g.http->stop();
  if (g.mqtt) g.mqtt->stop();
  if (g.store) g.store->drain();
  g.log(Severity::kInfo, "gateway", g.config.gateway.id, "stop");
}

std::uint16_t Gateway::http_port() const { return impl_->http ? impl_->http->port() : 0; }
std::string Gateway::mqtt_state() const {
  if (!impl_->mqtt) return "off";
  const MqttStatus st = impl_->mqtt->status();
  if (st.connected) return "connected";
  return str_cat("not connected (", st.queued, " queued", st.last_error.empty() ? "" : ": ",
                 st.last_error, ")");
}
std::uint16_t Gateway::modbus_port() const {
  return impl_->modbus_server ? impl_->modbus_server->port() : 0;
}
const GatewayConfig& Gateway::config() const { return impl_->config; }
DeviceTable& Gateway::devices() { return impl_->table; }
EventLog& Gateway::events() { return *impl_->events_; }
void Gateway::trigger_readout() {
  for (auto& p : impl_->pollers) p->trigger();
}
const std::string& Gateway::one_time_password() const { return impl_->one_time_password; }

}  // namespace emscore::refgw
