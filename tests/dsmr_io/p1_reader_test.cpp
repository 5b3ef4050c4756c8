#include "emscore/dsmr_io/p1_reader.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "../support/socat_pty.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/use_future.hpp"
#include "emscore/dsmr/emitter.hpp"
#include "emscore/dsmr/smarty.hpp"
#include "emscore/dsmr/telegram.hpp"

namespace emscore::dsmr_io {
namespace {

namespace fs = std::filesystem;
using namespace emscore::obis::literals;
using namespace std::chrono_literals;

// A socat pty pair: the reader opens `a`, the simulated meter writes to `b`.
using PtyPair = emscore::testing::SocatPty;

// The meter side: keeps its end of the pty open for the whole test (closing it would make
// socat hang up the reader's side, which may flush bytes not yet read) and writes in small
// pieces, as a UART would.
class Meter {
 public:
  explicit Meter(const std::string& path) : fd_(::open(path.c_str(), O_WRONLY | O_NOCTTY)) {
    // Raw now, whether or not socat has configured its end yet (no CR LF translation).
    termios tio{};
    if (fd_ >= 0 && tcgetattr(fd_, &tio) == 0) {
      cfmakeraw(&tio);
      tcsetattr(fd_, TCSANOW, &tio);
    }
  }
  ~Meter() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  void write_slowly(const std::string& bytes, std::size_t piece) {
    for (std::size_t i = 0; i < bytes.size(); i += piece) {
      const std::size_t n = std::min(piece, bytes.size() - i);
      ASSERT_EQ(::write(fd_, bytes.data() + i, n), static_cast<ssize_t>(n));
      std::this_thread::sleep_for(1ms);
    }
  }

 private:
  int fd_;
};

std::string meter_telegram(int i, bool crc = true) {
  const absl::Time now = absl::FromUnixSeconds(1700000000 + i);
  const Reading readings[] = {
      {DeviceRef{1}, "1-0:1.8.1"_obis, Value(1000000 + i, -3, Unit::kKiloWattHour), now},
      {DeviceRef{1}, "1-0:1.7.0"_obis, Value(250 + i, -3, Unit::kKiloWatt), now},
      {DeviceRef{2}, "0-1:24.2.1"_obis, Value(5000 + i, -3, Unit::kCubicMetre), now},
  };
  return dsmr::emit_telegram("ISK5\\2M550T-1012", readings, now, crc);
}

TEST(P1Reader, Dsmr5TelegramsOverAPty) {
  PtyPair pty;
  ASSERT_TRUE(pty.ready()) << "socat did not create the pty pair";
  asio::io_context io;
  ReaderOptions opts;
  opts.timeout = 5s;
  P1Reader reader(io.get_executor(), opts);
  ASSERT_TRUE(reader.open(pty.a(), SerialSettings::dsmr5()).ok());

  // Noise, a telegram with a broken CRC, then five good ones.
  std::string stream = "\x13\x37 line noise\r\n";
  std::string bad = meter_telegram(99);
  bad[bad.find("1-0:1.8.1") + 12] ^= 1;
  stream += bad;
  for (int i = 0; i < 5; ++i) stream += meter_telegram(i);
  Meter m(pty.b());
  ASSERT_TRUE(m.ok());
  std::thread meter([&] { m.write_slowly(stream, 61); });

  std::vector<ReceivedTelegram> got;
  std::function<void(absl::StatusOr<ReceivedTelegram>)> next =
      [&](absl::StatusOr<ReceivedTelegram> t) {
        if (!t.ok()) {
          ADD_FAILURE() << t.status();
          return;
        }
        got.push_back(std::move(*t));
        if (got.size() < 5) reader.async_read_telegram(next);
      };
  reader.async_read_telegram(next);
  io.run();
  meter.join();

  ASSERT_EQ(got.size(), 5u);
  dsmr::TelegramParser parser;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(got[i].crc, dsmr::CrcStatus::kOk);
    auto t = parser.parse(got[i].bytes, got[i].crc);
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(t->number("1-0:1.8.1"_obis)->identical(Value(1000000 + i, -3, Unit::kKiloWattHour)));
    EXPECT_EQ(*t->timestamp("0-1:24.2.1"_obis), absl::FromUnixSeconds(1700000000 + i));
  }
  EXPECT_EQ(reader.stats().crc_mismatches, 1u);
  EXPECT_EQ(reader.stats().telegrams, 5u);
  EXPECT_EQ(reader.stats().noise_bytes, stream.find('/'));
  EXPECT_EQ(reader.stats().bytes, stream.size());
}

TEST(P1Reader, Legacy9600SevenE1WithCallbackToken) {
  PtyPair pty;
  ASSERT_TRUE(pty.ready());
  asio::io_context io;
  P1Reader reader(io.get_executor());
  const absl::Status opened = reader.open(pty.a(), SerialSettings::dsmr22());
  ASSERT_TRUE(opened.ok()) << opened;
  const std::string legacy = meter_telegram(7, false);
  // A 7E1 meter: bit 7 carries even parity. The reader must strip it.
  std::string wire = legacy;
  for (char& c : wire) {
    const auto b = static_cast<unsigned char>(c);
    if (__builtin_popcount(b) % 2 != 0) c = static_cast<char>(b | 0x80);
  }
  ASSERT_NE(wire, legacy);
  Meter m(pty.b());
  ASSERT_TRUE(m.ok());
  std::thread meter([&] { m.write_slowly(wire, 16); });
  absl::StatusOr<ReceivedTelegram> result = absl::UnknownError("not called");
  reader.async_read_telegram([&](absl::StatusOr<ReceivedTelegram> t) { result = std::move(t); });
  io.run();
  meter.join();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->crc, dsmr::CrcStatus::kAbsent);
  EXPECT_EQ(std::string(result->bytes.begin(), result->bytes.end()),
            legacy.substr(0, legacy.size() - 2));  // without the final CR LF
}

