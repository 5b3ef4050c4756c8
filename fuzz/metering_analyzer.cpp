// Fuzzes the metering math with arbitrary sample streams and configurations: the Analyzer,
// the energy registers and an S0 input must never crash, read out of bounds or size a window
// outside its buffer, whatever the samples (NaN, infinities, full-scale codes) are.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "emscore/metering/analyzer.hpp"
#include "emscore/metering/energy_registers.hpp"
#include "emscore/metering/pulse_output.hpp"
#include "emscore/metering/s0_input.hpp"

using namespace emscore::metering;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  AnalyzerConfig cfg;
  cfg.wiring = static_cast<Wiring>(data[0] % 6);
  cfg.measured_neutral = (data[1] & 1) && supports_measured_neutral(cfg.wiring);
  static constexpr double kRates[] = {1000, 4000, 6400, 7777.7, 12800};
  cfg.sample_rate_hz = kRates[(data[1] >> 1) % 5];
  cfg.cycles_per_window = 1 + (data[2] % 12);
  cfg.nominal_frequency_hz = (data[2] & 0x80) ? 60.0 : 50.0;
  const bool as_int = data[3] & 1;
  auto a = Analyzer::create(cfg);
  if (!a.ok()) std::abort();  // every configuration above is valid
  EnergyRegisters reg;
  auto led = PulseOutput::for_weight(emscore::Value(1, -3, emscore::Unit::kKiloWattHour));
  auto s0 = S0Meter::create(S0Config{});
  if (!led.ok() || !s0.ok()) std::abort();
  const std::uint8_t* p = data + 4;
  const std::size_t n = (size - 4) / 4;
  std::vector<float> f(n);
  std::vector<std::int32_t> i(n);
  for (std::size_t k = 0; k < n; ++k) {
    std::memcpy(&f[k], p + 4 * k, 4);
    std::memcpy(&i[k], p + 4 * k, 4);
  }
  // Repeat the input so that several windows complete even for short inputs.
  std::int64_t t = 0;
  for (int round = 0; round < 16; ++round) {
    std::size_t off = 0;
    while (off < n) {
      const auto r = as_int ? a->feed(std::span<const std::int32_t>(i).subspan(off))
                            : a->feed(std::span<const float>(f).subspan(off));
      if (r.consumed % static_cast<std::size_t>(a->channels()) != 0) std::abort();
      if (r.consumed == 0) break;
      off += r.consumed;
      if (r.window_complete) {
        const auto inc = reg.add(a->measurements().energy);
        led->add(inc.system[0][0]);
        led->level(t += 1'000'000);
      }
      if (a->frequency_estimate() < 40.0 || a->frequency_estimate() > 70.0) std::abort();
      if (a->current_window_length() < 8) std::abort();
    }
    s0->update((data[round % size] >> (round % 8)) & 1, t += 3'000'000);
  }
  (void)s0->value();
  return 0;
}
