#include "event_log.hpp"
#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace emscore::refgw {
namespace {

std::string temp_path(const char* name) {
  return emscore::testing::temp_dir("eventlog", name) + "/events.db";
}

TEST(EventLog, AppendsAndPagesById) {
  auto log = EventLog::open(temp_path("page"));
  ASSERT_TRUE(log.ok()) << log.status();
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  for (int i = 0; i < 10; ++i) {
    auto id = (*log)->append(i % 3 == 0 ? Severity::kError : Severity::kInfo, "device",
                             "serial-" + std::to_string(i), "message " + std::to_string(i),
                             t0 + absl::Seconds(i));
    ASSERT_TRUE(id.ok()) << id.status();
    EXPECT_EQ(*id, i + 1);
  }
  auto first = (*log)->query(0, absl::InfinitePast(), absl::InfiniteFuture(), 4);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 4u);
  EXPECT_EQ((*first)[0].message, "message 0");
  EXPECT_EQ((*first)[0].severity, Severity::kError);
  EXPECT_EQ((*first)[0].source, "serial-0");
  EXPECT_EQ((*first)[0].at, t0);
  auto next = (*log)->query(first->back().id);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->size(), 6u);
  EXPECT_EQ((*next)[0].message, "message 4");
  auto window = (*log)->query(0, t0 + absl::Seconds(2), t0 + absl::Seconds(5));
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->size(), 3u);
  EXPECT_EQ((*window)[0].message, "message 2");
  EXPECT_EQ(*(*log)->count(), 10);
}

TEST(EventLog, SurvivesReopenAndKill) {
  const std::string path = temp_path("kill");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto log = EventLog::open(path);
    if (!log.ok()) ::_exit(2);
    for (int i = 0; i < 50; ++i)
      if (!(*log)->append(Severity::kInfo, "gateway", "", "entry").ok()) ::_exit(3);
    ::kill(::getpid(), SIGKILL);  // no destructor, no close
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  auto log = EventLog::open(path);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(*(*log)->count(), 50);
}

TEST(EventLog, UnwritablePathIsAClearError) {
  auto log = EventLog::open("/proc/emscore-no/such/dir/events.db");
  ASSERT_FALSE(log.ok());
  EXPECT_NE(std::string(log.status().message()).find("/proc/emscore-no/such/dir/events.db"),
            std::string::npos);
}

TEST(EventLog, SeverityNames) {
  EXPECT_EQ(severity_name(Severity::kInfo), "info");
  EXPECT_EQ(severity_name(Severity::kWarning), "warning");
  EXPECT_EQ(severity_name(Severity::kError), "error");
}

}  // namespace
}  // namespace emscore::refgw
