// Helpers for the modbus_io tests: run a coroutine on an io_context, socat pty pairs.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/write.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/as_tuple.hpp"

extern char** environ;

// gtest's ASSERT_* return from the function, which a coroutine cannot: these co_return.
#define CO_ASSERT_TRUE(c)                                  \
  if (!(c)) {                                              \
    ADD_FAILURE() << "assertion failed: " #c;              \
    co_return;                                             \
  }
#define CO_ASSERT_FALSE(c) CO_ASSERT_TRUE(!(c))
#define CO_ASSERT_EQ(a, b) \
  if (!((a) == (b))) {     \
    EXPECT_EQ(a, b);       \
    co_return;             \
  }

namespace emscore::modbus_io::testing {

namespace asio = boost::asio;

// Runs `body` to completion on `ctx` (max `limit`); fails the test on timeout or exception.
inline void run(asio::io_context& ctx, std::function<asio::awaitable<void>()> body,
                std::chrono::seconds limit = std::chrono::seconds(30)) {
  bool done = false;
  std::exception_ptr error;
  asio::co_spawn(ctx, body(), [&](std::exception_ptr e) {
    done = true;
    error = e;
  });
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < end) {
    ctx.run_for(std::chrono::milliseconds(50));
    if (ctx.stopped()) ctx.restart();
  }
  ASSERT_TRUE(done) << "test coroutine did not finish in time";
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      FAIL() << "exception: " << e.what();
    }
  }
}

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

// A child process, killed (SIGTERM) and reaped on destruction.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], nullptr, nullptr, args.data(), environ) != 0) pid_ = -1;
  }
  ~Child() { stop(); }
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st = 0;
      waitpid(pid_, &st, 0);
      pid_ = -1;
    }
  }
  bool ok() const { return pid_ > 0; }
  // Sends `sig` and waits for the process to end; returns its exit status (or -1).
  int signal_and_wait(int sig, std::chrono::seconds limit) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    return wait(limit);
  }
  // Waits for the process to end; returns its exit status (or -1 on timeout).
  int wait(std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int st = 0;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

// A socat pty pair: two linked pseudo-terminals, like a null-modem cable.
class PtyPair {
 public:
  PtyPair() {
    const auto dir = std::filesystem::temp_directory_path();
    const std::string tag = std::to_string(getpid()) + "_" + std::to_string(counter()++);
    a_ = (dir / ("emscore_modbus_a_" + tag)).string();
    b_ = (dir / ("emscore_modbus_b_" + tag)).string();
    socat_ = std::make_unique<Child>(std::vector<std::string>{
        "socat", "pty,raw,echo=0,link=" + a_, "pty,raw,echo=0,link=" + b_});
    for (int i = 0; i < 200 && !(std::filesystem::exists(a_) && std::filesystem::exists(b_)); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  bool ok() const { return std::filesystem::exists(a_) && std::filesystem::exists(b_); }
  const std::string& a() const { return a_; }
  const std::string& b() const { return b_; }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::string a_, b_;
  std::unique_ptr<Child> socat_;
};

}  // namespace emscore::modbus_io::testing
