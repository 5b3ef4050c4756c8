// Server throughput: our TcpServer (emscore_server.cpp) against a minimal libmodbus server
// (libmodbus_server.c), driven by the same closed-loop load generator in the same run. Each of
// N connections sends FC 3 for 125 holding registers and keeps D of them in flight (D = 1: it
// waits for each answer before its next request; D > 1: a pipelining master, as Modbus TCP
// allows, matched by transaction id, sending the next request as each answer arrives). The
// server process is pinned to CPU 0, the load generator to CPU 1 ("one core" each).
//
// The machine is shared, so one benchmark case runs both servers REPS times (default 5,
// EMSCORE_BENCH_REPS), alternating which goes first, and reports medians: requests/s, p99
// latency, requests per CPU-second of the server process (its capacity on one core, whoever
// else uses the core; run time from /proc/PID/schedstat), and the median of the
// per-repetition ratios. Per repetition it also prints the time the server waited for a CPU.
//
// The load generator is a plain epoll loop (non-blocking sockets, one recv and one send per
// request, no allocation): it must cost less per request than the servers it measures, or both
// servers wait on it and the ratio tends to 1. It reports its own CPU use (client_util): near
// 1.0 means the generator, not the server, was the bottleneck.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kResponseSize = 7 + 2 + 250;

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % static_cast<int>(std::thread::hardware_concurrency()), &set);
  sched_setaffinity(0, sizeof set, &set);
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = loopback(0);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

