// Fuzzes the incremental RTU framer in both directions with the input cut into chunks (first
// byte = chunk size) and a silence after every chunk on odd sizes: every byte must come out
// exactly once, as part of a frame whose CRC checks or as dropped bytes, in stream order.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "emscore/core/crc.hpp"
#include "emscore/modbus/rtu.hpp"

using emscore::modbus::RtuFramer;

static void run(emscore::modbus::Side side, std::span<const std::uint8_t> in, std::size_t chunk,
                bool silences) {
  RtuFramer f(side);
  std::uint64_t expect_offset = 0;
  auto drain = [&] {
    for (auto e = f.next(); e.kind != RtuFramer::Event::kNeedMore; e = f.next()) {
      if (e.stream_offset != expect_offset) std::abort();
      if (e.adu.empty()) std::abort();
      if (e.kind == RtuFramer::Event::kFrame) {
        if (emscore::crc16_modbus(e.adu) != 0 || e.adu.size() < 4 || e.adu.size() > 256) std::abort();
        if (e.frame.pdu.size() + 3 != e.adu.size()) std::abort();
      }
      expect_offset += e.adu.size();
    }
  };
  std::size_t at = 0;
  while (at < in.size()) {
    const std::size_t n = f.feed(in.subspan(at, std::min(chunk, in.size() - at)));
    at += n;
    drain();
    if (silences) {
      f.on_silence();
      drain();
    }
  }
  f.on_silence();
  drain();
  if (expect_offset != in.size() || f.buffered() != 0) std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const bool silences = (data[0] & 0x80) != 0;
  const std::span<const std::uint8_t> in(data + 1, size - 1);
  run(emscore::modbus::Side::kRequests, in, chunk, silences);
  run(emscore::modbus::Side::kResponses, in, chunk, silences);
  return 0;
}
