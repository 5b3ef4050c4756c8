// emscore/mapping/mbus_default.hpp — Readings from an M-Bus telegram without a driver.
//
// A gateway meets meters nobody wrote a driver for. The common quantities of EN 13757-3 have
// one meaning whatever the manufacturer, so they can be mapped to OBIS codes from the VIF and
// the medium alone. Only current values are taken: storage 0, function "instantaneous",
// subunit 0, a plain primary VIF (no manufacturer, limit, future-value, additive or
// unfolded per-time VIFE). The first record giving a code wins (meters that send the energy
// twice, in two resolutions, give one reading).
//
// Medium (EN 13757-3 Table 3) -> OBIS value group A (IEC 62056-6-1 §7.3.2):
//   0x02 electricity -> 1; 0x03 gas -> 7; 0x04/0x0C heat (outlet/inlet), 0x0D heat/cooling -> 6;
//   0x0A/0x0B cooling (outlet/inlet) -> 5; 0x07/0x16 water, cold water -> 8;
//   0x06/0x15 warm/hot water -> 9. Other media get no default readings.
//
// Quantity (primary VIF, EN 13757-3 Table 10) -> C.D.E (E = the record's tariff where noted):
//   electricity  energy (Wh, J)          1.8.T  (2.8.T with VIFE 0x3C "accumulation negative")
//                power (W, J/h)          1.7.0  (2.7.0 with 0x3C)
//   heat/cooling energy                  1.0.T  (EN 13757-1)
//                volume                  2.0.T  (EN 13757-1)
//                power                   8.0.0  (as in the data logger's Modbus table)
//                volume flow             3.3.0  (data logger table)
//                flow / return temp.     3.1.0 / 3.2.0 (data logger table)
//                temperature difference  12.0.0 (EN 13757-1; not in the data logger table)
//   water        volume                  1.0.T  (EN 13757-1: C=1 accumulated volume)
//                volume flow             2.0.0  (EN 13757-1: C=2 flow rate)
//   gas          volume                  3.0.T  (as 7-0:3.0.0 .. 7-0:3.0.6 in the data logger table)
//   every medium on time (VIF 0x20-0x23) 0-0:96.8.0 "time of operation" (IEC 62056-6-1), in s
// Where the data logger's table has a code for the quantity, that code is used, so that the
// reading appears in the gateway's by-OBIS Modbus view (layout_model.hpp).
//
// Units are the meter's, made conventional by exact steps: Wh -> kWh, J -> GJ, W -> kW,
// m³/min and m³/s -> m³/h (x60, x3600). Tariffs 0-9 are taken for energy and volume; a
// tariff register of another quantity is skipped.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "emscore/mbus/data.hpp"
#include "emscore/mbus/telegram.hpp"
#include "emscore/obis/reading.hpp"

namespace emscore::mapping {

// Appends the default readings of a telegram to `out` and returns how many. A malformed
// record ends the walk (the readings before it are kept). Quality as mapping::apply
// (kQuestionable for an error VIFE or an error in the header status).
std::size_t mbus_default_readings(const mbus::Telegram& telegram, DeviceRef device, absl::Time at,
                                  std::vector<Reading>& out);

// The OBIS value group A of an M-Bus medium, nullopt when there is no default mapping.
std::optional<std::uint8_t> obis_medium_of(std::uint8_t mbus_medium) noexcept;

// The default code of one record of a meter of that medium (nullopt: not mapped).
std::optional<obis::ObisCode> mbus_default_code(std::uint8_t mbus_medium, const mbus::Record& r,
                                                const mbus::RecordMeaning& m) noexcept;

}  // namespace emscore::mapping
