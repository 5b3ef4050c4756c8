// M-Bus decode throughput over the whole vector set (libmbus test-frames + jMBus wired),
// every record to an exact Value (or date/text). Baseline in the same run: the same decode
// that then materialises display strings and doubles per record, as libmbus-style
// normalisers do (value text, unit text, quantity text, double). Counters: ns per frame,
// ns per record (items), MB/s (bytes).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "emscore/mbus/data.hpp"
#include "emscore/mbus/frame.hpp"
#include "emscore/mbus/framer.hpp"
#include "emscore/mbus/telegram.hpp"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

const std::vector<Bytes>& frames() {
  static const std::vector<Bytes> all = [] {
    std::vector<Bytes> out;
    const fs::path dir = fs::path(EMSCORE_VECTORS_DIR) / "mbus";
    for (const char* sub : {"libmbus/test-frames", "jmbus/wired"}) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(dir / sub)) {
        if (e.path().extension() == ".hex") files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& p : files) {
        std::ifstream f(p);
        Bytes b;
        std::string tok;
        while (f >> tok) b.push_back(static_cast<std::uint8_t>(std::stoul(tok, nullptr, 16)));
        out.push_back(std::move(b));
      }
    }
    return out;
  }();
  return all;
}

template <bool kMaterialise>
void decode_all(benchmark::State& state) {
  const auto& fs_ = frames();
  std::size_t bytes = 0;
  for (const auto& f : fs_) bytes += f.size();
  std::int64_t records = 0;
  for (auto _ : state) {
    std::int64_t sum = 0;
    double dsum = 0;
    std::size_t text = 0;
    for (const auto& bytes_ : fs_) {
      auto f = emscore::mbus::parse_frame(bytes_);
      if (!f.ok()) state.SkipWithError("frame");
      auto t = emscore::mbus::parse_telegram(*f);
      if (!t.ok()) continue;
      emscore::mbus::RecordReader rd = t->reader();
      emscore::mbus::Record r;
      emscore::mbus::RecordValue value;
      while (rd.next(r)) {
        const auto m = emscore::mbus::describe_record(r);
        ++records;
        if (!emscore::mbus::decode_value_into(r, m, value).ok()) continue;
        const emscore::mbus::RecordValue* v = &value;
        if constexpr (kMaterialise) {
          text += emscore::mbus::value_string(*v, r).size();
          text += emscore::mbus::unit_string(m).size();
          text += emscore::mbus::quantity_string(r, m).size();
          dsum += v->number.to_double();
        } else {
          sum += v->number.mantissa + v->number.exponent;
        }
      }
    }
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(dsum);
    benchmark::DoNotOptimize(text);
  }
  const auto iters = static_cast<double>(state.iterations());
  state.SetItemsProcessed(records);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
  state.counters["frames"] = static_cast<double>(fs_.size());
  state.counters["records"] = static_cast<double>(records) / iters;
  state.counters["ns_per_frame"] = benchmark::Counter(
      static_cast<double>(fs_.size()) * iters, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["ns_per_record"] = benchmark::Counter(
      static_cast<double>(records), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_MbusDecodeExact(benchmark::State& s) { decode_all<false>(s); }
void BM_BaselineDecodeMaterialiseStrings(benchmark::State& s) { decode_all<true>(s); }

void BM_MbusFramerStream(benchmark::State& state) {
  Bytes stream;
  for (const auto& f : frames()) stream.insert(stream.end(), f.begin(), f.end());
  std::int64_t n = 0;
  for (auto _ : state) {
    emscore::mbus::Framer fr;
    std::size_t pos = 0;
    while (pos < stream.size()) {
      pos += fr.feed(std::span<const std::uint8_t>(stream).subspan(pos));
      while (auto ev = fr.next()) n += static_cast<std::int64_t>(ev->bytes.size());
    }
  }
  benchmark::DoNotOptimize(n);
  state.SetBytesProcessed(static_cast<std::int64_t>(stream.size()) * state.iterations());
}

}  // namespace

BENCHMARK(BM_BaselineDecodeMaterialiseStrings);
BENCHMARK(BM_MbusDecodeExact);
BENCHMARK(BM_MbusFramerStream);
BENCHMARK_MAIN();
