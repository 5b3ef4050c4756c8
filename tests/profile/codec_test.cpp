#include "emscore/profile/codec.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace emscore::profile {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1704067200);  // 2024-01-01T00:00:00Z

void expect_round_trip(const std::vector<Sample>& in, std::size_t* bytes = nullptr) {
  std::vector<std::uint8_t> block;
  ASSERT_TRUE(encode_block(in, block).ok());
  if (bytes) *bytes = block.size();
  auto out = decode_block(block);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    ASSERT_EQ((*out)[i].at, in[i].at) << i;
    ASSERT_TRUE((*out)[i].value.identical(in[i].value))
        << i << ": " << (*out)[i].value.to_string() << " vs " << in[i].value.to_string();
    ASSERT_EQ((*out)[i].quality, in[i].quality) << i;
  }
  EXPECT_EQ(*block_sample_count(block), in.size());
}

std::vector<Sample> counter(std::size_t n, absl::Duration step, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Sample> s;
  std::int64_t wh = 12'345'678;
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back({kT0 + step * static_cast<double>(i), Value(wh, -3, Unit::kKiloWattHour)});
    wh += static_cast<std::int64_t>(rng() % 400);
  }
  return s;
}

TEST(Codec, EmptyAndSingle) {
  expect_round_trip({});
  expect_round_trip({{kT0, Value(5, 0, Unit::kWattHour)}});
  expect_round_trip({{absl::FromUnixMillis(-123456789), Value(-5, -128, Unit::kBaud),
                      Quality::kInvalid}});
}

TEST(Codec, QuarterHourCounterCostsFewBitsPerSample) {
  const auto s = counter(35040, absl::Minutes(15), 1);  // one year
  std::size_t bytes = 0;
  expect_round_trip(s, &bytes);
  const double bits_per_sample = 8.0 * static_cast<double>(bytes) / 35040.0;
  // Increments uniform in [0, 400): entropy log2(400) = 8.6 bits; Rice reaches ~9.
  EXPECT_LT(bits_per_sample, 10.0);
  EXPECT_GT(bits_per_sample, 8.0);
}

TEST(Codec, ConstantSeriesIsAlmostFree) {
  std::vector<Sample> s;
  for (int i = 0; i < 10000; ++i) s.push_back({kT0 + absl::Minutes(i), Value(2300, -1, Unit::kVolt)});
  std::size_t bytes = 0;
  expect_round_trip(s, &bytes);
  EXPECT_LT(bytes, 64u);  // a meter at rest: chunks of 128 cost 2 bits each
}

TEST(Codec, KeepsExponentsQualityAndJitterExactly) {
  std::vector<Sample> s;
  std::mt19937_64 rng(7);
  absl::Time t = kT0;
  for (int i = 0; i < 3000; ++i) {
    t += absl::Minutes(15) + absl::Milliseconds(static_cast<std::int64_t>(rng() % 3000));
    // Re-exported CSV style: trailing zeros dropped, so exponents wander (1.5 vs 1.50).
    const std::int64_t m = static_cast<std::int64_t>(rng() % 100000);
    Value v(m, -3, Unit::kKiloWatt);
    if (i % 3 == 0 && m % 10 == 0) v = Value(m / 10, -2, Unit::kKiloWatt);
    if (i % 7 == 0) v = Value(m * 10, -4, Unit::kKiloWatt);
    s.push_back({t, v, static_cast<Quality>(rng() % 5)});
  }
  expect_round_trip(s);
}

TEST(Codec, ExtremesUseRawMantissas) {
  std::vector<Sample> s = {
      {kT0, Value(std::numeric_limits<std::int64_t>::max(), 127, Unit::kNone)},
      {kT0 + absl::Milliseconds(1), Value(std::numeric_limits<std::int64_t>::min(), -128)},
      {kT0 + absl::Hours(100000), Value(0, 0)},
      {kT0 + absl::Hours(100001), Value(-1, 5)},
      {absl::FromUnixMillis(std::numeric_limits<std::int64_t>::max()), Value(1, 0)},
  };
  expect_round_trip(s);
}

