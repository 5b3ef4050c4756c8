#include "emscore/mapping/datalogger_layout.hpp"

#include <algorithm>
#include <array>

namespace emscore::mapping {
namespace {

// Generated from tests/vectors/obis/datalogger_modbus_table.tsv (the manual's table as
// printed) with the decisions of datalogger_layout.hpp applied; sorted by register.
constexpr std::array<ObisSlot, 84> kTable{{
    {obis::ObisCode(1, 0, 1, 8, 0), 1000, "electricity"},
    {obis::ObisCode(1, 0, 1, 8, 1), 1030, "electricity"},
    {obis::ObisCode(1, 0, 1, 8, 2), 1060, "electricity"},
    {obis::ObisCode(1, 0, 1, 8, 3), 1090, "electricity"},
    {obis::ObisCode(1, 0, 1, 8, 4), 1120, "electricity"},
    {obis::ObisCode(1, 0, 2, 8, 0), 1150, "electricity"},
    {obis::ObisCode(1, 0, 2, 8, 1), 1180, "electricity"},
    {obis::ObisCode(1, 0, 2, 8, 2), 1210, "electricity"},
    {obis::ObisCode(1, 0, 2, 8, 3), 1240, "electricity"},
    {obis::ObisCode(1, 0, 2, 8, 4), 1270, "electricity"},
    {obis::ObisCode(1, 0, 3, 8, 0), 1300, "electricity"},
    {obis::ObisCode(1, 0, 3, 8, 1), 1330, "electricity"},
    {obis::ObisCode(1, 0, 3, 8, 2), 1360, "electricity"},
    {obis::ObisCode(1, 0, 3, 8, 3), 1390, "electricity"},
    {obis::ObisCode(1, 0, 3, 8, 4), 1420, "electricity"},
    {obis::ObisCode(1, 0, 4, 8, 0), 1450, "electricity"},
    {obis::ObisCode(1, 0, 4, 8, 1), 1480, "electricity"},
    {obis::ObisCode(1, 0, 4, 8, 2), 1510, "electricity"},
    {obis::ObisCode(1, 0, 4, 8, 3), 1540, "electricity"},
    {obis::ObisCode(1, 0, 4, 8, 4), 1570, "electricity"},
    {obis::ObisCode(1, 0, 9, 8, 0), 1600, "electricity"},
    {obis::ObisCode(1, 0, 9, 8, 1), 1630, "electricity"},
    {obis::ObisCode(1, 0, 9, 8, 2), 1660, "electricity"},
    {obis::ObisCode(1, 0, 9, 8, 3), 1690, "electricity"},
    {obis::ObisCode(1, 0, 9, 8, 4), 1720, "electricity"},
    {obis::ObisCode(1, 0, 1, 7, 0), 1750, "electricity"},
    {obis::ObisCode(1, 0, 21, 7, 0), 1780, "electricity"},
    {obis::ObisCode(1, 0, 41, 7, 0), 1810, "electricity"},
    {obis::ObisCode(1, 0, 61, 7, 0), 1840, "electricity"},
    {obis::ObisCode(1, 0, 2, 7, 0), 1870, "electricity"},
    {obis::ObisCode(1, 0, 22, 7, 0), 1900, "electricity"},
    {obis::ObisCode(1, 0, 42, 7, 0), 1930, "electricity"},
    {obis::ObisCode(1, 0, 62, 7, 0), 1960, "electricity"},
    {obis::ObisCode(1, 0, 3, 7, 0), 1990, "electricity"},
    {obis::ObisCode(1, 0, 23, 7, 0), 2020, "electricity"},
    {obis::ObisCode(1, 0, 43, 7, 0), 2050, "electricity"},
    {obis::ObisCode(1, 0, 63, 7, 0), 2080, "electricity"},
    {obis::ObisCode(1, 0, 4, 7, 0), 2110, "electricity"},
    {obis::ObisCode(1, 0, 24, 7, 0), 2140, "electricity"},
    {obis::ObisCode(1, 0, 44, 7, 0), 2170, "electricity"},
    {obis::ObisCode(1, 0, 64, 7, 0), 2200, "electricity"},
    {obis::ObisCode(1, 0, 9, 7, 0), 2230, "electricity"},
    {obis::ObisCode(1, 0, 29, 7, 0), 2260, "electricity"},
    {obis::ObisCode(1, 0, 49, 7, 0), 2290, "electricity"},
    {obis::ObisCode(1, 0, 69, 7, 0), 2320, "electricity"},
    {obis::ObisCode(1, 0, 11, 7, 0), 2350, "electricity"},
    {obis::ObisCode(1, 0, 31, 7, 0), 2380, "electricity"},
    {obis::ObisCode(1, 0, 51, 7, 0), 2410, "electricity"},
    {obis::ObisCode(1, 0, 71, 7, 0), 2440, "electricity"},
    {obis::ObisCode(1, 0, 32, 7, 0), 2470, "electricity"},
    {obis::ObisCode(1, 0, 52, 7, 0), 2500, "electricity"},
    {obis::ObisCode(1, 0, 72, 7, 0), 2530, "electricity"},
    {obis::ObisCode(1, 0, 33, 7, 0), 2560, "electricity"},
    {obis::ObisCode(1, 0, 53, 7, 0), 2590, "electricity"},
    {obis::ObisCode(1, 0, 73, 7, 0), 2620, "electricity"},
    {obis::ObisCode(1, 0, 14, 7, 0), 2650, "electricity"},
    {obis::ObisCode(8, 0, 1, 0, 0), 3000, "cold water"},
    {obis::ObisCode(9, 0, 1, 0, 0), 3030, "warm water"},
    {obis::ObisCode(7, 0, 3, 0, 0), 3060, "gas"},
    {obis::ObisCode(7, 0, 3, 0, 1), 3090, "gas"},
    {obis::ObisCode(7, 0, 3, 0, 2), 3120, "gas"},
    {obis::ObisCode(7, 0, 3, 0, 3), 3150, "gas"},
    {obis::ObisCode(7, 0, 3, 0, 4), 3180, "gas"},
    {obis::ObisCode(7, 0, 3, 0, 5), 3210, "gas"},
    {obis::ObisCode(7, 0, 3, 0, 6), 3240, "gas"},
    {obis::ObisCode(6, 0, 1, 0, 0), 3500, "combined heat/cold meter, heating"},
    {obis::ObisCode(6, 0, 2, 0, 0), 3530, "combined heat/cold meter, heating"},
    {obis::ObisCode(6, 0, 3, 1, 0), 3560, "combined heat/cold meter, heating"},
    {obis::ObisCode(6, 0, 3, 2, 0), 3590, "combined heat/cold meter, heating"},
    {obis::ObisCode(6, 0, 3, 3, 0), 3620, "combined heat/cold meter, heating"},
    {obis::ObisCode(6, 0, 8, 0, 0), 3650, "combined heat/cold meter, heating"},
    {obis::ObisCode(5, 0, 1, 0, 0), 3680, "combined heat/cold meter, cooling"},
    {obis::ObisCode(5, 0, 2, 0, 0), 3710, "combined heat/cold meter, cooling"},
    {obis::ObisCode(5, 0, 3, 1, 0), 3740, "combined heat/cold meter, cooling"},
    {obis::ObisCode(5, 0, 3, 2, 0), 3770, "combined heat/cold meter, cooling"},
    {obis::ObisCode(5, 0, 3, 3, 0), 3800, "combined heat/cold meter, cooling"},
    {obis::ObisCode(5, 0, 8, 0, 0), 3830, "combined heat/cold meter, cooling"},
    {obis::ObisCode(5, 0, 1, 0, 0), 4000, "cold meter"},
    {obis::ObisCode(5, 0, 2, 0, 0), 4030, "cold meter"},
    {obis::ObisCode(4, 0, 1, 0, 0), 4060, "heat meter"},
    {obis::ObisCode(4, 0, 2, 0, 0), 4090, "heat meter"},
    {obis::ObisCode(4, 0, 3, 1, 0), 4120, "heat meter"},
    {obis::ObisCode(4, 0, 3, 2, 0), 4150, "heat meter"},
    {obis::ObisCode(4, 0, 3, 3, 0), 4180, "heat meter"},
}};

constexpr bool strictly_rising() {
  for (std::size_t i = 1; i < kTable.size(); ++i) {
    if (kTable[i].float_register <= kTable[i - 1].float_register + 2) return false;
  }
  return true;
}
static_assert(strictly_rising(), "slots overlap");

// The same slots sorted by code, for lookup; codes with two slots are adjacent.
constexpr std::array<ObisSlot, kTable.size()> by_code() {
  auto t = kTable;
  std::sort(t.begin(), t.end(), [](const ObisSlot& x, const ObisSlot& y) {
    return x.code != y.code ? x.code < y.code : x.float_register < y.float_register;
  });
  return t;
}
constexpr auto kByCode = by_code();

}  // namespace

std::span<const ObisSlot> datalogger_obis_table() noexcept { return kTable; }

std::span<const ObisSlot> slots_for(const obis::ObisCode& code) noexcept {
  const auto lo = std::lower_bound(kByCode.begin(), kByCode.end(), code,
                                   [](const ObisSlot& s, const obis::ObisCode& c) { return s.code < c; });
  auto hi = lo;
  while (hi != kByCode.end() && hi->code == code) ++hi;
  return {lo, hi};
}

}  // namespace emscore::mapping
