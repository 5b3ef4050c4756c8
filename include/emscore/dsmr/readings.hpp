// emscore/dsmr/readings.hpp — a P1 telegram's numbers as Readings.
//
// Every path through the SDK ends in a Reading (emscore/obis/reading.hpp). For a telegram:
// one Reading per data object that carries a number, its first number, stamped with
//   - the capture time the object carries itself (an M-Bus channel value, 0-n:24.2.1), else
//   - the telegram's own time (0-0:1.0.0), else
//   - `received` (DSMR 2.2 telegrams carry no time).
// Identifiers (0-n:96.1.x, equipment and channel ids that may be all digits; 0-0:42.0.0, the
// logical device name) and text messages (0-0:96.13.x) are not quantities and give no
// Reading. Units are the telegram's.
#pragma once

#include <vector>

#include "absl/time/time.h"
#include "emscore/dsmr/telegram.hpp"
#include "emscore/obis/reading.hpp"

namespace emscore::dsmr {

std::vector<Reading> readings_of(const Telegram& telegram, DeviceRef device, absl::Time received);

}  // namespace emscore::dsmr
