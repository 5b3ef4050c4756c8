// The demo's simulators read by real peers: mbpoll (Debian) and our own Modbus TCP client with
// the shipped drivers, our M-Bus master over TCP, our P1 reader on the pty; and the demo's
// config through the gateway's own parser. The simulated clock is injected: every value below
// is the same on every run.
#include "../support/process.hpp"
#include "demo.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <type_traits>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/use_future.hpp"
#include "emscore/dsmr/telegram.hpp"
#include "emscore/dsmr_io/p1_reader.hpp"
#include "emscore/mapping/apply.hpp"
#include "emscore/mapping/driver_json.hpp"
#include "emscore/mapping/mbus_default.hpp"
#include "emscore/mapping/read_plan.hpp"
#include "emscore/mbus/frame.hpp"
#include "emscore/mbus/request.hpp"
#include "emscore/mbus/telegram.hpp"
#include "emscore/mbus_io/master.hpp"
#include "emscore/modbus_io/tcp_client.hpp"

namespace emscore::refgw {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace emscore::obis::literals;

// Monday 2026-11-23 18:00 UTC: the evening peak, normal (T2) P1 tariff.
const absl::Time kStart = absl::FromCivil(absl::CivilSecond(2026, 11, 23, 18, 0, 0), absl::UTCTimeZone());

using Shell = emscore::testing::CommandResult;

Shell shell(const std::string& cmd) { return emscore::testing::run_command(cmd); }

// The value mbpoll prints for reference `ref` ("[ref]: \t<value>").
std::optional<double> mbpoll_value(const Shell& out, int ref) {
  const std::string key = "[" + std::to_string(ref) + "]: \t";
  const auto pos = out.output.find(key);
  if (pos == std::string::npos) return std::nullopt;
  return std::strtod(out.output.c_str() + pos + key.size(), nullptr);
}

const Reading* find(const std::vector<Reading>& rs, const obis::ObisCode& c) {
  for (const Reading& r : rs)
    if (r.quantity == c) return &r;
  return nullptr;
}

double value_of(const std::vector<Reading>& rs, const obis::ObisCode& c) {
  const Reading* r = find(rs, c);
  EXPECT_NE(r, nullptr) << c.to_string();
  return r ? r->value.to_double() : 0.0;
}

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ns_ = absl::ToUnixNanos(kStart);
    DemoOptions o;
    o.clock = [this] { return absl::FromUnixNanos(now_ns_.load()); };
    o.time_zone = "UTC";
    o.tick = 200ms;
    demo_ = std::make_unique<DemoSimulators>(io_.get_executor(), o);
    const absl::Status st = demo_->start();
    ASSERT_TRUE(st.ok()) << st;
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (!thread_.joinable()) return;
    on_io([this] { demo_->stop(); });
    // Everything the demo started must end by itself once stopped: no timer, acceptor,
    // connection or coroutine may keep the io_context busy.
    guard_.reset();
    auto done = std::async(std::launch::async, [this] { thread_.join(); });
    if (done.wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "the io_context did not drain after stop(): something was left running";
      io_.stop();
      done.wait();
    }
    demo_.reset();
  }

  // Runs `f` on the io thread and waits for it.
  template <class F>
  std::invoke_result_t<F> on_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    asio::post(io_, [&task] { task(); });
    return fut.get();
  }

  template <class T>
  T run(asio::awaitable<T> a) {
    return asio::co_spawn(io_, std::move(a), asio::use_future).get();
  }

  void advance(absl::Duration d) {
    now_ns_ += absl::ToInt64Nanoseconds(d);
    const absl::Status st = on_io([this] { return demo_->update(); });
    EXPECT_TRUE(st.ok()) << st;
  }

  // Every field of meter `i` through our client, the read plan and the driver.
  std::vector<Reading> read_modbus(std::size_t i, std::vector<mapping::FieldError>* errors = nullptr) {
    const DemoModbusMeter& m = demo_->endpoints().modbus[i];
    auto file = mapping::load_driver_file(std::string(EMSCORE_SOURCE_DIR) + "/drivers/" + m.driver + ".json");
    EXPECT_TRUE(file.ok()) << file.status();
    if (!file.ok()) return {};
    const auto driver = std::get<mapping::ModbusDriver>(file->driver);
    return run([&]() -> asio::awaitable<std::vector<Reading>> {
      modbus_io::TcpClient client(io_.get_executor(), {.timeout = 2000ms, .retries = 1});
      const absl::Status c = co_await client.connect("127.0.0.1", m.port);
      EXPECT_TRUE(c.ok()) << c;
      auto plan = mapping::plan_reads(driver);
      EXPECT_TRUE(plan.ok()) << plan.status();
      std::vector<std::vector<std::uint16_t>> data;
      std::vector<mapping::RegisterBlock> blocks;
      for (const auto& r : *plan) {
        auto regs = co_await modbus_io::read_registers(client, m.unit, r.start, r.count,
                                                       r.table == mapping::Table::kHoldingRegister);
        EXPECT_TRUE(regs.ok()) << regs.status();
        data.push_back(regs.ok() ? *regs : std::vector<std::uint16_t>{});
      }
      for (std::size_t k = 0; k < plan->size(); ++k)
        blocks.push_back({(*plan)[k].table, (*plan)[k].start, data[k]});
      std::vector<Reading> out;
      std::vector<mapping::FieldError> errs;
      mapping::apply(driver, blocks, DeviceRef{1}, absl::Now(), out, &errs);
      for (const auto& e : errs) ADD_FAILURE() << m.driver << " field " << e.field << ": " << e.message;
      if (errors) *errors = errs;
      client.close();
      co_return out;
    }());
  }

  std::atomic<std::int64_t> now_ns_{0};
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_{io_.get_executor()};
  std::unique_ptr<DemoSimulators> demo_;
  std::thread thread_;
};

