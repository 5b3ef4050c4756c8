#include "emscore/modbus/serial_framer.hpp"

#include "emscore/core/strings.hpp"

namespace emscore::modbus {

std::string_view serial_mode_name(SerialMode m) noexcept {
  return m == SerialMode::kAscii ? "ascii" : "rtu";
}

absl::StatusOr<SerialMode> parse_serial_mode(std::string_view name) {
  if (name == "rtu" || name == "RTU") return SerialMode::kRtu;
  if (name == "ascii" || name == "ASCII") return SerialMode::kAscii;
  return absl::InvalidArgumentError(
      str_cat("modbus: serial mode \"", name, "\" unknown, expected rtu or ascii"));
}

absl::Status encode_serial(SerialMode mode, std::uint8_t address, std::span<const std::uint8_t> pdu,
                           std::vector<std::uint8_t>& out) {
  return mode == SerialMode::kAscii ? encode_ascii(address, pdu, out)
                                    : encode_rtu(address, pdu, out);
}

SerialFramer::SerialFramer(SerialMode mode, Side side) noexcept
    : framer_(mode == SerialMode::kAscii
                  ? std::variant<RtuFramer, AsciiFramer>(std::in_place_type<AsciiFramer>)
                  : std::variant<RtuFramer, AsciiFramer>(std::in_place_type<RtuFramer>, side)) {}

}  // namespace emscore::modbus
