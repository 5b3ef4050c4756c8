#include "emscore/dsmr/telegram.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <string>

#include "emscore/core/time.hpp"
#include "emscore/obis/obis_code.hpp"
#include "../support/vectors.hpp"

// Counts heap allocations so that the test can prove the parse path allocates nothing per
// line once the parser's arrays have grown.
namespace {
std::atomic<long> g_allocations{0};
}
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// The replacement new uses malloc, so free is the matching release.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace emscore::dsmr {
namespace {

using namespace emscore::obis::literals;

std::string read_file(const std::string& rel) { return testing::read_vector("dsmr/" + rel); }

std::string iso(absl::Time t) { return format_iso8601_utc(t); }

TEST(Telegram, Dsmr5AllLines) {
  const std::string s = read_file("ndokter_dsmr_parser/telegram_v5.txt");
  TelegramParser p;
  auto t = p.parse(s);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->crc, CrcStatus::kOk);
  EXPECT_EQ(t->header, "ISk5\\2MT382-1000");
  EXPECT_EQ(t->dialect.manufacturer, "ISk");
  EXPECT_EQ(t->dialect.baud, '5');
  EXPECT_EQ(t->dialect.version, "50");
  EXPECT_EQ(t->dialect.variant, Variant::kDsmr5);
  EXPECT_TRUE(t->issues.empty());
  EXPECT_EQ(t->objects.size(), 37u);
  EXPECT_EQ(iso(*t->timestamp("0-0:1.0.0"_obis)), "2017-01-02T18:20:02Z");
  EXPECT_TRUE(t->number("1-0:1.8.1"_obis)->identical(Value(4426, -3, Unit::kKiloWattHour)));
  EXPECT_TRUE(t->number("1-0:32.7.0"_obis)->identical(Value(2300, -1, Unit::kVolt)));
  EXPECT_TRUE(t->number("1-0:31.7.0"_obis)->identical(Value(48, -2, Unit::kAmpere)));
  // Power-failure log with zero entries: count then the unit's OBIS code.
  const DataObject* log = t->find("1-0:99.97.0"_obis);
  ASSERT_NE(log, nullptr);
  auto g = t->groups(*log);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].kind, GroupKind::kNumber);
  EXPECT_EQ(g[1].kind, GroupKind::kObis);
  EXPECT_EQ(g[1].obis, "0-0:96.7.19"_obis);
  // Empty text message.
  const DataObject* msg = t->find("0-0:96.13.0"_obis);
  ASSERT_NE(msg, nullptr);
  ASSERT_EQ(msg->group_count, 1u);
  EXPECT_EQ(t->groups(*msg)[0].kind, GroupKind::kEmpty);
  // M-Bus channel 1: type, id, timestamped gas reading.
  const DataObject* gas = t->find("0-1:24.2.1"_obis);
  ASSERT_NE(gas, nullptr);
  EXPECT_EQ(iso(*t->timestamp("0-1:24.2.1"_obis)), "2017-01-02T15:10:05Z");
  EXPECT_TRUE(t->number("0-1:24.2.1"_obis)->identical(Value(107, -3, Unit::kCubicMetre)));
  EXPECT_EQ(t->groups(*gas)[1].unit_text, "m3");
  EXPECT_EQ(t->groups(*t->find("0-1:24.1.0"_obis))[0].raw, "003");
  EXPECT_EQ(t->groups(*t->find("0-2:96.1.0"_obis))[0].kind, GroupKind::kEmpty);
}

