// Master <-> simulator over real pseudo-terminals (socat pty pairs) and TCP loopback.
// Covers master.hpp, simulator.hpp and link.hpp together (label "interop": needs socat).
#include "emscore/mbus_io/master.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/mbus/data.hpp"
#include "emscore/mbus/telegram.hpp"
#include "emscore/mbus_io/simulator.hpp"

extern char** environ;

namespace emscore::mbus_io {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A socat pty pair: two linked pseudo-terminals, like a master and a bus on one cable.
class PtyPair {
 public:
  PtyPair() {
    dir_ = fs::temp_directory_path() / ("emscore_mbus_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(counter_++));
    fs::create_directories(dir_);
    a_ = (dir_ / "master").string();
    b_ = (dir_ / "bus").string();
    const std::string pa = "pty,raw,echo=0,link=" + a_;
    const std::string pb = "pty,raw,echo=0,link=" + b_;
    const char* argv[] = {"socat", pa.c_str(), pb.c_str(), nullptr};
    if (posix_spawnp(&pid_, "socat", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) {
      pid_ = -1;
      return;
    }
    for (int i = 0; i < 100 && !(fs::exists(a_) && fs::exists(b_)); ++i) {
      std::this_thread::sleep_for(20ms);
    }
  }
  ~PtyPair() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st;
      ::waitpid(pid_, &st, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  bool ok() const { return pid_ > 0 && fs::exists(a_) && fs::exists(b_); }
  const std::string& master_end() const { return a_; }
  const std::string& bus_end() const { return b_; }

 private:
  static inline int counter_ = 0;
  pid_t pid_ = -1;
  fs::path dir_;
  std::string a_, b_;
};

mbus::SecondaryAddress addr(const char* s) {
  auto a = mbus::SecondaryAddress::parse(s);
  EXPECT_TRUE(a.ok()) << a.status();
  return *a;
}

SimMeter meter(std::uint8_t primary, const char* secondary, std::size_t telegrams = 1) {
  SimMeter m;
  m.primary = primary;
  m.secondary = addr(secondary);
  m.telegrams.clear();
  for (std::size_t i = 0; i < telegrams; ++i) {
    // Energy in kWh (04 06) and a fabrication number per telegram.
    m.telegrams.push_back({0x04, 0x06, static_cast<std::uint8_t>(i + 1), 0, 0, 0, 0x0C, 0x78,
                           0x21, 0x43, 0x65, 0x87});
  }
  return m;
}

using Body = std::function<asio::awaitable<void>(Master&, Simulator&)>;

// Runs `body` with a master on one pty end and a simulator with `meters` on the other.
void run_on_pty(std::vector<SimMeter> meters, MasterOptions mo, SimulatorOptions so, Body body) {
  PtyPair pty;
  ASSERT_TRUE(pty.ok()) << "socat pty pair did not come up";
  asio::io_context io;
  auto ml = Link::open_serial(io.get_executor(), pty.master_end(), 2400);
  ASSERT_TRUE(ml.ok()) << ml.status();
  auto sl = Link::open_serial(io.get_executor(), pty.bus_end(), 2400);
  ASSERT_TRUE(sl.ok()) << sl.status();
  Master master(std::move(*ml), mo);
  Simulator sim(std::move(*sl), std::move(meters), so);
  asio::co_spawn(io, sim.run(), asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    co_await body(master, sim);
    sim.stop();
    master.link().close();
  }, asio::detached);
  io.run_for(120s);
}

MasterOptions fast(int retries = 1) {
  MasterOptions o;
  o.timeout = 60ms;
  o.retries = retries;
  o.quiet = 15ms;
  return o;
}

TEST(MasterSim, PrimaryScanFindsAllMeters) {
  std::vector<SimMeter> meters = {meter(1, "00000001AC480101"), meter(2, "00000002AC480101"),
                                  meter(17, "00000017AC480101"), meter(250, "00000250AC480101")};
  MasterOptions o = fast(0);
  o.timeout = 30ms;
  bool done = false;
  run_on_pty(meters, o, {}, [&](Master& m, Simulator&) -> asio::awaitable<void> {
    auto found = co_await m.scan_primary(0, 250);
    EXPECT_TRUE(found.ok()) << found.status();
    if (found.ok()) {
      EXPECT_EQ(*found, (std::vector<std::uint8_t>{1, 2, 17, 250}));
    }
    done = true;
  });
  EXPECT_TRUE(done);
}

TEST(MasterSim, SecondaryScanSeparatesMetersThatCollide) {
  // Same id 12345678 five times: they differ only in manufacturer (KAM/ELS), version
  // (0x08/0x0A: an A-F digit) and medium (0x04/0x07/0x0C); plus two lone meters.
  std::vector<SimMeter> meters = {
      meter(0, "123456782D2C0804"), meter(0, "123456782D2C0A04"), meter(0, "123456782D2C0807"),
      meter(0, "1234567893150804"),
      meter(0, "123456782D2C080C"), meter(0, "87654321AC480101"), meter(0, "12345679AC480107")};
  bool done = false;
  run_on_pty(meters, fast(0), {}, [&](Master& m, Simulator&) -> asio::awaitable<void> {
    auto r = co_await m.scan_secondary();
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) {
      std::vector<std::string> got;
      for (const auto& a : r->found) got.push_back(a.to_string());
      std::sort(got.begin(), got.end());
      EXPECT_EQ(got, (std::vector<std::string>{"123456782D2C0804", "123456782D2C0807",
                                               "123456782D2C080C", "123456782D2C0A04",
                                               "1234567893150804", "12345679AC480107",
                                               "87654321AC480101"}));
      EXPECT_TRUE(r->unresolved.empty());
      EXPECT_GT(r->probes, 7);
    }
    // Each one is then readable by its secondary address alone.
    auto t = co_await m.read_secondary(addr("123456782D2C0A04"));
    EXPECT_TRUE(t.ok()) << t.status();
    if (t.ok()) {
      auto f = mbus::parse_frame(t->front());
      auto tg = mbus::parse_telegram(*f);
      EXPECT_EQ(tg->header.version, 0x0A);
    }
    done = true;
  });
  EXPECT_TRUE(done);
}

TEST(MasterSim, MultiTelegramReadoutIsCompleteAndValuesEvolve) {
  bool done = false;
  run_on_pty({meter(5, "11111111AC480107", 3)}, fast(), {},
             [&](Master& m, Simulator& sim) -> asio::awaitable<void> {
    EXPECT_TRUE((co_await m.snd_nke(5)).ok());
    auto t = co_await m.read(5);
    EXPECT_TRUE(t.ok()) << t.status();
    if (!t.ok()) co_return;
    EXPECT_EQ(t->size(), 3u);
    std::vector<std::string> volumes;
    for (std::size_t i = 0; i < t->size(); ++i) {
      auto f = mbus::parse_frame((*t)[i]);
      EXPECT_TRUE(f.ok());
      auto tg = mbus::parse_telegram(*f);
      EXPECT_TRUE(tg.ok());
      mbus::RecordReader rd = tg->reader();
      mbus::Record rec;
      std::vector<std::string> values;
      while (rd.next(rec)) {
        auto v = mbus::decode_value(rec);
        if (v.ok()) values.push_back(mbus::value_string(*v, rec));
      }
      EXPECT_EQ(rd.more_records_follow(), i + 1 < t->size());
      EXPECT_GE(values.size(), 3u);
      if (values.size() < 3) co_return;
      volumes.push_back(values[0]);
      EXPECT_EQ(values[1], std::to_string((i + 1) * 1000));  // telegram i: i+1 kWh in Wh
      EXPECT_EQ(values[2], "87654321");
    }
    EXPECT_EQ(volumes[0], "1.007");  // 1000 l + 7 l, in m^3
    EXPECT_EQ(volumes[2], "1.021");
    auto again = co_await m.read(5);
    EXPECT_TRUE(again.ok());
    EXPECT_EQ(sim.volume(0), 1000u + 6 * 7);
    done = true;
  });
  EXPECT_TRUE(done);
}

TEST(MasterSim, DeadMeterIsReportedAndDoesNotStallTheBus) {
  bool done = false;
  run_on_pty({meter(1, "00000001AC480101"), meter(2, "00000002AC480101")}, fast(2), {},
             [&](Master& m, Simulator& sim) -> asio::awaitable<void> {
    sim.set_fault(0, Fault::kNoAnswer);
    const auto t0 = std::chrono::steady_clock::now();
    auto dead = co_await m.read(1);
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(dead.status().code(), absl::StatusCode::kDeadlineExceeded) << dead.status();
    EXPECT_LT(took, 3 * 60ms + 300ms);  // (1 + retries) timeouts, not more
    auto alive = co_await m.read(2);
    EXPECT_TRUE(alive.ok()) << alive.status();
    sim.set_fault(0, Fault::kNone);
    auto back = co_await m.read(1);
    EXPECT_TRUE(back.ok()) << back.status();
    done = true;
  });
  EXPECT_TRUE(done);
}

TEST(MasterSim, BadChecksumSlowAnswerAndEchoSuppression) {
  SimulatorOptions so;
  so.echo = true;  // the "adapter" echoes every request
  bool done = false;
  run_on_pty({meter(3, "00000003AC480101")}, fast(1), so,
             [&](Master& m, Simulator& sim) -> asio::awaitable<void> {
    auto ok = co_await m.read(3);
    EXPECT_TRUE(ok.ok()) << ok.status();
    sim.set_fault(0, Fault::kBadChecksum);
    auto bad = co_await m.read(3);
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss) << bad.status();
    sim.set_fault(0, Fault::kSlow, 30ms);
    auto slow = co_await m.read(3);
    EXPECT_TRUE(slow.ok()) << slow.status();
    sim.set_fault(0, Fault::kSlow, 200ms);
    auto too_slow = co_await m.read(3);
    EXPECT_FALSE(too_slow.ok());
    sim.set_fault(0, Fault::kNone);
    // The late answers to the timed-out requests arrive now; the master drains them.
    asio::steady_timer settle(co_await asio::this_coro::executor, 450ms);
    co_await settle.async_wait(asio::use_awaitable);
    auto again = co_await m.read(3);
    EXPECT_TRUE(again.ok()) << again.status();
    std::array<std::uint8_t, mbus::kMaxFrameSize> req{};
    auto n = mbus::encode_application_reset(req, 3, true, 0x10);
    EXPECT_TRUE((co_await m.send_expect_ack(std::span<const std::uint8_t>(req.data(), *n))).ok());
    done = true;
  });
  EXPECT_TRUE(done);
}

TEST(MasterSim, OverTcp) {
  asio::io_context io;
  asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acc.local_endpoint().port();
  std::unique_ptr<Simulator> sim;
  bool done = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto sock = co_await acc.async_accept(asio::use_awaitable);
    sim = std::make_unique<Simulator>(Link(std::move(sock)),
                                      std::vector<SimMeter>{meter(9, "00000009AC480101", 2)});
    co_await sim->run();
  }, asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto link = co_await Link::connect_tcp("127.0.0.1", port, 1s);
    EXPECT_TRUE(link.ok()) << link.status();
    if (!link.ok()) co_return;
    Master m(std::move(*link), fast());
    auto t = co_await m.read(9);
    EXPECT_TRUE(t.ok()) << t.status();
    if (t.ok()) {
      EXPECT_EQ(t->size(), 2u);
    }
    done = true;
    if (sim) sim->stop();
    m.link().close();
  }, asio::detached);
  io.run_for(30s);
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace emscore::mbus_io
