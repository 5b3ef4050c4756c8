// emscore/modbus/data_model.hpp — what a Modbus server serves.
//
// The four Modbus tables (MBAP spec §4.3) per unit id: coils (read/write bits), discrete
// inputs (read-only bits), holding registers (read/write) and input registers (read-only).
// A server (TCP, RTU, the gateway's own registers) turns requests into calls on this
// interface through RequestHandler; the mapping module implements it for meter readings.
//
// Contract for implementers:
//   - Calls come from one thread at a time (the server's executor); no locking is implied.
//   - Addresses are 0-based PDU addresses; `out`/`values` hold the requested quantity, and
//     address + quantity never exceeds 65536 (RequestHandler checks it before calling).
//   - Return ExceptionCode::kNone on success, kIllegalDataAddress for an address range the
//     device does not have, kIllegalDataValue for a value it refuses, kServerDeviceFailure
//     when reading the underlying source failed, kServerDeviceBusy to ask for a retry.
//   - The defaults answer kIllegalFunction: a table a device does not have.
//   - An RTU broadcast (address 0) arrives as unit 0, whatever serves_unit() says; the
//     model decides what a broadcast write means for it (MemoryDataModel: every unit).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "emscore/modbus/pdu.hpp"

namespace emscore::modbus {

class DataModel {
 public:
  virtual ~DataModel() = default;

  // Whether this server answers for `unit`. A server ignores (RTU) or answers exception 0x0A
  // (TCP) for units it does not serve.
  virtual bool serves_unit(std::uint8_t /*unit*/) const { return true; }

  virtual ExceptionCode read_coils(std::uint8_t unit, std::uint16_t address, std::span<bool> out);
  virtual ExceptionCode read_discrete_inputs(std::uint8_t unit, std::uint16_t address,
                                             std::span<bool> out);
  virtual ExceptionCode read_holding_registers(std::uint8_t unit, std::uint16_t address,
                                               std::span<std::uint16_t> out);
  virtual ExceptionCode read_input_registers(std::uint8_t unit, std::uint16_t address,
                                             std::span<std::uint16_t> out);
  virtual ExceptionCode write_coils(std::uint8_t unit, std::uint16_t address,
                                    std::span<const bool> values);
  virtual ExceptionCode write_registers(std::uint8_t unit, std::uint16_t address,
                                        std::span<const std::uint16_t> values);
  // FC 24: up to 31 queued registers at `address`; sets `count`.
  virtual ExceptionCode read_fifo_queue(std::uint8_t unit, std::uint16_t address,
                                        std::span<std::uint16_t, kMaxFifoCount> out,
                                        std::size_t& count);
  // FC 7: eight device-defined status bits.
  virtual ExceptionCode read_exception_status(std::uint8_t unit, std::uint8_t& status);
  // FC 43/14 objects: 0 VendorName, 1 ProductCode, 2 MajorMinorRevision (mandatory), 3..6
  // regular, 0x80.. extended. Empty = the device does not have the object. The defaults
  // name emscore for the three mandatory objects.
  virtual std::string_view device_id_object(std::uint8_t unit, std::uint8_t object_id) const;
  // FC 17 payload (server id, run indicator 0xFF/0x00, extra); empty = {unit, 0xFF}.
  virtual std::span<const std::uint8_t> server_id(std::uint8_t unit) const;
};

}  // namespace emscore::modbus
