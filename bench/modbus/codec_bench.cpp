// The Modbus codec in ns/op: decode and encode of the PDUs a poller and a server handle most
// (FC 3 request, FC 3 response with 125 registers), RTU framing with CRC, and the whole
// server request path (RequestHandler over a MemoryDataModel). Baseline in the same run: a
// hand-written FC 3 response decoder that only byte-swaps into an array (no checks).
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "emscore/modbus/ascii.hpp"
#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus/pdu.hpp"
#include "emscore/modbus/register_value.hpp"
#include "emscore/modbus/request_handler.hpp"
#include "emscore/modbus/rtu.hpp"
#include "emscore/modbus/tcp.hpp"

namespace {

namespace mb = emscore::modbus;

std::vector<std::uint8_t> fc3_response() {
  std::vector<std::uint8_t> p = {0x03, 250};
  for (int i = 0; i < 125; ++i) {
    p.push_back(static_cast<std::uint8_t>(i >> 8));
    p.push_back(static_cast<std::uint8_t>(i));
  }
  return p;
}

void BM_Baseline_Fc3ResponseByteSwapOnly(benchmark::State& s) {
  const auto pdu = fc3_response();
  std::array<std::uint16_t, 125> regs;
  for (auto _ : s) {
    benchmark::DoNotOptimize(pdu.data());
    for (std::size_t i = 0; i < 125; ++i) regs[i] = static_cast<std::uint16_t>(pdu[2 + 2 * i] << 8 | pdu[3 + 2 * i]);
    benchmark::DoNotOptimize(regs);
  }
}

void BM_DecodeFc3Response125(benchmark::State& s) {
  const auto pdu = fc3_response();
  std::array<std::uint16_t, 125> regs;
  for (auto _ : s) {
    auto r = mb::decode_response(pdu);
    const auto& v = std::get<mb::ReadRegistersResponse>(*r).registers;
    for (std::size_t i = 0; i < v.size(); ++i) regs[i] = v[i];
    benchmark::DoNotOptimize(regs);
  }
}

void BM_DecodeFc3Request(benchmark::State& s) {
  const std::uint8_t pdu[] = {0x03, 0x04, 0x06, 0x00, 0x7D};
  for (auto _ : s) {
    benchmark::DoNotOptimize(pdu);
    benchmark::DoNotOptimize(mb::decode_request(pdu));
  }
}

void BM_EncodeFc3Request(benchmark::State& s) {
  std::array<std::uint8_t, mb::kMaxPduSize> buf;
  const mb::Request r = mb::ReadRegistersRequest{mb::FunctionCode::kReadHoldingRegisters, 1030, 125};
  for (auto _ : s) {
    emscore::ByteWriter w(buf);
    benchmark::DoNotOptimize(mb::encode(r, w));
    benchmark::DoNotOptimize(buf);
  }
}

void BM_EncodeFc16Request123(benchmark::State& s) {
  std::vector<std::uint8_t> wire(246, 0x5A);
  const mb::Request r = mb::WriteMultipleRegistersRequest{0, mb::RegisterView(wire)};
  std::array<std::uint8_t, mb::kMaxPduSize> buf;
  for (auto _ : s) {
    emscore::ByteWriter w(buf);
    benchmark::DoNotOptimize(mb::encode(r, w));
    benchmark::DoNotOptimize(buf);
  }
}

void BM_RtuFramerFc3Response125(benchmark::State& s) {
  std::vector<std::uint8_t> adu;
  (void)mb::encode_rtu(1, fc3_response(), adu);
  mb::RtuFramer f(mb::Side::kResponses);
  for (auto _ : s) {
    f.feed(adu);
    auto e = f.next();
    benchmark::DoNotOptimize(e.frame.pdu.data());
  }
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * adu.size()));
}

// The same response as an ASCII frame (513 characters: hex pairs + LRC).
void BM_AsciiFramerFc3Response125(benchmark::State& s) {
  std::vector<std::uint8_t> frame;
  (void)mb::encode_ascii(1, fc3_response(), frame);
  mb::AsciiFramer f;
  for (auto _ : s) {
    f.feed(frame);
    auto e = f.next();
    benchmark::DoNotOptimize(e.frame.pdu.data());
  }
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * frame.size()));
}

void BM_TcpFramerFc3Request(benchmark::State& s) {
  std::vector<std::uint8_t> adu;
  const std::uint8_t pdu[] = {0x03, 0x00, 0x00, 0x00, 0x7D};
  (void)mb::encode_tcp(1, 1, pdu, adu);
  mb::TcpFramer f;
  for (auto _ : s) {
    f.feed(adu);
    auto e = f.next();
    benchmark::DoNotOptimize(e.frame.pdu.data());
  }
}

void BM_ServerRequestPathFc3x125(benchmark::State& s) {
  mb::MemoryDataModel model(true);
  mb::RequestHandler h(model);
  const std::uint8_t pdu[] = {0x03, 0x00, 0x00, 0x00, 0x7D};
  std::array<std::uint8_t, mb::kMaxPduSize> out;
  for (auto _ : s) {
    benchmark::DoNotOptimize(h.handle(1, pdu, out));
    benchmark::DoNotOptimize(out);
  }
}

void BM_DecodeFloat32Cdab(benchmark::State& s) {
  const std::uint16_t regs[] = {0x199A, 0x4366};
  for (auto _ : s) {
    benchmark::DoNotOptimize(mb::decode_value(regs, mb::ValueType::kF32, mb::WordOrder::kCDAB));
  }
}

BENCHMARK(BM_Baseline_Fc3ResponseByteSwapOnly);
BENCHMARK(BM_DecodeFc3Response125);
BENCHMARK(BM_DecodeFc3Request);
BENCHMARK(BM_EncodeFc3Request);
BENCHMARK(BM_EncodeFc16Request123);
BENCHMARK(BM_RtuFramerFc3Response125);
BENCHMARK(BM_AsciiFramerFc3Response125);
BENCHMARK(BM_TcpFramerFc3Request);
BENCHMARK(BM_ServerRequestPathFc3x125);
BENCHMARK(BM_DecodeFloat32Cdab);

}  // namespace

BENCHMARK_MAIN();