TEST(Telegram, PowerFailureLogEntries) {
  const std::string s =
      read_file("nielsbasjes_dsmr-tools/TestDsmrParserOnPowerFailure__testParseBadTestcase.txt");
  TelegramParser p;
  auto t = p.parse(s);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->crc, CrcStatus::kOk);
  const DataObject* log = t->find("1-0:99.97.0"_obis);
  ASSERT_NE(log, nullptr);
  auto g = t->groups(*log);
  ASSERT_EQ(g.size(), 6u);
  EXPECT_EQ(g[0].raw, "2");
  EXPECT_EQ(g[2].kind, GroupKind::kTimestamp);
  EXPECT_EQ(iso(g[2].time), "2018-04-17T18:14:58Z");
  EXPECT_TRUE(g[3].value.identical(Value(236, 0, Unit::kSecond)));
  EXPECT_EQ(iso(g[4].time), "2022-05-25T07:43:46Z");
  EXPECT_TRUE(g[5].value.identical(Value(2936, 0, Unit::kSecond)));
}

TEST(Telegram, BelgianEmucsPeakDemand) {
  const std::string s = read_file("ndokter_dsmr_parser/telegram_fluvius_v171.txt");
  TelegramParser p;
  auto t = p.parse(s);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->dialect.variant, Variant::kBelgium);
  EXPECT_EQ(t->dialect.version, "50217");
  EXPECT_EQ(iso(*t->timestamp("1-0:1.6.0"_obis)), "2020-05-09T11:45:58Z");
  EXPECT_TRUE(t->number("1-0:1.6.0"_obis)->identical(Value(2589, -3, Unit::kKiloWatt)));
  const DataObject* hist = t->find("0-0:98.1.0"_obis);
  ASSERT_NE(hist, nullptr);
  auto g = t->groups(*hist);
  ASSERT_EQ(g.size(), 12u);
  EXPECT_EQ(g[0].raw, "3");
  EXPECT_EQ(g[1].obis, "1-0:1.6.0"_obis);
  EXPECT_EQ(iso(g[3].time), "2020-04-30T22:00:00Z");
  EXPECT_EQ(iso(g[4].time), "2020-04-23T17:25:38Z");
  EXPECT_TRUE(g[5].value.identical(Value(3695, -3, Unit::kKiloWatt)));
  EXPECT_EQ(g[10].dst_flag, 'W');
  // Gas on channel 1 is 24.2.3 (temperature-corrected) in e-MUCS.
  EXPECT_TRUE(t->number("0-1:24.2.3"_obis)->identical(Value(112384, -3, Unit::kCubicMetre)));
}

TEST(Telegram, LegacyGasOnTheNextLine) {
  const std::string s = read_file("ndokter_dsmr_parser/telegram_v2_2.txt");
  TelegramParser p;
  auto t = p.parse(s);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->crc, CrcStatus::kAbsent);
  EXPECT_EQ(t->dialect.variant, Variant::kDsmrLegacy);
  EXPECT_TRUE(t->issues.empty());
  const DataObject* gas = t->find("0-1:24.3.0"_obis);
  ASSERT_NE(gas, nullptr);
  auto g = t->groups(*gas);
  ASSERT_EQ(g.size(), 7u);
  EXPECT_EQ(g[0].kind, GroupKind::kTimestamp);
  EXPECT_EQ(g[0].dst_flag, 0);
  EXPECT_EQ(iso(g[0].time), "2016-11-07T18:00:00Z");
  EXPECT_EQ(g[4].obis, "0-1:24.2.1"_obis);
  EXPECT_EQ(g[5].raw, "m3");
  // The reading on the continuation line gets the unit named before it.
  EXPECT_TRUE(g[6].value.identical(Value(1001, -3, Unit::kCubicMetre)));
  EXPECT_EQ(gas->text, "0-1:24.3.0(161107190000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n(00001.001)");
}