TEST(Codec, PropertyRandomSeriesRoundTripBitExact) {
  std::mt19937_64 rng(2024);
  for (int round = 0; round < 300; ++round) {
    const std::size_t n = rng() % 700;
    std::vector<Sample> s;
    std::int64_t t = static_cast<std::int64_t>(rng() % 4'000'000'000'000ULL) - 2'000'000'000'000;
    std::int64_t m = static_cast<std::int64_t>(rng());
    const int shape = static_cast<int>(rng() % 4);
    const int e0 = static_cast<int>(rng() % 256) - 128;
    for (std::size_t i = 0; i < n; ++i) {
      t += shape == 0 ? 900'000 : 1 + static_cast<std::int64_t>(rng() % (1ULL << (rng() % 40)));
      switch (shape) {
        case 0: m += static_cast<std::int64_t>(rng() % 1000); break;
        case 1: m = static_cast<std::int64_t>(rng()); break;  // white noise over all of int64
        case 2: m = static_cast<std::int64_t>(rng() % 20) - 10; break;
        default: m ^= static_cast<std::int64_t>(1ULL << (rng() % 64)); break;
      }
      const int e = shape == 3 ? static_cast<int>(rng() % 256) - 128 : e0 + static_cast<int>(rng() % 2);
      s.push_back({absl::FromUnixMillis(t), Value(m, std::clamp(e, -128, 127),
                                                  static_cast<Unit>(rng() % 10)),
                   static_cast<Quality>(rng() % 5)});
      s.back().value.unit = s.front().value.unit;
    }
    SCOPED_TRACE(round);
    expect_round_trip(s);
  }
}

TEST(Codec, EncoderRejectsWhatItCannotKeep) {
  std::vector<std::uint8_t> out;
  std::vector<Sample> micro = {{kT0 + absl::Microseconds(1), Value(1, 0)}};
  EXPECT_EQ(encode_block(micro, out).message(),
            "profile: sample 0: timestamp is not a whole millisecond (the codec keeps ms)");
  std::vector<Sample> dup = {{kT0, Value(1, 0)}, {kT0, Value(2, 0)}};
  EXPECT_FALSE(encode_block(dup, out).ok());
}

TEST(Codec, DecoderRejectsEveryTruncationAndCorruptionWithoutCrashing) {
  const auto s = counter(1000, absl::Minutes(15), 3);
  std::vector<std::uint8_t> block;
  ASSERT_TRUE(encode_block(s, block).ok());
  for (std::size_t len = 0; len < block.size(); ++len) {
    std::vector<Sample> out;
    const auto st = decode_block(std::span(block.data(), len), out);
    EXPECT_FALSE(st.ok()) << len;
    EXPECT_TRUE(out.empty());
  }
  std::vector<std::uint8_t> bad = block;
  bad[0] = 2;
  EXPECT_EQ(decode_block(bad).status().message(),
            "profile: codec block at offset 0: version 0x02, expected 0x01");
  // A header that claims more samples than the bits can hold.
  std::vector<std::uint8_t> huge = {1, 0xFF, 0xFF, 0x7F, 0, 0};
  EXPECT_FALSE(decode_block(huge).ok());
  // Bit flips anywhere either decode to something or fail cleanly.
  std::mt19937 rng(5);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> f = block;
    f[rng() % f.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    auto r = decode_block(f);
    if (r.ok()) {
      EXPECT_TRUE(check_series(*r).ok());
    }
  }
}

TEST(Codec, RandomBytesBehindAValidHeaderNeverCrash) {
  // Regression (found by fuzz/profile_codec.cpp): the unary reader counted bits above the
  // buffer's valid bits and underflowed its bit count. Under UBSan this test traps on it.
  std::mt19937_64 rng(99);
  std::size_t decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> b = {1, static_cast<std::uint8_t>(1 + rng() % 100)};
    const std::size_t len = rng() % 64;
    for (std::size_t k = 0; k < len; ++k) {
      // Mostly zero bytes: long unary runs are what broke.
      b.push_back(rng() % 3 == 0 ? static_cast<std::uint8_t>(rng()) : 0);
    }
    std::vector<Sample> out;
    if (decode_block(b, out).ok()) {
      ++decoded;
      EXPECT_TRUE(check_series(out).ok());
    } else {
      EXPECT_TRUE(out.empty());
    }
  }
  EXPECT_GT(decoded, 0u);
}

}  // namespace
}  // namespace emscore::profile
