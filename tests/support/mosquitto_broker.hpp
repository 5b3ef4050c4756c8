// tests/support/mosquitto_broker.hpp — a real Mosquitto broker and a real mosquitto_sub for
// tests, on loopback, on a free port.
//
//   emscore::testing::MosquittoBroker broker;          // picks a port, writes the config,
//   ASSERT_TRUE(broker.start());                       // starts, waits until it accepts
//   emscore::testing::MosquittoSub sub(broker, "site/#");
//   ASSERT_TRUE(sub.wait_subscribed());               // a probe message went round
//   ... publish ...
//   ASSERT_TRUE(sub.wait_for_count(n, std::chrono::seconds(10)));
//   for (const auto& m : sub.messages()) ...          // topic, payload, qos, retained
//   broker.stop();  broker.start();                    // SIGTERM, then again on the same port
//
// The broker runs with its own config file and log in a temporary directory (removed on
// destruction): `listener <port> 127.0.0.1`, `allow_anonymous true`, persistence off unless
// asked for (then in the same directory, saved on SIGTERM and restored on start). TLS: give
// cafile/certfile/keyfile and the listener speaks TLS only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace emscore::testing {

// The first of `candidates` that exists (mosquitto lives in /usr/sbin on Debian, which may
// not be on a test's PATH).
inline std::string find_program(std::initializer_list<const char*> candidates) {
  for (const char* c : candidates) {
    if (std::filesystem::exists(c)) return c;
  }
  return {};
}

// A TCP port on 127.0.0.1 that was free a moment ago (bound with port 0, then closed).
inline std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

inline bool loopback_accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

inline std::string make_temp_dir(const char* stem) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(stem) + "XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

struct MosquittoOptions {
  bool persistence = false;
  std::string cafile, certfile, keyfile;  // all three: a TLS listener
  bool require_certificate = false;        // TLS: clients must present a certificate
  std::string extra_config;                // appended to the config file
};

