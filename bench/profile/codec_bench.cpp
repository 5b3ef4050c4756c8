// Bits per sample and MB/s of the profile codec against Gorilla, delta+FOR and zstd -19, on
// the real load-profile files (../shared/vectors/profiles, when present) and on simulated
// counters. MB/s counts 16 raw bytes per sample (8 timestamp + 8 value). Our codec encodes
// blocks of at most 4096 samples, as the store does; the baselines get the whole series.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>

#include "baselines.hpp"
#include "datasets.hpp"
#include "emscore/profile/codec.hpp"

namespace emscore::profile::bench {
namespace {

constexpr std::size_t kBlock = 4096;

Columns columns_of(const std::vector<Sample>& s) {
  Columns c;
  int emin = 127;
  for (const Sample& x : s) emin = std::min<int>(emin, x.value.exponent);
  for (const Sample& x : s) {
    c.ms.push_back(absl::ToUnixMillis(x.at));
    c.mantissa.push_back(x.value.mantissa * pow10_i64(x.value.exponent - emin));
    c.exponent.push_back(static_cast<std::int8_t>(x.value.exponent - emin));
    c.value.push_back(x.value.to_double());
  }
  return c;
}

std::vector<std::vector<std::uint8_t>> ours_encode(const std::vector<Sample>& s) {
  std::vector<std::vector<std::uint8_t>> blocks;
  for (std::size_t i = 0; i < s.size(); i += kBlock) {
    blocks.emplace_back();
    const auto st = encode_block(std::span(s).subspan(i, std::min(kBlock, s.size() - i)),
                                 blocks.back());
    if (!st.ok()) std::fprintf(stderr, "encode: %s\n", std::string(st.message()).c_str());
  }
  return blocks;
}

std::size_t total(const std::vector<std::vector<std::uint8_t>>& b) {
  std::size_t n = 0;
  for (const auto& x : b) n += x.size();
  return n;
}

std::vector<std::int64_t> seconds_of(const Columns& c) {
  std::vector<std::int64_t> s;
  for (auto ms : c.ms) s.push_back(ms / 1000);
  return s;
}

std::vector<std::uint8_t> dfor_encode(const Columns& c) {
  std::vector<std::uint8_t> out;
  dfor_encode_column(c.ms, out);
  const std::size_t a = out.size();
  dfor_encode_column(c.mantissa, out);
  const std::size_t b = out.size();
  std::vector<std::int64_t> e(c.exponent.begin(), c.exponent.end());
  dfor_encode_column(e, out);
  // Column offsets in front, as a real container would keep them.
  std::vector<std::uint8_t> framed(16 + out.size());
  std::memcpy(framed.data(), &a, 8);
  std::memcpy(framed.data() + 8, &b, 8);
  if (!out.empty()) std::memcpy(framed.data() + 16, out.data(), out.size());
  return framed;
}

struct Sizes {
  double ours, gorilla, dfor, zstd;
};

void set_common(benchmark::State& state, std::size_t n, std::size_t bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * 16));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.counters["bits_per_sample"] = 8.0 * static_cast<double>(bytes) / static_cast<double>(n);
}