TEST(Telegram, GenericUnknownCodesAndForms) {
  const std::string s =
      "/XYZ5 unknown meter\r\n\r\n"
      "1-0:0.0.0*255(0272031312565)\r\n"
      "1-0:1.8.0*255(00052185.7825309*kWh)\r\n"
      "7-0:99.99.9(1.5*furlong)(-2)(abc def)\r\n"
      "1-0:32.7.0 (230.1*V)  \r\n"
      "1-0:52.7.0( 231.5 * V )\r\n"
      "1.8.1(000001.000*kWh)\r\n"
      "0-0:96.13.0(303132\r\n"
      "333435)\r\n"
      "!";
  TelegramParser p;
  auto t = p.parse(s);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->issues.empty()) << describe(t->issues[0]);
  ASSERT_EQ(t->objects.size(), 7u);
  EXPECT_TRUE(t->number("1-0:52.7.0"_obis)->identical(Value(2315, -1, Unit::kVolt)));
  EXPECT_EQ(t->objects[0].obis, obis::ObisCode(1, 0, 0, 0, 0, 255));
  EXPECT_TRUE(t->number(obis::ObisCode(1, 0, 1, 8, 0, 255))
                  ->identical(Value(521857825309, -7, Unit::kKiloWattHour)));
  auto g = t->groups(t->objects[2]);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].kind, GroupKind::kNumber);
  EXPECT_EQ(g[0].unit_text, "furlong");
  EXPECT_EQ(g[0].value.unit, Unit::kNone);
  EXPECT_TRUE(g[1].value.identical(Value(-2, 0)));
  EXPECT_EQ(g[2].kind, GroupKind::kText);
  EXPECT_TRUE(t->number("1-0:32.7.0"_obis)->identical(Value(2301, -1, Unit::kVolt)));
  EXPECT_EQ(t->objects[5].obis, "1-0:1.8.1"_obis);
  // A text message broken over two lines is one group.
  auto m = t->groups(t->objects[6]);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].raw, "303132\r\n333435");
}

TEST(Telegram, MalformedLinesAreIssuesNotFailures) {
  const std::string s =
      "/AAA5MTR\r\n\r\n"
      "1-3:0.2.8(40\r\n"          // unclosed
      "garbage line\r\n"          // not OBIS
      "1-0:1.8.1(0001(2)\r\n"     // nested
      "1-0:1.8.2(000001.000*kWh)xx\r\n"  // trailing
      "0-0:96.1.1\r\n"            // no value
      "1-0:999.8.1(1)\r\n"        // group > 255
      "0-0:1.0.0(171302192002W)\r\n"  // month 13
      "1-0:2.8.1(000002.000*kWh)\r\n"
      "!";
  TelegramParser p;
  auto t = p.parse(s);
  ASSERT_TRUE(t.ok());
  std::vector<IssueKind> kinds;
  for (const Issue& i : t->issues) kinds.push_back(i.kind);
  EXPECT_EQ(kinds, (std::vector<IssueKind>{IssueKind::kUnclosedGroup, IssueKind::kBadObis,
                                            IssueKind::kNestedParen, IssueKind::kTrailing,
                                            IssueKind::kNoValue, IssueKind::kBadObis,
                                            IssueKind::kBadTimestamp}));
  EXPECT_EQ(describe(t->issues[0]), "dsmr: line at offset 21 has '(' without ')'");
  EXPECT_EQ(t->issues[1].offset, 26u);
  // The good lines around them are still there.
  EXPECT_TRUE(t->number("1-0:1.8.2"_obis)->identical(Value(1000, -3, Unit::kKiloWattHour)));
  EXPECT_TRUE(t->number("1-0:2.8.1"_obis)->identical(Value(2000, -3, Unit::kKiloWattHour)));
}

TEST(Telegram, WholeTelegramErrors) {
  TelegramParser p;
  EXPECT_EQ(p.parse("no slash here!").status().message(),
            "dsmr: telegram at offset 0: no '/' identification line, expected /XXXZ...");
  EXPECT_EQ(p.parse("xx/ABC5 no end").status().message(),
            "dsmr: telegram at offset 2: no '!' end of telegram, expected !CRC");
  // Tiny telegrams parse to nothing without crashing.
  for (std::string_view tiny : {"/!", "/a!", "/\r\n!", "/ABC5\r\n(1)\r\n!"}) {
    auto t = p.parse(tiny);
    ASSERT_TRUE(t.ok()) << tiny;
    EXPECT_TRUE(t->objects.empty());
  }
}

