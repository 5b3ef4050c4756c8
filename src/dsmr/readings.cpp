// A telegram's numbers as Readings (see readings.hpp).
#include "emscore/dsmr/readings.hpp"

#include <optional>

namespace emscore::dsmr {
namespace {

// Equipment and channel ids (0-n:96.1.x), text messages (0-0:96.13.x), the logical device
// name (0-0:42.0.0): hex text that may be all digits.
bool is_identifier_or_text(const obis::ObisCode& c) {
  return (c.c == 96 && (c.d == 1 || c.d == 13)) || (c.c == 42 && c.d == 0);
}

}  // namespace

std::vector<Reading> readings_of(const Telegram& telegram, DeviceRef device, absl::Time received) {
  std::vector<Reading> out;
  out.reserve(telegram.objects.size());
  const absl::Time at = telegram.timestamp(obis::ObisCode(0, 0, 1, 0, 0)).value_or(received);
  for (const DataObject& o : telegram.objects) {
    if (is_identifier_or_text(o.obis)) continue;
    std::optional<absl::Time> capture;
    for (const ValueGroup& g : telegram.groups(o)) {
      if (g.kind == GroupKind::kTimestamp && !capture) capture = g.time;
      if (g.kind != GroupKind::kNumber) continue;
      const bool channel_value = o.obis.c == 24 && o.obis.d == 2;
      out.push_back(Reading{device, o.obis, g.value, channel_value && capture ? *capture : at,
                            Quality::kMeasured});
      break;
    }
  }
  return out;
}

}  // namespace emscore::dsmr
