// Polls a meter over Modbus TCP and prints typed values as exact decimals.
//
// With no hardware at hand the example starts a simulated meter in the same process (an
// emscore::modbus_io::TcpServer over a MemoryDataModel on a free loopback port). Against a
// real meter, connect the client to its address instead and keep the register table.
#include <cstdio>
#include <string>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus/register_value.hpp"
#include "emscore/modbus_io/client.hpp"
#include "emscore/modbus_io/tcp_client.hpp"
#include "emscore/modbus_io/tcp_server.hpp"

namespace mb = emscore::modbus;
namespace mio = emscore::modbus_io;
namespace asio = boost::asio;

// What the meter offers (PDU addresses, holding registers), as a driver would describe it.
struct Point {
  const char* name;
  std::uint16_t address;
  mb::ValueType type;
  mb::WordOrder order;
  emscore::Unit unit;
  const char* simulated;
};
constexpr Point kPoints[] = {
    {"voltage L1", 0, mb::ValueType::kF32, mb::WordOrder::kABCD, emscore::Unit::kVolt, "230.1"},
    {"current L1", 2, mb::ValueType::kF32, mb::WordOrder::kABCD, emscore::Unit::kAmpere, "5.25"},
    {"active power", 4, mb::ValueType::kI32, mb::WordOrder::kCDAB, emscore::Unit::kWatt, "-1180"},
    {"energy import", 6, mb::ValueType::kU64, mb::WordOrder::kABCD, emscore::Unit::kWattHour, "295925"},
    {"frequency", 10, mb::ValueType::kF64, mb::WordOrder::kDCBA, emscore::Unit::kHertz, "49.98"},
};

int main() {
  asio::io_context ctx;
  // The simulated meter, unit 1.
  mb::MemoryDataModel meter;
  auto& bank = meter.add_unit(1);
  for (const Point& p : kPoints) {
    auto regs = std::span(bank.holding).subspan(p.address, mb::register_count(p.type));
    if (!mb::encode_text(p.simulated, p.type, p.order, regs).ok()) return 1;
  }
  mio::TcpServer server(ctx.get_executor(), meter);
  if (!server.listen("127.0.0.1", 0).ok()) return 1;
  server.start();

  int status = 1;
  asio::co_spawn(ctx, [&]() -> asio::awaitable<void> {
    mio::TcpClient client(ctx.get_executor(), mio::ClientOptions{std::chrono::milliseconds(500), 2});
    if (auto s = co_await client.connect("127.0.0.1", server.port()); !s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(emscore::to_std(s.message())).c_str());
      co_return;
    }
    // One read of the whole block, then decode each point from it.
    auto regs = co_await mio::read_registers(client, 1, 0, 14);
    if (!regs.ok()) {
      std::fprintf(stderr, "%s\n", std::string(emscore::to_std(regs.status().message())).c_str());
      co_return;
    }
    for (const Point& p : kPoints) {
      auto v = mb::decode_value(std::span(*regs).subspan(p.address), p.type, p.order);
      if (!v.ok()) co_return;
      auto value = v->to_value(p.unit);  // exact decimal, never through double
      if (!value.ok()) co_return;
      std::printf("%-14s %-8s %-5s %s\n", p.name, std::string(mb::value_type_name(p.type)).c_str(),
                  std::string(mb::word_order_name(p.order)).c_str(), value->to_string_with_unit().c_str());
    }
    status = 0;
    server.stop();
  }, asio::detached);
  ctx.run();
  return status;
}
