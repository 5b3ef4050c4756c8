#include "mqtt_outbox.hpp"
#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

namespace emscore::refgw {
namespace {

std::string temp_path(const char* name) {
  return emscore::testing::temp_dir("outbox", name) + "/outbox.db";
}

MqttMessage msg(std::string topic, std::string payload, int qos = 1, bool retained = false) {
  return MqttMessage{std::move(topic), std::move(payload), qos, retained};
}

TEST(MqttOutbox, FifoPeekClaimAckAndRelease) {
  auto box = MqttOutbox::open(temp_path("fifo"));
  ASSERT_TRUE(box.ok()) << box.status();
  MqttOutbox& b = **box;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto id = b.enqueue(msg("t/" + std::to_string(i), "p" + std::to_string(i), i % 3, i == 4));
    ASSERT_TRUE(id.ok()) << id.status();
    if (!ids.empty()) {
      EXPECT_GT(*id, ids.back());
    }
    ids.push_back(*id);
  }
  EXPECT_EQ(b.size(), 5u);
  auto peeked = b.peek(2);
  ASSERT_TRUE(peeked.ok());
  ASSERT_EQ(peeked->size(), 2u);
  EXPECT_EQ((*peeked)[0].id, ids[0]);
  EXPECT_EQ((*peeked)[0].message, msg("t/0", "p0", 0, false));
  EXPECT_EQ((*peeked)[1].message, msg("t/1", "p1", 1, false));
  // peek has no side effect.
  EXPECT_EQ(b.in_flight(), 0u);
  auto claimed = b.claim(3);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 3u);
  EXPECT_EQ(b.in_flight(), 3u);
  // The next claim skips entries in flight.
  auto next = b.claim(10);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->size(), 2u);
  EXPECT_EQ((*next)[0].id, ids[3]);
  EXPECT_EQ((*next)[1].message, msg("t/4", "p4", 1, true));
  EXPECT_TRUE(b.claim(10)->empty());
  // Release puts an entry back; it is the oldest not in flight again.
  b.release(ids[1]);
  auto again = b.peek(10);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].id, ids[1]);
  // Ack deletes; acking twice or an unknown id is harmless.
  ASSERT_TRUE(b.ack(ids[0]).ok());
  ASSERT_TRUE(b.ack(ids[0]).ok());
  ASSERT_TRUE(b.ack(987654).ok());
  const std::int64_t more[] = {ids[2], ids[3]};
  ASSERT_TRUE(b.ack(more).ok());
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(b.in_flight(), 1u);  // ids[4]
  b.release_all();
  auto rest = b.peek(10);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].id, ids[1]);
  EXPECT_EQ((*rest)[1].id, ids[4]);
}

TEST(MqttOutbox, BatchEnqueueIsOneTransactionAndSurvivesReopen) {
  const std::string path = temp_path("reopen");
  std::vector<MqttMessage> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(msg("r/" + std::to_string(i), std::to_string(i)));
  {
    auto box = MqttOutbox::open(path);
    ASSERT_TRUE(box.ok());
    auto r = (*box)->enqueue(batch);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->ids.size(), 100u);
    EXPECT_EQ(r->dropped, 0u);
    ASSERT_TRUE((*box)->claim(10).ok());  // in flight is not persisted
  }
  auto box = MqttOutbox::open(path);
  ASSERT_TRUE(box.ok());
  EXPECT_EQ((*box)->size(), 100u);
  EXPECT_EQ((*box)->in_flight(), 0u);
  auto all = (*box)->peek(1000);
  ASSERT_EQ(all->size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ((*all)[i].message.payload, std::to_string(i));
  // Payloads are bytes: NUL and non-UTF-8 survive.
  const std::string bin("a\0\xff", 3);
  ASSERT_TRUE((*box)->enqueue(msg("bin", bin)).ok());
  EXPECT_EQ((*box)->peek(1000)->back().message.payload, bin);
}

