// M-Bus decode throughput over the whole vector set (libmbus test-frames + jMBus wired),
// every record to an exact Value (or date/text). Counters: ns per frame, ns per record
// (items), MB/s (bytes), heap allocations per record.
//
// Baselines in the same run:
//   BM_BaselineLibmbusModel — the named baseline is libmbus (parse plus normalised
//     values); it cannot be linked here, so mbus_libmbus_model.hpp re-implements the same
//     shape of work (heap record nodes with fixed arrays, linear VIF table search, double
//     values, unit/quantity texts). The target is >= 10x libmbus's frames/s (its
//     quoted 2.3 us/frame, 190 ns/record); the model formats no text and is lighter than
//     libmbus, so the ratio against it is a floor (docs/mbus.md).
//   BM_BaselineDecodeMaterialiseStrings — our decode followed by our display helpers
//     (value, unit and quantity strings and a double per record).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "emscore/mbus/data.hpp"
#include "emscore/mbus/frame.hpp"
#include "emscore/mbus/framer.hpp"
#include "emscore/mbus/telegram.hpp"
#include "mbus_libmbus_model.hpp"

// Counts heap allocations in this program, so the bench shows "0 allocations per record"
// next to its times (the unit test record_test.cpp asserts it).
// (GCC 12 warns on free() of what its inlined operator new returned: it is malloc here.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
static std::size_t g_allocations = 0;
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

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

void report(benchmark::State& state, std::size_t frames, std::size_t bytes, std::int64_t records,
            std::size_t allocations) {
  const auto iters = static_cast<double>(state.iterations());
  state.SetItemsProcessed(records);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
  state.counters["frames"] = static_cast<double>(frames);
  state.counters["records"] = static_cast<double>(records) / iters;
  state.counters["ns_per_frame"] = benchmark::Counter(
      static_cast<double>(frames) * iters, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["ns_per_record"] = benchmark::Counter(
      static_cast<double>(records), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  // operator new calls (the libmbus model mallocs its records: see its own count below).
  state.counters["allocs_per_record"] =
      records > 0 ? static_cast<double>(allocations) / static_cast<double>(records) : 0.0;
}

template <bool kMaterialise>
void decode_all(benchmark::State& state) {
  const auto& fs_ = frames();
  std::size_t bytes = 0;
  for (const auto& f : fs_) bytes += f.size();
  std::int64_t records = 0;
  const std::size_t allocations_before = g_allocations;
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
  report(state, fs_.size(), bytes, records, g_allocations - allocations_before);
}

// The libmbus-shaped baseline (see mbus_libmbus_model.hpp) on the same frames.
void BM_BaselineLibmbusModel(benchmark::State& state) {
  const auto& fs_ = frames();
  std::size_t bytes = 0;
  for (const auto& f : fs_) bytes += f.size();
  (void)libmbus_model::vif_table();
  std::int64_t records = 0;
  std::size_t decoded_frames = 0;
  const std::size_t allocations_before = g_allocations;
  for (auto _ : state) {
    double sum = 0;
    decoded_frames = 0;
    libmbus_model::Normalised out;
    for (const auto& b : fs_) {
      libmbus_model::Frame f;
      if (!libmbus_model::parse_frame(b.data(), b.size(), f)) state.SkipWithError("frame");
      libmbus_model::DataVariable d;
      const bool ok = libmbus_model::parse_variable(f, d);
      decoded_frames += ok ? 1 : 0;
      for (auto* r = d.record; ok && r != nullptr; r = r->next) {
        libmbus_model::normalise(*r, out);
        sum += out.value + static_cast<double>(out.unit[0] + out.quantity[0]);
        ++records;
      }
      libmbus_model::free_records(d);
    }
    benchmark::DoNotOptimize(sum);
  }
  report(state, fs_.size(), bytes, records, g_allocations - allocations_before);
  state.counters["frames_decoded"] = static_cast<double>(decoded_frames);
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

BENCHMARK(BM_BaselineLibmbusModel);
BENCHMARK(BM_BaselineDecodeMaterialiseStrings);
BENCHMARK(BM_MbusDecodeExact);
BENCHMARK(BM_MbusFramerStream);
BENCHMARK_MAIN();
