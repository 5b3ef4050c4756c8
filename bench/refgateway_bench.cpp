// The reference gateway at scale: one gateway polling 1,000 simulated Modbus TCP devices of
// 20 registers each (10 float32 values) on a 1-minute raster.
//
// The simulated devices run in a child process (1,000 Modbus TCP servers on loopback), so the
// gateway's process is measured alone: each iteration is one raster round — every device read,
// mapped, served in the Modbus layout and stored in the profile store — and reports
//   round_ms        wall time until all 1,000 readouts are done,
//   cpu_ms          CPU time of the gateway process for the round (all threads),
//   core_share_%    cpu_ms / 60 s: the share of one core the 1-minute raster costs,
//   kB_per_device   resident memory the gateway grew by, per device (after the first round).
// Baseline (same run, same devices): BM_BaselineRawClients — 1,000 bare modbus_io TcpClients
// reading the same 20 registers, no mapping, no store, no server: the floor of the I/O alone.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <cstring>
#include <thread>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus_io/tcp_client.hpp"
#include "emscore/modbus_io/tcp_server.hpp"
#include "gateway.hpp"

namespace {
namespace asio = boost::asio;
using namespace emscore;

constexpr int kDevices = 1000;
constexpr int kRegisters = 20;

void raise_fd_limit() {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &r);
}

double cpu_ms() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

long rss_kb() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

// The simulated devices: a child process serving kDevices Modbus TCP servers; their ports.
struct Simulators {
  pid_t pid = -1;
  std::vector<std::uint16_t> ports;
  Simulators() {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      raise_fd_limit();
      asio::io_context io;
      modbus::MemoryDataModel model(true);
      auto& bank = model.add_unit(1);
      for (int i = 0; i < kRegisters; i += 2) {  // float32 230.5 + i
        const float v = 230.5f + static_cast<float>(i);
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        bank.holding[i] = static_cast<std::uint16_t>(bits >> 16);
        bank.holding[i + 1] = static_cast<std::uint16_t>(bits);
      }
      std::vector<std::unique_ptr<modbus_io::TcpServer>> servers;
      std::string out;
      for (int i = 0; i < kDevices; ++i) {
        servers.push_back(std::make_unique<modbus_io::TcpServer>(io.get_executor(), model));
        if (!servers.back()->listen("127.0.0.1", 0).ok()) ::_exit(2);
        servers.back()->start();
        out += std::to_string(servers.back()->port()) + "\n";
      }
      ssize_t w = ::write(fds[1], out.data(), out.size());
      (void)w;
      ::close(fds[1]);
      io.run();
      ::_exit(0);
    }
    ::close(fds[1]);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    std::size_t pos = 0;
    while (pos < text.size()) {
      const auto eol = text.find('\n', pos);
      ports.push_back(static_cast<std::uint16_t>(std::stoi(text.substr(pos, eol - pos))));
      pos = eol + 1;
    }
  }
  ~Simulators() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

Simulators& sims() {
  static Simulators s;
  return s;
}

std::string driver_dir() {
  static const std::string dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("emscore-bench-drivers-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::ofstream f(d / "bench_20reg.json");
    f << R"({"kind": "modbus", "id": "bench_20reg", "manufacturer": "emscore", "model": "bench",
            "numbering": "pdu", "defaults": {"table": "holding", "type": "float32"}, "fields": [)";
    const char* codes[] = {"1-0:32.7.0", "1-0:52.7.0", "1-0:72.7.0", "1-0:31.7.0", "1-0:51.7.0",
                           "1-0:71.7.0", "1-0:1.7.0", "1-0:2.7.0", "1-0:1.8.0", "1-0:2.8.0"};
    for (int i = 0; i < 10; ++i)
      f << (i ? "," : "") << R"({"name": "value )" << i << R"(", "address": )" << 2 * i
        << R"(, "unit": "V", "obis": ")" << codes[i] << "\"}";
    f << "]}";
    return d.string();
  }();
  return dir;
}