TEST_F(DemoTest, EndpointsAreOnLoopbackWithPortsFromTheOs) {
  const DemoEndpoints& e = demo_->endpoints();
  ASSERT_GE(e.modbus.size(), 3u);
  EXPECT_EQ(e.modbus[0].driver, "eastron_sdm630");
  std::set<std::uint16_t> ports;
  for (const auto& m : e.modbus) {
    EXPECT_NE(m.port, 0);
    ports.insert(m.port);
  }
  EXPECT_NE(e.mbus_port, 0);
  ports.insert(e.mbus_port);
  EXPECT_EQ(ports.size(), e.modbus.size() + 1);
  EXPECT_EQ(e.mbus.size(), 3u);
  EXPECT_TRUE(fs::exists(e.p1_device)) << e.p1_device;

  // A second demo beside the first: other ports, other pty.
  DemoOptions o;
  o.clock = [this] { return absl::FromUnixNanos(now_ns_.load()); };
  o.time_zone = "UTC";
  DemoSimulators second(io_.get_executor(), o);
  ASSERT_TRUE(on_io([&] { return second.start(); }).ok());
  for (const auto& m : second.endpoints().modbus) EXPECT_FALSE(ports.count(m.port)) << m.port;
  EXPECT_NE(second.endpoints().p1_device, e.p1_device);
  // Same seed and clock: the same values.
  EXPECT_EQ(value_of(on_io([&] { return second.modbus_readings(0); }), "1-0:31.7.0"_obis),
            value_of(on_io([&] { return demo_->modbus_readings(0); }), "1-0:31.7.0"_obis));
  on_io([&] { second.stop(); });
}

