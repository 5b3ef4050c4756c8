// emscore/modbus/serial_framer.hpp — one framer for a serial line in either transmission
// mode (Modbus over Serial Line V1.02 §2.5): RTU (binary, CRC, frames cut by silence) or ASCII
// (':' ... CR LF, LRC). The serial client and server are written once against this.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "emscore/modbus/ascii.hpp"
#include "emscore/modbus/rtu.hpp"

namespace emscore::modbus {

enum class SerialMode : std::uint8_t { kRtu, kAscii };
std::string_view serial_mode_name(SerialMode m) noexcept;             // "rtu", "ascii"
absl::StatusOr<SerialMode> parse_serial_mode(std::string_view name);  // rtu / ascii

// Appends one frame in `mode` to `out`.
absl::Status encode_serial(SerialMode mode, std::uint8_t address, std::span<const std::uint8_t> pdu,
                           std::vector<std::uint8_t>& out);

// RtuFramer or AsciiFramer behind one interface; events as RtuFramer::Event. `side` only
// matters for RTU (ASCII frames carry their own end).
class SerialFramer {
 public:
  using Event = RtuFramer::Event;

  SerialFramer(SerialMode mode, Side side) noexcept;

  SerialMode mode() const noexcept {
    return framer_.index() == 0 ? SerialMode::kRtu : SerialMode::kAscii;
  }
  std::size_t feed(std::span<const std::uint8_t> bytes) noexcept {
    return std::visit([&](auto& f) { return f.feed(bytes); }, framer_);
  }
  Event next() noexcept {
    return std::visit([](auto& f) { return f.next(); }, framer_);
  }
  // RTU: t3.5 passed without a byte; ASCII: the inter-character timeout passed.
  void on_silence() noexcept {
    std::visit([](auto& f) { f.on_silence(); }, framer_);
  }
  void reset() noexcept {
    std::visit([](auto& f) { f.reset(); }, framer_);
  }
  std::size_t buffered() const noexcept {
    return std::visit([](const auto& f) { return f.buffered(); }, framer_);
  }

 private:
  std::variant<RtuFramer, AsciiFramer> framer_;
};

}  // namespace emscore::modbus
