#include "emscore/mbus/record.hpp"

#include <gtest/gtest.h>

#include "emscore/core/strings.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>
#include <vector>

#include "emscore/mbus/data.hpp"
#include "emscore/mbus/frame.hpp"
#include "emscore/mbus/telegram.hpp"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
// Allocation counter for this test binary: the decode path must not allocate per record.
static std::atomic<long> g_allocations{0};
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace emscore::mbus {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::vector<Record> read_all(const Bytes& b, absl::Status* status = nullptr) {
  RecordReader rd(b);
  std::vector<Record> out;
  Record r;
  while (rd.next(r)) out.push_back(r);
  if (status) *status = rd.status();
  return out;
}

TEST(Record, DifDifeStorageTariffSubunit) {
  // 84 10 06 ...: DIF 0x84 (32-bit, storage LSB 0), DIFE 0x10 tariff 1.
  // C4 80 40 14: DIF storage bit 1, DIFE 0x80 (nothing, more), DIFE 0x40 subunit bit 1.
  const Bytes b = {0x84, 0x10, 0x06, 0, 0, 0, 0, 0xC4, 0x80, 0x40, 0x14, 0, 0, 0, 0,
                   0x8C, 0x8F, 0x3F, 0x13, 0, 0, 0, 0};
  absl::Status st;
  auto rs = read_all(b, &st);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].tariff, 1u);
  EXPECT_EQ(rs[0].storage, 0u);
  EXPECT_EQ(rs[0].dife_count, 1);
  EXPECT_EQ(rs[1].storage, 1u);
  EXPECT_EQ(rs[1].subunit, 2u);  // subunit bit from the second DIFE
  EXPECT_EQ(rs[1].tariff, 0u);
  // 8C 8F 3F: storage 0 | 0xF<<1 | 0xF<<5 = 0x1FE, tariff 0b11<<2 = 12, subunit 0.
  EXPECT_EQ(rs[2].storage, 0x1FEu);
  EXPECT_EQ(rs[2].tariff, 12u);
  EXPECT_EQ(rs[2].coding, DataCoding::kBcd8);
}

TEST(Record, FunctionFieldAndHeaderBytes) {
  const Bytes b = {0x14, 0x2B, 1, 0, 0, 0, 0x24, 0x2B, 2, 0, 0, 0, 0x34, 0x2B, 3, 0, 0, 0};
  auto rs = read_all(b);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].function, Function::kMaximum);
  EXPECT_EQ(rs[1].function, Function::kMinimum);
  EXPECT_EQ(rs[2].function, Function::kError);
  EXPECT_EQ(rs[2].header.size(), 2u);
  EXPECT_EQ(rs[2].bytes.size(), 6u);
  EXPECT_EQ(rs[2].offset, 12u);
}

TEST(Record, TenDifesAllowedElevenRejected) {
  Bytes b = {0x84};
  for (int i = 0; i < 9; ++i) b.push_back(0x8F);
  b.push_back(0x0F);  // 10th DIFE, last
  b.insert(b.end(), {0x03, 0, 0, 0, 0});
  absl::Status st;
  auto rs = read_all(b, &st);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].dife_count, 10);
  EXPECT_EQ(rs[0].storage, (std::uint64_t{1} << 41) - 2);  // 40 storage bits from DIFEs
  Bytes bad = {0x84};
  for (int i = 0; i < 11; ++i) bad.push_back(0x80);
  bad.insert(bad.end(), {0x03, 0, 0, 0, 0});
  read_all(bad, &st);
  EXPECT_NE(to_std(st.message()).find("more than 10 DIFEs"), std::string::npos) << st;
}

TEST(Record, VifeChainsAndLimits) {
  const Bytes b = {0x04, 0x93, 0x3B, 0x10, 0, 0, 0};  // volume, VIFE accumulation if positive
  auto rs = read_all(b);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].vifes.size(), 1u);
  Bytes bad = {0x01, 0x93};
  for (int i = 0; i < 10; ++i) bad.push_back(0xBB);
  bad.insert(bad.end(), {0x3B, 0x01});
  absl::Status st;
  read_all(bad, &st);
  EXPECT_NE(to_std(st.message()).find("more than 10 VIFEs"), std::string::npos) << st;
}

