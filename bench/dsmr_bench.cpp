// P1 parse throughput over the whole vector set (the 566-telegram serial capture with CR LF
// restored, plus every telegram file of tests/vectors/dsmr), against the named baseline in the
// same run: a CRC-16/ARC pass over the same bytes (BM_Baseline_CrcOnly). The full parse frames
// the stream, checks every CRC, and classifies and decodes every value group into exact
// Values and absolute times. Target: BM_FullParse within 3x the CRC-only time.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "emscore/core/crc.hpp"
#include "emscore/dsmr/framer.hpp"
#include "emscore/dsmr/telegram.hpp"

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const std::string& corpus() {
  static const std::string all = [] {
    const fs::path dir = fs::path(EMSCORE_VECTORS_DIR) / "dsmr";
    std::string s;
    for (char c : read_file(dir / "nielsbasjes_dsmr-tools/stream/ttyUSB0-raw.txt")) {
      if (c == '\n') s += '\r';
      s += c;
    }
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ".txt" &&
          e.path().string().find("stream") == std::string::npos) {
        s += read_file(e.path());
      }
    }
    return s;
  }();
  return all;
}

std::span<const std::uint8_t> bytes() {
  const std::string& s = corpus();
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

void BM_Baseline_CrcOnly(benchmark::State& state) {
  const auto data = bytes();
  for (auto _ : state) benchmark::DoNotOptimize(emscore::crc16_arc(data));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Baseline_CrcOnly);

void BM_FrameOnly(benchmark::State& state) {
  const auto data = bytes();
  emscore::dsmr::TelegramFramer framer;
  std::size_t telegrams = 0;
  for (auto _ : state) {
    framer.feed(data, [&](const emscore::dsmr::FrameEvent& e) {
      telegrams += e.kind == emscore::dsmr::FrameEvent::Kind::kTelegram;
    });
    framer.finish([](const emscore::dsmr::FrameEvent&) {});
  }
  benchmark::DoNotOptimize(telegrams);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_FrameOnly);

void BM_FullParse(benchmark::State& state) {
  const auto data = bytes();
  emscore::dsmr::TelegramFramer framer;
  emscore::dsmr::TelegramParser parser;
  std::size_t objects = 0;
  std::size_t telegrams = 0;
  auto on = [&](const emscore::dsmr::FrameEvent& e) {
    if (e.kind != emscore::dsmr::FrameEvent::Kind::kTelegram) return;
    auto t = parser.parse(e.telegram, e.crc);
    if (t.ok()) {
      objects += t->objects.size();
      ++telegrams;
    }
  };
  for (auto _ : state) {
    framer.feed(data, on);
    framer.finish(on);
  }
  benchmark::DoNotOptimize(objects);
  state.counters["telegrams"] =
      benchmark::Counter(static_cast<double>(telegrams), benchmark::Counter::kAvgIterations);
  state.counters["objects"] =
      benchmark::Counter(static_cast<double>(objects), benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_FullParse);

}  // namespace

BENCHMARK_MAIN();
