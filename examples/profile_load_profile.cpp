// A day of a 15-minute electricity load profile: readouts on the raster (one late, one
// missing), consumption per interval, hourly sums, the compressed block, the store, and a
// CSV export as the seed's web server writes it (decimal comma, semicolon).
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "emscore/core/time.hpp"
#include "emscore/profile/codec.hpp"
#include "emscore/profile/consumption.hpp"
#include "emscore/profile/downsample.hpp"
#include "emscore/profile/export.hpp"
#include "emscore/profile/store.hpp"

using namespace emscore;
using namespace emscore::profile;

int main() {
  const absl::TimeZone zurich = *load_time_zone("Europe/Zurich");
  const absl::Time midnight = absl::FromCivil(absl::CivilDay(2024, 6, 3), zurich);
  const obis::ObisCode energy(1, 0, 1, 8, 0);

  // Readouts of the 1-0:1.8.0 register (kWh, 3 decimals): 20 s after each quarter hour,
  // the 03:00 readout 4 minutes late, the 05:15 one missing.
  std::vector<Reading> readings;
  std::int64_t wh = 12'345'678;
  for (int q = 0; q <= 96; ++q) {
    absl::Time at = midnight + absl::Minutes(15 * q) + absl::Seconds(20);
    if (q == 12) at += absl::Minutes(4);
    // The meter keeps counting while the 05:15 readout is lost.
    if (q != 21) readings.push_back({DeviceRef{4}, energy, Value(wh, -3, Unit::kKiloWattHour), at});
    wh += q >= 28 && q < 80 ? 120 + (q * 37) % 200 : 40;
  }

  auto raster = Raster::create(absl::Minutes(15), zurich);
  const auto samples = samples_of(readings);
  RasterOptions ro;
  ro.late_after = absl::Minutes(1);
  auto slots = assign_to_raster(samples, *raster, midnight, midnight + absl::Hours(24), ro);
  if (!slots.ok()) return 1;
  int late = 0, missing = 0;
  for (const Slot& s : *slots) {
    late += s.status == SlotStatus::kLate;
    missing += s.status == SlotStatus::kMissing;
  }
  std::printf("raster: %zu slots, %d late, %d missing\n", slots->size(), late, missing);

  auto cons = consumption(samples, *raster, midnight, midnight + absl::Hours(24));
  if (!cons.ok()) return 1;
  std::printf("interval 08:00: %s kWh (%s); gap %s..%s: %s kWh\n",
              cons->intervals[32].consumption->to_string().c_str(),
              interval_flags_name(cons->intervals[32].flags).c_str(),
              format_iso8601(cons->gaps[0].start, zurich).c_str(),
              format_iso8601(cons->gaps[0].end, zurich).c_str(),
              cons->gaps[0].total->to_string().c_str());

  // Hourly sums of the known quarter-hour consumption.
  std::vector<Sample> quarter;
  for (const Interval& iv : cons->intervals) {
    if (iv.consumption) quarter.push_back({iv.start, *iv.consumption});
  }
  auto hourly = downsample(quarter, Tier::hours(1, absl::InfiniteDuration()), zurich);
  std::printf("hour 12:00 consumption: %s kWh\n", (*hourly)[12].sum.to_string().c_str());

  std::vector<std::uint8_t> block;
  if (!encode_block(samples, block).ok()) return 1;
  std::printf("codec: %zu readings in %zu bytes (%.1f bits/reading)\n", samples.size(),
              block.size(), 8.0 * static_cast<double>(block.size()) / static_cast<double>(samples.size()));
  // Decoded as numbers on the block's one scale: the day's span without touching exponents.
  BlockColumns cols;
  if (!decode_block_columns(block, cols, ValueForm::kScaled).ok()) return 1;
  std::printf("decoded: first %s, last %s, span %s kWh\n", cols.value(0).to_string().c_str(),
              cols.value(cols.ms.size() - 1).to_string().c_str(),
              Value(cols.mantissa.back() - cols.mantissa.front(), cols.scale).to_string().c_str());

  const std::string path = "/tmp/emscore_example_profile_" + std::to_string(getpid()) + ".db";
  {
    auto store = Store::open(path);
    if (!store.ok()) return 1;
    auto rep = (*store)->ingest(readings);
    if (!rep.ok() || rep->accepted != readings.size()) return 1;
    auto again = (*store)->ingest(std::span(readings).first(3));  // a retried batch
    std::printf("store: %zu accepted, retry: %zu duplicates\n", rep->accepted, again->duplicates);
    auto back = (*store)->query({DeviceRef{4}, energy}, midnight + absl::Hours(8),
                                midnight + absl::Hours(9));
    ExportSeries series{energy, Unit::kKiloWattHour, *back};
    CsvOptions csv;
    csv.tz = zurich;
    auto text = to_csv(std::span(&series, 1), csv);
    std::printf("%s\n%s", logger_export_file_name("12345678", "Main meter", 4, midnight, "csv", zurich).c_str(),
                text->c_str());
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return 0;
}