TEST(Record, ExtensionTablesAndPlainText) {
  const Bytes b = {0x01, 0xFD, 0x17, 0x05,                 // FD error flags
                   0x02, 0xFB, 0x8D, 0x74, 0x34, 0x12,     // FB 0x0D + VIFE 0x74
                   0x02, 0xFC, 0x03, 0x48, 0x52, 0x25, 0x74, 0x22, 0x15};  // plain "%RH"
  absl::Status st;
  auto rs = read_all(b, &st);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].table, VifTable::kFD);
  EXPECT_EQ(rs[0].code, 0x17);
  EXPECT_TRUE(rs[0].vifes.empty());
  EXPECT_EQ(rs[1].table, VifTable::kFB);
  EXPECT_EQ(rs[1].code, 0x0D);
  EXPECT_EQ(rs[1].vifes.size(), 1u);
  EXPECT_EQ(rs[2].table, VifTable::kPlainText);
  EXPECT_EQ(text_of(rs[2].plain_text), "%RH");
  EXPECT_EQ(rs[2].vifes.size(), 1u);
  EXPECT_EQ(rs[2].data.size(), 2u);
}

TEST(Record, SpecialDifs) {
  const Bytes b = {0x2F, 0x2F, 0x01, 0x13, 0x05, 0x2F, 0x1F, 0xAA, 0xBB};
  RecordReader rd(b);
  Record r;
  ASSERT_TRUE(rd.next(r));
  EXPECT_EQ(r.kind, RecordKind::kData);
  EXPECT_EQ(r.offset, 2u);
  ASSERT_TRUE(rd.next(r));
  EXPECT_EQ(r.kind, RecordKind::kMoreRecordsFollow);
  EXPECT_EQ(r.data.size(), 2u);
  EXPECT_FALSE(rd.next(r));
  EXPECT_TRUE(rd.ok());
  EXPECT_TRUE(rd.more_records_follow());
  const Bytes m = {0x0F, 0x01, 0x02};
  auto rs = read_all(m);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].kind, RecordKind::kManufacturerSpecific);
  absl::Status st;
  read_all({0x3F, 0x00}, &st);
  EXPECT_NE(to_std(st.message()).find("reserved special function"), std::string::npos);
  rs = read_all({0x7F});
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].kind, RecordKind::kGlobalReadout);
}

TEST(Record, VariableLengthRanges) {
  const Bytes b = {0x0D, 0x78, 0x03, 'C', 'B', 'A',            // text "ABC"
                   0x0D, 0x13, 0xC2, 0x34, 0x12,               // BCD +1234
                   0x0D, 0x13, 0xD1, 0x07,                     // BCD -7
                   0x0D, 0x13, 0xE2, 0xFE, 0xFF,               // binary -2
                   0x0D, 0xFF, 0x01, 0xF0};                    // 16 binary bytes follow
  Bytes all = b;
  all.insert(all.end(), 16, 0x11);
  absl::Status st;
  auto rs = read_all(all, &st);
  ASSERT_TRUE(st.ok()) << st;
  ASSERT_EQ(rs.size(), 5u);
  EXPECT_EQ(rs[0].data.size(), 3u);
  EXPECT_EQ(rs[1].lvar, 0xC2);
  EXPECT_EQ(rs[3].data.size(), 2u);
  EXPECT_EQ(rs[4].data.size(), 16u);
  read_all({0x0D, 0x13, 0xF8}, &st);
  EXPECT_NE(to_std(st.message()).find("LVAR 0xF8 is reserved"), std::string::npos);
}

