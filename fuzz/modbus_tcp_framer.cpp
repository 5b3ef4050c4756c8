// Fuzzes the MBAP framer: frames come out in order with consistent lengths, and after the
// first error nothing else does.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "emscore/modbus/tcp.hpp"

using emscore::modbus::TcpFramer;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = 1 + data[0] % 300;
  const std::span<const std::uint8_t> in(data + 1, size - 1);
  TcpFramer f;
  std::size_t at = 0;
  std::size_t framed = 0;
  bool failed = false;
  int stuck = 0;
  while (at < in.size() && !failed) {
    const std::size_t n = f.feed(in.subspan(at, std::min(chunk, in.size() - at)));
    at += n;
    stuck = n == 0 ? stuck + 1 : 0;
    if (stuck > 2) std::abort();  // a full buffer must always hold a whole frame
    for (auto e = f.next(); e.kind != TcpFramer::Event::kNeedMore; e = f.next()) {
      if (e.kind == TcpFramer::Event::kError) {
        failed = true;
        break;
      }
      auto again = emscore::modbus::decode_tcp(e.adu);
      if (!again.ok() || again->pdu.size() != e.frame.pdu.size()) std::abort();
      framed += e.adu.size();
    }
  }
  if (!failed && framed + f.buffered() != in.size()) std::abort();
  return 0;
}
