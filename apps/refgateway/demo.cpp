#include "demo.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <utility>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/write.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "demo_model.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/dsmr/emitter.hpp"
#include "emscore/mapping/driver_json.hpp"
#include "emscore/mapping/encode.hpp"
#include "emscore/mbus/data.hpp"
#include "emscore/mbus/frame.hpp"
#include "emscore/mbus/framer.hpp"
#include "emscore/mbus/telegram.hpp"
#include "emscore/mbus_io/simulator.hpp"
#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus_io/tcp_server.hpp"

#ifndef EMSCORE_DRIVERS_DIR
#define EMSCORE_DRIVERS_DIR "drivers"
#endif

namespace emscore::refgw {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Counters are anchored here: a register's value at start is its base plus an average rate
// times the time since, so that a demo restarted later starts higher (and the gateway's
// stored history does not see its meters jump back).
const absl::Time kAnchor = absl::FromUnixSeconds(1'767'225'600);  // 2026-01-01T00:00:00Z

double hours_since_anchor(absl::Time t) { return std::max(0.0, absl::ToDoubleHours(t - kAnchor)); }

// --- Modbus meters -------------------------------------------------------------------------

struct ModbusMeterSpec {
  const char* name;
  const char* serial;
  const char* driver;
  int phases;
  std::array<double, 3> peak_a;
  double power_factor;
  double base_kwh;  // register at the anchor
  double avg_kw;    // growth per hour since the anchor (an upper estimate of the mean load)
};

// [0] is the installation's total meter: it sees the others and the charging stations.
constexpr ModbusMeterSpec kModbusMeters[] = {
    {"Main meter", "demo-sdm630", "eastron_sdm630", 3, {9, 7, 8}, 0.95, 12'000, 6.0},
    {"Kitchen & office", "demo-sdm230", "eastron_sdm230", 1, {8, 0, 0}, 0.97, 2'100, 1.2},
    {"Heat pump", "demo-sdm72d", "eastron_sdm72d_m", 3, {5, 5, 5}, 0.90, 5'400, 2.5},
    {"Workshop", "demo-emu2", "emu_professional_2", 3, {4, 2, 3}, 0.85, 800, 1.5},
};

struct ModbusSim {
  DemoModbusMeter endpoint;
  mapping::ModbusDriver driver;
  std::unique_ptr<ElectricMeterSim> sim;
  double start_import_kwh = 0;
  double start_export_kwh = 0;
  modbus::MemoryDataModel model;
  std::unique_ptr<modbus_io::TcpServer> server;
};

// --- M-Bus meters --------------------------------------------------------------------------

struct MbusMeterSpec {
  const char* name;
  const char* serial;
  std::uint8_t primary;
  const char* id;            // 8 BCD digits
  const char* manufacturer;  // three letters
  std::uint8_t version;
  std::uint8_t medium;       // EN 13757-3 Table 3
  double base_litres;        // the volume record at the anchor
  double litres_per_hour;    // average flow since the anchor
};

// Volumes follow the clock (refreshed per transaction, see MbusRelay), not the number of
// readouts: the simulator's own per-readout step is 0.
constexpr MbusMeterSpec kMbusMeters[] = {
    {"Cold water", "demo-water", 1, "20260001", "ZRI", 0x01, 0x07, 512'000, 60.0},
    {"Heating", "demo-heat", 2, "20260002", "KAM", 0x1B, 0x04, 3'100'000, 250.0},
    {"Gas", "demo-gas", 3, "20260003", "ELS", 0x02, 0x03, 2'450'000, 160.0},
};

std::array<std::uint8_t, 4> le32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
}
std::array<std::uint8_t, 2> le16(std::uint16_t v) {
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)};
}

void append(std::vector<std::uint8_t>& out, std::initializer_list<std::uint8_t> head,
            std::span<const std::uint8_t> data) {
  out.insert(out.end(), head.begin(), head.end());
  out.insert(out.end(), data.begin(), data.end());
}

mbus::DateTime civil(absl::Time t, const absl::TimeZone& zone, bool with_time) {
  const absl::CivilSecond c = absl::ToCivilSecond(t, zone);
  mbus::DateTime d;
  d.year = static_cast<std::int16_t>(c.year());
  d.month = static_cast<std::uint8_t>(c.month());
  d.day = static_cast<std::uint8_t>(c.day());
  d.hour = with_time ? static_cast<std::uint8_t>(c.hour()) : 0;
  d.minute = with_time ? static_cast<std::uint8_t>(c.minute()) : 0;
  d.has_time = with_time;
  return d;
}

double litres_at(const MbusMeterSpec& m, absl::Time t) {
  return m.base_litres + m.litres_per_hour * hours_since_anchor(t);
}

// The records after the simulator's volume record (04 13 litres) for meter `i` at `t`.
std::vector<std::uint8_t> mbus_records(std::size_t i, absl::Time t, const absl::TimeZone& zone,
                                       std::uint64_t seed) {
  const MbusMeterSpec& m = kMbusMeters[i];
  std::vector<std::uint8_t> r;
  std::array<std::uint8_t, 4> f{};
  mbus::encode_type_f(civil(t, zone, true), f);
  append(r, {0x04, 0x6D}, f);  // date and time (type F)
  // Due date: the first of this month, and the volume then (storage 1).
  const absl::CivilSecond now_c = absl::ToCivilSecond(t, zone);
  const absl::Time due = absl::FromCivil(absl::CivilMonth(now_c), zone);
  std::array<std::uint8_t, 2> g{};
  mbus::encode_type_g(civil(due, zone, false), g);
  append(r, {0x42, 0x6C}, g);
  append(r, {0x44, 0x13}, le32(static_cast<std::uint32_t>(litres_at(m, due))));
  if (m.medium == 0x04) {
    // Heat: energy (0.1 kWh), power (W), volume flow (l/h), flow/return temperature (0.1 °C),
    // temperature difference (0.01 K) — consistent: P = flow * ΔT * 1.163 Wh/(l·K).
    const double shape = daily_load_shape(t, zone);
    const double kwh = 41'000 + 3.2 * hours_since_anchor(t);
    const double dt_k = 9.0 + 1.5 * demo_smooth_noise(seed, 0x40000, t, absl::Minutes(3));
    const double flow_c = 52.0 + 6.0 * shape + 0.5 * demo_noise(seed, 0x40001, absl::ToUnixSeconds(t) / 10);
    const double lph = 180.0 + 420.0 * shape;
    const double watts = lph * dt_k * 1.163;
    append(r, {0x04, 0x05}, le32(static_cast<std::uint32_t>(kwh * 10)));
    append(r, {0x04, 0x2B}, le32(static_cast<std::uint32_t>(watts)));
    append(r, {0x04, 0x3B}, le32(static_cast<std::uint32_t>(lph)));
    append(r, {0x02, 0x5A}, le16(static_cast<std::uint16_t>(flow_c * 10)));
    append(r, {0x02, 0x5E}, le16(static_cast<std::uint16_t>((flow_c - dt_k) * 10)));
    append(r, {0x02, 0x61}, le16(static_cast<std::uint16_t>(dt_k * 100)));
  }
  // Fabrication number (BCD 8 digits) = the identification number.
  std::array<std::uint8_t, 4> id{};
  for (int k = 0; k < 4; ++k) {
    id[k] = static_cast<std::uint8_t>(((m.id[6 - 2 * k] - '0') << 4) | (m.id[7 - 2 * k] - '0'));
  }
  append(r, {0x0C, 0x78}, id);
  return r;
}

mbus::SecondaryAddress secondary_of(const MbusMeterSpec& m) {
  mbus::SecondaryAddress a;
  for (int k = 0; k < 4; ++k) {
    a.id[k] = static_cast<std::uint8_t>(((m.id[6 - 2 * k] - '0') << 4) | (m.id[7 - 2 * k] - '0'));
  }
  a.manufacturer = mbus::manufacturer_code(m.manufacturer).value_or(0);
  a.version = m.version;
  a.medium = m.medium;
  return a;
}

// --- P1 ------------------------------------------------------------------------------------

constexpr absl::Duration kGasCapture = absl::Minutes(5);  // DSMR 5: gas value every 5 minutes

bool low_tariff(absl::Time t, const absl::TimeZone& zone) {
  const absl::CivilSecond c = absl::ToCivilSecond(t, zone);
  const absl::Weekday wd = absl::GetWeekday(absl::CivilDay(c));
  return c.hour() < 7 || c.hour() >= 23 || wd == absl::Weekday::saturday ||
         wd == absl::Weekday::sunday;
}

}  // namespace

struct DemoSimulators::Impl : std::enable_shared_from_this<DemoSimulators::Impl> {
  asio::any_io_executor ex;
  DemoOptions options;
  absl::TimeZone zone;
  DemoEndpoints endpoints;
  std::unique_ptr<DemoStations> stations;
  std::vector<std::unique_ptr<ModbusSim>> modbus;
  bool running = false;
  asio::steady_timer timer;

  // M-Bus: one acceptor; each connection is one bus, served through an MbusRelay (below) by
  // its current Simulator. mbus_sims: every simulator still running.
  tcp::acceptor mbus_acceptor;
  std::list<std::shared_ptr<mbus_io::Simulator>> mbus_sims;
  std::array<std::uint32_t, std::size(kMbusMeters)> mbus_high{};  // volumes already shown

  // P1: the pty pair (master written here, slave opened by the gateway) and its meter.
  int pty_master = -1;
  int pty_slave = -1;  // held open so that the pty never hangs up and stale input can be dropped
  std::unique_ptr<ElectricMeterSim> p1_sim;
  double p1_t1 = 0, p1_t2 = 0, p1_last_import = 0;
  mutable std::mutex p1_mu;
  std::string p1_telegram;

  Impl(asio::any_io_executor e, DemoOptions o)
      : ex(std::move(e)), options(std::move(o)), timer(ex), mbus_acceptor(ex) {
    if (!options.clock) options.clock = [] { return absl::Now(); };
    if (!absl::LoadTimeZone(options.time_zone, &zone)) zone = absl::UTCTimeZone();
    if (options.drivers_dir.empty()) options.drivers_dir = EMSCORE_DRIVERS_DIR;
  }

  absl::Status start_modbus() {
    const absl::Time now = options.clock();
    std::uint32_t channel = 1;
    for (const ModbusMeterSpec& spec : kModbusMeters) {
      auto sim = std::make_unique<ModbusSim>();
      const std::string path = str_cat(options.drivers_dir, "/", spec.driver, ".json");
      auto file = mapping::load_driver_file(path);
      if (!file.ok()) return absl::Status(file.status().code(), str_cat("demo: ", file.status().message()));
      if (!std::holds_alternative<mapping::ModbusDriver>(file->driver))
        return absl::InvalidArgumentError(str_cat("demo: ", path, " is not a Modbus driver"));
      sim->driver = std::get<mapping::ModbusDriver>(std::move(file->driver));
      ElectricMeterModel m;
      m.phases = spec.phases;
      m.peak_current_a = spec.peak_a;
      m.power_factor = spec.power_factor;
      m.import_kwh = spec.base_kwh + spec.avg_kw * hours_since_anchor(now);
      m.import_kvarh = m.import_kwh * 0.18;
      m.seed = options.seed;
      m.channel = channel++;
      sim->start_import_kwh = m.import_kwh;
      sim->sim = std::make_unique<ElectricMeterSim>(m, zone);
      sim->model.add_unit(1);
      sim->model.set_device_id_object(0, sim->driver.manufacturer);
      sim->model.set_device_id_object(1, sim->driver.model);
      sim->model.set_device_id_object(2, "demo");
      sim->server = std::make_unique<modbus_io::TcpServer>(ex, sim->model);
      if (auto st = sim->server->listen(options.address, 0); !st.ok())
        return absl::Status(st.code(), str_cat("demo: Modbus meter ", spec.name, ": ", st.message()));
      sim->endpoint = DemoModbusMeter{spec.name, spec.serial, spec.driver, sim->server->port(), 1};
      endpoints.modbus.push_back(sim->endpoint);
      modbus.push_back(std::move(sim));
    }
    return absl::OkStatus();
  }

  absl::Status start_mbus() {
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(options.address, ec);
    if (ec) return absl::InvalidArgumentError(str_cat("demo: address \"", options.address, "\": ", ec.message()));
    mbus_acceptor.open(addr.is_v6() ? tcp::v6() : tcp::v4(), ec);
    if (!ec) mbus_acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) mbus_acceptor.bind(tcp::endpoint(addr, 0), ec);
    if (!ec) mbus_acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return absl::UnavailableError(str_cat("demo: M-Bus bus on ", options.address, ": ", ec.message()));
    endpoints.mbus_port = mbus_acceptor.local_endpoint().port();
    for (const MbusMeterSpec& m : kMbusMeters) {
      endpoints.mbus.push_back(DemoMbusMeter{m.name, m.serial, m.primary,
                                             secondary_of(m).to_string(), m.medium});
    }
    return absl::OkStatus();
  }

  std::vector<mbus_io::SimMeter> mbus_meters_now() {
    const absl::Time now = options.clock();
    std::vector<mbus_io::SimMeter> out;
    for (std::size_t i = 0; i < std::size(kMbusMeters); ++i) {
      const MbusMeterSpec& spec = kMbusMeters[i];
      // Never below what an earlier connection showed (the simulator steps per readout).
      for (const auto& s : mbus_sims) mbus_high[i] = std::max(mbus_high[i], s->volume(i));
      mbus_io::SimMeter m;
      m.primary = spec.primary;
      m.secondary = secondary_of(spec);
      m.telegrams = {mbus_records(i, now, zone, options.seed)};
      m.volume_litres = std::max(mbus_high[i], static_cast<std::uint32_t>(litres_at(spec, now)));
      m.step_litres = 0;
      out.push_back(std::move(m));
    }
    return out;
  }

  static asio::awaitable<void> serve_mbus(std::shared_ptr<Impl> self,
                                          std::shared_ptr<mbus_io::Simulator> sim) {
    co_await sim->run();
    for (std::size_t i = 0; i < std::size(kMbusMeters); ++i)
      self->mbus_high[i] = std::max(self->mbus_high[i], sim->volume(i));
    self->mbus_sims.remove(sim);
  }

  // One client connection of the M-Bus bus. mbus_io::Simulator takes its meters' records once,
  // but a gateway keeps its connection for hours: so the client talks to a simulator through
  // this relay, which replaces the simulator (with records of the current time) between two
  // transactions once the records are older than kMbusRefresh. Each simulator serves its own
  // loopback connection (a Link like any other); volumes continue across the replacement.
  struct MbusRelay {
    explicit MbusRelay(tcp::socket c) : client(std::move(c)) {}
    tcp::socket client;
    std::shared_ptr<mbus_io::Simulator> sim;
    std::shared_ptr<tcp::socket> to_sim;  // our end of the current simulator's connection
    absl::Time built = absl::InfinitePast();
  };
  static constexpr absl::Duration kMbusRefresh = absl::Seconds(5);
  std::list<std::weak_ptr<MbusRelay>> mbus_relays;

  static asio::awaitable<void> accept_mbus(std::shared_ptr<Impl> self) {
    while (self->running) {
      auto [ec, socket] = co_await self->mbus_acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (!self->running || ec == asio::error::operation_aborted) co_return;
        continue;
      }
      auto relay = std::make_shared<MbusRelay>(std::move(socket));
      self->mbus_relays.remove_if([](const auto& w) { return w.expired(); });
      self->mbus_relays.push_back(relay);
      asio::co_spawn(self->ex, relay_mbus(self, relay), asio::detached);
    }
  }