TEST(Telegram, CrcCheckedWhenNotGiven) {
  std::string s = read_file("ndokter_dsmr_parser/telegram_v4_2.txt");
  TelegramParser p;
  EXPECT_EQ(p.parse(s)->crc, CrcStatus::kOk);
  EXPECT_EQ(p.parse(s, CrcStatus::kAbsent)->crc, CrcStatus::kAbsent);
  s[s.find("1-0:1.8.1") + 12] ^= 1;
  EXPECT_EQ(p.parse(s)->crc, CrcStatus::kMismatch);
}

TEST(Telegram, FastReadersAgreeWithReference) {
  for (std::string_view code : {"1-0:1.8.1", "0-1:24.2.1", "1-3:0.2.8", "0-0:96.7.19",
                                "255-255:255.255.255*255", "1-0:1.8.0*255", "0-0:96.1.255"}) {
    obis::ObisCode fast;
    ASSERT_EQ(read_obis(code, &fast), code.size()) << code;
    auto ref = obis::ObisCode::parse(code);
    ASSERT_TRUE(ref.ok());
    EXPECT_EQ(fast, *ref) << code;
  }
  obis::ObisCode o;
  for (std::string_view bad : {"", "1-0", "1-0:1.8", "256-0:1.8.1", "1-0:1.8.1000", "a-0:1.8.1",
                               "1-0:1..1"}) {
    EXPECT_EQ(read_obis(bad, &o), 0u) << bad;
  }
  for (std::string_view num : {"000004.426", "0", "-1.5", "+12", "230.0", "0.000",
                               "123456789012345678", "00052185.7825309"}) {
    Value fast;
    ASSERT_TRUE(parse_decimal(num, &fast)) << num;
    auto ref = Value::parse(num);
    ASSERT_TRUE(ref.ok());
    EXPECT_TRUE(fast.identical(*ref)) << num;
  }
  Value v;
  for (std::string_view bad : {"", ".", "-", "1.2.3", "12a", "1e5", "1234567890123456789"}) {
    EXPECT_FALSE(parse_decimal(bad, &v)) << bad;
  }
}

TEST(Telegram, HexText) {
  std::string out;
  ASSERT_TRUE(decode_hex_text("4B384547303034303436333935353037", &out));
  EXPECT_EQ(out, "K8EG004046395507");
  EXPECT_FALSE(decode_hex_text("ABC", &out));
  EXPECT_FALSE(decode_hex_text("ZZ", &out));
  ASSERT_TRUE(decode_hex_text("", &out));
  EXPECT_EQ(out, "");
}

TEST(Telegram, NamesForEveryEnumerator) {
  EXPECT_EQ(group_kind_name(GroupKind::kTimestamp), "timestamp");
  EXPECT_EQ(variant_name(Variant::kBelgium), "e-MUCS (BE)");
  EXPECT_EQ(variant_name(Variant::kDsmrLegacy), "DSMR 2.2/3.0");
}

TEST(Telegram, NoAllocationPerLineOnceWarm) {
  const std::string v5 = read_file("ndokter_dsmr_parser/telegram_v5_two_mbus.txt");
  const std::string be = read_file("ndokter_dsmr_parser/telegram_fluvius_v171.txt");
  TelegramParser p;
  ASSERT_TRUE(p.parse(be).ok());  // grows the arrays once
  ASSERT_TRUE(p.parse(v5).ok());
  const long before = g_allocations.load();
  std::size_t objects = 0;
  for (int i = 0; i < 100; ++i) {
    auto a = p.parse(v5, CrcStatus::kOk);
    objects += a->objects.size();
    auto b = p.parse(be, CrcStatus::kOk);
    objects += b->objects.size();
  }
  const long after = g_allocations.load();
  EXPECT_GT(objects, 100u * 60u);
  EXPECT_EQ(after - before, 0) << "allocations while parsing " << objects << " lines";
}

}  // namespace
}  // namespace emscore::dsmr
