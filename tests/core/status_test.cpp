#include "emscore/core/status.hpp"

#include <gtest/gtest.h>

namespace emscore {
namespace {

TEST(Status, DecodeErrorSaysWhatWhereExpected) {
  auto s = decode_error("mbus", "long frame", 4, "checksum 0x3A, expected 0x3B");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "mbus: long frame at offset 4: checksum 0x3A, expected 0x3B");
}

TEST(Status, TruncatedIsOutOfRange) {
  auto s = truncated_error("modbus", "MBAP header", 0, 7, 3);
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(s.message(), "modbus: MBAP header at offset 0: truncated, need 7 bytes, 3 left");
}

TEST(Status, MismatchAndContext) {
  auto s = mismatch_error("dsmr", "CRC", "0x1234", "0xABCD");
  EXPECT_EQ(s.message(), "dsmr: CRC: got 0x1234, expected 0xABCD");
  auto c = with_context(s, "telegram 2");
  EXPECT_EQ(c.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.message(), "telegram 2: dsmr: CRC: got 0x1234, expected 0xABCD");
  EXPECT_TRUE(with_context(absl::OkStatus(), "x").ok());
}

absl::StatusOr<int> half(int x) {
  if (x % 2) return absl::InvalidArgumentError("odd");
  return x / 2;
}
absl::StatusOr<int> quarter(int x) {
  EMSCORE_ASSIGN_OR_RETURN(int h, half(x));
  EMSCORE_ASSIGN_OR_RETURN(int q, half(h));
  return q;
}
absl::Status check_even(int x) {
  EMSCORE_RETURN_IF_ERROR(half(x).status());
  return absl::OkStatus();
}

TEST(Status, Macros) {
  EXPECT_EQ(*quarter(8), 2);
  EXPECT_FALSE(quarter(6).ok());
  EXPECT_EQ(quarter(6).status().message(), "odd");
  EXPECT_TRUE(check_even(2).ok());
  EXPECT_FALSE(check_even(3).ok());
}

}  // namespace
}  // namespace emscore