  // A new simulator with the records of now behind `relay` (the old one is stopped first, its
  // volumes kept). False when the loopback connection cannot be made.
  bool replace_simulator(MbusRelay& relay) {
    if (relay.sim) {
      for (std::size_t i = 0; i < std::size(kMbusMeters); ++i)
        mbus_high[i] = std::max(mbus_high[i], relay.sim->volume(i));
      relay.sim->stop();
      boost::system::error_code ignored;
      relay.to_sim->close(ignored);
    }
    boost::system::error_code ec;
    tcp::acceptor a(ex);
    const tcp::endpoint loopback(asio::ip::address_v4::loopback(), 0);
    a.open(loopback.protocol(), ec);
    if (!ec) a.bind(loopback, ec);
    if (!ec) a.listen(1, ec);
    auto mine = std::make_shared<tcp::socket>(ex);
    tcp::socket theirs(ex);
    // Loopback: the connection completes in the backlog, so both calls return at once.
    if (!ec) mine->connect(a.local_endpoint(), ec);
    if (!ec) a.accept(theirs, ec);
    if (ec) return false;
    relay.built = options.clock();
    relay.sim = std::make_shared<mbus_io::Simulator>(mbus_io::Link(std::move(theirs)), mbus_meters_now());
    relay.to_sim = mine;
    mbus_sims.push_back(relay.sim);
    asio::co_spawn(ex, serve_mbus(shared_from_this(), relay.sim), asio::detached);
    return true;
  }

