// The S0 reader on a GPIO value file, as sysfs presents one: a file whose first byte is the
// level ('0' open, '1' closed), rewritten in place by the test as a contact would switch.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/use_future.hpp"
#include "config.hpp"
#include "device_reader.hpp"
#include "emscore/mapping/driver_set.hpp"

namespace emscore::refgw {
namespace {
namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class S0ReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("emscore_s0_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    value_ = dir_ / "value";
    set_level('0');
    bus_.name = "pulses";
    bus_.type = BusType::kS0;
    device_.name = "heat pump";
    device_.serial = "s0-1";
    device_.bus = bus_.name;
    device_.driver = "s0";
    device_.ref = device_ref_for_serial(device_.serial);
    device_.s0 = S0Source{"gpio:" + value_.string(), 1000, "kWh", obis::ObisCode(1, 0, 1, 8, 0)};
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Rewrites the level in place (truncate + write), as the kernel presents a new level.
  void set_level(char c) {
    std::ofstream f(value_, std::ios::trunc);
    f << c << '\n';
  }
  void run_for(std::chrono::milliseconds d) { io_.run_for(d); }
  absl::StatusOr<Readout> read(DeviceReader& r) {
    auto fut = asio::co_spawn(io_, r.read(device_), asio::use_future);
    while (fut.wait_for(0ms) != std::future_status::ready) io_.run_for(10ms);
    return fut.get();
  }

  asio::io_context io_;
  fs::path dir_, value_;
  BusConfig bus_;
  DeviceConfig device_;
  mapping::DriverSet drivers_;
};

TEST_F(S0ReaderTest, CountsPulsesOnAGpioValueFile) {
  auto reader = make_device_reader(io_.get_executor(), bus_, {&device_}, drivers_);
  ASSERT_TRUE(reader.ok()) << reader.status();
  (*reader)->start();
  run_for(50ms);
  // Five pulses of 60 ms closed, 60 ms open (S0: at least 30 ms each).
  for (int i = 0; i < 5; ++i) {
    set_level('1');
    run_for(60ms);
    set_level('0');
    run_for(60ms);
  }
  auto r = read(**reader);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->values.size(), 1u);
  // 1000 pulses per kWh: 5 pulses are 0.005 kWh.
  EXPECT_EQ(r->values[0].reading.quantity, obis::ObisCode(1, 0, 1, 8, 0));
  EXPECT_EQ(r->values[0].reading.value.to_string(), "0.005");
  (*reader)->stop();
  run_for(30ms);
}

TEST_F(S0ReaderTest, AMissingOrGarbledFileIsAnErrorUntilItIsBack) {
  auto reader = make_device_reader(io_.get_executor(), bus_, {&device_}, drivers_);
  ASSERT_TRUE(reader.ok()) << reader.status();
  fs::remove(value_);  // e.g. the GPIO is not exported yet
  (*reader)->start();
  run_for(40ms);
  auto r = read(**reader);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot open " + value_.string()), std::string::npos)
      << r.status();
  {
    std::ofstream f(value_, std::ios::trunc);
    f << "x\n";
  }
  run_for(40ms);
  r = read(**reader);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot read a level (0/1) from " + value_.string()),
            std::string::npos)
      << r.status();
  // A good file at the path: read again, counting goes on.
  set_level('0');
  run_for(40ms);
  set_level('1');
  run_for(60ms);
  set_level('0');
  run_for(60ms);
  r = read(**reader);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->values[0].reading.value.to_string(), "0.001");
  (*reader)->stop();
  run_for(30ms);
}

}  // namespace
}  // namespace emscore::refgw
