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
  // The same block as columns in both forms: each value as written through value(i), and in
  // kScaled form every mantissa the same number at the block's one scale.
  for (const ValueForm form : {ValueForm::kWritten, ValueForm::kScaled}) {
    BlockColumns cols;
    ASSERT_TRUE(decode_block_columns(block, cols, form).ok());
    ASSERT_EQ(cols.ms.size(), in.size());
    if (form == ValueForm::kWritten) {
      ASSERT_EQ(cols.form, ValueForm::kWritten);
    }
    for (std::size_t i = 0; i < in.size(); ++i) {
      ASSERT_EQ(cols.ms[i], absl::ToUnixMillis(in[i].at)) << i;
      ASSERT_TRUE(cols.value(i).identical(in[i].value))
          << i << ": " << cols.value(i).to_string() << " vs " << in[i].value.to_string();
      if (cols.form == ValueForm::kScaled) {
        ASSERT_TRUE(Value(cols.mantissa[i], cols.scale, in[i].value.unit) == in[i].value) << i;
      } else {
        ASSERT_TRUE(Value(cols.mantissa[i], cols.exponent[i], cols.unit).identical(in[i].value)) << i;
      }
      ASSERT_EQ(cols.quality[i], in[i].quality) << i;
    }
  }
}

// The form decode_block_columns gives for `in` when asked for kScaled.
BlockColumns scaled_columns(const std::vector<Sample>& in) {
  std::vector<std::uint8_t> block;
  EXPECT_TRUE(encode_block(in, block).ok());
  BlockColumns cols;
  EXPECT_TRUE(decode_block_columns(block, cols, ValueForm::kScaled).ok());
  return cols;
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

TEST(Codec, ScaledColumnsPutEveryMantissaOnTheBlocksScale) {
  // Shortest decimals (canonical exponents): one scale, no exponent column; value(i) gives
  // each as written.
  std::vector<Sample> v;
  for (int i = 0; i < 300; ++i) {
    const std::int64_t centi = 23'000 + (i * 37) % 1000;  // 230.00 .. 239.99 V
    Value x(centi, -2, Unit::kVolt);
    while (x.exponent < 0 && x.mantissa % 10 == 0) x = Value(x.mantissa / 10, x.exponent + 1, Unit::kVolt);
    v.push_back({kT0 + absl::Minutes(i), x});
  }
  BlockColumns c = scaled_columns(v);
  EXPECT_EQ(c.form, ValueForm::kScaled);
  EXPECT_EQ(c.scale, -2);
  EXPECT_EQ(c.canonical_cap, 2u);
  EXPECT_TRUE(c.exponent.empty());
  EXPECT_EQ(c.mantissa[0], 23'000);                // 230 V at 10^-2
  EXPECT_TRUE(c.value(0).identical(Value(230, 0, Unit::kVolt)));  // written "230"
  EXPECT_TRUE(c.value(1).identical(Value(23037, -2, Unit::kVolt))) << c.value(1).to_string();
  // Written exponents that are not the shortest ("1.010" next to "15.25"): kept per sample.
  std::vector<Sample> w;
  for (int i = 0; i < 300; ++i) {
    w.push_back({kT0 + absl::Minutes(i), i % 2 ? Value(1000 + 10 * i, -3) : Value(1525 + i, -2)});
  }
  c = scaled_columns(w);
  EXPECT_EQ(c.form, ValueForm::kScaled);
  EXPECT_EQ(c.scale, -3);
  ASSERT_EQ(c.exponent.size(), 300u);
  EXPECT_EQ(c.mantissa[0], 15250);  // 15.25 at 10^-3
  EXPECT_EQ(c.mantissa[1], 1010);
  EXPECT_TRUE(c.value(0).identical(Value(1525, -2)));
  EXPECT_TRUE(c.value(1).identical(Value(1010, -3)));
  // Mantissas that do not fit one scale stay as written, whatever was asked.
  c = scaled_columns({{kT0, Value(std::numeric_limits<std::int64_t>::max(), 0)},
                      {kT0 + absl::Seconds(1), Value(1, -3)}});
  EXPECT_EQ(c.form, ValueForm::kWritten);
  EXPECT_TRUE(c.value(0).identical(Value(std::numeric_limits<std::int64_t>::max(), 0)));
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

// The generator of the version 1 fixture below (written by the v1 encoder of commit b9e6312):
// a 15-min register with jittered timestamps, changing exponents and qualities, days at rest.
std::vector<Sample> v1_fixture_series() {
  std::vector<Sample> s;
  absl::Time t = kT0;
  std::int64_t m = 1234567;
  for (int i = 0; i < 300; ++i) {
    t += absl::Minutes(15) + absl::Milliseconds(i % 7 == 0 ? 250 : 0);
    if ((i / 24) % 2 == 1) m += (i * 37) % 500;
    Value v(m, -3, Unit::kKiloWattHour);
    if (i % 50 == 10 && m % 10 == 0) v = Value(m / 10, -2, Unit::kKiloWattHour);
    s.push_back({t, v, i % 97 == 5 ? Quality::kEstimated : Quality::kMeasured});
  }
  return s;
}

TEST(Codec, DecodesVersion1Blocks) {
  // Stores written before format v2 keep working.
  const std::vector<std::uint8_t> v1 = {
    0x01, 0xac, 0x02, 0x2f, 0x9a, 0xb0, 0x5f, 0xc2, 0x8c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x20, 0xd0,
    0xdd, 0x62, 0x00, 0xd2, 0x07, 0x70, 0x1e, 0x03, 0x90, 0x3e, 0x80, 0xf3, 0x18, 0x80, 0xf4, 0x01,
    0x9c, 0xc7, 0x00, 0xa4, 0x0f, 0xe0, 0x3c, 0x06, 0x20, 0x7d, 0x00, 0xe7, 0x31, 0x00, 0xe9, 0x03,
    0x38, 0x8f, 0x01, 0x48, 0x1f, 0xc0, 0x79, 0x0c, 0x40, 0xfa, 0x00, 0xce, 0x63, 0x00, 0xd2, 0x07,
    0x70, 0x1e, 0x03, 0x90, 0x3e, 0x80, 0xf3, 0x18, 0x80, 0xf4, 0x01, 0x9c, 0xc7, 0x00, 0xa4, 0x0f,
    0xe0, 0x3c, 0x06, 0x20, 0x7d, 0x00, 0xe7, 0x31, 0x00, 0xe9, 0x03, 0x38, 0x8f, 0x01, 0x48, 0x1f,
    0xc0, 0x79, 0x0c, 0x40, 0xfa, 0x00, 0xce, 0x63, 0x00, 0xd2, 0x07, 0x70, 0x1e, 0x03, 0x90, 0x3e,
    0x80, 0xf3, 0x18, 0x80, 0xf4, 0x01, 0x9c, 0xc7, 0x00, 0xa4, 0x0f, 0xe0, 0x3c, 0x06, 0x20, 0x7d,
    0x00, 0xe7, 0x31, 0x00, 0xe9, 0x03, 0x38, 0x8f, 0x01, 0x48, 0x1f, 0xc0, 0x79, 0x0c, 0x40, 0xfa,
    0x00, 0xce, 0x63, 0x00, 0xd2, 0x07, 0x70, 0x1e, 0x03, 0x90, 0x3e, 0x80, 0xf3, 0x18, 0x80, 0xf4,
    0x01, 0x9c, 0xc7, 0x00, 0xa4, 0x0f, 0xe0, 0x3c, 0x06, 0x20, 0x7d, 0x00, 0xe7, 0x31, 0x00, 0xe9,
    0x03, 0x38, 0x8f, 0x01, 0x48, 0x1f, 0xc0, 0x79, 0x0c, 0x40, 0xfa, 0x00, 0xce, 0x63, 0x00, 0xd2,
    0x07, 0x70, 0x1e, 0x03, 0x90, 0x3e, 0x80, 0xf3, 0x18, 0x80, 0xf4, 0x01, 0x9c, 0xc7, 0x00, 0xa4,
    0x0f, 0xe0, 0x3c, 0x06, 0x20, 0x7d, 0x00, 0xe7, 0x31, 0x00, 0xe9, 0x03, 0x38, 0x8f, 0x01, 0x48,
    0x1f, 0xc0, 0x79, 0x0c, 0x40, 0xfa, 0x00, 0xce, 0x63, 0x00, 0xd2, 0x07, 0x70, 0x1e, 0x03, 0x90,
    0x3e, 0x80, 0xf3, 0x88, 0x7e, 0x00, 0x57, 0x80, 0x24, 0x00, 0xbf, 0x04, 0xe0, 0x97, 0x00, 0xfc,
    0x12, 0xf4, 0xd0, 0x5a, 0x02, 0x00, 0x00, 0x00, 0x00, 0x20, 0x23, 0x10, 0x08, 0x04, 0x02, 0x81,
    0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x81, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x81, 0x00, 0x00,
    0x44, 0x54, 0x54, 0x54, 0x00, 0x80, 0x9d, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a,
    0x8a, 0x8a, 0x0a, 0x00, 0xb0, 0x53, 0x51, 0x51, 0x51, 0x51, 0x51, 0x01, 0xec, 0x02, 0x81, 0x40,
    0x20, 0x10, 0x08, 0x04, 0x02, 0x81, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x81, 0x40, 0x20, 0x10,
    0x08, 0x80, 0x88, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x0a, 0x00, 0xb0, 0x53, 0x51,
    0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x01, 0x00, 0x76, 0xbb, 0x40, 0x20,
    0x10, 0x08, 0x04, 0x02, 0x81, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x81, 0x40, 0x20, 0x10, 0x08,
    0x04, 0x02, 0x00, 0x20, 0xac, 0x02, 0x00, 0xec, 0x54, 0x54, 0x54, 0x54, 0x54, 0x54, 0x32, 0x54,
    0x54, 0x54, 0x54, 0x54, 0x54, 0x54, 0x00, 0x80, 0x9d, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x0a,
    0x80, 0x45, 0x20, 0x10, 0x08, 0x04, 0x02, 0x81, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x81, 0x40,
    0x20, 0x10, 0x08, 0x04, 0x02, 0x01, 0x20, 0xac, 0xa2, 0xa2, 0xa2, 0xa2, 0xa2, 0xa2, 0x02, 0x00,
    0xec, 0x54, 0x54, 0x54, 0x54, 0x54, 0x54, 0x54, 0x54, 0x54, 0x54, 0x54, 0x54, 0x54, 0x00, 0x80,
    0x9d, 0x0a, 0x8b, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x81, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02,
    0x81, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x00, 0x80, 0x18, 0x00, 0xb0, 0x53, 0x51, 0x51, 0x51,
    0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x01, 0x00, 0x76, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a,
    0x2a, 0x2a, 0x2a, 0x2a, 0x00, 0x6c, 0x03, 0x81, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x81, 0x40,
    0x20, 0x10, 0x08, 0x04, 0x32, 0x02, 0x81, 0x40, 0x20, 0x10, 0x08, 0x00, 0xc4, 0x54, 0x54, 0x54,
    0x54, 0x54, 0x54, 0x00, 0x80, 0x9d, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a, 0x8a,
    0x8a, 0x0a, 0x00, 0xb0, 0x53, 0x51, 0x51, 0xc1, 0x36, 0x10, 0x08, 0x04, 0x02, 0x81, 0x40, 0x20,
    0x10, 0x08, 0x00};
  ASSERT_EQ(v1[0], 1);
  auto out = decode_block(v1);
  ASSERT_TRUE(out.ok()) << out.status();
  const auto want = v1_fixture_series();
  ASSERT_EQ(out->size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ((*out)[i].at, want[i].at) << i;
    ASSERT_TRUE((*out)[i].value.identical(want[i].value)) << i;
    ASSERT_EQ((*out)[i].quality, want[i].quality) << i;
  }
  // The same series written today is a version 2 block, and no larger.
  std::vector<std::uint8_t> v2;
  ASSERT_TRUE(encode_block(want, v2).ok());
  EXPECT_EQ(v2[0], 2);
  EXPECT_LE(v2.size(), v1.size());
  expect_round_trip(want);
}

// A PV generation register, hourly: flat at night, growing by day.
std::vector<Sample> pv_register(std::size_t days, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Sample> s;
  std::int64_t wh = 1'640'070;
  for (std::size_t h = 0; h < days * 24; ++h) {
    s.push_back({kT0 + absl::Hours(static_cast<double>(h)), Value(wh, -3, Unit::kKiloWattHour)});
    const int hour = static_cast<int>(h % 24);
    if (hour >= 7 && hour < 19) wh += 200 + static_cast<std::int64_t>(rng() % 3000);
  }
  return s;
}

TEST(Codec, RegisterAtRestAtNightCostsItsChangesOnly) {
  // Half the hours do not move the register. Rice with one k per chunk pays ~k bits for
  // each of them; runs of "no change" cost a few bits per night instead.
  const auto s = pv_register(180, 11);
  std::size_t bytes = 0;
  expect_round_trip(s, &bytes);
  const double bits = 8.0 * static_cast<double>(bytes) / static_cast<double>(s.size());
  // Changes uniform in [200, 3200): log2(3000) = 11.6 bits for half the samples, ~5.8 a
  // sample, plus the run lengths.
  EXPECT_LT(bits, 7.0);
}

TEST(Codec, PowerAtZeroWithSignedChangesInBetween) {
  // Instantaneous power: exactly 0 W for hours, then moving up and down.
  std::mt19937_64 rng(12);
  std::vector<Sample> s;
  for (int i = 0; i < 5000; ++i) {
    const bool on = (i / 40) % 3 == 0;
    const std::int64_t w = on ? static_cast<std::int64_t>(rng() % 4000) - 500 : 0;
    s.push_back({kT0 + absl::Minutes(i), Value(w, 0, Unit::kWatt)});
  }
  expect_round_trip(s);
}

TEST(Codec, ShortestDecimalExponentsCostNothing) {
  // Re-exported files print each value as its shortest decimal (2.58 next to 2.552): the
  // exponent of each sample follows from its digits, so it is not stored.
  std::mt19937_64 rng(13);
  std::vector<Sample> canonical, fixed;
  std::int64_t m = 2'000;
  for (int i = 0; i < 4096; ++i) {
    m += static_cast<std::int64_t>(rng() % 201) - 100;
    if (m < 0) m = -m;
    std::int64_t c = m;
    int e = -3;
    while (e < 0 && c != 0 && c % 10 == 0) c /= 10, ++e;
    if (c == 0) e = 0;
    canonical.push_back({kT0 + absl::Minutes(i), Value(c, e, Unit::kKiloWatt)});
    fixed.push_back({kT0 + absl::Minutes(i), Value(m, -3, Unit::kKiloWatt)});
  }
  std::size_t canonical_bytes = 0, fixed_bytes = 0;
  expect_round_trip(canonical, &canonical_bytes);
  expect_round_trip(fixed, &fixed_bytes);
  EXPECT_LE(canonical_bytes, fixed_bytes + 4);
  // Samples that keep a trailing zero (1.50) break the rule: still exact.
  auto broken = canonical;
  for (std::size_t i : {100u, 2000u}) {
    if (broken[i].value.exponent > -3) {
      broken[i].value = Value(broken[i].value.mantissa * 10, broken[i].value.exponent - 1,
                              Unit::kKiloWatt);
    }
  }
  expect_round_trip(broken);
}

TEST(Codec, CounterThatNeverDecreasesNeedsNoSignBit) {
  // Increments uniform in [0, 256): 8 bits of information, Rice with k=7 reaches ~9.
  std::mt19937_64 rng(14);
  std::vector<Sample> s;
  std::int64_t wh = 0;
  for (int i = 0; i < 4096; ++i) {
    s.push_back({kT0 + absl::Minutes(15 * i), Value(wh, -3, Unit::kKiloWattHour)});
    wh += static_cast<std::int64_t>(rng() % 256);
  }
  std::size_t bytes = 0;
  expect_round_trip(s, &bytes);
  EXPECT_LT(8.0 * static_cast<double>(bytes) / 4096.0, 9.3);  // zig-zag order 1 needs ~10
}


TEST(Codec, RoundedMultiplesOfAQuantumCostTheirSteps) {
  // Values normalised by a factor and printed to five decimals (the Tetouan files): the
  // mantissas are round(n * 24000000 / 79); coding n's steps saves log2(303797) bits.
  std::mt19937_64 rng(15);
  std::vector<Sample> s;
  std::int64_t n = 11'210;
  for (int i = 0; i < 4096; ++i) {
    const std::int64_t m = (2 * n * 24'000'000 + 79) / (2 * 79);
    s.push_back({kT0 + absl::Minutes(10 * i), Value(m, -5, Unit::kWatt)});
    n += static_cast<std::int64_t>(rng() % 101) - 50;
  }
  std::size_t bytes = 0;
  expect_round_trip(s, &bytes);
  // Steps uniform in [-50, 50]: ~6.7 bits, Rice ~7.5; the raw mantissa steps need ~25.
  EXPECT_LT(8.0 * static_cast<double>(bytes) / 4096.0, 8.5);
  // A register scaled by a current transformer (150/5 A): every value a multiple of 30.
  std::vector<Sample> ct;
  std::int64_t e = 0;
  for (int i = 0; i < 4096; ++i) {
    ct.push_back({kT0 + absl::Minutes(15 * i), Value(e * 30, -2, Unit::kKiloWattHour)});
    e += static_cast<std::int64_t>(rng() % 64);
  }
  expect_round_trip(ct, &bytes);
  EXPECT_LT(8.0 * static_cast<double>(bytes) / 4096.0, 7.5);  // the plain steps need ~11
  // Almost a quantum: one value off by one unit. Still exact (that chunk codes M).
  s[777].value = Value(s[777].value.mantissa + 1, -5, Unit::kWatt);
  expect_round_trip(s);
  // Random quanta from 16 units to 2^40, any denominator up to 2^16: exact either way.
  for (int q = 0; q < 200; ++q) {
    const std::uint64_t b = 1 + rng() % 65536;
    const std::uint64_t a = b * 16 + rng() % (std::uint64_t{1} << (10 + q % 30));
    std::uint64_t k = rng() % 100000;
    std::vector<Sample> r;
    for (int i = 0; i < 300; ++i) {
      const auto m = static_cast<std::int64_t>((2 * k * a + b) / (2 * b));  // < 2^58
      r.push_back({kT0 + absl::Minutes(i), Value(m, -2, Unit::kWatt)});
      k += rng() % 50;
    }
    expect_round_trip(r);
  }
  // Quantum (2^46 + 12345) / 7 from n = 2^16: 2 n a + b passes 2^63 (the decoder's exact
  // fallback for that case).
  std::vector<Sample> huge;
  const std::uint64_t ah = (std::uint64_t{1} << 46) + 12345;
  std::uint64_t nh = std::uint64_t{1} << 16;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = 2 * nh * ah + 7;  // < 2^64
    ASSERT_GT(x, std::uint64_t{1} << 63);
    huge.push_back({kT0 + absl::Minutes(i), Value(static_cast<std::int64_t>(x / 14), 0, Unit::kWatt)});
    nh += rng() % 60;
  }
  expect_round_trip(huge, &bytes);
  EXPECT_LT(8.0 * static_cast<double>(bytes) / 1000.0, 8.0);  // steps of n, not of M (~48)
  // Negative values and a quantum that changes half-way through the block.
  std::vector<Sample> mixed;
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t k = 1000 + (i * 7919) % 300;
    const std::int64_t m = i < 500 ? (2 * k * 1000 + 7) / 14 : -k * 17;
    mixed.push_back({kT0 + absl::Minutes(i), Value(m, 0, Unit::kWatt)});
  }
  expect_round_trip(mixed);
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
  bad[0] = 3;
  EXPECT_EQ(decode_block(bad).status().message(),
            "profile: codec block at offset 0: version 0x03, expected 0x01 or 0x02");
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

TEST(Codec, HugeExponentChangeIsRefusedNotOverflowed) {
  // Regression (found by fuzz/profile_codec.cpp): an exponent change of -2^31 in the run
  // section overflowed an int before the range check.
  const std::vector<std::uint8_t> crash = {
      0x02, 0xdc, 0x04, 0x2d, 0x00, 0xf4, 0x51, 0xc2, 0x00, 0x8c, 0x01, 0x00, 0x00, 0x00,
      0x02, 0x53, 0x03, 0xd0, 0xca, 0x23, 0x4d, 0x17, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc3, 0x50,
      0xcb, 0xf8, 0xff, 0x4a, 0xf4, 0x01, 0x2d, 0x00, 0xf4, 0x51, 0x51, 0xc2, 0x8c, 0x01,
      0x00, 0x00, 0x00, 0x00, 0x02, 0x53, 0x03, 0xc1, 0x01};
  const auto r = decode_block(crash);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("exponent change out of range"), std::string::npos)
      << r.status();
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
