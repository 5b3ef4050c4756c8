// emscore/modbus/frame_window.hpp — the receive buffer that the serial-line framers (RTU,
// ASCII) share: the bytes fed and not yet reported, a cursor the framer moves over them, the
// stream offset of every byte, and the reports themselves (a frame, or a run of dropped
// bytes), so that each framer is only its protocol's rules.
//
//   buf_: [ reported ... | base ... cursor ... end | free ]
//           (compacted    unreported   not yet
//            on feed)                  looked at
//
// Sans-I/O, no allocation: a fixed array of N bytes. `Event` is the framer's report type: it
// has `kind` (kFrame / kDropped), `adu`, `reason` and `stream_offset`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace emscore::modbus {

template <class Event, std::size_t N>
class FrameWindow {
 public:
  // Takes as many bytes as fit behind the unreported ones and returns how many it took.
  // Reported bytes are forgotten first (the unreported ones move to the front).
  std::size_t feed(std::span<const std::uint8_t> bytes) noexcept {
    if (base_ > 0) {
      std::memmove(buf_.data(), buf_.data() + base_, end_ - base_);
      consumed_ += base_;
      end_ -= base_;
      cursor_ -= base_;
      base_ = 0;
    }
    const std::size_t n = std::min(bytes.size(), buf_.size() - end_);
    if (n > 0) {
      std::memcpy(buf_.data() + end_, bytes.data(), n);
      end_ += n;
      silence_ = false;
    }
    return n;
  }
  // Forgets every buffered byte (neither a frame nor dropped: e.g. after a timeout).
  void reset() noexcept {
    consumed_ += end_;
    base_ = cursor_ = end_ = 0;
    silence_ = false;
  }

  // The line was silent for longer than the protocol allows inside a frame; cleared by the
  // next bytes fed.
  void on_silence() noexcept { silence_ = true; }
  bool silent() const noexcept { return silence_; }
  void clear_silence() noexcept { silence_ = false; }

  std::size_t base() const noexcept { return base_; }
  std::size_t cursor() const noexcept { return cursor_; }
  std::size_t end() const noexcept { return end_; }
  std::uint8_t operator[](std::size_t i) const noexcept { return buf_[i]; }
  // Bytes from the cursor to the end: what the framer has not looked at yet.
  std::span<const std::uint8_t> ahead() const noexcept {
    return std::span<const std::uint8_t>(buf_.data() + cursor_, end_ - cursor_);
  }
  void advance(std::size_t n = 1) noexcept { cursor_ += n; }
  std::size_t unreported() const noexcept { return end_ - base_; }

  // Reports [base, cursor) as a frame (the framer fills in what it decoded) or as dropped.
  Event frame() noexcept {
    Event e = report(Event::kFrame);
    ++frames_;
    return e;
  }
  Event drop(std::string_view reason) noexcept {
    dropped_ += cursor_ - base_;
    Event e = report(Event::kDropped);
    e.reason = reason;
    return e;
  }

  std::uint64_t frames() const noexcept { return frames_; }
  std::uint64_t dropped_bytes() const noexcept { return dropped_; }

 private:
  template <class Kind>
  Event report(Kind kind) noexcept {
    Event e;
    e.kind = kind;
    e.adu = std::span<const std::uint8_t>(buf_.data() + base_, cursor_ - base_);
    e.stream_offset = consumed_ + base_;
    base_ = cursor_;
    return e;
  }

  std::array<std::uint8_t, N> buf_{};
  std::size_t base_ = 0;    // first byte not yet reported
  std::size_t cursor_ = 0;  // next byte the framer looks at (>= base_)
  std::size_t end_ = 0;
  std::uint64_t consumed_ = 0;  // stream offset of buf_[0]
  bool silence_ = false;
  std::uint64_t frames_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace emscore::modbus