  // Simulator -> client, until the simulator's connection closes (it is replaced or stopped).
  static asio::awaitable<void> pump_mbus(std::shared_ptr<tcp::socket> from,
                                         std::shared_ptr<MbusRelay> relay) {
    std::array<std::uint8_t, 512> buf{};
    for (;;) {
      auto [ec, n] = co_await from->async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      auto [wec, w] = co_await asio::async_write(relay->client, asio::buffer(buf.data(), n),
                                                 asio::as_tuple(asio::use_awaitable));
      if (wec) co_return;
    }
  }

  // Client -> simulator, frame by frame, replacing the simulator between transactions.
  static asio::awaitable<void> relay_mbus(std::shared_ptr<Impl> self, std::shared_ptr<MbusRelay> relay) {
    mbus::Framer framer;
    std::array<std::uint8_t, 512> buf{};
    bool ok = true;
    while (ok && self->running) {
      auto [ec, n] = co_await relay->client.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      std::size_t pos = 0;
      while (ok && pos < n) {
        pos += framer.feed(std::span<const std::uint8_t>(buf.data() + pos, n - pos));
        while (ok) {
          auto event = framer.next();
          if (!event) break;
          if (event->kind != mbus::FramerEvent::Kind::kFrame) continue;  // noise: no slave answers it
          const std::vector<std::uint8_t> request(event->bytes.begin(), event->bytes.end());
          // A request to the selected slave (0xFD) continues a transaction: never replace the
          // simulator under it (it would forget the selection).
          auto f = mbus::parse_frame(request);
          const bool continues = f.ok() && f->a == mbus::address::kNetworkLayer &&
                                 !(f->kind == mbus::FrameKind::kLong && f->ci == mbus::ci::kSelectSecondary);
          if (!relay->sim || (!continues && self->options.clock() - relay->built >= kMbusRefresh)) {
            if (!self->replace_simulator(*relay)) {
              ok = false;
              break;
            }
            asio::co_spawn(self->ex, pump_mbus(relay->to_sim, relay), asio::detached);
          }
          auto [wec, w] = co_await asio::async_write(*relay->to_sim, asio::buffer(request),
                                                     asio::as_tuple(asio::use_awaitable));
          if (wec) ok = false;
        }
      }
    }
    boost::system::error_code ignored;
    relay->client.close(ignored);
    if (relay->sim) relay->sim->stop();
    if (relay->to_sim) relay->to_sim->close(ignored);
  }