void register_dataset(const Dataset& d) {
  auto samples = std::make_shared<std::vector<Sample>>(d.samples);
  auto cols = std::make_shared<Columns>(columns_of(d.samples));
  auto secs = std::make_shared<std::vector<std::int64_t>>(seconds_of(*cols));
  const std::size_t n = samples->size();
  auto ours_blocks = std::make_shared<std::vector<std::vector<std::uint8_t>>>(ours_encode(*samples));
  auto gor = std::make_shared<std::vector<std::uint8_t>>(gorilla_encode(*secs, cols->value));
  auto dfor = std::make_shared<std::vector<std::uint8_t>>(dfor_encode(*cols));
  auto raw = std::make_shared<std::vector<std::uint8_t>>(raw_columns(*cols));
  auto zst = std::make_shared<std::vector<std::uint8_t>>(zstd_encode(*raw, 19));
  const Sizes sz{static_cast<double>(total(*ours_blocks)), static_cast<double>(gor->size()),
                 static_cast<double>(dfor->size()), static_cast<double>(zst->size())};
  // Round trip check before timing anything.
  std::vector<Sample> back;
  for (const auto& b : *ours_blocks) (void)decode_block(b, back);
  bool exact = back.size() == n;
  for (std::size_t i = 0; exact && i < n; ++i) exact = back[i] == (*samples)[i];
  std::printf("%-34s n=%7zu  bits/sample: ours %6.2f  gorilla %6.2f  delta+FOR %6.2f  "
              "zstd-19 %6.2f  | gorilla/ours %5.2fx  zstd/ours %5.2fx  dfor/ours %5.2fx  %s\n",
              d.name.c_str(), n, 8 * sz.ours / static_cast<double>(n),
              8 * sz.gorilla / static_cast<double>(n), 8 * sz.dfor / static_cast<double>(n),
              8 * sz.zstd / static_cast<double>(n), sz.gorilla / sz.ours, sz.zstd / sz.ours,
              sz.dfor / sz.ours, exact ? "round trip exact" : "ROUND TRIP MISMATCH");
  std::fflush(stdout);

  const std::string p = d.name + "/";
  benchmark::RegisterBenchmark((p + "ours/encode").c_str(), [=](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(ours_encode(*samples));
    set_common(st, n, static_cast<std::size_t>(sz.ours));
    st.counters["gorilla_over_ours"] = sz.gorilla / sz.ours;
  });
  // Columns, like Gorilla's decoder below (timestamps + values arrays): "decode" gives exact
  // numbers on one scale per block (ValueForm::kScaled, Gorilla gives doubles);
  // "decode_written" also derives the exponent each value was written with.
  for (const ValueForm form : {ValueForm::kScaled, ValueForm::kWritten}) {
    const char* name = form == ValueForm::kScaled ? "ours/decode" : "ours/decode_written";
    benchmark::RegisterBenchmark((p + name).c_str(), [=](benchmark::State& st) {
      BlockColumns cols_out;
      for (auto _ : st) {
        for (const auto& b : *ours_blocks) {
          (void)decode_block_columns(b, cols_out, form);
          benchmark::DoNotOptimize(cols_out.mantissa.data());
        }
      }
      set_common(st, n, static_cast<std::size_t>(sz.ours));
    });
  }
  benchmark::RegisterBenchmark((p + "ours/decode_to_samples").c_str(), [=](benchmark::State& st) {
    std::vector<Sample> out;
    out.reserve(n);
    for (auto _ : st) {
      out.clear();
      for (const auto& b : *ours_blocks) (void)decode_block(b, out);
      benchmark::DoNotOptimize(out.data());
    }
    set_common(st, n, static_cast<std::size_t>(sz.ours));
  });
  benchmark::RegisterBenchmark((p + "gorilla/encode").c_str(), [=](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(gorilla_encode(*secs, cols->value));
    set_common(st, n, static_cast<std::size_t>(sz.gorilla));
  });
  benchmark::RegisterBenchmark((p + "gorilla/decode").c_str(), [=](benchmark::State& st) {
    std::vector<std::int64_t> ts;
    std::vector<double> vs;
    for (auto _ : st) {
      gorilla_decode(*gor, n, ts, vs);
      benchmark::DoNotOptimize(vs.data());
    }
    set_common(st, n, static_cast<std::size_t>(sz.gorilla));
  });
  benchmark::RegisterBenchmark((p + "delta_for/encode").c_str(), [=](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(dfor_encode(*cols));
    set_common(st, n, static_cast<std::size_t>(sz.dfor));
  });
  benchmark::RegisterBenchmark((p + "delta_for/decode").c_str(), [=](benchmark::State& st) {
    std::vector<std::int64_t> a, b, c;
    for (auto _ : st) {
      std::size_t off = 16;
      off += dfor_decode_column(std::span(*dfor).subspan(off), n, a);
      off += dfor_decode_column(std::span(*dfor).subspan(off), n, b);
      dfor_decode_column(std::span(*dfor).subspan(off), n, c);
      benchmark::DoNotOptimize(b.data());
    }
    set_common(st, n, static_cast<std::size_t>(sz.dfor));
  });
  benchmark::RegisterBenchmark((p + "zstd19/encode").c_str(), [=](benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(zstd_encode(*raw, 19));
    set_common(st, n, static_cast<std::size_t>(sz.zstd));
  })->Iterations(2);
  benchmark::RegisterBenchmark((p + "zstd19/decode").c_str(), [=](benchmark::State& st) {
    std::vector<std::uint8_t> out(raw->size());
    for (auto _ : st) {
      benchmark::DoNotOptimize(ZSTD_decompress(out.data(), out.size(), zst->data(), zst->size()));
    }
    set_common(st, n, static_cast<std::size_t>(sz.zstd));
  });
}

}  // namespace
}  // namespace emscore::profile::bench

int main(int argc, char** argv) {
  for (const auto& d : emscore::profile::bench::all_datasets()) {
    emscore::profile::bench::register_dataset(d);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
