#include "emscore/modbus/data_model.hpp"

namespace emscore::modbus {

ExceptionCode DataModel::read_coils(std::uint8_t, std::uint16_t, std::span<bool>) {
  return ExceptionCode::kIllegalFunction;
}
ExceptionCode DataModel::read_discrete_inputs(std::uint8_t, std::uint16_t, std::span<bool>) {
  return ExceptionCode::kIllegalFunction;
}
ExceptionCode DataModel::read_holding_registers(std::uint8_t, std::uint16_t,
                                                std::span<std::uint16_t>) {
  return ExceptionCode::kIllegalFunction;
}
ExceptionCode DataModel::read_input_registers(std::uint8_t, std::uint16_t,
                                              std::span<std::uint16_t>) {
  return ExceptionCode::kIllegalFunction;
}
ExceptionCode DataModel::write_coils(std::uint8_t, std::uint16_t, std::span<const bool>) {
  return ExceptionCode::kIllegalFunction;
}
ExceptionCode DataModel::write_registers(std::uint8_t, std::uint16_t,
                                         std::span<const std::uint16_t>) {
  return ExceptionCode::kIllegalFunction;
}
ExceptionCode DataModel::read_fifo_queue(std::uint8_t, std::uint16_t,
                                         std::span<std::uint16_t, kMaxFifoCount>, std::size_t& count) {
  count = 0;
  return ExceptionCode::kIllegalFunction;
}
ExceptionCode DataModel::read_exception_status(std::uint8_t, std::uint8_t& status) {
  status = 0;
  return ExceptionCode::kIllegalFunction;
}
std::string_view DataModel::device_id_object(std::uint8_t, std::uint8_t object_id) const {
  switch (object_id) {
    case 0: return "emscore";
    case 1: return "emscore-modbus";
    case 2: return "0.1";
    default: return {};
  }
}
std::span<const std::uint8_t> DataModel::server_id(std::uint8_t) const { return {}; }

}  // namespace emscore::modbus
