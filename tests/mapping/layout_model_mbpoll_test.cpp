// The seed's Modbus-server example with a real client: our TCP server serving a LayoutModel on
// a free loopback port, read with mbpoll (Debian) as the manual reads it with modpoll.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "../support/process.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "emscore/mapping/layout_model.hpp"
#include "emscore/modbus_io/tcp_server.hpp"

namespace emscore::mapping {
namespace {

using namespace emscore::obis::literals;
namespace asio = boost::asio;

using Output = emscore::testing::CommandResult;

Output shell(const std::string& cmd) { return emscore::testing::run_command(cmd); }

// A LayoutModel behind our TCP server on a thread; port 0 = a free port picked by the OS.
class Server {
 public:
  Server() {
    const IndexedReading values[] = {
        // EMU Professional II at unit 9: register 3 is 1-0:1.8.1 = 180.47 kWh (seed 002).
        {3, Reading{DeviceRef{1}, "1-0:1.8.1"_obis, Value(18047, -2, Unit::kKiloWattHour),
                    absl::FromUnixSeconds(1730725225)}},
        {0, Reading{DeviceRef{1}, "1-0:1.8.0"_obis, Value(295925, -3, Unit::kKiloWattHour),
                    absl::FromUnixSeconds(1730725225)}},
    };
    model.set_unit(9, values);
    const IndexedReading water{0, Reading{DeviceRef{2}, "8-0:1.0.0"_obis,
                                          Value(1234567, -3, Unit::kCubicMetre),
                                          absl::FromUnixSeconds(1730725225)}};
    model.set_unit(10, std::span(&water, 1));
    server = std::make_unique<modbus_io::TcpServer>(ctx.get_executor(), model);
    const auto st = server->listen("127.0.0.1", 0);
    EXPECT_TRUE(st.ok()) << st;
    server->start();
    thread = std::thread([this] { ctx.run(); });
  }
  ~Server() {
    asio::post(ctx, [this] { server->stop(); });
    ctx.stop();
    thread.join();
  }
  std::string mbpoll(const std::string& args) const {
    return "mbpoll -m tcp -1 -o 2 -p " + std::to_string(server->port()) + " " + args + " 127.0.0.1";
  }

  asio::io_context ctx;
  LayoutModel model;
  std::unique_ptr<modbus_io::TcpServer> server;
  std::thread thread;
};

TEST(LayoutModelMbpoll, SeedExampleByObisAndByIndex) {
  Server s;
  const auto by_obis = shell(s.mbpoll("-t 4:float -B -r 1030 -a 9 -c 1"));
  const auto by_index = shell(s.mbpoll("-t 4:float -B -r 12090 -a 9 -c 1"));
  EXPECT_EQ(by_obis.exit_code, 0) << by_obis.output;
  EXPECT_NE(by_obis.output.find("[1030]: \t180.47\n"), std::string::npos) << by_obis.output;
  EXPECT_EQ(by_index.exit_code, 0) << by_index.output;
  EXPECT_NE(by_index.output.find("[12090]: \t180.47\n"), std::string::npos) << by_index.output;
}

TEST(LayoutModelMbpoll, Uint64ViewInThousandths) {
  Server s;
  // 180.47 kWh -> 180470 = 0x0000 0x0000 0x0002 0xC0F6 at 1032..1035 and 12092..12095.
  for (const char* reg : {"1032", "12092"}) {
    const auto r = shell(s.mbpoll(std::string("-t 4:hex -a 9 -c 4 -r ") + reg));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const std::string first = std::string("[") + reg + "]: \t0x0000\n";
    EXPECT_NE(r.output.find(first), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("0x0002\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("0xC0F6\n"), std::string::npos) << r.output;
  }
  // The low 32 bits as an integer (big-endian words): 180470.
  const auto low = shell(s.mbpoll("-t 4:int -B -a 9 -c 1 -r 1034"));
  EXPECT_NE(low.output.find("[1034]: \t180470\n"), std::string::npos) << low.output;
}

TEST(LayoutModelMbpoll, InputRegistersOtherUnitsAndEmptySlots) {
  Server s;
  const auto input = shell(s.mbpoll("-t 3:float -B -r 1030 -a 9 -c 1"));
  EXPECT_NE(input.output.find("[1030]: \t180.47\n"), std::string::npos) << input.output;
  // Several slots in one request: 1000 (total), 1030 (tariff 1), 1060 (tariff 2, empty).
  const auto block = shell(s.mbpoll("-t 4:float -B -r 1000 -a 9 -c 31"));
  EXPECT_EQ(block.exit_code, 0) << block.output;
  EXPECT_NE(block.output.find("[1000]: \t295.925\n"), std::string::npos) << block.output;
  EXPECT_NE(block.output.find("[1030]: \t180.47\n"), std::string::npos) << block.output;
  EXPECT_NE(block.output.find("[1060]: \tnan\n"), std::string::npos) << block.output;
  // Another device at another unit id: cold water 8-0:1.0.0 at 3000.
  const auto water = shell(s.mbpoll("-t 4:float -B -r 3000 -a 10 -c 1"));
  EXPECT_NE(water.output.find("[3000]: \t1234.57\n"), std::string::npos) << water.output;
  // A unit id without a device: exception 0x0A.
  const auto none = shell(s.mbpoll("-t 4:float -B -r 1030 -a 11 -c 1"));
  EXPECT_NE(none.exit_code, 0) << none.output;
  EXPECT_NE(none.output.find("ateway"), std::string::npos) << none.output;
  // Not writable.
  const auto write = shell(s.mbpoll("-a 9 -r 1030") + " 1");
  EXPECT_NE(write.exit_code, 0) << write.output;
}

}  // namespace
}  // namespace emscore::mapping
