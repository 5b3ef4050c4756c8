// Fuzzes the incremental ASCII framer with the input cut into chunks (first byte = chunk
// size) and an inter-character timeout after every chunk when the top bit of the first byte is
// set: every byte must come out exactly once, in stream order, as part of a frame or of a drop;
// every frame must decode on its own (decode_ascii) to the same address + PDU, and encode back
// to the same characters up to case and the 8th bit.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "emscore/modbus/ascii.hpp"

using emscore::modbus::AsciiFramer;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const bool silences = (data[0] & 0x80) != 0;
  const std::span<const std::uint8_t> in(data + 1, size - 1);
  AsciiFramer f;
  std::uint64_t expect_offset = 0;
  std::uint8_t scratch[256];
  std::vector<std::uint8_t> again;
  auto drain = [&] {
    for (auto e = f.next(); e.kind != AsciiFramer::Event::kNeedMore; e = f.next()) {
      if (e.stream_offset != expect_offset) std::abort();
      if (e.adu.empty()) std::abort();
      if (e.kind == AsciiFramer::Event::kFrame) {
        auto d = emscore::modbus::decode_ascii(e.adu, scratch);
        if (!d.ok() || d->address != e.frame.address || d->pdu.size() != e.frame.pdu.size())
          std::abort();
        if (!std::equal(d->pdu.begin(), d->pdu.end(), e.frame.pdu.begin())) std::abort();
        if (e.adu.size() > emscore::modbus::kMaxAsciiAduSize) std::abort();
        if (!e.frame.pdu.empty()) {
          again.clear();
          if (!emscore::modbus::encode_ascii(e.frame.address, e.frame.pdu, again).ok())
            std::abort();
          if (again.size() != e.adu.size()) std::abort();
          for (std::size_t i = 0; i < again.size(); ++i) {
            std::uint8_t c = e.adu[i] & 0x7F;
            if (c >= 'a' && c <= 'f') c = static_cast<std::uint8_t>(c - 'a' + 'A');
            if (c != again[i]) std::abort();
          }
        }
      } else if (e.reason.empty()) {
        std::abort();
      }
      expect_offset += e.adu.size();
    }
  };
  std::size_t at = 0;
  while (at < in.size()) {
    const std::size_t n = f.feed(in.subspan(at, std::min(chunk, in.size() - at)));
    if (n == 0) std::abort();  // drained after every chunk: there is always room
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
  return 0;
}
