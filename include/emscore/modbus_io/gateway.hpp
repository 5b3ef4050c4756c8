// emscore/modbus_io/gateway.hpp — a Modbus TCP -> RTU gateway.
//
// TCP clients address serial devices by unit id. The gateway forwards each request to the
// RTU line that has the unit (requests queue on the line: one at a time), and answers
//   exception 0x0A (gateway path unavailable) when no line has the unit id, and
//   exception 0x0B (gateway target device failed to respond) when the device stays silent
//   (after the line's retries) or its answer is broken.
// Use: TcpServer server(ex, gateway.handler()).
#pragma once

#include <cstdint>
#include <map>

#include "emscore/modbus_io/client.hpp"
#include "emscore/modbus_io/tcp_server.hpp"

namespace emscore::modbus_io {

class Gateway {
 public:
  // Routes unit ids [first, last] to `line` (an RtuClient, or any Client).
  void route(std::uint8_t first, std::uint8_t last, Client& line);
  // The handler for TcpServer.
  AsyncHandler handler();

  std::uint64_t forwarded() const noexcept { return forwarded_; }
  std::uint64_t no_path() const noexcept { return no_path_; }
  std::uint64_t no_answer() const noexcept { return no_answer_; }

 private:
  asio::awaitable<std::vector<std::uint8_t>> forward(std::uint8_t unit,
                                                     std::vector<std::uint8_t> pdu);
  std::map<std::uint8_t, Client*> routes_;
  std::uint64_t forwarded_ = 0;
  std::uint64_t no_path_ = 0;
  std::uint64_t no_answer_ = 0;
};

}  // namespace emscore::modbus_io
