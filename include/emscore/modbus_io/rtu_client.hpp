// emscore/modbus_io/rtu_client.hpp — Modbus RTU client (serial line or RTU over TCP).
//
// Modbus over Serial Line V1.02 §2.4: one request at a time on a line; concurrent callers
// queue (first come, first served). Before sending, the client keeps the line silent for
// t3.5 since the last byte seen. After sending it reads until a frame from the addressed
// unit arrives (CRC checked, other addresses and noise dropped) or the timeout passes; then it
// retries (bounded). Adapters that echo what is sent (2-wire RS485 without echo cancellation)
// are handled by reading the echo back first (`echo`). A broadcast (unit 0) is not
// answered: the client waits the turnaround delay and completes with an empty response.
#pragma once

#include <chrono>
#include <deque>
#include <string>

#include "boost/asio/steady_timer.hpp"
#include "emscore/modbus/rtu.hpp"
#include "emscore/modbus/serial_framer.hpp"
#include "emscore/modbus_io/client.hpp"
#include "emscore/modbus_io/rtu_stream.hpp"

namespace emscore::modbus_io {

struct RtuClientOptions {
  ClientOptions client;
  modbus::SerialFormat format;                  // for the timing (and open_serial)
  bool echo = false;                            // the adapter echoes what we send
  std::chrono::milliseconds turnaround{100};    // wait after a broadcast
  // Extra silence allowance for OS and USB adapter latency: a frame is considered over after
  // max(t3.5, gap) without bytes.
  std::chrono::milliseconds gap{10};
  // Transmission mode on the line: RTU (default) or ASCII.
  modbus::SerialMode mode = modbus::SerialMode::kRtu;
  // ASCII: the longest pause allowed between two characters of a frame (§2.5.2.1: 1 s).
  std::chrono::milliseconds char_timeout{1000};
};

class RtuClient : public Client {
 public:
  RtuClient(asio::any_io_executor ex, RtuClientOptions options);

  absl::Status open_serial(const std::string& device) { return stream_.open_serial(device, options_.format); }
  asio::awaitable<absl::Status> connect_tcp(std::string host, std::uint16_t port) {
    return stream_.connect_tcp(std::move(host), port, options_.client.timeout);
  }
  void close() { stream_.close(); }

  asio::any_io_executor get_executor() override { return stream_.get_executor(); }
  asio::awaitable<absl::StatusOr<ResponsePdu>> transact(
      std::uint8_t unit, std::span<const std::uint8_t> request_pdu) override;

  std::uint64_t dropped_bytes() const noexcept { return dropped_; }
  std::uint64_t timeouts() const noexcept { return timeouts_; }

 private:
  asio::awaitable<void> lock();
  void unlock();
  asio::awaitable<absl::StatusOr<ResponsePdu>> attempt(std::uint8_t unit,
                                                       std::span<const std::uint8_t> adu,
                                                       const modbus::Request& request);

  RtuClientOptions options_;
  RtuStream stream_;
  modbus::SerialFramer framer_;
  bool busy_ = false;
  std::deque<asio::steady_timer*> waiters_;
  std::chrono::steady_clock::time_point last_activity_{};
  std::uint64_t dropped_ = 0;
  std::uint64_t timeouts_ = 0;
};

}  // namespace emscore::modbus_io
