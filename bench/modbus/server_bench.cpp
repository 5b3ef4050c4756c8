// Server throughput: our TcpServer against a minimal libmodbus server (libmodbus_server.c),
// both driven by the same closed-loop load generator in the same run. Each of N connections
// sends FC 3 for 125 holding registers and waits for the answer before the next request.
// The server process is pinned to CPU 0, the load generator to CPU 1 ("one core" each).
// Reported per case: requests/s and the p50/p99 latency seen by the load generator.
#include <benchmark/benchmark.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % static_cast<int>(std::thread::hardware_concurrency()), &set);
  sched_setaffinity(0, sizeof set, &set);
}

std::uint16_t free_port() {
  asio::io_context ctx;
  tcp::acceptor a(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

pid_t start_server(const char* exe, std::uint16_t port) {
  const pid_t pid = fork();
  if (pid == 0) {
    pin_to(0);
    const std::string p = std::to_string(port);
    execl(exe, exe, p.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until it accepts.
  for (int i = 0; i < 200; ++i) {
    asio::io_context ctx;
    tcp::socket s(ctx);
    boost::system::error_code ec;
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (!ec) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pid;
}

// CPU seconds (user + system) the process has used so far.
double cpu_seconds(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return 0;
  char buf[1024];
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');
  if (!p) return 0;
  unsigned long utime = 0, stime = 0;
  // Fields after ")": state(3) ... utime is field 14, stime 15.
  int field = 2;
  for (const char* q = p + 1; *q && field < 15; ++q) {
    if (*q == ' ') {
      ++field;
      if (field == 14) utime = std::strtoul(q + 1, nullptr, 10);
      if (field == 15) stime = std::strtoul(q + 1, nullptr, 10);
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

void stop_server(pid_t pid) {
  kill(pid, SIGTERM);
  int st;
  waitpid(pid, &st, 0);
}

struct Load {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  std::vector<std::uint32_t> latency_ns;
};

asio::awaitable<void> connection(tcp::endpoint ep, Load& load, const std::atomic<bool>& measuring,
                                 const bool& stop) {
  tcp::socket s(co_await asio::this_coro::executor);
  auto [cec] = co_await s.async_connect(ep, kNoThrow);
  if (cec) {
    ++load.errors;
    co_return;
  }
  s.set_option(tcp::no_delay(true));
  std::uint8_t req[12] = {0, 0, 0, 0, 0, 6, 1, 0x03, 0x00, 0x00, 0x00, 0x7D};
  std::uint8_t resp[7 + 2 + 250];
  std::uint16_t tid = 0;
  while (!stop) {
    ++tid;
    req[0] = static_cast<std::uint8_t>(tid >> 8);
    req[1] = static_cast<std::uint8_t>(tid);
    const auto t0 = Clock::now();
    auto [wec, wn] = co_await asio::async_write(s, asio::buffer(req), kNoThrow);
    auto [rec, rn] = co_await asio::async_read(s, asio::buffer(resp), kNoThrow);
    if (wec || rec || resp[7] != 0x03 || resp[0] != req[0] || resp[1] != req[1]) {
      ++load.errors;
      co_return;
    }
    if (measuring.load(std::memory_order_relaxed)) {
      ++load.requests;
      load.latency_ns.push_back(static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count()));
    }
  }
}

template <class OnStart>
Load drive(std::uint16_t port, int connections, std::chrono::milliseconds warmup,
           std::chrono::milliseconds measure, double& seconds, OnStart on_start) {
  pin_to(1);
  asio::io_context ctx(1);
  Load load;
  load.latency_ns.reserve(4'000'000);
  std::atomic<bool> measuring{false};
  bool stop = false;
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  for (int i = 0; i < connections; ++i) asio::co_spawn(ctx, connection(ep, load, measuring, stop), asio::detached);
  Clock::time_point t_start, t_end;
  asio::steady_timer timer(ctx);
  timer.expires_after(warmup);
  timer.async_wait([&](boost::system::error_code) {
    measuring = true;
    on_start();
    t_start = Clock::now();
    timer.expires_after(measure);
    timer.async_wait([&](boost::system::error_code) {
      measuring = false;
      t_end = Clock::now();
      stop = true;
    });
  });
  ctx.run_for(warmup + measure + std::chrono::seconds(5));
  seconds = std::chrono::duration<double>(t_end - t_start).count();
  return load;
}

void BM_ServerFc3x125(benchmark::State& state, const char* exe) {
  const int conns = static_cast<int>(state.range(0));
  for (auto _ : state) {
    const auto port = free_port();
    const pid_t pid = start_server(exe, port);
    double secs = 1;
    double cpu_at_start = 0;
    Load load = drive(port, conns, std::chrono::milliseconds(300), std::chrono::milliseconds(2000), secs,
                      [&] { cpu_at_start = cpu_seconds(pid); });
    const double server_cpu = cpu_seconds(pid) - cpu_at_start;
    stop_server(pid);
    state.SetIterationTime(secs);
    std::sort(load.latency_ns.begin(), load.latency_ns.end());
    auto pct = [&](double p) {
      if (load.latency_ns.empty()) return 0.0;
      return load.latency_ns[static_cast<std::size_t>(p * static_cast<double>(load.latency_ns.size() - 1))] / 1000.0;
    };
    state.counters["req_per_s"] = static_cast<double>(load.requests) / secs;
    state.counters["p50_us"] = pct(0.50);
    state.counters["p99_us"] = pct(0.99);
    state.counters["errors"] = static_cast<double>(load.errors);
    // The machine is shared: requests per CPU-second of the server process is its capacity
    // on one core, independent of how much of the core it was given.
    state.counters["server_cpu_s"] = server_cpu;
    state.counters["req_per_server_cpu_s"] = server_cpu > 0 ? static_cast<double>(load.requests) / server_cpu : 0;
  }
}

BENCHMARK_CAPTURE(BM_ServerFc3x125, Baseline_libmodbus, EMSCORE_LIBMODBUS_SERVER)
    ->Arg(1)->Arg(16)->Arg(64)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ServerFc3x125, emscore, EMSCORE_OUR_SERVER)
    ->Arg(1)->Arg(16)->Arg(64)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