TEST(MqttOutbox, RefusesBadMessagesWithoutPartialWrites) {
  auto box = MqttOutbox::open(temp_path("bad"));
  ASSERT_TRUE(box.ok());
  std::vector<MqttMessage> batch = {msg("ok", "1"), msg("bad", "2", 3)};
  auto r = (*box)->enqueue(batch);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("qos 3"), std::string::npos);
  EXPECT_FALSE((*box)->enqueue(msg("", "x")).ok());
  EXPECT_EQ((*box)->size(), 0u);
  EXPECT_FALSE(MqttOutbox::open(temp_path("cap0"), 0).ok());
  auto dir = MqttOutbox::open("/nonexistent-dir/emscore/outbox.db");
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(std::string(dir.status().message()).find("/nonexistent-dir"), std::string::npos);
}

TEST(MqttOutbox, FullDropsOldestNonRetainedAndCountsIt) {
  const std::string path = temp_path("full");
  {
    auto box = MqttOutbox::open(path, 10);
    ASSERT_TRUE(box.ok());
    MqttOutbox& b = **box;
    ASSERT_TRUE(b.enqueue(msg("cfg/a", "A", 1, true)).ok());
    for (int i = 0; i < 9; ++i) ASSERT_TRUE(b.enqueue(msg("v", std::to_string(i))).ok());
    ASSERT_EQ(b.size(), 10u);
    // Entries in flight are not dropped.
    auto inflight = b.claim(2);  // cfg/a and v=0
    ASSERT_EQ(inflight->size(), 2u);
    std::vector<MqttMessage> three = {msg("v", "9"), msg("v", "10"), msg("v", "11")};
    auto r = b.enqueue(three);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->dropped, 3u);
    EXPECT_EQ(b.size(), 10u);
    EXPECT_EQ(b.dropped_total(), 3u);
    auto all = b.peek(100);
    std::vector<std::string> payloads;
    for (const auto& e : *all) payloads.push_back(e.message.payload);
    // In flight: A and 0 (not listed by peek); dropped: 1, 2, 3.
    EXPECT_EQ(payloads, (std::vector<std::string>{"4", "5", "6", "7", "8", "9", "10", "11"}));
  }
  auto box = MqttOutbox::open(path, 10);
  ASSERT_TRUE(box.ok());
  EXPECT_EQ((*box)->dropped_total(), 3u);  // persisted
}

TEST(MqttOutbox, OnlyRetainedLeftThenOldestRetainedIsDropped) {
  auto box = MqttOutbox::open(temp_path("retained-full"), 3);
  ASSERT_TRUE(box.ok());
  for (const char* t : {"c/1", "c/2", "c/3", "c/4"}) ASSERT_TRUE((*box)->enqueue(msg(t, "x", 1, true)).ok());
  EXPECT_EQ((*box)->size(), 3u);
  EXPECT_EQ((*box)->dropped_total(), 1u);
  EXPECT_EQ((*box)->peek(10)->front().message.topic, "c/2");
}

TEST(MqttOutbox, RetainedReplacesQueuedRetainedOnTheSameTopic) {
  auto box = MqttOutbox::open(temp_path("replace"));
  ASSERT_TRUE(box.ok());
  MqttOutbox& b = **box;
  ASSERT_TRUE(b.enqueue(msg("cfg/x", "old", 1, true)).ok());
  ASSERT_TRUE(b.enqueue(msg("reading", "1")).ok());
  ASSERT_TRUE(b.enqueue(msg("cfg/y", "y", 1, true)).ok());
  std::vector<MqttMessage> update = {msg("cfg/x", "new", 1, true)};
  auto r = b.enqueue(update);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->replaced, 1u);
  EXPECT_EQ(r->dropped, 0u);
  auto all = b.peek(10);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].message.topic, "reading");
  EXPECT_EQ((*all)[2].message.payload, "new");
  // A non-retained message on the same topic replaces nothing; one in flight is kept.
  ASSERT_TRUE(b.enqueue(msg("cfg/x", "plain")).ok());
  ASSERT_TRUE(b.claim(10).ok());
  ASSERT_TRUE(b.enqueue(msg("cfg/x", "newer", 1, true)).ok());
  EXPECT_EQ(b.size(), 5u);
}

