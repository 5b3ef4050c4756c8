// CRC throughput: the floor later codecs are compared with (a parser that checks a CRC can
// never be faster than the CRC alone). Baseline in the same run: a bitwise CRC-16/MODBUS,
// the textbook loop most firmware ships, and a plain byte sum (memory bandwidth).
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "emscore/core/bcd.hpp"
#include "emscore/core/crc.hpp"
#include "emscore/core/value.hpp"

namespace {

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  std::mt19937 rng(1);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

std::uint16_t crc16_modbus_bitwise(const std::uint8_t* p, std::size_t n) {
  std::uint16_t crc = 0xFFFF;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001) : static_cast<std::uint16_t>(crc >> 1);
  }
  return crc;
}

void BM_Baseline_Crc16ModbusBitwise(benchmark::State& s) {
  const auto data = random_bytes(static_cast<std::size_t>(s.range(0)));
  for (auto _ : s) benchmark::DoNotOptimize(crc16_modbus_bitwise(data.data(), data.size()));
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations()) * s.range(0));
}
void BM_Crc16Modbus(benchmark::State& s) {
  const auto data = random_bytes(static_cast<std::size_t>(s.range(0)));
  for (auto _ : s) benchmark::DoNotOptimize(emscore::crc16_modbus(data));
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations()) * s.range(0));
}
void BM_Crc16Arc(benchmark::State& s) {
  const auto data = random_bytes(static_cast<std::size_t>(s.range(0)));
  for (auto _ : s) benchmark::DoNotOptimize(emscore::crc16_arc(std::span<const std::uint8_t>(data)));
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations()) * s.range(0));
}
void BM_MbusChecksum(benchmark::State& s) {
  const auto data = random_bytes(static_cast<std::size_t>(s.range(0)));
  for (auto _ : s) benchmark::DoNotOptimize(emscore::mbus_checksum(data));
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations()) * s.range(0));
}
BENCHMARK(BM_Baseline_Crc16ModbusBitwise)->Arg(256)->Arg(4096);
BENCHMARK(BM_Crc16Modbus)->Arg(256)->Arg(4096);
BENCHMARK(BM_Crc16Arc)->Arg(256)->Arg(4096);
BENCHMARK(BM_MbusChecksum)->Arg(256)->Arg(4096);

void BM_ValueParse(benchmark::State& s) {
  for (auto _ : s) benchmark::DoNotOptimize(emscore::Value::parse("001234.567"));
}
void BM_ValueToString(benchmark::State& s) {
  const emscore::Value v(1234567, -3);
  for (auto _ : s) benchmark::DoNotOptimize(v.to_string());
}
void BM_BcdDecode8Digits(benchmark::State& s) {
  const std::uint8_t b[] = {0x78, 0x56, 0x34, 0x12};
  for (auto _ : s) benchmark::DoNotOptimize(emscore::decode_bcd(b));
}
BENCHMARK(BM_ValueParse);
BENCHMARK(BM_ValueToString);
BENCHMARK(BM_BcdDecode8Digits);

}  // namespace

BENCHMARK_MAIN();
