// Reads P1 telegrams from a byte stream the way a gateway would from the serial port: the
// stream arrives in arbitrary pieces, the framer cuts it into telegrams and checks each CRC,
// the parser turns every line into exact values. Here the "meter" is the P1 emitter.
#include <cstdio>
#include <string>

#include "emscore/core/time.hpp"
#include "emscore/dsmr/emitter.hpp"
#include "emscore/dsmr/framer.hpp"
#include "emscore/dsmr/telegram.hpp"

int main() {
  using namespace emscore::obis::literals;
  namespace dsmr = emscore::dsmr;

  // A simulated DSMR 5 meter: two telegrams, one second apart.
  std::string wire;
  for (int s = 0; s < 2; ++s) {
    const absl::Time now = absl::FromUnixSeconds(1700000000 + s);
    dsmr::TelegramWriter w("ISK5\\2M550T-1012");
    w.text("1-3:0.2.8"_obis, "50")
        .timestamp("0-0:1.0.0"_obis, now)
        .number("1-0:1.8.1"_obis, emscore::Value(1234567 + s, -3, emscore::Unit::kKiloWattHour))
        .number("1-0:1.7.0"_obis, emscore::Value(512, -3, emscore::Unit::kKiloWatt))
        .timestamped_number("0-1:24.2.1"_obis, now - absl::Minutes(5),
                            emscore::Value(4321012, -3, emscore::Unit::kCubicMetre));
    wire += w.finish();
  }

  dsmr::TelegramFramer framer;
  dsmr::TelegramParser parser;  // Europe/Amsterdam wall clock
  int telegrams = 0;
  auto on_event = [&](const dsmr::FrameEvent& e) {
    if (e.kind != dsmr::FrameEvent::Kind::kTelegram) {
      std::fprintf(stderr, "skipped: %s\n", std::string(e.error.message()).c_str());
      return;
    }
    auto t = parser.parse(e.telegram, e.crc);
    if (!t.ok()) return;
    ++telegrams;
    std::printf("telegram at offset %llu: /%.*s crc %s, %zu objects\n",
                static_cast<unsigned long long>(e.offset), static_cast<int>(t->header.size()),
                t->header.data(), std::string(dsmr::crc_status_name(t->crc)).c_str(),
                t->objects.size());
    std::printf("  at %s: import %s, power %s, gas %s\n",
                emscore::format_iso8601_utc(*t->timestamp("0-0:1.0.0"_obis)).c_str(),
                t->number("1-0:1.8.1"_obis)->to_string_with_unit().c_str(),
                t->number("1-0:1.7.0"_obis)->to_string_with_unit().c_str(),
                t->number("0-1:24.2.1"_obis)->to_string_with_unit().c_str());
  };
  // Feed it in 7-byte pieces, as a UART driver might deliver it.
  for (std::size_t i = 0; i < wire.size(); i += 7) {
    framer.feed(std::string_view(wire).substr(i, 7), on_event);
  }
  return telegrams == 2 ? 0 : 1;
}