TEST_F(DemoTest, MbpollReadsEveryModbusMeter) {
  const DemoEndpoints& e = demo_->endpoints();
  auto poll = [&](std::uint16_t port, const std::string& args) {
    return shell("mbpoll -m tcp -1 -o 2 -a 1 -p " + std::to_string(port) + " " + args + " 127.0.0.1");
  };
  for (const DemoModbusMeter& m : e.modbus) {
    SCOPED_TRACE(m.driver);
    if (m.driver == "emu_professional_2") {
      // Holding registers 6004..6007 (PDU; mbpoll counts from 1): uint64 Wh, big-endian words.
      const Shell out = poll(m.port, "-t 4 -r 6005 -c 4");
      ASSERT_EQ(out.exit_code, 0) << out.output;
      double wh = 0;
      for (int k = 0; k < 4; ++k) {
        const auto w = mbpoll_value(out, 6005 + k);
        ASSERT_TRUE(w.has_value()) << out.output;
        wh = wh * 65536 + *w;
      }
      EXPECT_GT(wh / 1000, 800.0);  // kWh: the register never starts at zero
      EXPECT_NEAR(wh / 1000, value_of(on_io([&] { return demo_->modbus_readings(3); }), "1-0:1.8.1"_obis), 0.001);
      continue;
    }
    // Eastron: input registers, float32, big-endian words (-B); 30001 = reference 1.
    if (m.driver != "eastron_sdm72d_m") {
      const Shell v = poll(m.port, "-t 3:float -B -r 1 -c 1");
      ASSERT_EQ(v.exit_code, 0) << v.output;
      const auto volts = mbpoll_value(v, 1);
      ASSERT_TRUE(volts.has_value()) << v.output;
      EXPECT_GT(*volts, 220.0);
      EXPECT_LT(*volts, 240.0);
      const Shell f = poll(m.port, "-t 3:float -B -r 71 -c 1");
      const auto hz = mbpoll_value(f, 71);
      ASSERT_TRUE(hz.has_value()) << f.output;
      EXPECT_NEAR(*hz, 50.0, 0.1);
    }
    const Shell en = poll(m.port, "-t 3:float -B -r 73 -c 1");  // 30073 import energy, kWh
    const auto kwh = mbpoll_value(en, 73);
    ASSERT_TRUE(kwh.has_value()) << en.output;
    EXPECT_GT(*kwh, 1000.0);
    const Shell p = poll(m.port, "-t 3:float -B -r 53 -c 1");  // 30053 total system power, W
    if (m.driver != "eastron_sdm230") {
      const auto w = mbpoll_value(p, 53);
      ASSERT_TRUE(w.has_value()) << p.output;
      EXPECT_GT(*w, 100.0);
    }
  }
  // SDM630: three phases, 30001..30006 in one request.
  const Shell three = poll(e.modbus[0].port, "-t 3:float -B -r 1 -c 3");
  for (int ref : {1, 3, 5}) {
    const auto v = mbpoll_value(three, ref);
    ASSERT_TRUE(v.has_value()) << three.output;
    EXPECT_NEAR(*v, 230.0, 8.0);
  }
}

TEST_F(DemoTest, DriverReadsArePlausibleAndMatchTheModel) {
  for (std::size_t i = 0; i < demo_->endpoints().modbus.size(); ++i) {
    const DemoModbusMeter& m = demo_->endpoints().modbus[i];
    SCOPED_TRACE(m.driver);
    const std::vector<Reading> rs = read_modbus(i);
    ASSERT_FALSE(rs.empty());
    const std::vector<Reading> model = on_io([&] { return demo_->modbus_readings(i); });
    for (const Reading& r : rs) {
      const double v = r.value.to_double();
      const auto u = r.value.unit;
      if (u == Unit::kVolt) {
        EXPECT_GT(v, 220.0) << r.quantity.to_string();
        EXPECT_LT(v, 240.0) << r.quantity.to_string();
      } else if (u == Unit::kHertz) {
        EXPECT_NEAR(v, 50.0, 0.1);
      } else if (u == Unit::kAmpere) {
        EXPECT_GE(v, 0.0);
        EXPECT_LT(v, 200.0);
      }
      // What the client decodes is what the model holds (float32 precision).
      if (const Reading* want = find(model, r.quantity)) {
        const auto w = want->value.converted(u);
        ASSERT_TRUE(w.ok()) << r.quantity.to_string();
        EXPECT_NEAR(v, w->to_double(), std::abs(w->to_double()) * 1e-6 + 1e-3) << r.quantity.to_string();
      }
    }
    if (m.driver == "eastron_sdm630") {
      for (const auto& [u, i_, p, pf] : {std::tuple{"1-0:32.7.0"_obis, "1-0:31.7.0"_obis, "1-0:21.7.0"_obis, "1-0:33.7.0"_obis},
                                         std::tuple{"1-0:52.7.0"_obis, "1-0:51.7.0"_obis, "1-0:41.7.0"_obis, "1-0:53.7.0"_obis},
                                         std::tuple{"1-0:72.7.0"_obis, "1-0:71.7.0"_obis, "1-0:61.7.0"_obis, "1-0:73.7.0"_obis}}) {
        const double watts = value_of(rs, p);
        EXPECT_NEAR(watts, value_of(rs, u) * value_of(rs, i_) * value_of(rs, pf), std::abs(watts) * 0.005 + 1.0);
      }
      const double total = value_of(rs, "1-0:16.7.0"_obis);
      EXPECT_NEAR(total, value_of(rs, "1-0:21.7.0"_obis) + value_of(rs, "1-0:41.7.0"_obis) + value_of(rs, "1-0:61.7.0"_obis), 1.0);
    }
  }
}

