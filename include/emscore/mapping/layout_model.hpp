// emscore/mapping/layout_model.hpp — the newest readings, served in the data logger's layout.
//
// A modbus::DataModel for the gateway's Modbus server: every device has its own unit id, and
// each unit serves its newest readings in both views of datalogger_layout.hpp (register index
// n at 12000 + 30·n, and the OBIS table 1000..4182): float32 at the slot, uint64 (thousandths
// of the unit, two's complement) two registers later, big endian, most significant word first.
//
// Decisions (seed 002, chapter "Modbus Server"; argued in docs/mapping.md):
//   - Function codes. The manual's only example reads with `modpoll -t 4:float`, i.e. holding
//     registers (FC 3, "4x" references). The values are measurements and read-only, and many
//     clients read measurements as input registers, so FC 4 serves the same image. Writes and
//     the bit tables answer "illegal function" (the DataModel defaults): nothing is writable.
//   - Unpopulated registers of a served unit are readable, so one request can span several
//     slots (e.g. 1000..1124 for the four tariffs) even when some have no value:
//       a value slot with no reading:  float32 NaN (0x7FC0 0x0000), uint64 0x8000 0 0 0
//                                      (the int64 minimum) — the "not implemented" markers of
//                                      the SunSpec Information Model's standard data formats;
//       every other register:          0.
//     A unit that was never set (or was cleared) is not served: the TCP server answers
//     exception 0x0A (gateway path unavailable) and an RTU server stays silent.
//   - A reading with Quality::kInvalid is served as "no value". When two readings give the
//     same OBIS code, the newer one (`at`) is served in the OBIS view; equal times: the later
//     one in the span. Indices past kMaxRegisterIndex (1784) have no place in the index view
//     and are served in the OBIS view only. A value too large for the uint64 view (over
//     9.2e15 of its unit) gets the "no value" marker there, its float32 is still served.
//
// Reads cost a bounds check and a copy: set_unit() builds each unit's register image once
// (the OBIS region and the index region up to the highest index used); registers past the
// image follow the empty slot pattern without being stored.
//
// Thread safety: as every DataModel, calls come from the server's executor; set_unit() and
// clear_unit() must be called there too (post them from other threads).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "emscore/mapping/datalogger_layout.hpp"
#include "emscore/modbus/data_model.hpp"
#include "emscore/obis/reading.hpp"

namespace emscore::mapping {

// A reading with the driver's register index it came from (the data logger's "register to
// read", e.g. 3 for the seed's EMU Professional II example).
struct IndexedReading {
  std::uint32_t index = 0;
  Reading reading;
};

// The registers of one slot (float32 + uint64 = 6 registers) for a value; the "no value"
// pattern when `value` is nullptr. Exposed for tests and for clients of the layout.
void encode_layout_slot(const Value* value, std::span<std::uint16_t, 6> out) noexcept;

class LayoutModel : public modbus::DataModel {
 public:
  LayoutModel();
  ~LayoutModel() override;

  // Replaces the image of `unit` with these readings (an empty span serves a unit whose
  // slots are all "no value").
  void set_unit(std::uint8_t unit, std::span<const IndexedReading> values);
  // Stops serving `unit`.
  void clear_unit(std::uint8_t unit);

  bool serves_unit(std::uint8_t unit) const override;
  modbus::ExceptionCode read_holding_registers(std::uint8_t unit, std::uint16_t address,
                                               std::span<std::uint16_t> out) override;
  modbus::ExceptionCode read_input_registers(std::uint8_t unit, std::uint16_t address,
                                             std::span<std::uint16_t> out) override;

  // Registers stored for a unit (0 when not served): the size of its precomputed image.
  std::size_t image_size(std::uint8_t unit) const noexcept;

 private:
  modbus::ExceptionCode read(std::uint8_t unit, std::uint16_t address,
                             std::span<std::uint16_t> out) const;
  std::array<std::unique_ptr<std::vector<std::uint16_t>>, 256> units_;
};

}  // namespace emscore::mapping
