// emscore/modbus/request_handler.hpp — the server side of Modbus, sans-I/O.
//
// RequestHandler turns one request PDU into one response PDU against a DataModel, so that
// the TCP server, the RTU server and the gateway share one implementation of the protocol:
//   - decode errors become exception 1 (unknown function) or 3 (limits, byte counts);
//   - address + quantity beyond 65536 is exception 2 (MBAP spec §6 state diagrams);
//   - what the model answers (2, 3, 4, 6 ...) is passed through;
//   - FC 8 (diagnostics), 11 and 12 (comm event counter/log) are answered from counters kept
//     here (Modbus over Serial Line V1.02 §6.1); FC 8/04 enters listen-only mode, in which
//     nothing is answered until FC 8/01 (restart communications);
//   - FC 20/21 (file records) are decoded but no data model offers files: exception 1.
// A request to the broadcast address (RTU address 0) is executed and never answered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "emscore/modbus/data_model.hpp"
#include "emscore/modbus/pdu.hpp"

namespace emscore::modbus {

class RequestHandler {
 public:
  struct Options {
    // A request for a unit the model does not serve: false = no response (RTU: another
    // device on the bus may own it), true = exception 0x0A gateway path unavailable (TCP).
    bool answer_unknown_unit = false;
  };

  // Serial line diagnostic counters (Modbus over Serial Line V1.02 §6.1.1).
  struct Counters {
    std::uint16_t bus_messages = 0;          // every request seen (any unit)
    std::uint16_t bus_communication_errors = 0;  // CRC errors (reported by the transport)
    std::uint16_t exception_errors = 0;      // exception responses sent
    std::uint16_t server_messages = 0;       // requests addressed to us
    std::uint16_t no_responses = 0;          // requests we did not answer (broadcast, listen only)
    std::uint16_t naks = 0;
    std::uint16_t busy = 0;
    std::uint16_t character_overruns = 0;
    std::uint16_t comm_events = 0;           // FC 11 event counter: successful requests
  };

  explicit RequestHandler(DataModel& model) noexcept : model_(model) {}
  RequestHandler(DataModel& model, Options options) noexcept : model_(model), options_(options) {}

  // Handles one request for `unit`. Writes the response PDU to `response` (at least
  // kMaxPduSize bytes) and returns its size, or 0 when nothing must be sent.
  std::size_t handle(std::uint8_t unit, std::span<const std::uint8_t> request,
                     std::span<std::uint8_t> response, bool broadcast = false);

  // The transport saw a frame with a bad CRC or a broken header.
  void count_communication_error() noexcept { ++counters_.bus_communication_errors; }
  const Counters& counters() const noexcept { return counters_; }
  bool listen_only() const noexcept { return listen_only_; }

 private:
  std::size_t exception(std::uint8_t fc, ExceptionCode code, std::span<std::uint8_t> out);
  std::size_t dispatch(std::uint8_t unit, const Request& req, std::uint8_t fc,
                       std::span<std::uint8_t> out);
  std::size_t diagnostics(const DiagnosticsRequest& req, std::span<std::uint8_t> out);
  std::size_t device_id(std::uint8_t unit, const ReadDeviceIdRequest& req,
                        std::span<std::uint8_t> out);

  DataModel& model_;
  Options options_;
  Counters counters_;
  bool listen_only_ = false;
};

}  // namespace emscore::modbus