TEST(P1Reader, FutureTokenAndQueuedTelegrams) {
  // Three telegrams in one write: the first read returns one, the next two come from the
  // reader's queue without touching the port.
  PtyPair pty;
  ASSERT_TRUE(pty.ready());
  asio::io_context io;
  P1Reader reader(io.get_executor());
  ASSERT_TRUE(reader.open(pty.a(), SerialSettings::dsmr5()).ok());
  const std::string three = meter_telegram(1) + meter_telegram(2) + meter_telegram(3);
  Meter m(pty.b());
  ASSERT_TRUE(m.ok());
  m.write_slowly(three, three.size());
  for (int i = 1; i <= 3; ++i) {
    std::future<absl::StatusOr<ReceivedTelegram>> f = reader.async_read_telegram(asio::use_future);
    // One thread: run the io_context until the future is ready.
    io.restart();
    while (f.wait_for(0s) != std::future_status::ready) {
      if (io.run_one_for(2s) == 0) break;
    }
    ASSERT_EQ(f.wait_for(0s), std::future_status::ready);
    auto t = f.get();
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(std::string(t->bytes.begin(), t->bytes.end()) + "\r\n", meter_telegram(i));
  }
}

TEST(P1Reader, LuxembourgSmartyFramesOverAPty) {
  PtyPair pty;
  ASSERT_TRUE(pty.ready());
  const dsmr::AesKey key = *dsmr::parse_key("0F0E0D0C0B0A09080706050403020100");
  const std::array<std::uint8_t, 8> title = {'S', 'A', 'G', 'y', 0x12, 0x34, 0x56, 0x78};
  std::string wire = "\xDB junk ";  // a stray 0xDB that starts no frame
  for (int i = 0; i < 3; ++i) {
    const std::string plain = meter_telegram(i);
    const auto frame = dsmr::encrypt_smarty(
        std::span(reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size()), key,
        dsmr::kSmartyDefaultAuthKey, title, static_cast<std::uint32_t>(100 + i));
    wire.append(frame.begin(), frame.end());
  }
  Meter m(pty.b());
  ASSERT_TRUE(m.ok());
  m.write_slowly(wire, 37);

  asio::io_context io;
  ReaderOptions opts;
  opts.timeout = 5s;
  opts.smarty_key = key;
  P1Reader reader(io.get_executor(), opts);
  ASSERT_TRUE(reader.open(pty.a(), SerialSettings::dsmr5()).ok());
  std::vector<ReceivedTelegram> got;
  std::function<void(absl::StatusOr<ReceivedTelegram>)> next =
      [&](absl::StatusOr<ReceivedTelegram> t) {
        ASSERT_TRUE(t.ok()) << t.status();
        got.push_back(std::move(*t));
        if (got.size() < 3) reader.async_read_telegram(next);
      };
  reader.async_read_telegram(next);
  io.run();
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].crc, dsmr::CrcStatus::kOk);
    EXPECT_EQ(std::string(got[i].bytes.begin(), got[i].bytes.end()) + "\r\n", meter_telegram(i));
  }
  EXPECT_EQ(reader.stats().smarty_frames, 3u);

  // The same line read with a wrong key: a clear error, not a timeout.
  Meter m2(pty.b());
  ASSERT_TRUE(m2.ok());
  io.restart();
  ReaderOptions wrong = opts;
  wrong.smarty_key = *dsmr::parse_key("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
  P1Reader reader2(io.get_executor(), wrong);
  ASSERT_TRUE(reader2.open(pty.a(), SerialSettings::dsmr5()).ok());
  m2.write_slowly(wire, wire.size());
  absl::StatusOr<ReceivedTelegram> result = absl::UnknownError("not called");
  reader2.async_read_telegram([&](absl::StatusOr<ReceivedTelegram> t) { result = std::move(t); });
  io.run();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kPermissionDenied) << result.status();
  EXPECT_NE(result.status().message().find("wrong encryption key"), absl::string_view::npos);
}

TEST(P1Reader, SilentMeterTimesOut) {
  PtyPair pty;
  ASSERT_TRUE(pty.ready());
  asio::io_context io;
  ReaderOptions opts;
  opts.timeout = 300ms;
  P1Reader reader(io.get_executor(), opts);
  ASSERT_TRUE(reader.open(pty.a(), SerialSettings::dsmr5()).ok());
  absl::StatusOr<ReceivedTelegram> result = absl::UnknownError("not called");
  reader.async_read_telegram([&](absl::StatusOr<ReceivedTelegram> t) { result = std::move(t); });
  const auto start = std::chrono::steady_clock::now();
  io.run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(result.status().message().find("within 300 ms"), absl::string_view::npos);
}

TEST(P1Reader, OpenErrorsAndClosedReads) {
  asio::io_context io;
  P1Reader reader(io.get_executor());
  auto s = reader.open("/dev/does-not-exist-p1", SerialSettings::dsmr5());
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("/dev/does-not-exist-p1"), absl::string_view::npos);
  EXPECT_FALSE(reader.is_open());
  absl::StatusOr<ReceivedTelegram> result = absl::UnknownError("not called");
  reader.async_read_telegram([&](absl::StatusOr<ReceivedTelegram> t) { result = std::move(t); });
  io.run();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace emscore::dsmr_io
