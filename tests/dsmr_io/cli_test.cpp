// `emscore dsmr read` on a socat pty pair with the P1 emitter as the meter.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <string>
#include <thread>

#include "../support/socat_pty.hpp"
#include "boost/json.hpp"
#include "emscore/dsmr/emitter.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace emscore::obis::literals;

using PtyPair = emscore::testing::SocatPty;

struct Result {
  int exit_status = -1;
  std::string out;
};

Result run(const std::string& args) {
  Result r;
  FILE* p = popen((std::string(EMSCORE_CLI) + " " + args + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

TEST(DsmrReadCli, TwoTelegramsFromAPty) {
  PtyPair pty;
  ASSERT_TRUE(fs::exists(pty.a()));
  auto reading = std::async(std::launch::async,
                            [&] { return run("dsmr read " + pty.a() + " --count 2 --timeout-ms 5000"); });
  std::this_thread::sleep_for(300ms);  // let the reader open the port
  const int fd = ::open(pty.b().c_str(), O_WRONLY | O_NOCTTY);
  ASSERT_GE(fd, 0);
  termios tio{};
  tcgetattr(fd, &tio);
  cfmakeraw(&tio);
  tcsetattr(fd, TCSANOW, &tio);
  for (int i = 0; i < 2; ++i) {
    const emscore::Reading r[] = {{emscore::DeviceRef{1}, "1-0:1.8.1"_obis,
                                   emscore::Value(1000 + i, -3, emscore::Unit::kKiloWattHour),
                                   absl::FromUnixSeconds(1700000000 + i)}};
    const std::string t = emscore::dsmr::emit_telegram("EMS5test", r, absl::FromUnixSeconds(1700000000 + i));
    ASSERT_EQ(::write(fd, t.data(), t.size()), static_cast<ssize_t>(t.size()));
    std::this_thread::sleep_for(50ms);
  }
  const Result r = reading.get();
  ::close(fd);
  ASSERT_EQ(r.exit_status, 0);
  const auto first = boost::json::parse(r.out.substr(0, r.out.find('\n'))).as_object();
  EXPECT_EQ(first.at("header").as_string(), "EMS5test");
  EXPECT_EQ(first.at("crc").as_string(), "ok");
  EXPECT_NE(r.out.find(R"({"obis":"1-0:1.8.1","values":[{"value":"1.001","unit":"kWh"}]})"),
            std::string::npos)
      << r.out;
}

TEST(DsmrReadCli, SilentPortAndMissingDevice) {
  PtyPair pty;
  ASSERT_TRUE(fs::exists(pty.a()));
  EXPECT_EQ(run("dsmr read " + pty.a() + " --timeout-ms 200").exit_status, 1);
  EXPECT_EQ(run("dsmr read /dev/no-such-p1-port").exit_status, 1);
  EXPECT_EQ(run("dsmr read").exit_status, 2);
}

}  // namespace
