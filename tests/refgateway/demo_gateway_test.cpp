// The demo's config read by the gateway itself (its pollers, readers and control runner): every
// simulated device answers, and the load manager starts a simulated charging station. The
// clock is the real one here (the gateway's pollers run on it); waits are bounded.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "boost/asio/io_context.hpp"
#include "demo.hpp"
#include "gateway.hpp"

namespace emscore::refgw {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(DemoGateway, EveryDemoDeviceIsReadAndAStationCharges) {
  const fs::path dir = fs::temp_directory_path() / ("emscore_demo_gw_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  asio::io_context io;
  DemoSimulators demo(io.get_executor());
  const absl::Status started = demo.start();
  ASSERT_TRUE(started.ok()) << started;
  GatewayConfig cfg = demo.config();
  cfg.servers.http.port = 0;  // ports from the OS: the test runs beside others
  cfg.servers.modbus.port = 0;
  cfg.gateway.data_dir = dir.string();
  GatewayOptions opts;
  opts.config_path = (dir / "demo-config.json").string();
  opts.demo = true;
  opts.print = [](const std::string&) {};
  opts.station_link = [&demo](std::string_view station, std::string_view link) -> std::shared_ptr<StationLink> {
    return link == "sim" ? demo.stations().link(station) : nullptr;
  };
  auto gw = Gateway::create(io, cfg, opts);
  ASSERT_TRUE(gw.ok()) << gw.status();
  const absl::Status st = (*gw)->start();
  ASSERT_TRUE(st.ok()) << st;

  // Three readouts each: the third comes at least a raster (10 s) after the first, so the M-Bus
  // relay has replaced its simulator (records older than 5 s) under the gateway's connection.
  auto all_read_thrice = [&] {
    for (const DeviceEntry& d : (*gw)->devices().devices())
      if (!d.status.online() || d.latest.empty() || d.status.readouts < 3) return false;
    return true;
  };
  auto charging = [&] {
    for (const auto& v : demo.stations().view())
      if (v.status.state == control::StationState::kCharging) return true;
    return false;
  };
  // The first readout comes within seconds of the start; the first vehicle arrives 5 s after the
  // control runner first asks.
  const auto deadline = std::chrono::steady_clock::now() + 40s;
  while (!(all_read_thrice() && charging()) && std::chrono::steady_clock::now() < deadline) io.run_for(200ms);

  for (const DeviceEntry& d : (*gw)->devices().devices()) {
    EXPECT_TRUE(d.status.online()) << d.config.name << ": " << d.status.last_error;
    EXPECT_FALSE(d.latest.empty()) << d.config.name;
    EXPECT_GE(d.status.readouts, 3u) << d.config.name;
    EXPECT_EQ(d.status.failures, 0u) << d.config.name << ": " << d.status.last_error;
  }
  EXPECT_EQ((*gw)->devices().devices().size(), cfg.devices.size());
  EXPECT_TRUE(charging()) << "the load manager authorised no simulated station";

  (*gw)->stop();
  demo.stop();
  io.run_for(500ms);
  gw->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace emscore::refgw
