// emscore/mbus/framer.hpp — incremental frame extraction from a serial byte stream.
//
// A master reads whatever the line delivers: echoes, noise from a collision, a frame split
// over several reads. Framer buffers the bytes (a fixed array, no heap) and yields complete
// frames one by one. Bytes that cannot start a valid frame are reported as garbage with the
// reason, and the framer resynchronises at the next byte that can start a frame (E5, 10, 68).
// A partial frame that never completes (a collision produced a bogus length) is released by
// flush(), which the caller invokes when its timeout expires.
//
//   Framer f;
//   std::size_t used = f.feed(bytes);        // may accept fewer bytes than offered when full
//   while (auto ev = f.next()) { ... }       // ev->frame borrows from f until the next call
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "emscore/mbus/frame.hpp"

namespace emscore::mbus {

struct FramerEvent {
  enum class Kind : std::uint8_t { kFrame, kGarbage };
  Kind kind = Kind::kFrame;
  Frame frame;                          // kFrame
  std::span<const std::uint8_t> bytes;  // the frame's bytes, or the garbage skipped
  FrameError reason = FrameError::kNone;  // kGarbage: why the bytes are not a frame
  std::size_t stream_offset = 0;        // offset of bytes[0] in everything fed so far
};

class Framer {
 public:
  static constexpr std::size_t kCapacity = 2 * kMaxFrameSize;

  // Copies as many bytes as fit; returns how many were accepted.
  std::size_t feed(std::span<const std::uint8_t> in) noexcept;
  // The next frame or garbage run; nullopt when more bytes are needed.
  std::optional<FramerEvent> next() noexcept;
  // Releases all buffered bytes as one garbage event (nullopt when empty). Call it when a
  // response timeout expires: an incomplete frame will not complete any more.
  std::optional<FramerEvent> flush() noexcept;
  void reset() noexcept { begin_ = end_ = 0; }
  std::size_t buffered() const noexcept { return end_ - begin_; }
  std::size_t stream_offset() const noexcept { return consumed_; }

 private:
  void compact() noexcept;

  std::array<std::uint8_t, kCapacity> buf_{};
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t consumed_ = 0;  // stream offset of buf_[begin_]
};

}  // namespace emscore::mbus
