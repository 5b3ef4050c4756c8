// libFuzzer: the incremental framer over arbitrary byte streams, fed in arbitrary chunks.
// Every frame it yields must parse on its own; garbage is never empty.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "emscore/mbus/framer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  std::span<const std::uint8_t> in(data + 1, size - 1);
  emscore::mbus::Framer f;
  std::size_t pos = 0;
  int guard = 0;
  while (pos < in.size()) {
    const std::size_t n = std::min(chunk, in.size() - pos);
    pos += f.feed(in.subspan(pos, n));
    while (auto ev = f.next()) {
      if (ev->bytes.empty()) std::abort();
      if (ev->kind == emscore::mbus::FramerEvent::Kind::kFrame &&
          !emscore::mbus::parse_frame(ev->bytes).ok()) {
        std::abort();
      }
      if (++guard > 1000000) std::abort();
    }
  }
  while (auto ev = f.flush()) {
    if (ev->bytes.empty()) std::abort();
  }
  return 0;
}
