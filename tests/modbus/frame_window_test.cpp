#include "emscore/modbus/frame_window.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace emscore::modbus {
namespace {

// The shape the framers report in (RtuFramer::Event without the decoded frame).
struct Report {
  enum Kind : std::uint8_t { kNeedMore, kFrame, kDropped } kind = kNeedMore;
  std::span<const std::uint8_t> adu;
  std::string_view reason;
  std::uint64_t stream_offset = 0;
};
using Window = FrameWindow<Report, 8>;

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
std::string text(std::span<const std::uint8_t> b) { return std::string(b.begin(), b.end()); }

TEST(FrameWindow, ReportsFramesAndDropsWithTheirStreamOffsets) {
  Window w;
  EXPECT_EQ(w.feed(bytes("xxAB")), 4u);
  w.advance(2);
  const Report d = w.drop("noise");
  EXPECT_EQ(d.kind, Report::kDropped);
  EXPECT_EQ(text(d.adu), "xx");
  EXPECT_EQ(d.reason, "noise");
  EXPECT_EQ(d.stream_offset, 0u);
  EXPECT_EQ(text(w.ahead()), "AB");
  w.advance(2);
  const Report f = w.frame();
  EXPECT_EQ(f.kind, Report::kFrame);
  EXPECT_EQ(text(f.adu), "AB");
  EXPECT_EQ(f.stream_offset, 2u);
  EXPECT_EQ(w.frames(), 1u);
  EXPECT_EQ(w.dropped_bytes(), 2u);
  EXPECT_EQ(w.unreported(), 0u);
}

TEST(FrameWindow, FeedTakesWhatFitsAndCompactsReportedBytesAway) {
  Window w;
  EXPECT_EQ(w.feed(bytes("0123456789")), 8u);  // 8 bytes of room
  EXPECT_EQ(w.feed(bytes("89")), 0u);          // full, nothing reported yet
  w.advance(3);
  (void)w.frame();                             // "012" reported
  w.advance(1);                                // the framer looked at "3"
  EXPECT_EQ(w.feed(bytes("89")), 2u);          // "012" forgotten, room for two
  EXPECT_EQ(w.base(), 0u);
  EXPECT_EQ(w.cursor(), 1u);                   // still just after "3"
  EXPECT_EQ(text(w.ahead()), "456789");
  w.advance(6);
  const Report f = w.frame();
  EXPECT_EQ(text(f.adu), "3456789");
  EXPECT_EQ(f.stream_offset, 3u);              // offsets survive compaction
}

TEST(FrameWindow, ResetForgetsWithoutCountingAndKeepsOffsets) {
  Window w;
  (void)w.feed(bytes("abc"));
  w.advance(1);
  w.reset();
  EXPECT_EQ(w.unreported(), 0u);
  EXPECT_EQ(w.dropped_bytes(), 0u);
  (void)w.feed(bytes("de"));
  w.advance(2);
  EXPECT_EQ(w.frame().stream_offset, 3u);
}

TEST(FrameWindow, SilenceLastsUntilTheNextBytes) {
  Window w;
  w.on_silence();
  EXPECT_TRUE(w.silent());
  EXPECT_EQ(w.feed({}), 0u);
  EXPECT_TRUE(w.silent());  // nothing arrived
  (void)w.feed(bytes("a"));
  EXPECT_FALSE(w.silent());
  w.on_silence();
  w.clear_silence();
  EXPECT_FALSE(w.silent());
}

}  // namespace
}  // namespace emscore::modbus
