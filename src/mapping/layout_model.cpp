#include "emscore/mapping/layout_model.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace emscore::mapping {
namespace {

// PDU addresses (register number - 1).
constexpr std::uint32_t kIndexPdu = kIndexBase - 1u;  // 11999: float32 of index 0
constexpr std::uint32_t kSlotWidth = 6;               // float32 + uint64
constexpr std::uint32_t kIndexEndPdu = kIndexPdu + kIndexStride * (kMaxRegisterIndex + 1u);
constexpr std::uint16_t kNanHigh = 0x7FC0;            // quiet NaN 0x7FC00000
constexpr std::uint16_t kNoValueHigh = 0x8000;        // int64 minimum

// The register at `pdu` of a unit with no value there.
constexpr std::uint16_t empty_register(std::uint32_t pdu) noexcept {
  if (pdu < kIndexPdu || pdu >= kIndexEndPdu) return 0;
  const std::uint32_t off = (pdu - kIndexPdu) % kIndexStride;
  return off == 0 ? kNanHigh : off == 2 ? kNoValueHigh : 0;
}

// One past the last PDU address of the OBIS view (4182 + 3 registers, numbered from 1).
std::uint32_t obis_region_end() noexcept {
  std::uint32_t end = 0;
  for (const ObisSlot& s : datalogger_obis_table()) {
    end = std::max<std::uint32_t>(end, s.float_register - 1u + kSlotWidth);
  }
  return end;
}

// An image with every OBIS slot empty, shared by all units as the starting point.
const std::vector<std::uint16_t>& empty_obis_image() {
  static const std::vector<std::uint16_t> image = [] {
    std::vector<std::uint16_t> v(obis_region_end(), 0);
    for (const ObisSlot& s : datalogger_obis_table()) {
      std::array<std::uint16_t, kSlotWidth> slot;
      encode_layout_slot(nullptr, slot);
      std::copy(slot.begin(), slot.end(), v.begin() + (s.float_register - 1));
    }
    return v;
  }();
  return image;
}

// The reading to serve for one slot: the newest; on equal times the later one given.
void keep_newest(const Reading*& slot, const Reading& r) {
  if (slot == nullptr || !(r.at < slot->at)) slot = &r;
}

}  // namespace

void encode_layout_slot(const Value* value, std::span<std::uint16_t, 6> out) noexcept {
  out[0] = kNanHigh;
  out[1] = 0;
  out[2] = kNoValueHigh;
  out[3] = out[4] = out[5] = 0;
  if (value == nullptr) return;
  const float f = static_cast<float>(value->to_double());
  if (std::isfinite(f)) {
    const auto bits = std::bit_cast<std::uint32_t>(f);
    out[0] = static_cast<std::uint16_t>(bits >> 16);
    out[1] = static_cast<std::uint16_t>(bits & 0xFFFF);
  }
  // Thousandths of the unit, rounded half away from zero; overflow keeps the marker.
  auto milli = value->rescaled(-3, /*round=*/true);
  if (milli.ok()) {
    const auto u = static_cast<std::uint64_t>(milli->mantissa);
    for (int i = 0; i < 4; ++i) out[2 + i] = static_cast<std::uint16_t>(u >> (48 - 16 * i));
  }
}

LayoutModel::LayoutModel() = default;
LayoutModel::~LayoutModel() = default;

void LayoutModel::set_unit(std::uint8_t unit, std::span<const IndexedReading> values) {
  // Choose what each slot serves.
  std::array<const Reading*, 320> by_obis{};  // (float_register - 1000) / 10
  std::vector<const Reading*> by_index;
  for (const IndexedReading& v : values) {
    for (const ObisSlot& s : slots_for(v.reading.quantity)) {
      keep_newest(by_obis[(s.float_register - 1000u) / 10u], v.reading);
    }
    if (v.index <= kMaxRegisterIndex) {
      if (by_index.size() <= v.index) by_index.resize(v.index + 1u, nullptr);
      keep_newest(by_index[v.index], v.reading);
    }
  }
  auto image = std::make_unique<std::vector<std::uint16_t>>(empty_obis_image());
  if (!by_index.empty()) {
    const std::uint32_t end = kIndexPdu + kIndexStride * static_cast<std::uint32_t>(by_index.size() - 1) + kSlotWidth;
    const std::size_t old = image->size();
    image->resize(end);
    for (std::uint32_t a = static_cast<std::uint32_t>(old); a < end; ++a) (*image)[a] = empty_register(a);
  }
  auto put = [&](std::uint32_t pdu, const Reading* r) {
    const bool has = r != nullptr && r->quality != Quality::kInvalid;
    encode_layout_slot(has ? &r->value : nullptr,
                       std::span<std::uint16_t, kSlotWidth>(image->data() + pdu, kSlotWidth));
  };
  for (const ObisSlot& s : datalogger_obis_table()) {
    const Reading* r = by_obis[(s.float_register - 1000u) / 10u];
    if (r != nullptr) put(s.float_register - 1u, r);
  }
  for (std::size_t n = 0; n < by_index.size(); ++n) {
    if (by_index[n] != nullptr) put(kIndexPdu + kIndexStride * static_cast<std::uint32_t>(n), by_index[n]);
  }
  units_[unit] = std::move(image);
}

void LayoutModel::clear_unit(std::uint8_t unit) { units_[unit].reset(); }

bool LayoutModel::serves_unit(std::uint8_t unit) const { return units_[unit] != nullptr; }

std::size_t LayoutModel::image_size(std::uint8_t unit) const noexcept {
  return units_[unit] ? units_[unit]->size() : 0;
}

modbus::ExceptionCode LayoutModel::read(std::uint8_t unit, std::uint16_t address,
                                        std::span<std::uint16_t> out) const {
  const std::vector<std::uint16_t>* image = units_[unit].get();
  // Unit 0 (an RTU broadcast) or a unit never set: the server already refused it through
  // serves_unit() for TCP; a broadcast read has no answer anyway.
  if (image == nullptr) return modbus::ExceptionCode::kGatewayPathUnavailable;
  const std::size_t stored =
      address < image->size() ? std::min(out.size(), image->size() - address) : 0;
  if (stored > 0) std::copy_n(image->data() + address, stored, out.data());
  for (std::size_t i = stored; i < out.size(); ++i) {
    out[i] = empty_register(static_cast<std::uint32_t>(address) + static_cast<std::uint32_t>(i));
  }
  return modbus::ExceptionCode::kNone;
}

modbus::ExceptionCode LayoutModel::read_holding_registers(std::uint8_t unit, std::uint16_t address,
                                                          std::span<std::uint16_t> out) {
  return read(unit, address, out);
}

modbus::ExceptionCode LayoutModel::read_input_registers(std::uint8_t unit, std::uint16_t address,
                                                        std::span<std::uint16_t> out) {
  return read(unit, address, out);
}

}  // namespace emscore::mapping
