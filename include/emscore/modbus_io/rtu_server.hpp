// emscore/modbus_io/rtu_server.hpp — Modbus RTU server (slave) on a serial line or a TCP
// stream carrying RTU frames.
//
// Reads requests with modbus::RtuFramer (CRC checked, noise dropped and counted as
// communication errors), answers through modbus::RequestHandler for the unit ids its
// DataModel serves, ignores other addresses (they belong to other devices on the bus),
// executes broadcasts without answering, and keeps t3.5 of silence before it answers.
// With `mode = SerialMode::kAscii` it serves Modbus ASCII frames (':' ... LRC CR LF) instead.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "emscore/modbus/data_model.hpp"
#include "emscore/modbus/request_handler.hpp"
#include "emscore/modbus/rtu.hpp"
#include "emscore/modbus/serial_framer.hpp"
#include "emscore/modbus_io/rtu_stream.hpp"

namespace emscore::modbus_io {

struct RtuServerOptions {
  modbus::SerialFormat format;
  bool echo = false;                       // discard our own echo after answering
  std::chrono::milliseconds gap{10};       // silence allowance (see RtuClientOptions::gap)
  modbus::SerialMode mode = modbus::SerialMode::kRtu;
  std::chrono::milliseconds char_timeout{1000};  // ASCII: longest pause inside a frame
};

class RtuServer {
 public:
  RtuServer(asio::any_io_executor ex, modbus::DataModel& model, RtuServerOptions options);
  ~RtuServer();

  absl::Status open_serial(const std::string& device);
  // Starts serving; runs until stop() or a read error.
  void start();
  void stop();

  const modbus::RequestHandler::Counters& counters() const noexcept { return state_->handler.counters(); }
  std::uint64_t dropped_bytes() const noexcept { return state_->dropped; }

 private:
  struct State {
    State(asio::any_io_executor ex, modbus::DataModel& m, RtuServerOptions o)
        : stream(ex), handler(m), options(o) {}
    RtuStream stream;
    modbus::RequestHandler handler;
    RtuServerOptions options;
    bool running = false;
    std::uint64_t dropped = 0;
  };
  static asio::awaitable<void> run(std::shared_ptr<State> s);
  std::shared_ptr<State> state_;
};

}  // namespace emscore::modbus_io
