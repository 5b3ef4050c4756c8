#include "emscore/modbus/memory_model.hpp"

#include <algorithm>

namespace emscore::modbus {

MemoryDataModel::MemoryDataModel(bool any_unit) : any_unit_(any_unit) {
  if (any_unit_) add_unit(0);
}

MemoryDataModel::Bank& MemoryDataModel::add_unit(std::uint8_t unit) {
  const std::uint8_t key = any_unit_ ? 0 : unit;
  auto& slot = banks_[key];
  if (!slot) slot = std::make_unique<Bank>();
  return *slot;
}

const MemoryDataModel::Bank* MemoryDataModel::find(std::uint8_t unit) const {
  auto it = banks_.find(any_unit_ ? 0 : unit);
  return it == banks_.end() ? nullptr : it->second.get();
}

MemoryDataModel::Bank* MemoryDataModel::bank(std::uint8_t unit) {
  return const_cast<Bank*>(find(unit));
}

void MemoryDataModel::set_device_id_object(std::uint8_t id, std::string value) {
  device_id_[id] = std::move(value);
}

bool MemoryDataModel::serves_unit(std::uint8_t unit) const { return find(unit) != nullptr; }

namespace {
template <class Table, class Out>
ExceptionCode copy_out(const Table& t, std::uint16_t address, Out out) {
  if (address + out.size() > t.size()) return ExceptionCode::kIllegalDataAddress;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = t[address + i];
  return ExceptionCode::kNone;
}
template <class Table, class In>
ExceptionCode copy_in(Table& t, std::uint16_t address, In in) {
  if (address + in.size() > t.size()) return ExceptionCode::kIllegalDataAddress;
  for (std::size_t i = 0; i < in.size(); ++i) t[address + i] = in[i];
  return ExceptionCode::kNone;
}
}  // namespace

ExceptionCode MemoryDataModel::read_coils(std::uint8_t unit, std::uint16_t address,
                                          std::span<bool> out) {
  const Bank* b = find(unit);
  return b ? copy_out(b->coils, address, out) : ExceptionCode::kGatewayPathUnavailable;
}
ExceptionCode MemoryDataModel::read_discrete_inputs(std::uint8_t unit, std::uint16_t address,
                                                    std::span<bool> out) {
  const Bank* b = find(unit);
  return b ? copy_out(b->discrete_inputs, address, out) : ExceptionCode::kGatewayPathUnavailable;
}
ExceptionCode MemoryDataModel::read_holding_registers(std::uint8_t unit, std::uint16_t address,
                                                      std::span<std::uint16_t> out) {
  const Bank* b = find(unit);
  if (!b) return ExceptionCode::kGatewayPathUnavailable;
  if (address + out.size() > b->holding.size()) return ExceptionCode::kIllegalDataAddress;
  std::copy_n(b->holding.data() + address, out.size(), out.data());
  return ExceptionCode::kNone;
}
ExceptionCode MemoryDataModel::read_input_registers(std::uint8_t unit, std::uint16_t address,
                                                    std::span<std::uint16_t> out) {
  const Bank* b = find(unit);
  if (!b) return ExceptionCode::kGatewayPathUnavailable;
  if (address + out.size() > b->input.size()) return ExceptionCode::kIllegalDataAddress;
  std::copy_n(b->input.data() + address, out.size(), out.data());
  return ExceptionCode::kNone;
}
ExceptionCode MemoryDataModel::write_coils(std::uint8_t unit, std::uint16_t address,
                                           std::span<const bool> values) {
  if (unit == kBroadcastUnit && !any_unit_) {
    for (auto& [u, bk] : banks_) copy_in(bk->coils, address, values);
    return ExceptionCode::kNone;
  }
  Bank* b = bank(unit);
  return b ? copy_in(b->coils, address, values) : ExceptionCode::kGatewayPathUnavailable;
}
ExceptionCode MemoryDataModel::write_registers(std::uint8_t unit, std::uint16_t address,
                                               std::span<const std::uint16_t> values) {
  if (unit == kBroadcastUnit && !any_unit_) {
    for (auto& [u, bk] : banks_) copy_in(bk->holding, address, values);
    return ExceptionCode::kNone;
  }
  Bank* b = bank(unit);
  return b ? copy_in(b->holding, address, values) : ExceptionCode::kGatewayPathUnavailable;
}
ExceptionCode MemoryDataModel::read_fifo_queue(std::uint8_t unit, std::uint16_t,
                                               std::span<std::uint16_t, kMaxFifoCount> out,
                                               std::size_t& count) {
  const Bank* b = find(unit);
  if (!b) return ExceptionCode::kGatewayPathUnavailable;
  count = std::min(b->fifo.size(), out.size());
  std::copy_n(b->fifo.begin(), count, out.begin());
  return ExceptionCode::kNone;
}
ExceptionCode MemoryDataModel::read_exception_status(std::uint8_t unit, std::uint8_t& status) {
  const Bank* b = find(unit);
  if (!b) return ExceptionCode::kGatewayPathUnavailable;
  status = 0;
  for (std::size_t i = 0; i < 8; ++i) status = static_cast<std::uint8_t>(status | (b->coils[i] ? 1u << i : 0u));
  return ExceptionCode::kNone;
}
std::string_view MemoryDataModel::device_id_object(std::uint8_t unit, std::uint8_t object_id) const {
  auto it = device_id_.find(object_id);
  if (it != device_id_.end()) return it->second;
  return DataModel::device_id_object(unit, object_id);
}

}  // namespace emscore::modbus