TEST_F(DemoTest, EnergyIncreasesBetweenTwoReadouts) {
  const std::size_t n = demo_->endpoints().modbus.size();
  std::vector<double> before(n);
  auto energy = [](const std::vector<Reading>& rs) {
    const Reading* r = find(rs, "1-0:1.8.0"_obis);
    if (r == nullptr) r = find(rs, "1-0:1.8.1"_obis);
    EXPECT_NE(r, nullptr);
    return r ? r->value.to_double() : 0.0;
  };
  for (std::size_t i = 0; i < n; ++i) before[i] = energy(read_modbus(i));
  // One simulated hour, minute by minute.
  for (int k = 0; k < 60; ++k) advance(absl::Minutes(1));
  for (std::size_t i = 0; i < n; ++i) {
    SCOPED_TRACE(demo_->endpoints().modbus[i].driver);
    const double after = energy(read_modbus(i));
    EXPECT_GT(after, before[i] + 0.2);   // at least 200 W on average at the evening peak
    EXPECT_LT(after, before[i] + 60.0);  // and less than the installation could draw
    if (demo_->endpoints().modbus[i].driver != "eastron_sdm72d_m") continue;
    // The SDM72D-M's resettable registers (no OBIS code in the driver) count since the start:
    // 30385 total, 30389 import, 30391 export (float32, input registers).
    const DemoModbusMeter& m = demo_->endpoints().modbus[i];
    const auto regs = run([&]() -> asio::awaitable<std::vector<double>> {
      modbus_io::TcpClient client(io_.get_executor(), {.timeout = 2000ms, .retries = 1});
      EXPECT_TRUE((co_await client.connect("127.0.0.1", m.port)).ok());
      auto v = co_await modbus_io::read_values(client, m.unit, 384, 4, modbus::ValueType::kF32,
                                               modbus::WordOrder::kABCD, false);
      EXPECT_TRUE(v.ok()) << v.status();
      std::vector<double> out;
      for (const auto& x : v.ok() ? *v : std::vector<modbus::RegisterValue>{}) out.push_back(x.to_double());
      client.close();
      co_return out;
    }());
    ASSERT_EQ(regs.size(), 4u);  // 30385, 30387 (not in the driver), 30389, 30391
    EXPECT_NEAR(regs[0], after - before[i], 0.01);
    EXPECT_NEAR(regs[2], after - before[i], 0.01);
    EXPECT_EQ(regs[3], 0.0);
  }
}

