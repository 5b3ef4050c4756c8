// emscore/obis/medium.hpp — the medium of value group A (IEC 62056-6-1 §7.3.2).
#pragma once

#include <cstdint>
#include <string_view>

namespace emscore::obis {

enum class Medium : std::uint8_t {
  kAbstract = 0,            // not tied to a medium: clocks, identifiers, logs
  kElectricity = 1,
  kHeatCostAllocator = 4,
  kCooling = 5,             // thermal energy, cooling
  kHeat = 6,                // thermal energy, heating
  kGas = 7,
  kWaterCold = 8,
  kWaterHot = 9,
  kOther = 15,              // other media
  kReserved = 255,          // A values the standard reserves (2, 3, 10-14, 16+)
};

constexpr Medium medium_of_group_a(std::uint8_t a) noexcept {
  switch (a) {
    case 0: return Medium::kAbstract;
    case 1: return Medium::kElectricity;
    case 4: return Medium::kHeatCostAllocator;
    case 5: return Medium::kCooling;
    case 6: return Medium::kHeat;
    case 7: return Medium::kGas;
    case 8: return Medium::kWaterCold;
    case 9: return Medium::kWaterHot;
    case 15: return Medium::kOther;
    default: return Medium::kReserved;
  }
}

constexpr std::string_view medium_name(Medium m) noexcept {
  switch (m) {
    case Medium::kAbstract: return "abstract";
    case Medium::kElectricity: return "electricity";
    case Medium::kHeatCostAllocator: return "heat cost allocator";
    case Medium::kCooling: return "cooling";
    case Medium::kHeat: return "heat";
    case Medium::kGas: return "gas";
    case Medium::kWaterCold: return "cold water";
    case Medium::kWaterHot: return "hot water";
    case Medium::kOther: return "other";
    case Medium::kReserved: return "reserved";
  }
  return "reserved";
}

}  // namespace emscore::obis
