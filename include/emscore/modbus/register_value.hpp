// emscore/modbus/register_value.hpp — typed values spread over 16-bit registers.
//
// Modbus only knows 16-bit registers; meters put 32- and 64-bit integers and IEEE 754 floats
// in 2 or 4 consecutive registers, in one of four orders. We name an order by where the
// bytes of the big-endian value A B C D (E F G H for 64 bits) land on the wire:
//   ABCD  registers most significant first, high byte first in each  ("big endian")
//   CDAB  registers least significant first, high byte first         ("word swap")
//   BADC  registers most significant first, low byte first           ("byte swap")
//   DCBA  registers least significant first, low byte first          ("little endian")
// For 64-bit values the rule is the same per register: CDAB of A..H is GH EF CD AB.
// For 16-bit values only the byte swap matters (ABCD = CDAB, BADC = DCBA).
//
// Values convert to emscore::Value exactly: integers as they are, floats as the shortest
// decimal that reads back to the same float (std::to_chars), which is what the meter meant
// when it stored e.g. 230.1f. NaN and infinities are errors, not numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"
#include "emscore/core/value.hpp"

namespace emscore::modbus {

enum class ValueType : std::uint8_t { kU16, kI16, kU32, kI32, kU64, kI64, kF32, kF64 };
enum class WordOrder : std::uint8_t { kABCD, kCDAB, kBADC, kDCBA };

// Number of 16-bit registers a type occupies (1, 2 or 4).
constexpr std::size_t register_count(ValueType t) noexcept {
  switch (t) {
    case ValueType::kU16:
    case ValueType::kI16: return 1;
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kF32: return 2;
    case ValueType::kU64:
    case ValueType::kI64:
    case ValueType::kF64: return 4;
  }
  return 1;
}

// Names as the CLI and the mapping JSON use them: "uint16", "int16", "uint32", "int32",
// "uint64", "int64", "float32", "float64" (also accepted: u16..f64, float, double).
std::string_view value_type_name(ValueType t) noexcept;
absl::StatusOr<ValueType> parse_value_type(std::string_view name);
std::string_view word_order_name(WordOrder o) noexcept;  // "ABCD"...
absl::StatusOr<WordOrder> parse_word_order(std::string_view name);  // case-insensitive

// A decoded value: an integer (signed or unsigned 64-bit) or a double (from f32 or f64).
struct RegisterValue {
  ValueType type = ValueType::kU16;
  std::variant<std::uint64_t, std::int64_t, double> v;

  // Exact decimal text: "65535", "-2", "230.1" (float32 shortest), "1e+20" is written out as
  // "100000000000000000000". Error for NaN/infinity.
  absl::StatusOr<std::string> to_string() const;
  // The exact decimal as a Value (error for NaN/infinity or beyond 18 significant digits).
  absl::StatusOr<Value> to_value(Unit unit = Unit::kNone) const;
  double to_double() const noexcept;
};

// Reads `register_count(type)` registers starting at regs[0]. OutOfRange when too few.
absl::StatusOr<RegisterValue> decode_value(std::span<const std::uint16_t> regs, ValueType type,
                                           WordOrder order);

// Writes a value into `register_count(type)` registers at out[0]. The number must be
// representable in the type: integers in range and whole, floats finite (a float32 may
// round: 0.1 becomes 0.100000001490116...). InvalidArgument otherwise.
absl::Status encode_value(const RegisterValue& value, WordOrder order, std::span<std::uint16_t> out);
// Parses decimal text ("-12", "230.1", "1e3") for `type` and encodes it.
absl::Status encode_text(std::string_view text, ValueType type, WordOrder order,
                         std::span<std::uint16_t> out);

// The raw big-endian bytes of a value placed into registers in `order` (and back); building
// blocks for the functions above, exposed for drivers with odd layouts.
void place_bytes(std::span<const std::uint8_t> big_endian, WordOrder order,
                 std::span<std::uint16_t> out) noexcept;
void gather_bytes(std::span<const std::uint16_t> regs, WordOrder order,
                  std::span<std::uint8_t> big_endian) noexcept;

}  // namespace emscore::modbus
