// OBIS parsing: the Spirit X3 runtime parser next to the constexpr literal parser run at
// run time (the baseline: a hand-written single-pass reader), on the forms met in the field.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "emscore/obis/obis_code.hpp"
#include "emscore/obis/registry.hpp"

namespace {

const std::vector<std::string> kCodes = {"1-0:1.8.1", "1-0:1.8.1*255", "0-1:24.2.1", "1.8.1",
                                         "1-0:32.7.0", "0-0:96.14.0", "1-0:99.97.0", "C.1.0"};

void BM_ObisParseX3(benchmark::State& s) {
  std::size_t i = 0;
  for (auto _ : s) benchmark::DoNotOptimize(emscore::obis::ObisCode::parse(kCodes[i++ % kCodes.size()]));
  s.SetItemsProcessed(static_cast<std::int64_t>(s.iterations()));
}
void BM_Baseline_ObisParseHandWritten(benchmark::State& s) {
  std::size_t i = 0;
  for (auto _ : s) {
    emscore::obis::detail::ConstexprObisParser p{kCodes[i++ % kCodes.size()]};
    emscore::obis::ObisCode o;
    benchmark::DoNotOptimize(p.parse(o));
    benchmark::DoNotOptimize(o);
  }
  s.SetItemsProcessed(static_cast<std::int64_t>(s.iterations()));
}
void BM_ObisFormat(benchmark::State& s) {
  const emscore::obis::ObisCode o(1, 0, 1, 8, 1);
  for (auto _ : s) benchmark::DoNotOptimize(o.to_string());
}
void BM_ObisDescribe(benchmark::State& s) {
  const emscore::obis::ObisCode o(1, 0, 21, 7, 0);
  for (auto _ : s) benchmark::DoNotOptimize(emscore::obis::describe(o));
}
BENCHMARK(BM_Baseline_ObisParseHandWritten);
BENCHMARK(BM_ObisParseX3);
BENCHMARK(BM_ObisFormat);
BENCHMARK(BM_ObisDescribe);

}  // namespace

BENCHMARK_MAIN();