void BM_GatewayRound(benchmark::State& state) {
  raise_fd_limit();
  Simulators& s = sims();
  if (s.ports.size() != kDevices) {
    state.SkipWithError("simulators did not start");
    return;
  }
  std::string json = R"({"gateway": {"raster_s": 60, "drivers": [")" + driver_dir() +
                     R"("]}, "servers": {"http": {"port": 0}, "modbus": {"port": 0}}, "buses": [)";
  for (int i = 0; i < kDevices; ++i)
    json += (i ? "," : "") + std::string(R"({"name": "b)") + std::to_string(i) +
            R"(", "type": "modbus_tcp", "host": "127.0.0.1", "port": )" + std::to_string(s.ports[i]) + "}";
  json += R"(], "devices": [)";
  for (int i = 0; i < kDevices; ++i)
    json += (i ? "," : "") + std::string(R"({"serial": "d)") + std::to_string(i) + R"(", "bus": "b)" +
            std::to_string(i) + R"(", "driver": "bench_20reg"})";
  json += "]}";
  auto config = refgw::parse_config(json);
  if (!config.ok()) {
    state.SkipWithError(std::string(config.status().message()).c_str());
    return;
  }
  const auto dir = std::filesystem::temp_directory_path() / ("emscore-bench-gw-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  config->gateway.data_dir = dir.string();
  asio::io_context io;
  const long rss0 = rss_kb();
  auto gw = refgw::Gateway::create(io, *config, refgw::GatewayOptions{});
  if (!gw.ok() || !(*gw)->start().ok()) {
    state.SkipWithError("gateway did not start");
    return;
  }
  auto& table = (*gw)->devices();
  auto total_readouts = [&] {
    std::uint64_t n = 0;
    for (const auto& e : table.devices()) n += e.status.readouts + e.status.failures;
    return n;
  };
  // The first round (started by start()) warms connections; measure the following ones.
  while (total_readouts() < kDevices) io.run_one();
  const long rss1 = rss_kb();
  std::uint64_t failures = 0;
  double cpu_total = 0, wall_total = 0;
  for (auto _ : state) {
    const std::uint64_t target = total_readouts() + kDevices;
    const double c0 = cpu_ms();
    const auto t0 = std::chrono::steady_clock::now();
    (*gw)->trigger_readout();
    while (total_readouts() < target) io.run_one();
    wall_total += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    cpu_total += cpu_ms() - c0;
  }
  for (const auto& e : table.devices()) failures += e.status.failures;
  const double rounds = static_cast<double>(state.iterations());
  state.counters["round_ms"] = wall_total / rounds;
  state.counters["cpu_ms"] = cpu_total / rounds;
  state.counters["core_share_%"] = cpu_total / rounds / 60'000.0 * 100.0;
  state.counters["kB_per_device"] = static_cast<double>(rss1 - rss0) / kDevices;
  state.counters["failures"] = static_cast<double>(failures);
  (*gw)->stop();
  io.restart();
  io.poll();
  gw->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_GatewayRound)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

void BM_BaselineRawClients(benchmark::State& state) {
  raise_fd_limit();
  Simulators& s = sims();
  if (s.ports.size() != kDevices) {
    state.SkipWithError("simulators did not start");
    return;
  }
  asio::io_context io;
  std::vector<std::unique_ptr<modbus_io::TcpClient>> clients;
  int connected = 0;
  int failed_connects = 0;
  for (int i = 0; i < kDevices; ++i) {
    clients.push_back(std::make_unique<modbus_io::TcpClient>(io.get_executor()));
    asio::co_spawn(io, clients.back()->connect("127.0.0.1", s.ports[i]),
                   [&](std::exception_ptr, absl::Status st) { if (st.ok()) ++connected; else failed_connects++; });
  }
  // Connects only: run until every connect completed (the readers then keep waiting).
  while (connected + failed_connects < kDevices && io.run_one()) {
  }
  if (connected != kDevices) {
    state.SkipWithError("connect failed");
    return;
  }
  double cpu_total = 0, wall_total = 0;
  for (auto _ : state) {
    int done = 0;
    int finished = 0;
    std::string error;
    const double c0 = cpu_ms();
    const auto t0 = std::chrono::steady_clock::now();
    for (auto& c : clients) {
      asio::co_spawn(io, modbus_io::read_registers(*c, 1, 0, kRegisters),
                     [&](std::exception_ptr, absl::StatusOr<std::vector<std::uint16_t>> r) {
                       done += r.ok();
                       ++finished;
                       if (!r.ok() && error.empty()) error = std::string(r.status().message());
                     });
    }
    while (finished < kDevices && io.run_one()) {
    }
    wall_total += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    cpu_total += cpu_ms() - c0;
    if (done != kDevices) {
      state.SkipWithError(("a read failed: " + error).c_str());
      break;
    }
  }
  const double rounds = static_cast<double>(state.iterations());
  state.counters["round_ms"] = wall_total / rounds;
  state.counters["cpu_ms"] = cpu_total / rounds;
  state.counters["core_share_%"] = cpu_total / rounds / 60'000.0 * 100.0;
  for (auto& c : clients) c->close();
}
BENCHMARK(BM_BaselineRawClients)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
