#include "emscore/mbus/framer.hpp"

#include <gtest/gtest.h>

#include "emscore/core/strings.hpp"

#include <random>
#include <vector>

namespace emscore::mbus {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes long_frame(std::uint8_t a, const Bytes& data) {
  Bytes out;
  EXPECT_TRUE(append_long_frame(out, 0x08, a, 0x78, data).ok());
  return out;
}

struct Collected {
  std::vector<Bytes> frames;
  std::vector<Bytes> garbage;
};

Collected run(Framer& f, const Bytes& stream, std::size_t chunk) {
  Collected c;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const std::size_t n = std::min(chunk, stream.size() - pos);
    const std::size_t used = f.feed(std::span<const std::uint8_t>(stream.data() + pos, n));
    pos += used;
    while (auto ev = f.next()) {
      Bytes b(ev->bytes.begin(), ev->bytes.end());
      (ev->kind == FramerEvent::Kind::kFrame ? c.frames : c.garbage).push_back(b);
    }
  }
  return c;
}

TEST(Framer, YieldsFramesSplitAnyway) {
  const Bytes f1 = long_frame(1, {0x01, 0xFD, 0x17, 0x00});
  const Bytes f2 = {0x10, 0x7B, 0x05, 0x80, 0x16};
  Bytes stream = f1;
  stream.push_back(0xE5);
  stream.insert(stream.end(), f2.begin(), f2.end());
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 100u}) {
    Framer f;
    auto c = run(f, stream, chunk);
    ASSERT_EQ(c.frames.size(), 3u) << "chunk " << chunk;
    EXPECT_EQ(c.frames[0], f1);
    EXPECT_EQ(c.frames[1], Bytes{0xE5});
    EXPECT_EQ(c.frames[2], f2);
    EXPECT_TRUE(c.garbage.empty());
    EXPECT_EQ(f.buffered(), 0u);
    EXPECT_EQ(f.stream_offset(), stream.size());
  }
}

TEST(Framer, ResynchronisesAfterNoiseAndReportsIt) {
  const Bytes good = long_frame(7, {0x0C, 0x13, 0x11, 0x22, 0x33, 0x44});
  Bytes broken = good;
  broken[broken.size() - 2] ^= 0xFF;  // bad checksum
  Bytes stream = {0x00, 0x42, 0xFF};
  stream.insert(stream.end(), broken.begin(), broken.end());
  stream.insert(stream.end(), good.begin(), good.end());
  Framer f;
  auto c = run(f, stream, 5);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0], good);
  ASSERT_FALSE(c.garbage.empty());
  std::size_t garbage_bytes = 0;
  for (const auto& g : c.garbage) garbage_bytes += g.size();
  EXPECT_EQ(garbage_bytes, 3 + broken.size());
}

TEST(Framer, FlushReleasesAnIncompleteFrame) {
  Framer f;
  const Bytes part = {0x68, 0xFF, 0xFF, 0x68, 0x08, 0x01};
  EXPECT_EQ(f.feed(part), part.size());
  EXPECT_FALSE(f.next().has_value());
  auto ev = f.flush();
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->kind, FramerEvent::Kind::kGarbage);
  EXPECT_EQ(ev->reason, FrameError::kNeedMore);
  EXPECT_EQ(ev->bytes.size(), part.size());
  EXPECT_FALSE(f.flush().has_value());
}

TEST(Framer, RandomNoiseNeverYieldsAnInvalidFrame) {
  std::mt19937 rng(42);
  Framer f;
  Bytes noise(20000);
  for (auto& b : noise) b = static_cast<std::uint8_t>(rng());
  std::size_t pos = 0;
  while (pos < noise.size()) {
    pos += f.feed(std::span<const std::uint8_t>(noise.data() + pos,
                                                std::min<std::size_t>(37, noise.size() - pos)));
    while (auto ev = f.next()) {
      if (ev->kind == FramerEvent::Kind::kFrame) {
        EXPECT_TRUE(parse_frame(ev->bytes).ok());
      } else {
        EXPECT_FALSE(ev->bytes.empty());
      }
    }
  }
  EXPECT_LE(f.buffered(), Framer::kCapacity);
}

TEST(Framer, FeedStopsWhenFull) {
  Framer f;
  const Bytes header = {0x68, 0xFF, 0xFF, 0x68};
  Bytes big(2000, 0x00);
  big.insert(big.begin(), header.begin(), header.end());
  const std::size_t used = f.feed(big);
  EXPECT_EQ(used, Framer::kCapacity);
  // The bogus long frame is judged once its 261 bytes are in: checksum/stop byte fail.
  auto ev = f.next();
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->kind, FramerEvent::Kind::kGarbage);
}

}  // namespace
}  // namespace emscore::mbus
