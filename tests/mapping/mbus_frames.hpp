// Test helper: a long frame from tests/vectors/mbus (hex text) parsed into a telegram.
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "emscore/mbus/frame.hpp"
#include "emscore/mbus/telegram.hpp"

namespace emscore::mapping::testing {

// Owns the bytes the frame and telegram borrow from; not copyable.
class LoadedTelegram {
 public:
  explicit LoadedTelegram(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {
    auto f = mbus::parse_frame(bytes_);
    EXPECT_TRUE(f.ok()) << f.status();
    if (!f.ok()) return;
    frame_ = std::make_unique<mbus::Frame>(*f);
    auto t = mbus::parse_telegram(*frame_);
    EXPECT_TRUE(t.ok()) << t.status();
    if (t.ok()) telegram_ = std::make_unique<mbus::Telegram>(*t);
  }
  LoadedTelegram(const LoadedTelegram&) = delete;
  LoadedTelegram& operator=(const LoadedTelegram&) = delete;
  bool ok() const { return telegram_ != nullptr; }
  const mbus::Telegram& operator*() const { return *telegram_; }
  const mbus::Telegram* operator->() const { return telegram_.get(); }

 private:
  std::vector<std::uint8_t> bytes_;
  std::unique_ptr<mbus::Frame> frame_;
  std::unique_ptr<mbus::Telegram> telegram_;
};

inline std::vector<std::uint8_t> hex_file(const std::string& name) {
  std::ifstream f(std::string(EMSCORE_VECTORS_DIR) + "/mbus/libmbus/test-frames/" + name);
  EXPECT_TRUE(f.good()) << name;
  std::vector<std::uint8_t> out;
  unsigned x;
  while (f >> std::hex >> x) out.push_back(static_cast<std::uint8_t>(x));
  return out;
}

// A long frame (C 0x08, A 0x01) around CI + data, with the checksum computed.
inline std::vector<std::uint8_t> long_frame(std::uint8_t ci, const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> f = {0x68, 0, 0, 0x68, 0x08, 0x01, ci};
  f.insert(f.end(), data.begin(), data.end());
  const auto l = static_cast<std::uint8_t>(f.size() - 4);
  f[1] = f[2] = l;
  unsigned sum = 0;
  for (std::size_t i = 4; i < f.size(); ++i) sum += f[i];
  f.push_back(static_cast<std::uint8_t>(sum));
  f.push_back(0x16);
  return f;
}

// A CI 0x72 long header: id 12345678, manufacturer "ABC", version 1, `medium`, `status`.
inline std::vector<std::uint8_t> long_header(std::uint8_t medium, std::uint8_t status = 0) {
  const std::uint16_t man = ((('A' - 64) * 32 + ('B' - 64)) * 32 + ('C' - 64));
  return {0x78, 0x56, 0x34, 0x12, static_cast<std::uint8_t>(man & 0xFF),
          static_cast<std::uint8_t>(man >> 8), 0x01, medium, 0x2A, status, 0x00, 0x00};
}

}  // namespace emscore::mapping::testing