class MosquittoBroker {
 public:
  explicit MosquittoBroker(MosquittoOptions options = {}) : options_(std::move(options)) {
    program_ = find_program({"/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"});
    dir_ = make_temp_dir("emscore_mosquitto_");
    port_ = free_loopback_port();
    config_ = dir_ + "/mosquitto.conf";
    std::ofstream c(config_);
    c << "listener " << port_ << " 127.0.0.1\n"
      << "allow_anonymous true\n";
    if (::geteuid() == 0) c << "user root\n";  // else mosquitto drops to user "mosquitto"
    if (options_.persistence) {
      c << "persistence true\npersistence_location " << dir_ << "/\nautosave_interval 1\n";
    } else {
      c << "persistence false\n";
    }
    if (!options_.certfile.empty()) {
      c << "cafile " << options_.cafile << "\ncertfile " << options_.certfile << "\nkeyfile "
        << options_.keyfile << "\n";
      if (options_.require_certificate) c << "require_certificate true\n";
    }
    c << options_.extra_config << "\n";
  }
  ~MosquittoBroker() {
    stop();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  bool available() const { return !program_.empty() && port_ != 0 && !dir_.empty(); }

  // Starts the broker (no-op when running) and waits until it accepts TCP connections.
  bool start(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    if (!available()) return false;
    if (pid_ > 0) return true;
    const std::string log = dir_ + "/mosquitto.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      std::FILE* f = std::freopen(log.c_str(), "a", stdout);
      (void)f;
      ::dup2(STDOUT_FILENO, STDERR_FILENO);
      ::execl(program_.c_str(), program_.c_str(), "-c", config_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (loopback_accepts(port_)) return true;
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {  // died (port taken, bad config)
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  // SIGTERM and wait (Mosquitto saves its persistence file on SIGTERM).
  void stop() { signal_and_wait(SIGTERM); }
  // SIGKILL and wait: nothing saved.
  void kill() { signal_and_wait(SIGKILL); }
  bool restart() {
    stop();
    return start();
  }
  bool running() const { return pid_ > 0; }

  std::uint16_t port() const { return port_; }
  std::string host() const { return "127.0.0.1"; }
  std::string uri() const {
    return (options_.certfile.empty() ? "tcp://127.0.0.1:" : "ssl://127.0.0.1:") +
           std::to_string(port_);
  }
  const std::string& dir() const { return dir_; }
  bool tls() const { return !options_.certfile.empty(); }
  const MosquittoOptions& options() const { return options_; }
  std::string log() const {
    std::ifstream f(dir_ + "/mosquitto.log");
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }

 private:
  void signal_and_wait(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
  }

  MosquittoOptions options_;
  std::string program_, dir_, config_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// One message as mosquitto_sub printed it.
struct SubMessage {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retained = false;
};

// A real mosquitto_sub on the broker, printing "<topic>\t<retained>\t<qos>\t<payload>" lines
// into a file. It also subscribes to "emscore-probe/#" so that wait_subscribed() can prove
// the subscription is active (a probe published with mosquitto_pub comes back); probes are
// left out of messages(). With `client_id` it uses a persistent session (-c): across a
// broker restart with persistence on, messages published while it reconnects are kept.
// mqtt_version 4 (3.1.1, the default) or 5. Caveat: a v5 mosquitto_sub (libmosquitto 2.0.11)
// receiving a burst of QoS 2 messages sometimes disconnects with "A network protocol error"
// (its Receive Maximum accounting); subscribe with 3.1.1 when the test sends QoS 2 bursts.
class MosquittoSub {
 public:
  MosquittoSub(const MosquittoBroker& broker, std::string filter, int qos = 2,
               std::string client_id = {}, int mqtt_version = 4)
      : broker_(broker) {
    dir_ = make_temp_dir("emscore_mqttsub_");
    out_ = dir_ + "/messages.txt";
    std::vector<std::string> args = {"mosquitto_sub", "-h", broker.host(), "-p",
                                     std::to_string(broker.port()), "-q", std::to_string(qos),
                                     "-t", filter, "-t", "emscore-probe/#", "-F", "%t\t%r\t%q\t%p",
                                     "-V", mqtt_version == 5 ? "5" : "311"};
    if (!client_id.empty()) {
      args.insert(args.end(), {"-c", "-i", client_id});
      if (mqtt_version == 5) args.insert(args.end(), {"-x", "3600"});
    }
    if (broker.tls()) args.insert(args.end(), {"--cafile", broker.options().cafile});
    pid_ = ::fork();
    if (pid_ == 0) {
      std::FILE* f = std::freopen(out_.c_str(), "w", stdout);
      (void)f;
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp("mosquitto_sub", argv.data());
      ::_exit(127);
    }
  }
  ~MosquittoSub() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  MosquittoSub(const MosquittoSub&) = delete;
  MosquittoSub& operator=(const MosquittoSub&) = delete;

  // Publishes probes until one comes back (the subscription is active).
  bool wait_subscribed(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int n = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string topic = "emscore-probe/" + std::to_string(::getpid()) + "/" + std::to_string(n++);
      std::vector<std::string> args = {"mosquitto_pub", "-h", broker_.host(), "-p",
                                       std::to_string(broker_.port()), "-t", topic, "-m", "probe"};
      if (broker_.tls()) args.insert(args.end(), {"--cafile", broker_.options().cafile});
      run(args);
      for (int i = 0; i < 20; ++i) {
        if (raw().find(topic + "\t") != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    return false;
  }

  std::vector<SubMessage> messages() const {
    std::vector<SubMessage> out;
    std::istringstream in(raw());
    std::string line;
    while (std::getline(in, line)) {
      SubMessage m;
      std::size_t a = line.find('\t');
      std::size_t b = a == std::string::npos ? a : line.find('\t', a + 1);
      std::size_t c = b == std::string::npos ? b : line.find('\t', b + 1);
      if (c == std::string::npos) continue;  // a partial last line
      m.topic = line.substr(0, a);
      if (m.topic.rfind("emscore-probe/", 0) == 0) continue;
      m.retained = line.substr(a + 1, b - a - 1) == "1";
      m.qos = std::atoi(line.substr(b + 1, c - b - 1).c_str());
      m.payload = line.substr(c + 1);
      out.push_back(std::move(m));
    }
    return out;
  }

  // Waits until pred(messages()) holds.
  bool wait_until(const std::function<bool(const std::vector<SubMessage>&)>& pred,
                  std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      if (pred(messages())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return pred(messages());
  }
  bool wait_for_count(std::size_t n, std::chrono::milliseconds timeout) const {
    return wait_until([n](const auto& v) { return v.size() >= n; }, timeout);
  }

  // Runs a command to completion; returns its exit status (or -1).
  static int run(std::vector<std::string> args) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      std::FILE* f = std::freopen("/dev/null", "w", stdout);
      (void)f;
      ::dup2(STDOUT_FILENO, STDERR_FILENO);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    int st = 0;
    if (pid < 0 || ::waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }

 private:
  std::string raw() const {
    std::ifstream f(out_);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }

  const MosquittoBroker& broker_;
  std::string dir_, out_;
  pid_t pid_ = -1;
};

}  // namespace emscore::testing