TEST_F(DemoTest, ChargingStationsShowInTheTotalMeter) {
  const auto before = read_modbus(0);
  DemoStations& st = demo_->stations();
  ASSERT_TRUE(st.plug_in("Bay 1").ok());
  control::Command c;
  c.station = demo_->endpoints().stations[0].id;
  c.kind = control::CommandKind::kStart;
  c.current = 16'000;
  ASSERT_TRUE(demo_->stations().link("Bay 1")->apply(c).ok());
  const auto status = st.link("Bay 1")->status();
  ASSERT_EQ(status.state, control::StationState::kCharging);
  const double ev = static_cast<double>(status.measured_current.value_or(0)) / 1000.0;
  ASSERT_GT(ev, 6.0);
  ASSERT_TRUE(on_io([this] { return demo_->update(); }).ok());  // same instant: only the station's draw changed
  const auto after = read_modbus(0);
  for (const auto& code : {"1-0:31.7.0"_obis, "1-0:51.7.0"_obis, "1-0:71.7.0"_obis}) {
    const double delta = value_of(after, code) - value_of(before, code);
    EXPECT_GT(delta, 0.9 * ev) << code.to_string();
    EXPECT_LT(delta, 1.01 * ev) << code.to_string();
  }
}

TEST_F(DemoTest, MbusMetersAnswerOverTcp) {
  const DemoEndpoints& e = demo_->endpoints();
  struct Got {
    std::vector<Reading> readings;
    std::string manufacturer;
    std::uint8_t medium = 0;
    std::string id;
  };
  auto read = [&](mbus_io::Master& master, std::uint8_t primary) -> asio::awaitable<Got> {
    Got g;
    auto telegrams = co_await master.read(primary);
    EXPECT_TRUE(telegrams.ok()) << telegrams.status();
    if (!telegrams.ok()) co_return g;
    for (const auto& bytes : *telegrams) {
      auto frame = mbus::parse_frame(bytes);
      EXPECT_TRUE(frame.ok()) << frame.status();
      if (!frame.ok()) co_return g;
      auto t = mbus::parse_telegram(*frame);
      EXPECT_TRUE(t.ok()) << t.status();
      if (!t.ok()) co_return g;
      g.manufacturer = mbus::manufacturer_string(t->header.manufacturer);
      g.medium = t->header.medium;
      g.id = t->header.id_string();
      mapping::mbus_default_readings(*t, DeviceRef{primary}, absl::Now(), g.readings);
    }
    co_return g;
  };
  // One connection for everything, as the gateway keeps it: the meters' records follow the
  // clock all the same.
  std::optional<mbus_io::Master> master;
  run([&]() -> asio::awaitable<int> {
    auto link = co_await mbus_io::Link::connect_tcp("127.0.0.1", e.mbus_port, 2000ms);
    EXPECT_TRUE(link.ok()) << link.status();
    if (link.ok()) master.emplace(std::move(*link), mbus_io::MasterOptions{.timeout = 1000ms, .retries = 1});
    co_return 0;
  }());
  ASSERT_TRUE(master.has_value());
  auto read_all = [&]() {
    return run([&]() -> asio::awaitable<std::tuple<Got, Got, Got>> {
      Got w = co_await read(*master, e.mbus[0].primary);
      Got h = co_await read(*master, e.mbus[1].primary);
      Got g = co_await read(*master, e.mbus[2].primary);
      co_return std::tuple{w, h, g};
    }());
  };
  const auto [water, heat, gas] = read_all();
  const auto [water_again, heat_again, gas_again] = read_all();  // same instant: same values
  advance(absl::Hours(1));
  const auto [water2, heat2, gas2] = read_all();
  // By secondary address (selection, then REQ_UD2 to 0xFD) with records due for renewal: the
  // relay renews them at the selection, never between it and the request.
  advance(absl::Seconds(10));
  const Got heat3 = run([&]() -> asio::awaitable<Got> {
    Got g;
    auto address = mbus::SecondaryAddress::parse(e.mbus[1].secondary);
    EXPECT_TRUE(address.ok()) << address.status();
    auto telegrams = co_await master->read_secondary(*address);
    EXPECT_TRUE(telegrams.ok()) << telegrams.status();
    if (!telegrams.ok() || telegrams->empty()) co_return g;
    auto frame = mbus::parse_frame(telegrams->front());
    auto t = frame.ok() ? mbus::parse_telegram(*frame) : absl::StatusOr<mbus::Telegram>(frame.status());
    EXPECT_TRUE(t.ok()) << t.status();
    if (!t.ok()) co_return g;
    g.medium = t->header.medium;
    mapping::mbus_default_readings(*t, DeviceRef{2}, absl::Now(), g.readings);
    co_return g;
  }());
  EXPECT_EQ(heat3.medium, 0x04);
  EXPECT_GE(value_of(heat3.readings, "6-0:1.0.0"_obis), value_of(heat2.readings, "6-0:1.0.0"_obis));
  on_io([&] { master->link().close(); });
  EXPECT_EQ(water.manufacturer, "ZRI");
  EXPECT_EQ(water.medium, 0x07);
  EXPECT_EQ(water.id, "20260001");
  const double m3 = value_of(water.readings, "8-0:1.0.0"_obis);
  EXPECT_GT(m3, 500.0);
  EXPECT_LT(m3, 1000.0);
  EXPECT_EQ(value_of(water_again.readings, "8-0:1.0.0"_obis), m3);
  // An hour later, on the same connection: 60 l/h of water, 3.2 kWh of heat, 160 l/h of gas.
  EXPECT_NEAR(value_of(water2.readings, "8-0:1.0.0"_obis) - m3, 0.060, 0.0011);
  EXPECT_NEAR(value_of(heat2.readings, "6-0:1.0.0"_obis) - value_of(heat.readings, "6-0:1.0.0"_obis), 3.2, 0.11);
  EXPECT_NEAR(value_of(gas2.readings, "7-0:3.0.0"_obis) - value_of(gas.readings, "7-0:3.0.0"_obis), 0.160, 0.0011);
  EXPECT_EQ(value_of(heat_again.readings, "6-0:1.0.0"_obis), value_of(heat.readings, "6-0:1.0.0"_obis));
  EXPECT_EQ(value_of(gas_again.readings, "7-0:3.0.0"_obis), value_of(gas.readings, "7-0:3.0.0"_obis));

  EXPECT_EQ(heat.manufacturer, "KAM");
  EXPECT_EQ(heat.medium, 0x04);
  EXPECT_GT(value_of(heat.readings, "6-0:1.0.0"_obis), 40'000.0);  // kWh
  const double kw = value_of(heat.readings, "6-0:8.0.0"_obis);
  EXPECT_GT(kw, 1.0);
  EXPECT_LT(kw, 20.0);
  const double flow_c = value_of(heat.readings, "6-0:3.1.0"_obis);
  const double return_c = value_of(heat.readings, "6-0:3.2.0"_obis);
  EXPECT_GT(flow_c, 45.0);
  EXPECT_LT(flow_c, 65.0);
  EXPECT_GT(flow_c, return_c + 5.0);
  // P = flow * dT * 1.163 Wh/(l K), to the meter's integer resolution.
  const double lph = value_of(heat.readings, "6-0:3.3.0"_obis) * 1000.0;  // m3/h -> l/h
  EXPECT_NEAR(kw * 1000, lph * (flow_c - return_c) * 1.163, 0.05 * kw * 1000);

  EXPECT_EQ(gas.manufacturer, "ELS");
  EXPECT_EQ(gas.medium, 0x03);
  EXPECT_GT(value_of(gas.readings, "7-0:3.0.0"_obis), 2000.0);
}

TEST_F(DemoTest, P1TelegramsOnThePty) {
  const std::string path = demo_->endpoints().p1_device;
  dsmr_io::ReaderOptions ro;
  ro.timeout = 5000ms;
  dsmr_io::P1Reader reader(io_.get_executor(), ro);
  const absl::Status opened = on_io([&] { return reader.open(path, dsmr_io::SerialSettings::dsmr5()); });
  ASSERT_TRUE(opened.ok()) << opened;
  dsmr::TelegramParser parser;
  struct Seen {
    double t1 = 0, t2 = 0, gas = 0, kw = 0, volts = 0;
    bool ok = false;
    absl::Time at;
  };
  auto next = [&]() {
    Seen s;
    auto t = reader.async_read_telegram(asio::use_future).get();
    EXPECT_TRUE(t.ok()) << t.status();
    if (!t.ok()) return s;
    EXPECT_EQ(t->crc, dsmr::CrcStatus::kOk);
    auto p = parser.parse(t->bytes);
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok()) return s;
    EXPECT_EQ(p->dialect.version, "50");
    const auto t1 = p->number("1-0:1.8.1"_obis);
    const auto t2 = p->number("1-0:1.8.2"_obis);
    const auto gas = p->number("0-1:24.2.1"_obis);
    const auto kw = p->number("1-0:1.7.0"_obis);
    const auto v = p->number("1-0:32.7.0"_obis);
    EXPECT_TRUE(t1 && t2 && gas && kw && v);
    if (!(t1 && t2 && gas && kw && v)) return s;
    EXPECT_EQ(gas->unit, Unit::kCubicMetre);
    const auto captured = p->timestamp("0-1:24.2.1"_obis);
    EXPECT_TRUE(captured.has_value());
    if (captured) {
      EXPECT_EQ(absl::ToUnixSeconds(*captured) % 300, 0);  // 5-minute capture
    }
    return Seen{t1->to_double(), t2->to_double(), gas->to_double(), kw->to_double(), v->to_double(),
                true, p->timestamp("0-0:1.0.0"_obis).value_or(absl::InfinitePast())};
  };
  const Seen first = next();
  ASSERT_TRUE(first.ok);
  EXPECT_EQ(first.at, kStart);
  EXPECT_GT(first.t1, 3000.0);
  EXPECT_GT(first.kw, 0.1);
  EXPECT_NEAR(first.volts, 230.0, 8.0);
  for (int k = 0; k < 60; ++k) advance(absl::Minutes(1));
  // The telegram of the new time shows the hour: normal tariff (T2) and gas moved on, T1 did
  // not. (Telegrams of the minutes in between may still be on the line: skip them.)
  const absl::Time end = kStart + absl::Hours(1);
  Seen later;
  for (int k = 0; k < 100 && !(later.ok && later.at == end); ++k) later = next();
  ASSERT_TRUE(later.ok);
  ASSERT_EQ(later.at, end);
  EXPECT_GT(later.t2, first.t2 + 0.2);
  EXPECT_EQ(later.t1, first.t1);
  EXPECT_GT(later.gas, first.gas);
  on_io([&] { reader.close(); });
}

