#include "gateway.hpp"

#include <filesystem>
#include <map>

#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/mapping/driver_set.hpp"
#include "emscore/mapping/layout_model.hpp"
#include "emscore/modbus_io/tcp_server.hpp"
#include "poller.hpp"
#include "store_worker.hpp"

namespace emscore::refgw {
namespace asio = boost::asio;
namespace fs = std::filesystem;

struct Gateway::Impl {
  Impl(asio::io_context& io_, GatewayConfig config_, GatewayOptions options_)
      : io(io_), config(std::move(config_)), options(std::move(options_)), table(config) {}

  asio::io_context& io;
  GatewayConfig config;
  GatewayOptions options;
  DeviceTable table;
  std::unique_ptr<EventLog> events;
  std::unique_ptr<StoreWorker> store;
  mapping::DriverSet drivers;
  mapping::LayoutModel layout;
  std::unique_ptr<modbus_io::TcpServer> modbus_server;
  std::vector<std::unique_ptr<Poller>> pollers;
  std::string one_time_password;
  bool started = false;

  void print(const std::string& line) const {
    if (options.print) options.print(line);
  }
  void log(Severity s, std::string category, std::string source, std::string message) {
    if (!events) return;
    auto id = events->append(s, std::move(category), std::move(source), std::move(message));
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
Gateway::~Gateway() { stop(); }

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
  events = std::move(*log);
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
    store->ingest(std::move(batch), [this, serial = device.serial](
                                        absl::StatusOr<profile::IngestReport> rep) {
      if (!rep.ok()) {
        log(Severity::kError, "store", serial, str_cat("not stored: ", rep.status().message()));
        return;
      }
      for (const profile::Rejection& rej : rep->rejected)
        log(Severity::kWarning, "store", serial, str_cat("value refused: ", rej.status.message()));
    });
  }
  table.record_success(device.ref, r.at, std::move(r.values));
}

absl::Status Gateway::start() {
  Impl& g = *impl_;
  if (g.started) return absl::OkStatus();
  if (auto st = g.open_storage(); !st.ok()) return st;
  g.log(Severity::kInfo, "gateway", g.config.gateway.id,
        str_cat("start", g.options.demo ? " (demo)" : "", ": ", g.config.devices.size(),
                " devices on ", g.config.buses.size(), " buses"));
  if (auto st = g.load_drivers(); !st.ok()) return st;
  if (auto st = g.start_modbus_server(); !st.ok()) return st;
  if (auto st = g.start_pollers(); !st.ok()) return st;
  g.started = true;
  return absl::OkStatus();
}

void Gateway::stop() {
  Impl& g = *impl_;
  if (!g.started) return;
  g.started = false;
  for (auto& p : g.pollers) p->stop();
  if (g.modbus_server) g.modbus_server->stop();
  if (g.store) g.store->drain();
  g.log(Severity::kInfo, "gateway", g.config.gateway.id, "stop");
}

std::uint16_t Gateway::http_port() const { return 0; }
std::uint16_t Gateway::modbus_port() const {
  return impl_->modbus_server ? impl_->modbus_server->port() : 0;
}
const GatewayConfig& Gateway::config() const { return impl_->config; }
DeviceTable& Gateway::devices() { return impl_->table; }
EventLog& Gateway::events() { return *impl_->events; }
void Gateway::trigger_readout() {
  for (auto& p : impl_->pollers) p->trigger();
}
const std::string& Gateway::one_time_password() const { return impl_->one_time_password; }

}  // namespace emscore::refgw
