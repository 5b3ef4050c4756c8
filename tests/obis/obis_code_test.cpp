#include "emscore/obis/obis_code.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace emscore::obis {
namespace {

using namespace emscore::obis::literals;

struct Case {
  const char* text;
  ObisCode code;
};

TEST(ObisCode, ParsesEveryFieldForm) {
  const Case cases[] = {
      {"1-0:1.8.1", {1, 0, 1, 8, 1, 255}},
      {"1-0:1.8.1*255", {1, 0, 1, 8, 1, 255}},
      {"1-0:1.8.1.255", {1, 0, 1, 8, 1, 255}},
      {"1-0:1.8.1*01", {1, 0, 1, 8, 1, 1}},
      {"1-0:1.8.1&04", {1, 0, 1, 8, 1, 4}},
      {"1.8.1", {1, 0, 1, 8, 1, 255}},
      {"1.8.0", {1, 0, 1, 8, 0, 255}},
      {"1.8", {1, 0, 1, 8, 0, 255}},
      {"1.8.1*12", {1, 0, 1, 8, 1, 12}},
      {"0-1:24.2.1", {0, 1, 24, 2, 1, 255}},
      {"0-0:96.1.1", {0, 0, 96, 1, 1, 255}},
      {"1-3:0.2.8", {1, 3, 0, 2, 8, 255}},
      {"1-0:99.97.0", {1, 0, 99, 97, 0, 255}},
      {"C.1.0", {1, 0, 96, 1, 0, 255}},
      {"F.F", {1, 0, 97, 97, 0, 255}},
      {"L.1.0", {1, 0, 98, 1, 0, 255}},
      {"P.1.0", {1, 0, 99, 1, 0, 255}},
      {"1-0:C.1.0", {1, 0, 96, 1, 0, 255}},
      {"0100010801FF", {1, 0, 1, 8, 1, 255}},
      {"0000600E00ff", {0, 0, 96, 14, 0, 255}},
      {"255-255:255.255.255*255", {255, 255, 255, 255, 255, 255}},
  };
  for (const auto& c : cases) {
    auto r = ObisCode::parse(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status();
    EXPECT_EQ(*r, c.code) << c.text << " gave " << r->to_string();
  }
}

TEST(ObisCode, RejectsWithPositionAndExpectation) {
  struct Bad {
    const char* text;
    const char* message;
  };
  const Bad cases[] = {
      {"", "obis: empty code"},
      {"1-0:1.8", "obis: \"1-0:1.8\" at position 7: expected '.' and value group E, found end of text"},
      {"1-0:256.8.0", "obis: \"1-0:256.8.0\" at position 4: value group C is 256, expected 0-255"},
      {"1-0:1.8.0*999", "obis: \"1-0:1.8.0*999\" at position 10: value group F is 999, expected 0-255"},
      {"1-0:1.8.1*", "obis: \"1-0:1.8.1*\" at position 10: expected value group F (0-255), found end of text"},
      {"1-0:1.8.1x", "obis: \"1-0:1.8.1x\" at position 9: expected '*' and value group F, or the end, found 'x'"},
      {"1-:1.8.1", "obis: \"1-:1.8.1\" at position 2: expected value group B (0-255), found ':'"},
      {"1-0-1.8.1", "obis: \"1-0-1.8.1\" at position 3: expected ':' after group B, found '-'"},
      {"X.8.1", "obis: \"X.8.1\" at position 0: expected value group C (0-255 or C, F, L, P), found 'X'"},
      {"1", "obis: \"1\" at position 1: expected '.' after group C, found end of text"},
      {"1.8.1*2.3", "obis: \"1.8.1*2.3\" at position 7: expected the end of the code, found '.'"},
      {"1-0:1.8.1 ", "obis: \"1-0:1.8.1 \" at position 9: expected '*' and value group F, or the end, found ' '"},
  };
  for (const auto& c : cases) {
    auto r = ObisCode::parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(r.status().message()), c.message);
  }
}

TEST(ObisCode, CanonicalFormat) {
  EXPECT_EQ(ObisCode(1, 0, 1, 8, 1).to_string(), "1-0:1.8.1");
  EXPECT_EQ(ObisCode(1, 0, 1, 8, 1, 3).to_string(), "1-0:1.8.1*3");
  EXPECT_EQ(ObisCode(0, 1, 24, 2, 1).to_hex(), "0001180201FF");
}

TEST(ObisCode, LiteralIsCompileTime) {
  constexpr ObisCode a = "1-0:1.8.1"_obis;
  static_assert(a == ObisCode(1, 0, 1, 8, 1, 255));
  static_assert("1.8.1"_obis == a);
  static_assert("0-1:24.2.1*255"_obis == ObisCode(0, 1, 24, 2, 1));
  static_assert("F.F"_obis == ObisCode(1, 0, 97, 97, 0));
  static_assert("0100010801FF"_obis == a);
  // "1-0:1.8"_obis or "1-0:300.8.0"_obis would not compile (see tests/obis/CMakeLists.txt).
  EXPECT_EQ(a.to_string(), "1-0:1.8.1");
}

TEST(ObisCode, PackedRoundTripAndOrder) {
  const ObisCode o(1, 2, 3, 4, 5, 6);
  EXPECT_EQ(o.packed(), 0x010203040506u);
  EXPECT_EQ(ObisCode::from_packed(o.packed()), o);
  EXPECT_LT(ObisCode(1, 0, 1, 8, 0), ObisCode(1, 0, 1, 8, 1));
  EXPECT_EQ(o.with_channel(9), ObisCode(1, 9, 3, 4, 5, 6));
}

// The constexpr parser behind the literal and the Spirit X3 parser agree on every input:
// random valid codes in every form, and random mutations of them.
TEST(ObisCode, LiteralParserAgreesWithRuntimeParser) {
  std::mt19937 rng(1234);
  const std::string alphabet = "0123456789-:.*&CFLPX ";
  auto agree = [](const std::string& text) {
    detail::ConstexprObisParser p{text};
    ObisCode c;
    const bool ok_c = p.parse(c);
    auto r = ObisCode::parse(text);
    EXPECT_EQ(ok_c, r.ok()) << "'" << text << "'";
    if (ok_c && r.ok()) {
      EXPECT_EQ(c, *r) << "'" << text << "'";
    }
  };
  for (int i = 0; i < 20000; ++i) {
    auto byte = [&rng] { return static_cast<std::uint8_t>(rng() % 256); };
    const ObisCode o(byte(), byte(), byte(), byte(), byte(), byte());
    std::string forms[] = {o.to_string(), o.to_hex(),
                           std::to_string(o.c) + "." + std::to_string(o.d) + "." + std::to_string(o.e)};
    for (std::string& s : forms) {
      agree(s);
      std::string m = s;
      const std::size_t pos = rng() % (m.size() + 1);
      switch (rng() % 3) {
        case 0: m.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        case 1: if (pos < m.size()) m.erase(pos, 1); break;
        default: if (pos < m.size()) m[pos] = alphabet[rng() % alphabet.size()]; break;
      }
      agree(m);
    }
  }
}

}  // namespace
}  // namespace emscore::obis