TEST_F(DemoTest, DemoConfigPassesTheGatewaysValidation) {
  const GatewayConfig cfg = demo_->config();
  const std::string json = config_to_json(cfg);
  auto parsed = parse_config(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << json;
  const DemoEndpoints& e = demo_->endpoints();
  // One modbus_tcp bus per simulated server, M-Bus TCP, P1, S0.
  EXPECT_EQ(parsed->buses.size(), e.modbus.size() + 3);
  EXPECT_EQ(parsed->devices.size(), e.modbus.size() + e.mbus.size() + 1 + e.s0.size());
  std::set<std::string> serials;
  std::set<int> units;
  for (const DeviceConfig& d : parsed->devices) {
    serials.insert(d.serial);
    units.insert(d.modbus_unit);
    const BusConfig* bus = parsed->bus(d.bus);
    ASSERT_NE(bus, nullptr) << d.name;
  }
  EXPECT_EQ(serials.size(), parsed->devices.size());
  EXPECT_EQ(units.size(), parsed->devices.size());
  EXPECT_EQ(*units.begin(), 1);
  EXPECT_EQ(*units.rbegin(), static_cast<int>(parsed->devices.size()));
  for (const DemoModbusMeter& m : e.modbus) {
    const DeviceConfig* d = parsed->device_by_serial(m.serial);
    ASSERT_NE(d, nullptr) << m.serial;
    EXPECT_EQ(d->driver, m.driver);
    EXPECT_EQ(parsed->bus(d->bus)->port, m.port);
    EXPECT_EQ(parsed->bus(d->bus)->host, "127.0.0.1");
  }
  const DeviceConfig* p1 = parsed->device_by_serial("demo-p1");
  ASSERT_NE(p1, nullptr);
  EXPECT_EQ(parsed->bus(p1->bus)->serial.device, e.p1_device);
  EXPECT_EQ(parsed->bus(p1->bus)->type, BusType::kP1Serial);
  const DeviceConfig* s0 = parsed->device_by_serial("demo-s0-garage");
  ASSERT_NE(s0, nullptr);
  ASSERT_TRUE(s0->s0.has_value());
  EXPECT_EQ(s0->s0->input, "sim:2400");
  EXPECT_EQ(parsed->gateway.raster, absl::Seconds(10));
  EXPECT_EQ(parsed->servers.http.port, 8080);
  EXPECT_EQ(parsed->servers.modbus.port, 1502);
  ASSERT_TRUE(parsed->control.load_manager.has_value());
  EXPECT_EQ(parsed->control.meter_device, "Main meter");
  ASSERT_EQ(parsed->control.stations.size(), e.stations.size());
  for (std::size_t i = 0; i < e.stations.size(); ++i) {
    EXPECT_EQ(parsed->control.stations[i].station.id, e.stations[i].id);
    EXPECT_EQ(parsed->control.stations[i].device, "sim");
    EXPECT_NE(demo_->stations().link(parsed->control.stations[i].station.name), nullptr);
  }
  ASSERT_EQ(parsed->control.alarms.size(), 1u);
  EXPECT_EQ(parsed->control.alarms[0].quantity, "1-0:31.7.0"_obis);
  EXPECT_EQ(parsed->control.alarm_outputs[0], "DO1");
  // The round trip is stable.
  EXPECT_EQ(config_to_json(*parsed), json);
}

TEST_F(DemoTest, StopClosesServersAndThePty) {
  const DemoEndpoints e = demo_->endpoints();
  on_io([this] { demo_->stop(); });
  on_io([this] { demo_->stop(); });  // idempotent
  EXPECT_FALSE(fs::exists(e.p1_device)) << e.p1_device;
  for (std::uint16_t port : {e.modbus[0].port, e.mbus_port}) {
    const absl::Status st = run([&]() -> asio::awaitable<absl::Status> {
      modbus_io::TcpClient client(io_.get_executor(), {.timeout = 500ms, .retries = 0});
      co_return co_await client.connect("127.0.0.1", port);
    }());
    EXPECT_FALSE(st.ok()) << "port " << port << " still accepts";
  }
}

// Start-up errors name what failed and leave nothing running.
TEST(DemoStart, BadOptionsAreClearErrors) {
  asio::io_context io;
  {
    DemoOptions o;
    o.drivers_dir = "/nonexistent/drivers";
    DemoSimulators d(io.get_executor(), o);
    const absl::Status st = d.start();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("/nonexistent/drivers/eastron_sdm630.json"), std::string_view::npos) << st;
  }
  {
    DemoOptions o;
    o.address = "not-an-address";
    DemoSimulators d(io.get_executor(), o);
    const absl::Status st = d.start();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("not-an-address"), std::string_view::npos) << st;
  }
  {
    // Without the P1 pty (a machine without /dev/ptmx): the config has no P1 bus.
    DemoOptions o;
    o.p1 = false;
    DemoSimulators d(io.get_executor(), o);
    const absl::Status st = d.start();
    ASSERT_TRUE(st.ok()) << st;
    EXPECT_TRUE(d.endpoints().p1_device.empty());
    const GatewayConfig c = d.config();
    for (const BusConfig& b : c.buses) EXPECT_NE(b.type, BusType::kP1Serial);
    EXPECT_EQ(c.device_by_serial("demo-p1"), nullptr);
    EXPECT_TRUE(parse_config(config_to_json(c)).ok());
    EXPECT_NE(d.config().bus("mbus-lan"), nullptr);
    d.stop();
  }
  // Everything started and stopped above ends by itself.
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(io.stopped()) << "work left on the io_context after stop()";
}

}  // namespace
}  // namespace emscore::refgw
