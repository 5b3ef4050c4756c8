// emscore/mapping/apply.hpp — register blocks in, Readings out.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "emscore/mapping/driver.hpp"
#include "emscore/mbus/telegram.hpp"
#include "emscore/obis/reading.hpp"

namespace emscore::mapping {

// The answer to one read: registers (FC 3/4) or bits (FC 1/2, one 0/1 per element).
struct RegisterBlock {
  Table table = Table::kHoldingRegister;
  std::uint16_t start = 0;
  std::span<const std::uint16_t> values;
  bool contains(Table t, std::uint32_t address, std::uint32_t width) const noexcept {
    return t == table && address >= start && address + width <= start + values.size();
  }
};

struct FieldError {
  std::size_t field = 0;  // index into driver.fields
  std::string message;
};

// Decodes every field of the driver found in the blocks into `out` (appended; a field without
// an OBIS code yields no Reading). A field not covered by any block, or whose value cannot be
// decoded (NaN, overflow), is reported in `errors` (when given) and skipped: one bad register
// never hides the others. `fields` (when given) gets, for each Reading appended, the index of
// the driver field it came from. Returns the number of readings appended.
std::size_t apply(const ModbusDriver& driver, std::span<const RegisterBlock> blocks,
                  DeviceRef device, absl::Time at, std::vector<Reading>& out,
                  std::vector<FieldError>* errors = nullptr,
                  std::vector<std::uint32_t>* fields = nullptr);

// Decodes every field of an M-Bus driver from a telegram (RSP_UD, variable data) into `out`,
// in driver field order. A field's record is found by index, counting the telegram's records
// in frame order (fillers 0x2F skipped, manufacturer data 0x0F/0x1F counted, as
// mbus::RecordReader yields them). The value is exact (mbus::decode_value: the VIF's unit
// and decade), converted to the field's unit when it names one, then scaled (driver.hpp).
// Reported in `errors` and skipped: a record index past the telegram's records, a record
// whose storage number or tariff differs from the field's, a date/text/invalid (BCD A-F)
// value, a unit of another dimension, a malformed record. Quality: kQuestionable when the
// record carries an error VIFE or the header status reports an application error, a
// permanent or temporary error (EN 13757-3 Table 9, bits 0-1, 3, 4); else kMeasured.
// The telegram is not checked against driver.match (see DriverSet::mbus_match).
// `fields` as for Modbus drivers.
std::size_t apply(const MbusDriver& driver, const mbus::Telegram& telegram, DeviceRef device,
                  absl::Time at, std::vector<Reading>& out,
                  std::vector<FieldError>* errors = nullptr,
                  std::vector<std::uint32_t>* fields = nullptr);

// The quality the header status of a telegram gives its readings.
Quality telegram_quality(const mbus::Telegram& telegram) noexcept;

}  // namespace emscore::mapping