  absl::Status start_p1() {
    if (!options.p1) return absl::OkStatus();
    pty_master = ::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (pty_master < 0) return absl::UnavailableError(str_cat("demo: P1 pty: posix_openpt: ", std::strerror(errno)));
    char name[128];
    if (::grantpt(pty_master) != 0 || ::unlockpt(pty_master) != 0 ||
        ::ptsname_r(pty_master, name, sizeof name) != 0) {
      const std::string why = std::strerror(errno);
      close_pty();
      return absl::UnavailableError(str_cat("demo: P1 pty: ", why));
    }
    pty_slave = ::open(name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (pty_slave < 0) {
      const std::string why = std::strerror(errno);
      close_pty();
      return absl::UnavailableError(str_cat("demo: P1 pty: open ", name, ": ", why));
    }
    // Raw from the start: no echo back into the master, no line editing of the telegrams.
    termios t{};
    if (::tcgetattr(pty_slave, &t) == 0) {
      ::cfmakeraw(&t);
      (void)::tcsetattr(pty_slave, TCSANOW, &t);
    }
    endpoints.p1_device = name;
    ElectricMeterModel m;
    m.phases = 3;
    m.peak_current_a = {7, 6, 5};
    m.power_factor = 0.96;
    m.seed = options.seed;
    m.channel = 40;
    const double h = hours_since_anchor(options.clock());
    p1_t1 = 3'400 + 0.5 * h;
    p1_t2 = 4'100 + 0.6 * h;
    p1_sim = std::make_unique<ElectricMeterSim>(m, zone);
    p1_last_import = p1_sim->import_kwh();
    return absl::OkStatus();
  }

  void close_pty() {
    if (pty_slave >= 0) ::close(pty_slave);
    if (pty_master >= 0) ::close(pty_master);
    pty_slave = pty_master = -1;
  }

  void write_p1(absl::Time now) {
    if (!p1_sim) return;
    p1_sim->step(now);
    const double d = p1_sim->import_kwh() - p1_last_import;
    p1_last_import = p1_sim->import_kwh();
    (low_tariff(now, zone) ? p1_t1 : p1_t2) += d;
    const DeviceRef dev{0};
    std::vector<Reading> r;
    auto add = [&](obis::ObisCode c, Value v, absl::Time at) {
      r.push_back(Reading{dev, c, v, at, Quality::kMeasured});
    };
    add(obis::ObisCode(1, 0, 1, 8, 1), demo_value(p1_t1, 3, Unit::kKiloWattHour), now);
    add(obis::ObisCode(1, 0, 1, 8, 2), demo_value(p1_t2, 3, Unit::kKiloWattHour), now);
    add(obis::ObisCode(1, 0, 2, 8, 1), Value(0, -3, Unit::kKiloWattHour), now);
    add(obis::ObisCode(1, 0, 2, 8, 2), Value(0, -3, Unit::kKiloWattHour), now);
    add(obis::ObisCode(1, 0, 1, 7, 0), demo_value(std::max(0.0, p1_sim->active_power_w()) / 1000, 3, Unit::kKiloWatt), now);
    add(obis::ObisCode(1, 0, 2, 7, 0), Value(0, -3, Unit::kKiloWatt), now);
    for (int p = 0; p < 3; ++p) {
      const auto c = static_cast<std::uint8_t>(20 * p);
      const PhaseValues& v = p1_sim->phase(p);
      add(obis::ObisCode(1, 0, c + 32, 7, 0), demo_value(v.voltage_v, 1, Unit::kVolt), now);
      add(obis::ObisCode(1, 0, c + 31, 7, 0), Value(std::llround(v.current_a), 0, Unit::kAmpere), now);
      add(obis::ObisCode(1, 0, c + 21, 7, 0), demo_value(std::max(0.0, v.active_w) / 1000, 3, Unit::kKiloWatt), now);
      add(obis::ObisCode(1, 0, c + 22, 7, 0), Value(0, -3, Unit::kKiloWatt), now);
    }
    // Gas: the M-Bus channel's value of the last 5-minute capture.
    const absl::Time capture = absl::UnixEpoch() + absl::Floor(now - absl::UnixEpoch(), kGasCapture);
    const double m3 = 1'830 + 0.12 * hours_since_anchor(capture);
    add(obis::ObisCode(0, 1, 24, 2, 1), demo_value(m3, 3, Unit::kCubicMetre), capture);
    std::string text = dsmr::emit_telegram("EMS5\\2demo-P1", r, now);
    if (pty_master >= 0) {
      // A telegram nobody read within a tick is dropped (as a real P1 port's bytes are lost when
      // nothing listens): the reader then always gets the newest telegram, never a backlog.
      // (Unconditionally: bytes still in the pty's flip buffer are not counted by FIONREAD.)
      ::tcflush(pty_slave, TCIFLUSH);
      std::size_t off = 0;
      while (off < text.size()) {
        const ssize_t n = ::write(pty_master, text.data() + off, text.size() - off);
        if (n <= 0) break;  // full (EAGAIN) or closed: drop the rest, the framer resynchronises
        off += static_cast<std::size_t>(n);
      }
    }
    std::lock_guard lock(p1_mu);
    p1_telegram = std::move(text);
  }

  // Moves everything to clock(); the first register image that cannot be written is returned
  // (the other meters are still updated).
  absl::Status update() {
    const absl::Time now = options.clock();
    // Sub-meters first: their currents flow through the total meter, and so do the stations'.
    std::array<Phasor, 3> downstream{};
    for (std::size_t i = 1; i < modbus.size(); ++i) {
      modbus[i]->sim->step(now);
      const auto& ph = modbus[i]->sim->phase_phasors();
      for (int p = 0; p < 3; ++p) downstream[p] += ph[p];
    }
    const auto ev = stations->phase_currents();
    for (int p = 0; p < 3; ++p) downstream[p] += load_phasor(ev[p], 0.99);
    if (!modbus.empty()) modbus[0]->sim->step(now, downstream);
    absl::Status result;
    for (auto& m : modbus) {
      const auto readings = m->sim->readings(DeviceRef{0});
      absl::Status st = mapping::encode(m->driver, readings, m->model, m->endpoint.unit);
      // Fields without an OBIS code (the SDM72D-M's resettable registers): energy since the
      // demo started.
      const double since_import = m->sim->import_kwh() - m->start_import_kwh;
      const double since_export = m->sim->export_kwh() - m->start_export_kwh;
      modbus::MemoryDataModel::Bank& bank = *m->model.bank(m->endpoint.unit);
      for (const mapping::ModbusField& f : m->driver.fields) {
        if (!st.ok()) break;
        if (f.meaning.obis || !same_dimension(f.meaning.unit, Unit::kWattHour) ||
            mapping::is_bit_table(f.table))
          continue;
        const bool exp = f.meaning.name.find("xport") != std::string::npos;
        const bool imp = f.meaning.name.find("mport") != std::string::npos;
        const double v = exp ? since_export : imp ? since_import : since_import + since_export;
        auto& table = f.table == mapping::Table::kHoldingRegister ? bank.holding : bank.input;
        st = mapping::encode_field(f, demo_value(v, 3, Unit::kKiloWattHour),
                                   std::span(table.data() + f.address, f.width()));
      }
      if (!st.ok() && result.ok()) {
        result = absl::Status(st.code(), str_cat("demo: ", m->endpoint.name, " (", m->driver.id, "): ", st.message()));
      }
    }
    write_p1(now);
    return result;
  }

  void arm() {
    timer.expires_after(options.tick);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self || !self->running) return;
      (void)self->update();  // start() saw the same encoding succeed: values only change
      self->arm();
    });
  }

  void stop() {
    if (!running) return;
    running = false;
    timer.cancel();
    for (auto& m : modbus) m->server->stop();
    boost::system::error_code ec;
    mbus_acceptor.close(ec);
    for (auto& w : mbus_relays) {
      if (auto r = w.lock()) {
        r->client.close(ec);
        if (r->to_sim) r->to_sim->close(ec);
      }
    }
    for (auto& s : mbus_sims) s->stop();
    close_pty();
  }
};

