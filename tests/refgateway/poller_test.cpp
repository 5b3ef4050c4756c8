#include "poller.hpp"

#include <gtest/gtest.h>

#include <map>

#include "absl/strings/str_format.h"

#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "emscore/mapping/driver_set.hpp"
#include "emscore/mapping/encode.hpp"
#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus_io/tcp_server.hpp"

namespace emscore::refgw {
namespace {
namespace asio = boost::asio;

TEST(Poller, RasterTimesAreMultiplesFromTheEpoch) {
  const absl::Time t = absl::FromUnixSeconds(1'700'000'123);
  EXPECT_EQ(next_raster_time(t, absl::Minutes(15)), absl::FromUnixSeconds(1'700'001'000));
  EXPECT_EQ(next_raster_time(absl::FromUnixSeconds(900), absl::Minutes(15)), absl::FromUnixSeconds(1800));
  EXPECT_EQ(next_raster_time(t, absl::Seconds(10)), absl::FromUnixSeconds(1'700'000'130));
}

mapping::DriverSet drivers() {
  const std::vector<std::string> dirs{EMSCORE_SOURCE_DIR "/drivers"};
  auto d = mapping::load_driver_dirs(dirs);
  EXPECT_TRUE(d.ok()) << d.status();
  return std::move(*d);
}

struct Result {
  std::string serial;
  absl::StatusOr<Readout> readout;
  absl::Time when;
};

// A good Modbus TCP meter on one bus and a dead one (accepts, never answers) on another: the
// good one is read at once, the dead one fails after its own bounded retries.
TEST(Poller, ADeadDeviceNeverDelaysAnotherBus) {
  asio::io_context io;
  const mapping::DriverSet set = drivers();
  const mapping::ModbusDriver* sdm = set.modbus_by_id("eastron_sdm630");
  ASSERT_NE(sdm, nullptr);
  modbus::MemoryDataModel model;
  const DeviceRef good_ref = device_ref_for_serial("GOOD");
  std::vector<Reading> values{
      Reading{good_ref, obis::ObisCode(1, 0, 32, 7, 0), Value(2301, -1, Unit::kVolt), {}, Quality::kMeasured},
      Reading{good_ref, obis::ObisCode(1, 0, 1, 8, 0), Value(12345, -1, Unit::kKiloWattHour), {}, Quality::kMeasured}};
  ASSERT_TRUE(mapping::encode(*sdm, values, model, 1).ok());
  modbus_io::TcpServer server(io.get_executor(), model);
  ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
  server.start();
  // The dead device: a listener that accepts and never answers.
  asio::ip::tcp::acceptor dead(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::vector<asio::ip::tcp::socket> held;
  std::function<void()> accept_dead = [&] {
    dead.async_accept([&](boost::system::error_code ec, asio::ip::tcp::socket s) {
      if (!ec) held.push_back(std::move(s));
      if (!ec) accept_dead();
    });
  };
  accept_dead();

  auto cfg = parse_config(absl::StrFormat(R"({
    "gateway": {"raster_s": 3600},
    "buses": [{"name": "dead", "type": "modbus_tcp", "host": "127.0.0.1", "port": %d, "timeout_ms": 300, "retries": 1},
              {"name": "good", "type": "modbus_tcp", "host": "127.0.0.1", "port": %d}],
    "devices": [{"name": "Dead", "serial": "DEAD", "bus": "dead", "driver": "eastron_sdm630"},
                {"name": "Good", "serial": "GOOD", "bus": "good", "driver": "eastron_sdm630"}]})",
      dead.local_endpoint().port(), server.port()));
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  std::vector<Result> results;
  const absl::Time t0 = absl::Now();
  std::vector<std::unique_ptr<Poller>> pollers;
  for (const BusConfig& bus : cfg->buses) {
    std::vector<const DeviceConfig*> devs;
    for (const auto& d : cfg->devices)
      if (d.bus == bus.name) devs.push_back(&d);
    auto reader = make_device_reader(io.get_executor(), bus, devs, set);
    ASSERT_TRUE(reader.ok()) << reader.status();
    pollers.push_back(std::make_unique<Poller>(io.get_executor(), *cfg, bus, std::move(*reader),
                                               [&](const DeviceConfig& d, absl::StatusOr<Readout> r) {
                                                 results.push_back({d.serial, std::move(r), absl::Now()});
                                               }));
    pollers.back()->start(true);
  }
  asio::steady_timer stop(io, std::chrono::seconds(3));
  stop.async_wait([&](auto) {
    for (auto& p : pollers) p->stop();
    server.stop();
    dead.close();
    held.clear();
    io.stop();
  });
  io.run();
  ASSERT_EQ(results.size(), 2u);
  // The good meter answered first, long before the dead one's 2 x 300 ms.
  EXPECT_EQ(results[0].serial, "GOOD");
  ASSERT_TRUE(results[0].readout.ok()) << results[0].readout.status();
  EXPECT_LT(results[0].when - t0, absl::Milliseconds(500));
  std::map<std::string, Value> by_obis;
  for (const LatestValue& v : results[0].readout->values)
    by_obis[v.reading.quantity.to_string()] = v.reading.value;
  ASSERT_TRUE(by_obis.count("1-0:32.7.0"));
  EXPECT_NEAR(by_obis["1-0:32.7.0"].to_double(), 230.1, 1e-4);
  EXPECT_NEAR(by_obis["1-0:1.8.0"].to_double(), 1234.5, 1e-3);
  EXPECT_EQ(results[0].readout->values[0].index, 0u);
  EXPECT_EQ(results[1].serial, "DEAD");
  ASSERT_FALSE(results[1].readout.ok());
  EXPECT_EQ(results[1].readout.status().code(), absl::StatusCode::kDeadlineExceeded)
      << results[1].readout.status();
  EXPECT_NE(std::string(results[1].readout.status().message()).find("Dead (dead unit 1)"), std::string::npos)
      << results[1].readout.status();
}

TEST(Poller, UnknownDriverIsAConfigurationError) {
  asio::io_context io;
  auto cfg = parse_config(R"({"buses": [{"name": "b", "type": "modbus_tcp", "host": "127.0.0.1"}],
      "devices": [{"name": "X", "serial": "X", "bus": "b", "driver": "no_such_meter"}]})");
  ASSERT_TRUE(cfg.ok());
  std::vector<const DeviceConfig*> devs{&cfg->devices[0]};
  auto reader = make_device_reader(io.get_executor(), cfg->buses[0], devs, drivers());
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(std::string(reader.status().message()).find("no Modbus driver \"no_such_meter\" (known: "),
            std::string::npos)
      << reader.status();
}

}  // namespace
}  // namespace emscore::refgw