TEST(MqttOutbox, ThreadSafeUnderConcurrentEnqueueClaimAck) {
  auto box = MqttOutbox::open(temp_path("threads"));
  ASSERT_TRUE(box.ok());
  MqttOutbox& b = **box;
  constexpr int kProducers = 2, kPerProducer = 500;
  std::atomic<int> producers_done{0};
  std::set<std::string> seen;
  std::thread consumer([&] {
    while (producers_done.load() < kProducers || b.size() > 0) {
      auto got = b.claim(16);
      ASSERT_TRUE(got.ok());
      std::vector<std::int64_t> ids;
      for (const auto& e : *got) {
        EXPECT_TRUE(seen.insert(e.message.payload).second) << "claimed twice: " << e.message.payload;
        ids.push_back(e.id);
      }
      ASSERT_TRUE(b.ack(ids).ok());
    }
  });
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        ASSERT_TRUE(b.enqueue(msg("t", std::to_string(p) + ":" + std::to_string(i))).ok());
      }
      ++producers_done;
    });
  }
  for (auto& t : producers) t.join();
  consumer.join();
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kProducers * kPerProducer));
  EXPECT_EQ(b.size(), 0u);
}

// A child process enqueues as fast as it can and reports each committed id through a pipe;
// it is killed with SIGKILL mid-stream. Every id it reported must be in the reopened outbox.
TEST(MqttOutbox, KillMinus9LosesNoCommittedEntry) {
  const std::string path = temp_path("kill9");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto box = MqttOutbox::open(path, 1'000'000);
    if (!box.ok()) ::_exit(2);
    for (int i = 0;; ++i) {
      std::vector<MqttMessage> batch = {msg("k/" + std::to_string(i), std::to_string(i)),
                                        msg("k/" + std::to_string(i) + "/b", "b")};
      auto r = (*box)->enqueue(batch);
      if (!r.ok()) ::_exit(3);
      if ((i % 7) == 0) {
        (void)(*box)->ack(r->ids[1]);  // acks interleave with enqueues
      }
      const std::int64_t last = r->ids.back();
      if (::write(fds[1], &last, sizeof(last)) != sizeof(last)) ::_exit(4);
    }
  }
  ::close(fds[1]);
  // Let it commit a few hundred batches, then kill it without warning.
  std::int64_t last_reported = 0;
  int reports = 0;
  while (reports < 300) {
    std::int64_t id;
    if (::read(fds[0], &id, sizeof(id)) != sizeof(id)) break;
    last_reported = id;
    ++reports;
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int st = 0;
  ::waitpid(child, &st, 0);
  // Drain what it reported before dying.
  std::int64_t id;
  while (::read(fds[0], &id, sizeof(id)) == sizeof(id)) last_reported = id;
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << "child exited early: " << st;
  ASSERT_GT(last_reported, 0);

  auto box = MqttOutbox::open(path, 1'000'000);
  ASSERT_TRUE(box.ok()) << box.status();
  auto all = (*box)->peek(10'000'000);
  ASSERT_TRUE(all.ok());
  std::set<std::int64_t> present;
  for (const auto& e : *all) present.insert(e.id);
  // Every reported batch i: its first message ("k/<i>") is never acked, so it must be there.
  int checked = 0;
  for (const auto& e : *all) {
    if (e.id > last_reported) break;
    ++checked;
  }
  EXPECT_EQ((*box)->size(), all->size());
  // Ids are dense per batch: first ids 1, 3, 5, ...; each reported batch's first id present.
  for (std::int64_t first = 1; first + 1 <= last_reported; first += 2) {
    ASSERT_TRUE(present.contains(first)) << "committed entry " << first << " lost";
  }
  EXPECT_GE(checked, 300);
  // The reopened outbox keeps working.
  ASSERT_TRUE((*box)->enqueue(msg("after", "restart")).ok());
}

}  // namespace
}  // namespace emscore::refgw
