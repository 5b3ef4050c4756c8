// tests/support/socat_pty.hpp — a pseudo-terminal pair made by a real socat, for tests of
// serial-line code: what is written to a() arrives at b() and back. Started on construction,
// stopped (and its links removed) on destruction.
#pragma once

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace emscore::testing {

class SocatPty {
 public:
  SocatPty() {
    char tmpl[] = "/tmp/emscore_pty_XXXXXX";
    dir_ = mkdtemp(tmpl);
    a_ = dir_ + "/meter_a";
    b_ = dir_ + "/meter_b";
    pid_ = fork();
    if (pid_ == 0) {
      const std::string pa = "pty,raw,echo=0,link=" + a_;
      const std::string pb = "pty,raw,echo=0,link=" + b_;
      execlp("socat", "socat", pa.c_str(), pb.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200 && !(std::filesystem::exists(a_) && std::filesystem::exists(b_)); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~SocatPty() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st = 0;
      waitpid(pid_, &st, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  bool ready() const { return std::filesystem::exists(a_) && std::filesystem::exists(b_); }
  const std::string& a() const { return a_; }
  const std::string& b() const { return b_; }

 private:
  std::string dir_, a_, b_;
  pid_t pid_ = -1;
};

}  // namespace emscore::testing
