// Interop with real peers from Debian: mbpoll against our TCP and RTU servers, a C client on
// libmodbus against our TCP server, our clients (and the emscore CLI) against a pymodbus
// server over TCP and over a pty. Every peer runs on loopback or a socat pty pair.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "boost/asio/post.hpp"
#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus_io/rtu_client.hpp"
#include "emscore/modbus_io/rtu_server.hpp"
#include "emscore/modbus_io/tcp_client.hpp"
#include "emscore/modbus_io/tcp_server.hpp"
#include "io_test_util.hpp"

namespace emscore::modbus_io {
namespace {

using testing::run;

struct Output {
  int status = -1;
  std::string text;
};

Output shell(const std::string& cmd) {
  Output o;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return o;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.text.append(buf, n);
  const int st = pclose(p);
  o.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}

std::uint16_t free_port() {
  asio::io_context ctx;
  asio::ip::tcp::acceptor a(ctx, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

// Our TCP server on a background thread.
class ServerThread {
 public:
  ServerThread() {
    auto& b = model.add_unit(1);
    for (std::size_t i = 0; i < 10; ++i) b.holding[i] = static_cast<std::uint16_t>(1000 + i);
    b.holding[20] = 0x4366;  // 230.1f big-endian at references 21/22
    b.holding[21] = 0x199A;
    server = std::make_unique<TcpServer>(ctx.get_executor(), model);
    EXPECT_TRUE(server->listen("127.0.0.1", 0).ok());
    server->start();
    thread = std::thread([this] { ctx.run(); });
  }
  ~ServerThread() { stop(); }
  void stop() {
    if (!thread.joinable()) return;
    asio::post(ctx, [this] { server->stop(); });
    ctx.stop();
    thread.join();
  }
  asio::io_context ctx;
  modbus::MemoryDataModel model;
  std::unique_ptr<TcpServer> server;
  std::thread thread;
};

TEST(Interop, MbpollAgainstOurTcpServer) {
  ServerThread s;
  const std::string base = "mbpoll -m tcp -p " + std::to_string(s.server->port()) + " -a 1 -1 ";
  auto r = shell(base + "-r 1 -c 3 127.0.0.1");
  EXPECT_EQ(r.status, 0) << r.text;
  EXPECT_NE(r.text.find("[1]: \t1000"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("[3]: \t1002"), std::string::npos) << r.text;
  auto f = shell(base + "-r 21 -t 4:float -B 127.0.0.1");
  EXPECT_NE(f.text.find("[21]: \t230.1"), std::string::npos) << f.text;
  auto w = shell("mbpoll -m tcp -p " + std::to_string(s.server->port()) + " -a 1 -r 31 127.0.0.1 -- 7 65535");
  EXPECT_EQ(w.status, 0) << w.text;
  auto c = shell("mbpoll -m tcp -p " + std::to_string(s.server->port()) + " -a 1 -t 0 -r 5 127.0.0.1 -- 1 0 1");
  EXPECT_EQ(c.status, 0) << c.text;
  auto bad = shell(base + "-r 65536 -c 2 127.0.0.1");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.text.find("Illegal data address"), std::string::npos) << bad.text;
  s.stop();
  EXPECT_EQ(s.model.bank(1)->holding[30], 7);
  EXPECT_EQ(s.model.bank(1)->holding[31], 65535);
  EXPECT_TRUE(s.model.bank(1)->coils[4]);
  EXPECT_FALSE(s.model.bank(1)->coils[5]);
  EXPECT_TRUE(s.model.bank(1)->coils[6]);
}

TEST(Interop, MbpollAgainstOurRtuServerOnAPty) {
  testing::PtyPair pty;
  ASSERT_TRUE(pty.ok());
  asio::io_context ctx;
  modbus::MemoryDataModel model;
  model.add_unit(12).input[99] = 4242;
  RtuServer server(ctx.get_executor(), model, RtuServerOptions{{19200, 8, modbus::Parity::kEven, 1}});
  ASSERT_TRUE(server.open_serial(pty.a()).ok());
  server.start();
  std::thread t([&] { ctx.run(); });
  const std::string base = "mbpoll -m rtu -b 19200 -P even -d 8 -s 1 -a 12 -1 ";
  auto r = shell(base + "-t 3 -r 100 " + pty.b());
  auto w = shell("mbpoll -m rtu -b 19200 -P even -a 12 -r 1 " + pty.b() + " -- 11 22 33");
  auto back = shell(base + "-r 1 -c 3 " + pty.b());
  auto other = shell("mbpoll -m rtu -b 19200 -P even -a 13 -1 -o 0.3 -r 1 " + pty.b());
  asio::post(ctx, [&] { server.stop(); });
  ctx.stop();
  t.join();
  EXPECT_EQ(r.status, 0) << r.text;
  EXPECT_NE(r.text.find("[100]: \t4242"), std::string::npos) << r.text;
  EXPECT_EQ(w.status, 0) << w.text;
  EXPECT_NE(back.text.find("[3]: \t33"), std::string::npos) << back.text;
  EXPECT_NE(other.status, 0) << other.text;  // unit 13 is not on the line: timeout
  EXPECT_EQ(model.bank(12)->holding[1], 22);
}

TEST(Interop, LibmodbusClientAgainstOurTcpServer) {
  ServerThread s;
  auto r = shell(std::string(EMSCORE_BINARY_DIR) + "/tests/modbus_io/modbus_io_libmodbus_client " +
                 std::to_string(s.server->port()));
  EXPECT_EQ(r.status, 0) << r.text;
  EXPECT_NE(r.text.find("all steps passed"), std::string::npos) << r.text;
}

class PymodbusServer {
 public:
  explicit PymodbusServer(std::vector<std::string> args) {
    std::string cmd = "/usr/bin/python3 " + std::string(EMSCORE_SOURCE_DIR) + "/tests/modbus_io/pymodbus_server.py";
    for (auto& a : args) cmd += " " + a;
    child_ = std::make_unique<testing::Child>(std::vector<std::string>{"/bin/sh", "-c", "exec " + cmd + " >/dev/null 2>&1"});
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // python start-up
  }
  bool ok() const { return child_->ok(); }

 private:
  std::unique_ptr<testing::Child> child_;
};

TEST(Interop, OurTcpClientAgainstPymodbus) {
  const auto port = free_port();
  PymodbusServer py({"tcp", std::to_string(port)});
  ASSERT_TRUE(py.ok());
  asio::io_context ctx;
  TcpClient client(ctx.get_executor());
  run(ctx, [&]() -> asio::awaitable<void> {
    absl::Status c;
    for (int i = 0; i < 50; ++i) {
      c = co_await client.connect("127.0.0.1", port);
      if (c.ok()) break;
      co_await testing::sleep_for(std::chrono::milliseconds(100));
    }
    CO_ASSERT_TRUE(c.ok());
    auto r = co_await read_registers(client, 1, 0, 125);
    CO_ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[0], 1000);
    EXPECT_EQ((*r)[124], 1124);
    auto f = co_await read_values(client, 3, 10, 1, modbus::ValueType::kF32, modbus::WordOrder::kABCD);
    CO_ASSERT_TRUE(f.ok());
    EXPECT_EQ(*(*f)[0].to_string(), "230.1");
    const std::uint16_t w[] = {5, 6, 7};
    CO_ASSERT_TRUE((co_await write_registers(client, 2, 50, w)).ok());
    auto back = co_await read_registers(client, 2, 50, 3);
    CO_ASSERT_TRUE(back.ok());
    EXPECT_EQ((*back)[2], 7);
    const bool coils[] = {true, true, false, true};
    CO_ASSERT_TRUE((co_await write_coils(client, 1, 3, coils)).ok());
    auto bits = co_await read_bits(client, 1, 3, 4);
    CO_ASSERT_TRUE(bits.ok());
    EXPECT_EQ(*bits, (std::vector<bool>{true, true, false, true}));
    auto di = co_await read_bits(client, 1, 0, 4, false);
    CO_ASSERT_TRUE(di.ok());
    EXPECT_EQ(*di, (std::vector<bool>{true, false, true, false}));
    auto bad = co_await read_registers(client, 1, 5000, 1);
    EXPECT_EQ(exception_of(bad.status()), ExceptionCode::kIllegalDataAddress);
    // Several requests in flight on the one connection.
    int ok = 0;
    for (int i = 0; i < 10; ++i) {
      asio::co_spawn(ctx, [&, i]() -> asio::awaitable<void> {
        auto x = co_await read_registers(client, 1, static_cast<std::uint16_t>(100 + i), 1);
        if (x.ok() && (*x)[0] == 1100 + i) ++ok;
      }, asio::detached);
    }
    for (int k = 0; k < 300 && ok < 10; ++k) co_await testing::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(ok, 10);
  });
  // The CLI against the same server: exact JSON numbers, exceptions named.
  const std::string cli = std::string(EMSCORE_BINARY_DIR) + "/apps/emscore/emscore";
  if (std::filesystem::exists(cli)) {
    const std::string tcp = " --tcp 127.0.0.1:" + std::to_string(port);
    auto f = shell(cli + " modbus read" + tcp + " --unit 3 --type float32 --ref 11 --count 1");
    EXPECT_EQ(f.text, "{\"values\":[230.1]}\n");
    auto v = shell(cli + " modbus read" + tcp + " --unit 1 --ref 1 --count 3");
    EXPECT_EQ(v.text, "{\"values\":[1000,1001,1002]}\n");
    auto w = shell(cli + " modbus write" + tcp + " --unit 1 --zero-based --ref 60 --type int32 --order CDAB -- -5 70000");
    EXPECT_EQ(w.text, "{\"written\":2}\n");
    auto b = shell(cli + " modbus read" + tcp + " --unit 1 --zero-based --ref 60 --type int32 --order CDAB --count 2");
    EXPECT_EQ(b.text, "{\"values\":[-5,70000]}\n");
    auto e = shell(cli + " modbus read" + tcp + " --unit 1 --ref 5000");
    EXPECT_EQ(e.status, 1);
    EXPECT_NE(e.text.find("exception 0x02 (illegal data address)"), std::string::npos) << e.text;
  }
}

TEST(Interop, OurRtuClientAgainstPymodbusOnAPty) {
  testing::PtyPair pty;
  ASSERT_TRUE(pty.ok());
  PymodbusServer py({"rtu", pty.a(), "19200"});
  ASSERT_TRUE(py.ok());
  asio::io_context ctx;
  RtuClientOptions o;
  o.client = ClientOptions{std::chrono::milliseconds(1000), 2};
  o.format = modbus::SerialFormat{19200, 8, modbus::Parity::kNone, 1};
  RtuClient client(ctx.get_executor(), o);
  ASSERT_TRUE(client.open_serial(pty.b()).ok());
  run(ctx, [&]() -> asio::awaitable<void> {
    auto r = co_await read_registers(client, 2, 0, 10);
    CO_ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[9], 1009);
    const std::uint16_t w[] = {42};
    CO_ASSERT_TRUE((co_await write_registers(client, 1, 7, w)).ok());
    auto back = co_await read_registers(client, 1, 7, 1);
    CO_ASSERT_TRUE(back.ok());
    EXPECT_EQ((*back)[0], 42);
    auto f = co_await read_values(client, 3, 10, 1, modbus::ValueType::kF32, modbus::WordOrder::kABCD);
    CO_ASSERT_TRUE(f.ok());
    EXPECT_EQ(*(*f)[0].to_string(), "230.1");
    auto bad = co_await read_registers(client, 1, 5000, 1);
    EXPECT_EQ(exception_of(bad.status()), ExceptionCode::kIllegalDataAddress);
  });
}

// Modbus ASCII (':' ... LRC CR LF): our client against pymodbus' ASCII server, and pymodbus'
// ASCII client against our server, each over a socat pty pair. (mbpoll speaks RTU and TCP
// only.) The lines run 8N1: a pty refuses 7 data bits (tcsetattr EINVAL) and ignores parity.
TEST(Interop, OurAsciiClientAgainstPymodbusOnAPty) {
  testing::PtyPair pty;
  ASSERT_TRUE(pty.ok());
  PymodbusServer py({"ascii", pty.a(), "19200"});
  ASSERT_TRUE(py.ok());
  asio::io_context ctx;
  RtuClientOptions o;
  o.client = ClientOptions{std::chrono::milliseconds(1000), 2};
  o.format = modbus::SerialFormat{19200, 8, modbus::Parity::kNone, 1};
  o.mode = modbus::SerialMode::kAscii;
  RtuClient client(ctx.get_executor(), o);
  ASSERT_TRUE(client.open_serial(pty.b()).ok());
  run(ctx, [&]() -> asio::awaitable<void> {
    auto r = co_await read_registers(client, 2, 0, 125);
    CO_ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[9], 1009);
    EXPECT_EQ((*r)[124], 1124);
    const std::uint16_t w[] = {42, 43};
    CO_ASSERT_TRUE((co_await write_registers(client, 1, 7, w)).ok());
    auto back = co_await read_registers(client, 1, 7, 2);
    CO_ASSERT_TRUE(back.ok());
    EXPECT_EQ((*back)[1], 43);
    auto f = co_await read_values(client, 3, 10, 1, modbus::ValueType::kF32, modbus::WordOrder::kABCD);
    CO_ASSERT_TRUE(f.ok());
    EXPECT_EQ(*(*f)[0].to_string(), "230.1");
    auto bad = co_await read_registers(client, 1, 5000, 1);
    EXPECT_EQ(exception_of(bad.status()), ExceptionCode::kIllegalDataAddress);
  });
}

TEST(Interop, PymodbusAsciiClientAgainstOurAsciiServerOnAPty) {
  testing::PtyPair pty;
  ASSERT_TRUE(pty.ok());
  asio::io_context ctx;
  modbus::MemoryDataModel model;
  auto& bank = model.add_unit(7);
  bank.holding[0] = 1;
  bank.holding[1] = 2;
  bank.holding[2] = 3;
  bank.input[99] = 4242;
  RtuServerOptions so{{19200, 8, modbus::Parity::kNone, 1}};
  so.mode = modbus::SerialMode::kAscii;
  RtuServer server(ctx.get_executor(), model, so);
  ASSERT_TRUE(server.open_serial(pty.a()).ok());
  server.start();
  std::thread t([&] { ctx.run(); });
  auto r = shell("/usr/bin/python3 " + std::string(EMSCORE_SOURCE_DIR) +
                 "/tests/modbus_io/pymodbus_ascii_client.py " + pty.b() + " 19200 7");
  asio::post(ctx, [&] { server.stop(); });
  ctx.stop();
  t.join();
  EXPECT_EQ(r.status, 0) << r.text;
  EXPECT_NE(r.text.find("holding 0..2: 1 2 3"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("input 99: 4242"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("all steps passed"), std::string::npos) << r.text;
  EXPECT_EQ(model.bank(7)->holding[12], 33);
}

// `emscore modbus serve`, started as a test engineer would, polled and written by mbpoll.
class CliServer {
 public:
  explicit CliServer(const std::string& args) {
    static int n = 0;
    out_ = (std::filesystem::temp_directory_path() /
            ("emscore_serve_" + std::to_string(getpid()) + "_" + std::to_string(n++))).string();
    child_ = std::make_unique<testing::Child>(std::vector<std::string>{
        "/bin/sh", "-c", "exec " + cli() + " modbus serve " + args + " >" + out_ + " 2>&1"});
    for (int i = 0; i < 300 && output().find("listening on") == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~CliServer() { std::filesystem::remove(out_); }
  static std::string cli() { return std::string(EMSCORE_BINARY_DIR) + "/apps/emscore/emscore"; }
  std::string output() const {
    std::ifstream f(out_);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  std::string port() const {
    const std::string text = output();
    const auto colon = text.find(':', text.find("listening on "));
    if (colon == std::string::npos) return "";
    return text.substr(colon + 1, text.find('\n', colon) - colon - 1);
  }
  int stop(int sig = SIGTERM) { return child_->signal_and_wait(sig, std::chrono::seconds(10)); }

 private:
  std::string out_;
  std::unique_ptr<testing::Child> child_;
};

TEST(Interop, CliServeTcpWithMbpoll) {
  if (!std::filesystem::exists(CliServer::cli())) GTEST_SKIP() << "emscore CLI not built";
  CliServer s("--tcp 127.0.0.1:0 --holding 1=10,20,30 --holding 101:float32=230.1 "
              "--input 5:int32:CDAB=-7 --unit 2 --coils 1=1,0,1 --holding 1=7");
  const std::string port = s.port();
  ASSERT_FALSE(port.empty()) << s.output();
  EXPECT_EQ(s.output().rfind("listening on 127.0.0.1:", 0), 0u) << s.output();
  const std::string base = "mbpoll -m tcp -p " + port + " -1 ";
  auto h = shell(base + "-a 1 -r 1 -c 3 127.0.0.1");
  EXPECT_EQ(h.status, 0) << h.text;
  EXPECT_NE(h.text.find("[1]: \t10"), std::string::npos) << h.text;
  EXPECT_NE(h.text.find("[3]: \t30"), std::string::npos) << h.text;
  auto f = shell(base + "-a 1 -r 101 -t 4:float -B 127.0.0.1");
  EXPECT_NE(f.text.find("[101]: \t230.1"), std::string::npos) << f.text;
  // mbpoll reads 32-bit values as CDAB (low word first) without -B.
  auto i = shell(base + "-a 1 -r 5 -t 3:int 127.0.0.1");
  EXPECT_NE(i.text.find("[5]: \t-7"), std::string::npos) << i.text;
  auto c = shell(base + "-a 2 -r 1 -c 3 -t 0 127.0.0.1");
  EXPECT_NE(c.text.find("[1]: \t1"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("[2]: \t0"), std::string::npos) << c.text;
  auto u2 = shell(base + "-a 2 -r 1 127.0.0.1");
  EXPECT_NE(u2.text.find("[1]: \t7"), std::string::npos) << u2.text;
  // Writes change the image; the emscore client reads them back.
  auto w = shell("mbpoll -m tcp -p " + port + " -a 1 -r 50 127.0.0.1 -- 111 222");
  EXPECT_EQ(w.status, 0) << w.text;
  auto back = shell(CliServer::cli() + " modbus read --tcp 127.0.0.1:" + port + " --unit 1 --ref 50 --count 2");
  EXPECT_EQ(back.text, "{\"values\":[111,222]}\n");
  // A unit the image does not have: exception 0x0A (gateway path unavailable).
  auto none = shell(base + "-a 9 -r 1 127.0.0.1");
  EXPECT_NE(none.status, 0) << none.text;
  EXPECT_EQ(s.stop(SIGINT), 0);
  EXPECT_NE(s.output().find("{\"requests\":"), std::string::npos) << s.output();
}

// --any-unit answers every unit id from one image; --dump leaves the image after the clients'
// writes in the --image format, which serves again.
TEST(Interop, CliServeAnyUnitAndDump) {
  if (!std::filesystem::exists(CliServer::cli())) GTEST_SKIP() << "emscore CLI not built";
  const auto dump = std::filesystem::temp_directory_path() / ("emscore_dump_" + std::to_string(getpid()) + ".json");
  {
    CliServer s("--tcp 127.0.0.1:0 --any-unit --holding 1=5 --coils 3=1 --dump " + dump.string());
    const std::string port = s.port();
    ASSERT_FALSE(port.empty()) << s.output();
    auto r = shell("mbpoll -m tcp -p " + port + " -1 -a 9 -r 1 127.0.0.1");
    EXPECT_NE(r.text.find("[1]: \t5"), std::string::npos) << r.text;
    auto w = shell("mbpoll -m tcp -p " + port + " -a 200 -r 10 127.0.0.1 -- 7 8");
    EXPECT_EQ(w.status, 0) << w.text;
    EXPECT_EQ(s.stop(), 0);
  }
  std::ifstream f(dump);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), "{\"any_unit\":true,\"units\":{\"1\":{\"holding\":{\"1\":[5],\"10\":[7,8]},\"coils\":{\"3\":[1]}}}}\n");
  CliServer again("--tcp 127.0.0.1:0 --image " + dump.string());
  const std::string port = again.port();
  ASSERT_FALSE(port.empty()) << again.output();
  auto back = shell(CliServer::cli() + " modbus read --tcp 127.0.0.1:" + port + " --unit 42 --ref 10 --count 2");
  EXPECT_EQ(back.text, "{\"values\":[7,8]}\n");
  again.stop();
  std::filesystem::remove(dump);
}

TEST(Interop, CliServeImageFileAndRtuWithMbpoll) {
  if (!std::filesystem::exists(CliServer::cli())) GTEST_SKIP() << "emscore CLI not built";
  const auto image = std::filesystem::temp_directory_path() / ("emscore_image_" + std::to_string(getpid()) + ".json");
  {
    std::ofstream f(image);
    f << R"({"units": {"12": {"input": {"100": [4242]},
             "holding": {"1": [1, 2], "11": {"type": "float32", "values": [230.1, "-0.5"]}},
             "discrete": {"1": [true, false, true]}}}})";
  }
  testing::PtyPair pty;
  ASSERT_TRUE(pty.ok());
  CliServer s("--rtu " + pty.a() + " --baud 19200 --parity even --image " + image.string());
  ASSERT_NE(s.output().find("listening on " + pty.a() + " (rtu 19200 8E1)"), std::string::npos) << s.output();
  const std::string base = "mbpoll -m rtu -b 19200 -P even -a 12 -1 ";
  auto r = shell(base + "-t 3 -r 100 " + pty.b());
  EXPECT_NE(r.text.find("[100]: \t4242"), std::string::npos) << r.text;
  auto f = shell(base + "-t 4:float -B -r 11 -c 2 " + pty.b());
  EXPECT_NE(f.text.find("[11]: \t230.1"), std::string::npos) << f.text;
  EXPECT_NE(f.text.find("[13]: \t-0.5"), std::string::npos) << f.text;
  auto d = shell(base + "-t 1 -r 1 -c 3 " + pty.b());
  EXPECT_NE(d.text.find("[3]: \t1"), std::string::npos) << d.text;
  EXPECT_EQ(s.stop(), 0);
  std::filesystem::remove(image);
}

TEST(Interop, CliServeAsciiWithPymodbus) {
  if (!std::filesystem::exists(CliServer::cli())) GTEST_SKIP() << "emscore CLI not built";
  testing::PtyPair pty;
  ASSERT_TRUE(pty.ok());
  CliServer s("--rtu " + pty.a() + " --ascii --parity none --unit 7 --holding 1=1,2,3 --input 100=4242");
  ASSERT_NE(s.output().find("(ascii 19200 8N1)"), std::string::npos) << s.output();
  auto r = shell("/usr/bin/python3 " + std::string(EMSCORE_SOURCE_DIR) +
                 "/tests/modbus_io/pymodbus_ascii_client.py " + pty.b() + " 19200 7");
  EXPECT_NE(r.text.find("all steps passed"), std::string::npos) << r.text;
  // And our own client in ASCII mode reads what pymodbus wrote.
  auto back = shell(CliServer::cli() + " modbus read --rtu " + pty.b() +
                    " --ascii --parity none --unit 7 --zero-based --ref 10 --count 3");
  EXPECT_EQ(back.text, "{\"values\":[11,22,33]}\n");
  EXPECT_EQ(s.stop(), 0);
}

TEST(Interop, CliServeRejectsBadImages) {
  if (!std::filesystem::exists(CliServer::cli())) GTEST_SKIP() << "emscore CLI not built";
  const std::string cli = CliServer::cli() + " modbus serve ";
  auto a = shell(cli + "--tcp 127.0.0.1:0 --holding 0=1");
  EXPECT_EQ(a.status, 2);
  EXPECT_NE(a.text.find("--holding 0=1: reference 0 is outside 1..65536"), std::string::npos) << a.text;
  auto b = shell(cli + "--tcp 127.0.0.1:0 --holding 65536:float32=1");
  EXPECT_EQ(b.status, 2);
  EXPECT_NE(b.text.find("run past the end"), std::string::npos) << b.text;
  auto c = shell(cli + "--tcp 127.0.0.1:0 --holding 1:int16=40000");
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.text.find("--holding 1:int16=40000"), std::string::npos) << c.text;
  auto d = shell(cli + "--tcp 127.0.0.1:0 --coils 1:u16=1");
  EXPECT_EQ(d.status, 2);
  auto e = shell(cli + "--holding 1=1");
  EXPECT_EQ(e.status, 2);
  EXPECT_NE(e.text.find("exactly one of --tcp"), std::string::npos) << e.text;
  const auto image = std::filesystem::temp_directory_path() / ("emscore_bad_" + std::to_string(getpid()) + ".json");
  {
    std::ofstream f(image);
    f << R"({"units": {"1": {"holding": {"1": {"type": "float33", "values": [1]}}}}})";
  }
  auto g = shell(cli + "--tcp 127.0.0.1:0 --image " + image.string());
  EXPECT_EQ(g.status, 2);
  EXPECT_NE(g.text.find("units.1.holding.1.type"), std::string::npos) << g.text;
  std::filesystem::remove(image);
}

}  // namespace
}  // namespace emscore::modbus_io
