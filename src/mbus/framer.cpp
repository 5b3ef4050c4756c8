#include "emscore/mbus/framer.hpp"

#include <algorithm>
#include <cstring>

namespace emscore::mbus {

void Framer::compact() noexcept {
  if (begin_ == 0) return;
  const std::size_t n = end_ - begin_;
  if (n > 0) std::memmove(buf_.data(), buf_.data() + begin_, n);
  begin_ = 0;
  end_ = n;
}

std::size_t Framer::feed(std::span<const std::uint8_t> in) noexcept {
  compact();
  const std::size_t n = std::min(in.size(), buf_.size() - end_);
  if (n > 0) std::memcpy(buf_.data() + end_, in.data(), n);
  end_ += n;
  return n;
}

namespace {
constexpr bool can_start(std::uint8_t b) noexcept {
  return b == kAckByte || b == kShortStart || b == kLongStart;
}
}  // namespace

std::optional<FramerEvent> Framer::next() noexcept {
  if (begin_ == end_) return std::nullopt;
  const std::span<const std::uint8_t> avail(buf_.data() + begin_, end_ - begin_);
  const FrameProbe p = probe_frame(avail);
  FramerEvent ev;
  ev.stream_offset = consumed_;
  if (p.error == FrameError::kNone) {
    ev.kind = FramerEvent::Kind::kFrame;
    ev.frame = p.frame;
    ev.bytes = avail.first(p.size);
    begin_ += p.size;
    consumed_ += p.size;
    return ev;
  }
  if (p.error == FrameError::kNeedMore) {
    // A frame can never be longer than the buffer, so a prefix always fits; wait.
    return std::nullopt;
  }
  // Not a frame here: skip at least one byte, up to the next possible start byte.
  std::size_t skip = 1;
  while (skip < avail.size() && !can_start(avail[skip])) ++skip;
  ev.kind = FramerEvent::Kind::kGarbage;
  ev.reason = p.error;
  ev.bytes = avail.first(skip);
  begin_ += skip;
  consumed_ += skip;
  return ev;
}

std::optional<FramerEvent> Framer::flush() noexcept {
  if (begin_ == end_) return std::nullopt;
  FramerEvent ev;
  ev.kind = FramerEvent::Kind::kGarbage;
  ev.reason = FrameError::kNeedMore;
  ev.bytes = std::span<const std::uint8_t>(buf_.data() + begin_, end_ - begin_);
  ev.stream_offset = consumed_;
  consumed_ += end_ - begin_;
  begin_ = end_;
  return ev;
}

}  // namespace emscore::mbus
