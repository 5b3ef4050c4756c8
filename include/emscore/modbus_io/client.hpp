// emscore/modbus_io/client.hpp — what every Modbus client (TCP, RTU, RTU over TCP) offers.
//
// A Client sends one request PDU to a unit and returns the response PDU, owning its bytes.
// Transport failures (timeout after the bounded retries, connection lost, a reply that does
// not answer the request) are errors; a Modbus exception response is a successful
// transaction whose response() is an ExceptionResponse. The typed helpers below turn
// exceptions into errors whose message names the exception:
//   "modbus: unit 9 read holding registers at 1029: exception 0x02 (illegal data address)"
// and exception_of(status) recovers the code.
//
// Everything is an asio::awaitable driven by the client's executor; async_* wrappers take any
// completion token (callbacks, asio::use_future, asio::use_awaitable, asio::deferred).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/any_io_executor.hpp"
#include "emscore/modbus/pdu.hpp"
#include "emscore/modbus/register_value.hpp"

namespace emscore::modbus_io {

namespace asio = boost::asio;
using modbus::ExceptionCode;

// A response PDU that owns its bytes.
class ResponsePdu {
 public:
  ResponsePdu() = default;
  explicit ResponsePdu(std::span<const std::uint8_t> pdu) : bytes_(pdu.begin(), pdu.end()) {}
  std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }
  // The decoded view (borrows from this object).
  absl::StatusOr<modbus::Response> response() const { return modbus::decode_response(bytes_); }
  bool is_exception() const noexcept { return !bytes_.empty() && (bytes_[0] & 0x80) != 0; }
  ExceptionCode exception() const noexcept {
    return is_exception() && bytes_.size() >= 2 ? static_cast<ExceptionCode>(bytes_[1])
                                                : ExceptionCode::kNone;
  }

 private:
  std::vector<std::uint8_t> bytes_;
};

// Timeouts and retries shared by the clients.
struct ClientOptions {
  std::chrono::milliseconds timeout{1000};  // per attempt
  int retries = 2;                          // attempts after the first (bounded)
};

class Client {
 public:
  virtual ~Client() = default;
  virtual asio::any_io_executor get_executor() = 0;
  // One transaction: request PDU out, response PDU back (checked against the request).
  // A unit of 0 on a serial line is a broadcast: it completes with an empty ResponsePdu.
  virtual asio::awaitable<absl::StatusOr<ResponsePdu>> transact(
      std::uint8_t unit, std::span<const std::uint8_t> request_pdu) = 0;

  template <class Token>
  auto async_transact(std::uint8_t unit, std::vector<std::uint8_t> request_pdu, Token&& token) {
    return asio::co_spawn(
        get_executor(),
        [this, unit, pdu = std::move(request_pdu)]() -> asio::awaitable<absl::StatusOr<ResponsePdu>> {
          co_return co_await transact(unit, pdu);
        },
        std::forward<Token>(token));
  }
};

// The exception code carried by an error of the typed helpers, if it was one.
std::optional<ExceptionCode> exception_of(const absl::Status& status);

// Encodes `request`, transacts, checks the answer; exceptions become errors.
asio::awaitable<absl::StatusOr<ResponsePdu>> call(Client& c, std::uint8_t unit,
                                                  const modbus::Request& request);

// FC 3 (holding=true) or FC 4; up to 125 registers.
asio::awaitable<absl::StatusOr<std::vector<std::uint16_t>>> read_registers(
    Client& c, std::uint8_t unit, std::uint16_t address, std::uint16_t count, bool holding = true);
// FC 1 (coils=true) or FC 2; up to 2000 bits.
asio::awaitable<absl::StatusOr<std::vector<bool>>> read_bits(Client& c, std::uint8_t unit,
                                                             std::uint16_t address,
                                                             std::uint16_t count, bool coils = true);
// FC 6 for one register, FC 16 for more (up to 123).
asio::awaitable<absl::Status> write_registers(Client& c, std::uint8_t unit, std::uint16_t address,
                                              std::span<const std::uint16_t> values);
// FC 5 for one coil, FC 15 for more.
asio::awaitable<absl::Status> write_coils(Client& c, std::uint8_t unit, std::uint16_t address,
                                          std::span<const bool> values);
// `count` typed values from consecutive registers (FC 3 or 4), split into reads of at most
// 125 registers.
asio::awaitable<absl::StatusOr<std::vector<modbus::RegisterValue>>> read_values(
    Client& c, std::uint8_t unit, std::uint16_t address, std::size_t count, modbus::ValueType type,
    modbus::WordOrder order, bool holding = true);

}  // namespace emscore::modbus_io
