// tests/support/process.hpp — running real programs from tests: one-shot commands (mbpoll,
// curl, sqlite3) and long-running children (the reference gateway) whose output is watched.
//
//   auto r = emscore::testing::run_command("mbpoll -m tcp ...");   // r.exit_code, r.output
//   emscore::testing::Child gw({"/path/refgateway", "--demo", ...});
//   auto line = gw.wait_for_line("ready", std::chrono::seconds(30));
//   gw.kill(SIGKILL);
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace emscore::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `cmd` through /bin/sh and collects its output.
inline CommandResult run_command(const std::string& cmd) {
  CommandResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int st = ::pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// A child process with its stdout+stderr on a pipe; killed (SIGKILL) on destruction if alive.
class Child {
 public:
  explicit Child(std::vector<std::string> argv, std::string stdin_text = {}) {
    int out[2];
    int in[2];
    if (::pipe(out) != 0 || ::pipe(in) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(out[1], 2);
      ::dup2(in[0], 0);
      ::close(out[0]);
      ::close(out[1]);
      ::close(in[0]);
      ::close(in[1]);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(in[0]);
    fd_ = out[0];
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    if (!stdin_text.empty()) {
      ssize_t w = ::write(in[1], stdin_text.data(), stdin_text.size());
      (void)w;
    }
    ::close(in[1]);
  }
  ~Child() {
    kill(SIGKILL);
    if (fd_ >= 0) ::close(fd_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Everything the child printed so far.
  const std::string& output() {
    drain(std::chrono::milliseconds(0));
    return output_;
  }

  // The first complete line starting with `prefix` (searching from the start of the output),
  // or nullopt after `timeout` or when the child exited without printing it.
  std::optional<std::string> wait_for_line(const std::string& prefix,
                                           std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::size_t pos = 0;
      while (pos < output_.size()) {
        const std::size_t eol = output_.find('\n', pos);
        if (eol == std::string::npos) break;
        if (output_.compare(pos, prefix.size(), prefix) == 0) return output_.substr(pos, eol - pos);
        pos = eol + 1;
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline || exited_) return std::nullopt;
      drain(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
    }
  }

  // Sends `sig` and waits for the exit; returns the wait status (or -1 when not running).
  int kill(int sig) {
    if (pid_ <= 0 || exited_) return status_;
    ::kill(pid_, sig);
    return wait();
  }
  int wait() {
    if (pid_ <= 0) return -1;
    if (!exited_) {
      ::waitpid(pid_, &status_, 0);
      exited_ = true;
    }
    drain(std::chrono::milliseconds(0));
    return status_;
  }

 private:
  void drain(std::chrono::milliseconds wait) {
    if (fd_ < 0) return;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::min<long long>(wait.count(), 200))) <= 0) {
      check_exit();
      return;
    }
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      output_.append(buf, static_cast<std::size_t>(n));
    }
    check_exit();
  }
  void check_exit() {
    if (exited_ || pid_ <= 0) return;
    if (::waitpid(pid_, &status_, WNOHANG) == pid_) exited_ = true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  int status_ = -1;
  bool exited_ = false;
  std::string output_;
};

}  // namespace emscore::testing
