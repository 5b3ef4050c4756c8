// Exact meter values: parse what a meter sends, convert, add, compare — no double on the way.
#include <cstdio>

#include "emscore/core/bcd.hpp"
#include "emscore/core/crc.hpp"
#include "emscore/core/value.hpp"
#include "emscore/obis/obis_code.hpp"
#include "emscore/obis/registry.hpp"

using namespace emscore;
using namespace emscore::obis::literals;

int main() {
  // A DSMR line carries "001234.567*kWh"; an M-Bus record the BCD bytes 67 45 23 01 with
  // VIF 0x03 (Wh, 10^0).
  auto p1 = Value::parse("001234.567", Unit::kKiloWattHour);
  static constexpr std::uint8_t bcd[] = {0x67, 0x45, 0x23, 0x01};
  auto m = decode_bcd(bcd);
  if (!p1.ok() || !m.ok()) return 1;
  const Value mbus(*m, 0, Unit::kWattHour);  // 1234567 Wh

  std::printf("P1 reading   : %s\n", p1->to_string_with_unit().c_str());
  std::printf("M-Bus reading: %s\n", mbus.to_string_with_unit().c_str());
  std::printf("same energy  : %s\n", *p1 == mbus ? "yes" : "no");
  auto sum = p1->plus(mbus);
  if (!sum.ok()) return 1;
  std::printf("sum          : %s\n", sum->to_string_with_unit().c_str());
  // 0.1 + 0.2 in doubles is 0.30000000000000004; in Values it is 0.3.
  auto a = Value::parse("0.1"), b = Value::parse("0.2");
  std::printf("0.1 + 0.2    : %s\n", a->plus(*b)->to_string().c_str());

  constexpr auto code = "1-0:1.8.1"_obis;
  if (auto d = obis::describe(code)) {
    std::printf("%s      : %s [%s]\n", code.to_string().c_str(), d->description.c_str(),
                std::string(unit_symbol(d->unit)).c_str());
  }
  static constexpr std::uint8_t frame[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  std::printf("CRC-16/MODBUS(\"123456789\") = 0x%04X, CRC-16/ARC = 0x%04X\n",
              crc16_modbus(frame), crc16_arc(frame));
  return 0;
}