int connect_to(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

pid_t start_server(const char* exe, std::uint16_t port) {
  const pid_t pid = fork();
  if (pid == 0) {
    pin_to(0);
    const std::string p = std::to_string(port);
    execl(exe, exe, p.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 500; ++i) {  // until it accepts
    const int fd = connect_to(port);
    if (fd >= 0) {
      close(fd);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pid;
}

void stop_server(pid_t pid) {
  kill(pid, SIGTERM);
  int st;
  waitpid(pid, &st, 0);
}

struct CpuTimes {
  double user = 0, sys = 0;
};

// CPU seconds (user, system) the process has used so far, from /proc/PID/stat.
CpuTimes cpu_times(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return {};
  char buf[1024];
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');
  if (!p) return {};
  unsigned long utime = 0, stime = 0;
  int field = 2;  // fields after ")": state is 3 ... utime 14, stime 15
  for (const char* q = p + 1; *q && field < 15; ++q) {
    if (*q == ' ') {
      ++field;
      if (field == 14) utime = std::strtoul(q + 1, nullptr, 10);
      if (field == 15) stime = std::strtoul(q + 1, nullptr, 10);
    }
  }
  const double tck = static_cast<double>(sysconf(_SC_CLK_TCK));
  return {static_cast<double>(utime) / tck, static_cast<double>(stime) / tck};
}

// Time the process's (single) thread ran on a CPU and waited for one, in seconds, from
// /proc/PID/schedstat (nanoseconds: far finer than the 10 ms ticks of /proc/PID/stat).
struct SchedTimes {
  double run = 0, wait = 0;
};
SchedTimes sched_times(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/schedstat";
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return {};
  unsigned long long run = 0, wait = 0;
  const int n = std::fscanf(f, "%llu %llu", &run, &wait);
  std::fclose(f);
  if (n != 2) return {};
  return {static_cast<double>(run) * 1e-9, static_cast<double>(wait) * 1e-9};
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Run {
  double req_per_s = 0;
  double p50_us = 0, p99_us = 0;
  double server_cpu_s = 0, server_user_s = 0, server_sys_s = 0;
  double server_wait_s = 0;  // runnable but waiting for a CPU (the machine is shared)
  double client_util = 0;  // generator CPU-s per wall-s in the window
  double seconds = 0;
  std::uint64_t requests = 0, errors = 0;
  double req_per_server_cpu_s() const { return server_cpu_s > 0 ? static_cast<double>(requests) / server_cpu_s : 0; }
};

constexpr std::size_t kRequestSize = 12;
constexpr std::size_t kMaxDepth = 16;

struct Conn {
  int fd = -1;
  std::uint16_t next_tid = 0;    // of the next request to send
  std::uint16_t expect_tid = 0;  // of the oldest answer still due (answers come in order)
  std::size_t got = 0;
  std::array<Clock::time_point, kMaxDepth> sent{};  // by tid % kMaxDepth
  std::array<std::uint8_t, kResponseSize * kMaxDepth> buf{};
};

// Sends `count` requests in one send() (a pipelining master writes what it has queued).
bool send_requests(Conn& c, std::size_t count) {
  std::array<std::uint8_t, kRequestSize * kMaxDepth> out;
  const auto now = Clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint16_t tid = c.next_tid++;
    const std::uint8_t req[kRequestSize] = {static_cast<std::uint8_t>(tid >> 8), static_cast<std::uint8_t>(tid),
                                            0, 0, 0, 6, 1, 0x03, 0x00, 0x00, 0x00, 0x7D};
    std::memcpy(out.data() + i * kRequestSize, req, kRequestSize);
    c.sent[tid % kMaxDepth] = now;
  }
  const auto len = static_cast<ssize_t>(count * kRequestSize);
  return send(c.fd, out.data(), static_cast<std::size_t>(len), MSG_NOSIGNAL) == len;
}

// Drives `connections` closed-loop clients, `depth` requests in flight each, against the
// server of `pid` on `port`.
Run drive(pid_t pid, std::uint16_t port, int connections, std::size_t depth,
          std::chrono::milliseconds warmup, std::chrono::milliseconds measure) {
  pin_to(1);
  Run run;
  std::vector<std::uint32_t> latency_ns;
  latency_ns.reserve(4'000'000);
  const int ep = epoll_create1(0);
  std::vector<Conn> conns(static_cast<std::size_t>(connections));
  for (std::size_t i = 0; i < conns.size(); ++i) {
    Conn& c = conns[i];
    c.fd = connect_to(port);
    if (c.fd < 0) {
      ++run.errors;
      continue;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
  for (auto& c : conns) {
    if (c.fd >= 0 && !send_requests(c, depth)) ++run.errors;
  }
  const auto t0 = Clock::now();
  const auto t_start = t0 + warmup, t_end = t_start + measure;
  bool measuring = false;
  CpuTimes server_at_start;
  SchedTimes sched_at_start;
  double client_at_start = 0;
  std::array<epoll_event, 256> events;
  for (;;) {
    const auto now = Clock::now();
    if (!measuring && now >= t_start) {
      measuring = true;
      server_at_start = cpu_times(pid);
      sched_at_start = sched_times(pid);
      client_at_start = thread_cpu_seconds();
    }
    if (now >= t_end) break;
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 20);
    for (int k = 0; k < n; ++k) {
      Conn& c = conns[events[static_cast<std::size_t>(k)].data.u64];
      const ssize_t r = recv(c.fd, c.buf.data() + c.got, c.buf.size() - c.got, 0);
      if (r <= 0) {
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        ++run.errors;
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        continue;
      }
      c.got += static_cast<std::size_t>(r);
      // Every whole answer in the buffer, oldest first; then as many new requests.
      std::size_t done = 0, at = 0;
      const auto now_r = Clock::now();
      for (; c.got - at >= kResponseSize; at += kResponseSize, ++done) {
        const std::uint8_t* a = c.buf.data() + at;
        const std::uint16_t tid = c.expect_tid++;
        if (a[7] != 0x03 || a[0] != static_cast<std::uint8_t>(tid >> 8) ||
            a[1] != static_cast<std::uint8_t>(tid)) {
          ++run.errors;
        } else if (measuring) {
          ++run.requests;
          latency_ns.push_back(static_cast<std::uint32_t>(
              std::chrono::duration_cast<std::chrono::nanoseconds>(now_r - c.sent[tid % kMaxDepth]).count()));
        }
      }
      if (at > 0) {
        std::memmove(c.buf.data(), c.buf.data() + at, c.got - at);
        c.got -= at;
      }
      if (done > 0 && !send_requests(c, done)) ++run.errors;
    }
  }
  const CpuTimes server_at_end = cpu_times(pid);
  const SchedTimes sched_at_end = sched_times(pid);
  run.client_util = thread_cpu_seconds() - client_at_start;
  run.seconds = std::chrono::duration<double>(Clock::now() - t_start).count();
  run.client_util /= run.seconds;
  for (auto& c : conns) {
    if (c.fd >= 0) close(c.fd);
  }
  close(ep);
  run.server_user_s = server_at_end.user - server_at_start.user;
  run.server_sys_s = server_at_end.sys - server_at_start.sys;
  run.server_cpu_s = sched_at_end.run - sched_at_start.run;
  run.server_wait_s = sched_at_end.wait - sched_at_start.wait;
  run.req_per_s = static_cast<double>(run.requests) / run.seconds;
  std::sort(latency_ns.begin(), latency_ns.end());
  auto pct = [&](double p) {
    if (latency_ns.empty()) return 0.0;
    return latency_ns[static_cast<std::size_t>(p * static_cast<double>(latency_ns.size() - 1))] / 1000.0;
  };
  run.p50_us = pct(0.50);
  run.p99_us = pct(0.99);
  return run;
}

Run run_server(const char* exe, int connections, std::size_t depth) {
  const auto port = free_port();
  const pid_t pid = start_server(exe, port);
  Run r = drive(pid, port, connections, depth, std::chrono::milliseconds(300), std::chrono::milliseconds(1500));
  stop_server(pid);
  return r;
}

template <class F>
double median_of(const std::vector<Run>& runs, F f) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(f(r));
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

void BM_ServerFc3x125(benchmark::State& state) {
  const int conns = static_cast<int>(state.range(0));
  const auto depth = static_cast<std::size_t>(state.range(1));
  const char* env = std::getenv("EMSCORE_BENCH_REPS");
  const int reps = std::max(1, env ? std::atoi(env) : 5);
  for (auto _ : state) {
    std::vector<Run> lm, ours;
    std::vector<double> ratio, cpu_ratio;
    double secs = 0;
    for (int i = 0; i < reps; ++i) {
      // Alternate who goes first so a change in the machine's load hits both alike.
      Run a, b;
      if (i % 2 == 0) {
        a = run_server(EMSCORE_LIBMODBUS_SERVER, conns, depth);
        b = run_server(EMSCORE_OUR_SERVER, conns, depth);
      } else {
        b = run_server(EMSCORE_OUR_SERVER, conns, depth);
        a = run_server(EMSCORE_LIBMODBUS_SERVER, conns, depth);
      }
      lm.push_back(a);
      ours.push_back(b);
      ratio.push_back(a.req_per_s > 0 ? b.req_per_s / a.req_per_s : 0);
      cpu_ratio.push_back(a.req_per_server_cpu_s() > 0 ? b.req_per_server_cpu_s() / a.req_per_server_cpu_s() : 0);
      secs += a.seconds + b.seconds;
      std::fprintf(stderr,
                   "conns %2d depth %zu rep %d: libmodbus %7.0f req/s p99 %6.0f us %6.0f req/cpu-s (cpu %.2f wait %.2f usr %.2f "
                   "sys %.2f) client %.2f | emscore %7.0f req/s p99 %6.0f us %6.0f req/cpu-s (cpu %.2f wait %.2f "
                   "usr %.2f sys %.2f) client %.2f | ratio %.2f cpu-ratio %.2f\n",
                   conns, depth, i, a.req_per_s, a.p99_us, a.req_per_server_cpu_s(), a.server_cpu_s, a.server_wait_s,
                   a.server_user_s, a.server_sys_s, a.client_util, b.req_per_s, b.p99_us, b.req_per_server_cpu_s(),
                   b.server_cpu_s, b.server_wait_s, b.server_user_s, b.server_sys_s, b.client_util, ratio.back(),
                   cpu_ratio.back());
    }
    state.SetIterationTime(secs);
    auto med = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    };
    state.counters["lm_req_s"] = median_of(lm, [](const Run& r) { return r.req_per_s; });
    state.counters["ours_req_s"] = median_of(ours, [](const Run& r) { return r.req_per_s; });
    state.counters["ratio"] = med(ratio);
    state.counters["lm_p99_us"] = median_of(lm, [](const Run& r) { return r.p99_us; });
    state.counters["ours_p99_us"] = median_of(ours, [](const Run& r) { return r.p99_us; });
    state.counters["lm_req_cpu_s"] = median_of(lm, [](const Run& r) { return r.req_per_server_cpu_s(); });
    state.counters["ours_req_cpu_s"] = median_of(ours, [](const Run& r) { return r.req_per_server_cpu_s(); });
    state.counters["cpu_ratio"] = med(cpu_ratio);
    state.counters["lm_server_util"] = median_of(lm, [](const Run& r) { return r.server_cpu_s / r.seconds; });
    state.counters["ours_server_util"] = median_of(ours, [](const Run& r) { return r.server_cpu_s / r.seconds; });
    state.counters["lm_client_util"] = median_of(lm, [](const Run& r) { return r.client_util; });
    state.counters["ours_client_util"] = median_of(ours, [](const Run& r) { return r.client_util; });
    std::uint64_t errors = 0;
    for (const auto& r : lm) errors += r.errors;
    for (const auto& r : ours) errors += r.errors;
    state.counters["errors"] = static_cast<double>(errors);
  }
}

// Args: connections, requests in flight per connection.
BENCHMARK(BM_ServerFc3x125)
    ->ArgNames({"conns", "depth"})
    ->Args({1, 1})
    ->Args({16, 1})
    ->Args({64, 1})
    ->Args({1, 4})
    ->Args({16, 4})
    ->Args({64, 4})
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
