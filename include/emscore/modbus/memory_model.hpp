// emscore/modbus/memory_model.hpp — a DataModel kept in memory.
//
// The four tables of 65536 entries for each configured unit. It backs the CLI's test server,
// the examples, the interop tests and the benchmarks, and is a reference for implementers of
// DataModel. Units are added explicitly; with `any_unit` every unit id maps to one bank.
// A write to unit 0 (an RTU broadcast) goes to every bank.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "emscore/modbus/data_model.hpp"

namespace emscore::modbus {

class MemoryDataModel : public DataModel {
 public:
  static constexpr std::uint8_t kBroadcastUnit = 0;
  struct Bank {
    std::vector<bool> coils = std::vector<bool>(65536);
    std::vector<bool> discrete_inputs = std::vector<bool>(65536);
    std::vector<std::uint16_t> holding = std::vector<std::uint16_t>(65536);
    std::vector<std::uint16_t> input = std::vector<std::uint16_t>(65536);
    std::vector<std::uint16_t> fifo;  // FC 24 queue at every address (first 31 are returned)
  };

  // any_unit: every unit id is served by one shared bank.
  explicit MemoryDataModel(bool any_unit = false);

  // Adds (or returns) the bank of a unit.
  Bank& add_unit(std::uint8_t unit);
  // The bank of a unit or nullptr.
  Bank* bank(std::uint8_t unit);

  // Device identification objects served for every unit (default: emscore's names).
  void set_device_id_object(std::uint8_t id, std::string value);

  bool serves_unit(std::uint8_t unit) const override;
  ExceptionCode read_coils(std::uint8_t unit, std::uint16_t address, std::span<bool> out) override;
  ExceptionCode read_discrete_inputs(std::uint8_t unit, std::uint16_t address,
                                     std::span<bool> out) override;
  ExceptionCode read_holding_registers(std::uint8_t unit, std::uint16_t address,
                                       std::span<std::uint16_t> out) override;
  ExceptionCode read_input_registers(std::uint8_t unit, std::uint16_t address,
                                     std::span<std::uint16_t> out) override;
  ExceptionCode write_coils(std::uint8_t unit, std::uint16_t address,
                            std::span<const bool> values) override;
  ExceptionCode write_registers(std::uint8_t unit, std::uint16_t address,
                                std::span<const std::uint16_t> values) override;
  ExceptionCode read_fifo_queue(std::uint8_t unit, std::uint16_t address,
                                std::span<std::uint16_t, kMaxFifoCount> out,
                                std::size_t& count) override;
  ExceptionCode read_exception_status(std::uint8_t unit, std::uint8_t& status) override;
  std::string_view device_id_object(std::uint8_t unit, std::uint8_t object_id) const override;

 private:
  const Bank* find(std::uint8_t unit) const;
  bool any_unit_;
  std::map<std::uint8_t, std::unique_ptr<Bank>> banks_;
  std::map<std::uint8_t, std::string> device_id_;
};

}  // namespace emscore::modbus
