// Our side of the throughput comparison: emscore::modbus_io::TcpServer on one thread over a
// MemoryDataModel (holding registers 0..999 = their address). usage: PORT
#include <cstdio>
#include <cstdlib>

#include "boost/asio/io_context.hpp"
#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus_io/tcp_server.hpp"

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  boost::asio::io_context ctx(1);
  emscore::modbus::MemoryDataModel model(true);
  for (std::size_t i = 0; i < 1000; ++i) model.bank(0)->holding[i] = static_cast<std::uint16_t>(i);
  emscore::modbus_io::TcpServerOptions o;
  o.max_connections = 256;
  emscore::modbus_io::TcpServer server(ctx.get_executor(), model, o);
  if (!server.listen("127.0.0.1", static_cast<std::uint16_t>(std::atoi(argv[1]))).ok()) return 1;
  server.start();
  std::printf("ready\n");
  std::fflush(stdout);
  ctx.run();
  return 0;
}
