// M-Bus telegrams from the wire through the mapping layer: any user data after a CI 0x72
// header must give readings or field errors, never a crash — the driver-less defaults, the
// device-type key, and a driver whose fields point at every record index, storage and tariff.
#include <cstddef>
#include <cstdint>
#include <span>

#include "emscore/mapping/apply.hpp"
#include "emscore/mapping/driver_set.hpp"
#include "emscore/mapping/layout_model.hpp"
#include "emscore/mapping/mbus_default.hpp"

namespace {

emscore::mapping::MbusDriver every_record() {
  emscore::mapping::MbusDriver d;
  d.match = {"ABC", 0x07, 1, 64};
  for (std::uint32_t i = 0; i < 64; ++i) {
    emscore::mapping::MbusField f;
    f.record = i;
    f.storage = i % 3;
    f.meaning.name = "r";
    f.meaning.tariff = static_cast<std::uint8_t>(i % 2);
    f.meaning.obis = emscore::obis::ObisCode(8, 0, 1, 0, static_cast<std::uint8_t>(i));
    f.meaning.unit = i % 4 == 0 ? emscore::Unit::kLitre : emscore::Unit::kNone;
    f.meaning.output_unit = i % 5 == 0 ? std::optional(emscore::Unit::kCubicMetre) : std::nullopt;
    f.meaning.scaling.divisor = emscore::Value(i % 7 == 0 ? 3 : 1, 0);
    d.fields.push_back(f);
  }
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mapping = emscore::mapping;
  static const mapping::MbusDriver driver = every_record();
  if (size < 1) return 0;
  // The first byte picks the CI (long header LSB/MSB first, short header, none).
  static constexpr std::uint8_t kCis[] = {0x72, 0x76, 0x7A, 0x78};
  auto telegram = emscore::mbus::parse_application(kCis[data[0] % 4], std::span(data + 1, size - 1));
  if (!telegram.ok()) return 0;
  std::vector<emscore::Reading> out;
  mapping::mbus_default_readings(*telegram, {1}, absl::UnixEpoch(), out);
  (void)mapping::mbus_match_key(*telegram);
  std::vector<mapping::FieldError> errors;
  mapping::apply(driver, *telegram, {1}, absl::UnixEpoch(), out, &errors);
  // And on to the gateway's Modbus view.
  std::vector<mapping::IndexedReading> indexed;
  for (std::size_t i = 0; i < out.size(); ++i) indexed.push_back({static_cast<std::uint32_t>(i * 37), out[i]});
  mapping::LayoutModel layout;
  layout.set_unit(1, indexed);
  std::uint16_t regs[125];
  for (std::uint32_t a : {999u, 11999u, 65411u}) layout.read_holding_registers(1, static_cast<std::uint16_t>(a), regs);
  return 0;
}