DemoSimulators::DemoSimulators(asio::any_io_executor ex, DemoOptions options)
    : impl_(std::make_shared<Impl>(std::move(ex), std::move(options))) {
  std::vector<control::StationConfig> st = {
      {device_ref_for_serial("station:Bay 1"), "Bay 1", 16'000, control::kPhaseAll, false},
      {device_ref_for_serial("station:Bay 2"), "Bay 2", 16'000, control::kPhaseAll, false},
      {device_ref_for_serial("station:Bay 3"), "Bay 3", 32'000, control::kPhaseAll, true},
      {device_ref_for_serial("station:Bay 4"), "Bay 4", 32'000, control::kPhaseL2, false},
  };
  impl_->endpoints.address = impl_->options.address;
  impl_->endpoints.stations = st;
  impl_->endpoints.s0 = {
      {"Garage (S0)", "demo-s0-garage", "sim:2400", 1000, "kWh", obis::ObisCode(1, 0, 1, 8, 0)},
      {"Garden water (S0)", "demo-s0-water", "sim:60", 100, "m^3", obis::ObisCode(8, 0, 1, 0, 0)},
  };
  impl_->stations = std::make_unique<DemoStations>(std::move(st), impl_->options.clock,
                                                   impl_->options.stations);
}

DemoSimulators::~DemoSimulators() { stop(); }

absl::Status DemoSimulators::start() {
  Impl& d = *impl_;
  if (d.running) return absl::FailedPreconditionError("demo: already started");
  auto fail = [&](absl::Status st) {
    d.running = true;
    d.stop();
    return st;
  };
  if (auto st = d.start_modbus(); !st.ok()) return fail(st);
  if (auto st = d.start_mbus(); !st.ok()) return fail(st);
  if (auto st = d.start_p1(); !st.ok()) return fail(st);
  d.running = true;
  // Registers and the first telegram are there before anyone connects.
  if (auto st = d.update(); !st.ok()) return fail(st);
  for (auto& m : d.modbus) m->server->start();
  asio::co_spawn(d.ex, Impl::accept_mbus(impl_), asio::detached);
  d.arm();
  return absl::OkStatus();
}

void DemoSimulators::stop() {
  if (!impl_->running) return;
  impl_->stop();
  // Connections closed just now finish on the executor; they may still touch the models.
  asio::post(impl_->ex, [keep = impl_] { asio::post(keep->ex, [keep] {}); });
}

const DemoEndpoints& DemoSimulators::endpoints() const { return impl_->endpoints; }
DemoStations& DemoSimulators::stations() { return *impl_->stations; }
absl::Status DemoSimulators::update() { return impl_->update(); }

std::string DemoSimulators::last_p1_telegram() const {
  std::lock_guard lock(impl_->p1_mu);
  return impl_->p1_telegram;
}

std::vector<Reading> DemoSimulators::modbus_readings(std::size_t i) const {
  if (i >= impl_->modbus.size()) return {};
  return impl_->modbus[i]->sim->readings(DeviceRef{0});
}

GatewayConfig demo_config(const DemoEndpoints& e) {
  GatewayConfig c;
  c.gateway.id = "emscore-demo";
  c.gateway.raster = absl::Seconds(10);
  c.gateway.data_dir = "./refgateway-data";
  c.gateway.time_zone = "UTC";
  c.servers.http = Endpoint{"127.0.0.1", 8080};
  c.servers.modbus_enabled = true;
  c.servers.modbus = Endpoint{"127.0.0.1", 1502};
  c.mqtt.enabled = false;
  c.mqtt.prefix = "demo";
  std::uint8_t unit = 1;
  auto add_device = [&](DeviceConfig d) {
    d.modbus_unit = unit++;
    d.ref = device_ref_for_serial(d.serial);
    c.devices.push_back(std::move(d));
  };
  for (const DemoModbusMeter& m : e.modbus) {
    BusConfig b;
    b.name = str_cat("modbus-", m.serial.substr(m.serial.find('-') + 1));
    b.type = BusType::kModbusTcp;
    b.host = e.address;
    b.port = m.port;
    b.timeout = std::chrono::milliseconds(1000);
    b.retries = 1;
    c.buses.push_back(b);
    DeviceConfig d;
    d.name = m.name;
    d.serial = m.serial;
    d.bus = b.name;
    d.address = m.unit;
    d.driver = m.driver;
    add_device(std::move(d));
  }
  if (e.mbus_port != 0) {
    BusConfig b;
    b.name = "mbus-lan";
    b.type = BusType::kMbusTcp;
    b.host = e.address;
    b.port = e.mbus_port;
    b.timeout = std::chrono::milliseconds(1000);
    b.retries = 1;
    c.buses.push_back(b);
    for (const DemoMbusMeter& m : e.mbus) {
      DeviceConfig d;
      d.name = m.name;
      d.serial = m.serial;
      d.bus = b.name;
      d.address = m.primary;
      d.driver = "auto";
      add_device(std::move(d));
    }
  }
  if (!e.p1_device.empty()) {
    BusConfig b;
    b.name = "p1";
    b.type = BusType::kP1Serial;
    b.serial.device = e.p1_device;
    b.serial.baud = 115200;
    b.serial.data_bits = 8;
    b.serial.parity = 'N';
    b.serial.stop_bits = 1;
    b.dsmr_version = 5;
    b.timeout = std::chrono::milliseconds(1000);
    c.buses.push_back(b);
    DeviceConfig d;
    d.name = e.p1_name;
    d.serial = e.p1_serial;
    d.bus = b.name;
    d.driver = "dsmr";
    add_device(std::move(d));
  }
  if (!e.s0.empty()) {
    BusConfig b;
    b.name = "s0";
    b.type = BusType::kS0;
    c.buses.push_back(b);
    for (const DemoS0Meter& m : e.s0) {
      DeviceConfig d;
      d.name = m.name;
      d.serial = m.serial;
      d.bus = b.name;
      d.driver = "s0";
      d.s0 = S0Source{m.input, m.pulses_per_unit, m.unit, m.code};
      add_device(std::move(d));
    }
  }
  if (!e.modbus.empty() && !e.stations.empty()) {
    control::LoadManagerConfig lm;
    lm.installation_phases = 3;
    lm.max_current = 63'000;
    lm.max_charging_current = 50'000;
    lm.hysteresis_percent = 5;
    lm.meter_timeout = absl::Seconds(35);  // > 3 rasters of 10 s
    lm.settle_time = absl::Seconds(5);
    c.control.load_manager = lm;
    c.control.meter_device = e.modbus.front().name;
    for (const control::StationConfig& s : e.stations) c.control.stations.push_back(StationBinding{s, "sim"});
    control::OutputConfig out;
    out.name = "DO1";
    out.function = control::OutputFunction::kAlarm;
    c.control.outputs.push_back(out);
    control::ThresholdRule rule;
    rule.name = "overcurrent-L1";
    rule.quantity = obis::ObisCode(1, 0, 31, 7, 0);
    rule.device = c.devices.front().ref;
    rule.comparison = control::Comparison::kAbove;
    rule.threshold = Value(55, 0, Unit::kAmpere);
    rule.hysteresis = Value(3, 0, Unit::kAmpere);
    rule.on_delay = absl::Seconds(10);
    rule.off_delay = absl::Seconds(30);
    c.control.alarms.push_back(rule);
    c.control.alarm_outputs.push_back("DO1");
  }
  return c;
}

}  // namespace emscore::refgw
