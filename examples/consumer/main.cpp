// Uses the installed SDK: an OBIS literal, an exact value, a CRC.
#include <cstdio>
#include <string>

#include "emscore/core/crc.hpp"
#include "emscore/core/value.hpp"
#include "emscore/obis/obis_code.hpp"

using namespace emscore::obis::literals;

int main() {
  constexpr auto code = "1.8.1"_obis;
  auto v = emscore::Value::parse("295.925", emscore::Unit::kKiloWattHour);
  if (!v.ok()) return 1;
  static constexpr unsigned char check[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  std::printf("%s = %s (crc %04X)\n", code.to_string().c_str(), v->to_string_with_unit().c_str(),
              emscore::crc16_modbus(check));
  return 0;
}