TEST(Record, TruncationIsReportedWithOffset) {
  absl::Status st;
  read_all({0x04, 0x13, 0x01, 0x02}, &st);
  EXPECT_EQ(st.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(to_std(st.message()),
            "mbus: record 0 data at offset 2: truncated, need 4 bytes, 2 left");
  read_all({0x84}, &st);
  EXPECT_NE(to_std(st.message()).find("DIFE"), std::string::npos);
  read_all({0x04}, &st);
  EXPECT_NE(to_std(st.message()).find("VIF"), std::string::npos);
  read_all({0x04, 0xFD}, &st);
  EXPECT_NE(to_std(st.message()).find("VIFE"), std::string::npos);
  read_all({0x04, 0x7C, 0x05, 'a'}, &st);
  EXPECT_NE(to_std(st.message()).find("plain-text"), std::string::npos);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Bytes hex_bytes(const std::string& s) {
  Bytes out;
  std::istringstream in(s);
  std::string tok;
  while (in >> tok) out.push_back(static_cast<std::uint8_t>(std::stoul(tok, nullptr, 16)));
  return out;
}

TEST(Record, DecodingAllocatesNothingPerRecord) {
  const Bytes frame = hex_bytes(read_file(std::string(EMSCORE_VECTORS_DIR) +
                                          "/mbus/libmbus/test-frames/kamstrup_multical_601.hex"));
  ASSERT_GT(frame.size(), 100u);
  long records = 0;
  std::int64_t checksum = 0;
  const long before = g_allocations.load();
  for (int round = 0; round < 100; ++round) {
    auto f = parse_frame(frame);
    if (!f.ok()) break;
    auto t = parse_telegram(*f);
    if (!t.ok()) break;
    RecordReader rd = t->reader();
    Record r;
    while (rd.next(r)) {
      const RecordMeaning m = describe_record(r);
      auto v = decode_value(r, m);
      if (v.ok() && v->type == ValueType::kNumber) checksum += v->number.mantissa;
      ++records;
    }
    if (!rd.ok()) break;
  }
  const long allocations = g_allocations.load() - before;
  EXPECT_EQ(records, 100 * 28);
  EXPECT_NE(checksum, 0);
  EXPECT_EQ(allocations, 0) << "allocations while decoding " << records << " records";
}


// The whole vector set (the benchmark's frames) through the fastest form,
// decode_value_into: no allocation at all once the frames are read in.
TEST(Record, WholeVectorSetDecodesWithoutAllocating) {
  std::vector<Bytes> frames;
  for (const char* name : {"libmbus/test-frames", "jmbus/wired"}) {
    const std::string dir = std::string(EMSCORE_VECTORS_DIR) + "/mbus/" + name;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() == ".hex") frames.push_back(hex_bytes(read_file(e.path().string())));
    }
  }
  ASSERT_GT(frames.size(), 50u);
  // Frames the decoder rejects build an error Status (which allocates): leave them out.
  std::vector<const Bytes*> good;
  for (const Bytes& f : frames) {
    auto p = parse_frame(f);
    if (p.ok() && parse_telegram(*p).ok()) good.push_back(&f);
  }
  ASSERT_GT(good.size(), 50u);
  long records = 0;
  long numbers = 0;
  const long before = g_allocations.load();
  for (int round = 0; round < 10; ++round) {
    for (const Bytes* f : good) {
      auto p = parse_frame(*f);
      auto t = parse_telegram(*p);
      RecordReader rd = t->reader();
      Record r;
      RecordValue v;
      while (rd.next(r)) {
        const RecordMeaning m = describe_record(r);
        if (decode_value_into(r, m, v).ok() && v.type == ValueType::kNumber) ++numbers;
        ++records;
      }
    }
  }
  const long allocations = g_allocations.load() - before;
  EXPECT_GT(records, 10 * 700);
  EXPECT_GT(numbers, records / 2);
  EXPECT_EQ(allocations, 0) << "allocations while decoding " << records << " records";
}

}  // namespace
}  // namespace emscore::mbus
