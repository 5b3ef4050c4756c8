#include "emscore/profile/store.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <set>

#include <sqlite3.h>

#include "emscore/core/strings.hpp"

namespace emscore::profile {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1704067200);  // 2024-01-01T00:00:00Z
const obis::ObisCode kEnergy(1, 0, 1, 8, 0);
const obis::ObisCode kPower(1, 0, 1, 7, 0);

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/emscore_profile_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

Reading energy(std::uint32_t dev, std::int64_t k) {
  return Reading{DeviceRef{dev}, kEnergy, Value(1'000'000 + 7 * k + (k % 13), -3, Unit::kKiloWattHour),
                 kT0 + absl::Minutes(15 * k), Quality::kMeasured};
}

TEST(Store, IngestAndQueryRoundTripAcrossBlocksAndMonths) {
  TempDir dir;
  StoreOptions o;
  o.block_samples = 500;
  auto store = Store::open(dir.file("p.db"), o);
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<Reading> batch;
  for (std::int64_t k = 0; k < 6000; ++k) {  // ~62 days: crosses a month, > 10 blocks
    batch.push_back(energy(1, k));
    batch.push_back(energy(2, k));
    if (batch.size() == 700) {
      auto r = (*store)->ingest(batch);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->accepted, 700u);
      batch.clear();
    }
  }
  ASSERT_TRUE((*store)->ingest(batch).ok());
  auto all = (*store)->query({DeviceRef{2}, kEnergy}, absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 6000u);
  for (std::int64_t k = 0; k < 6000; ++k) {
    const Reading want = energy(2, k);
    ASSERT_EQ((*all)[static_cast<std::size_t>(k)].at, want.at);
    ASSERT_TRUE((*all)[static_cast<std::size_t>(k)].value.identical(want.value));
  }
  // A range in the middle: [k=1000, k=1010).
  auto part = (*store)->query({DeviceRef{1}, kEnergy}, kT0 + absl::Minutes(15 * 1000),
                              kT0 + absl::Minutes(15 * 1010));
  ASSERT_TRUE(part.ok());
  ASSERT_EQ(part->size(), 10u);
  EXPECT_EQ(part->front().at, kT0 + absl::Minutes(15 * 1000));
  auto series = (*store)->list_series();
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[0].samples, 6000u);
  EXPECT_GE((*series)[0].blocks, 13u);  // 500 per block, and a new block at 2024-02-01
  EXPECT_EQ((*series)[0].unit, Unit::kKiloWattHour);
  EXPECT_LT((*series)[0].bytes, 6000u * 3);  // ~2 bytes per sample compressed
  EXPECT_EQ(*(*store)->integrity_check(), "ok");
  auto none = (*store)->query({DeviceRef{9}, kEnergy}, absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(Store, BadInputGetsAClearAnswerAndTheRestIsStored) {
  TempDir dir;
  auto store = Store::open(dir.file("p.db"));
  ASSERT_TRUE(store.ok());
  std::vector<Reading> first = {energy(1, 0), energy(1, 1), energy(1, 2)};
  ASSERT_TRUE((*store)->ingest(first).ok());
  Reading conflict = energy(1, 1);
  conflict.value.mantissa += 1;
  Reading older = energy(1, 0);
  older.at -= absl::Minutes(15);
  Reading watt = energy(1, 3);
  watt.value.unit = Unit::kWattHour;
  Reading micro = energy(1, 4);
  micro.at += absl::Microseconds(5);
  std::vector<Reading> batch = {energy(1, 1), conflict, older, watt, micro, energy(1, 5),
                                energy(1, 5)};
  auto r = (*store)->ingest(batch);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 1u);
  EXPECT_EQ(r->duplicates, 2u);  // energy(1,1) again and energy(1,5) twice in one batch
  ASSERT_EQ(r->rejected.size(), 4u);
  EXPECT_EQ(r->rejected[0].index, 1u);
  EXPECT_EQ(r->rejected[0].status.message(),
            "profile: device 1 1-0:1.8.0 at 2024-01-01T00:15:00Z: conflicts with the stored value "
            "1000.008 (measured), got 1000.009 (measured)");
  EXPECT_EQ(r->rejected[1].status.message(),
            "profile: device 1 1-0:1.8.0 at 2023-12-31T23:45:00Z: older than the newest stored "
            "reading at 2024-01-01T00:30:00Z (time must increase within a series)");
  EXPECT_EQ(r->rejected[2].status.message(),
            "profile: device 1 1-0:1.8.0 at 2024-01-01T00:45:00Z: unit \"Wh\", but the series is "
            "stored in \"kWh\" (a unit change needs a new series)");
  EXPECT_NE(to_std(r->rejected[3].status.message()).find("not a whole millisecond"),
            std::string::npos);
  auto all = (*store)->query({DeviceRef{1}, kEnergy}, absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ(all->back().at, energy(1, 5).at);
}

// A commit writes its own samples as one small row (a segment of the open tail); when the
// tail reaches block_samples it is sealed into one block, also across restarts.
TEST(Store, ReopenContinuesTheTailAndSealsItIntoOneBlock) {
  TempDir dir;
  StoreOptions o;
  o.block_samples = 5;
  auto count_rows = [](Store& s) {
    auto series = s.list_series();
    return series.ok() && series->size() == 1 ? (*series)[0] : SeriesInfo{};
  };
  {
    auto store = Store::open(dir.file("p.db"), o);
    std::vector<Reading> b = {energy(3, 0), energy(3, 1)};
    ASSERT_TRUE((*store)->ingest(b).ok());
  }
  {
    auto store = Store::open(dir.file("p.db"), o);
    ASSERT_TRUE(store.ok());
    std::vector<Reading> again = {energy(3, 1), energy(3, 2)};
    auto r = (*store)->ingest(again);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->duplicates, 1u);
    EXPECT_EQ(r->accepted, 1u);
    const SeriesInfo info = count_rows(**store);
    EXPECT_EQ(info.blocks, 2u);  // two segments
    EXPECT_EQ(info.samples, 3u);
  }
  auto store = Store::open(dir.file("p.db"), o);
  ASSERT_TRUE(store.ok());
  std::vector<Reading> more = {energy(3, 0), energy(3, 3), energy(3, 4)};  // a duplicate too
  auto r = (*store)->ingest(more);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->duplicates, 1u);
  EXPECT_EQ(r->accepted, 2u);
  SeriesInfo info = count_rows(**store);
  EXPECT_EQ(info.blocks, 1u);  // 5 samples: sealed into one block
  EXPECT_EQ(info.samples, 5u);
  std::vector<Reading> next = {energy(3, 5)};
  ASSERT_TRUE((*store)->ingest(next).ok());
  info = count_rows(**store);
  EXPECT_EQ(info.blocks, 2u);  // a new tail after the full block
  EXPECT_EQ(info.samples, 6u);
  auto all = (*store)->query({DeviceRef{3}, kEnergy}, absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 6u);
  for (std::int64_t k = 0; k < 6; ++k) {
    EXPECT_EQ((*all)[static_cast<std::size_t>(k)].at, energy(3, k).at);
    EXPECT_TRUE((*all)[static_cast<std::size_t>(k)].value.identical(energy(3, k).value));
  }
  // A re-sent reading of the sealed block is still found (duplicate / conflict).
  Reading conflict = energy(3, 2);
  conflict.value.mantissa += 1;
  std::vector<Reading> late = {energy(3, 2), conflict};
  r = (*store)->ingest(late);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->duplicates, 1u);
  ASSERT_EQ(r->rejected.size(), 1u);
  EXPECT_NE(to_std(r->rejected[0].status.message()).find("conflicts with the stored value"),
            std::string::npos);
}

// Within one batch of one series most readings take the store's inline path; every rule
// still holds there: sub-millisecond times, re-sends of this batch's own readings, other
// units, irregular steps and a month boundary in the middle of the batch.
TEST(Store, EveryRuleHoldsInTheMiddleOfABatch) {
  TempDir dir;
  auto store = Store::open(dir.file("p.db"));
  ASSERT_TRUE(store.ok());
  // k = 2972 is 2024-01-31T23:00Z: the batch crosses into February at k = 2976.
  const std::int64_t k0 = 2970;
  std::vector<Reading> b;
  for (std::int64_t k = k0; k < k0 + 5; ++k) b.push_back(energy(1, k));
  Reading micro = energy(1, k0 + 5);
  micro.at += absl::Microseconds(5);
  b.push_back(micro);                      // 5: rejected
  b.push_back(energy(1, k0 + 4));          // 6: duplicate of this batch's own reading
  Reading conflict = energy(1, k0 + 3);
  conflict.value.mantissa += 1;
  b.push_back(conflict);                   // 7: rejected
  Reading odd = energy(1, k0 + 5);
  odd.at += absl::Milliseconds(1);         // 8: an irregular step, accepted
  b.push_back(odd);
  Reading watt = energy(1, k0 + 6);
  watt.value.unit = Unit::kWattHour;
  b.push_back(watt);                       // 9: rejected
  for (std::int64_t k = k0 + 6; k < k0 + 12; ++k) b.push_back(energy(1, k));  // into February
  auto r = (*store)->ingest(b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 5u + 1u + 6u);
  EXPECT_EQ(r->duplicates, 1u);
  ASSERT_EQ(r->rejected.size(), 3u);
  EXPECT_EQ(r->rejected[0].index, 5u);
  EXPECT_NE(to_std(r->rejected[0].status.message()).find("not a whole millisecond"), std::string::npos);
  EXPECT_EQ(r->rejected[1].index, 7u);
  EXPECT_NE(to_std(r->rejected[1].status.message()).find("conflicts with the stored value"),
            std::string::npos);
  EXPECT_EQ(r->rejected[2].index, 9u);
  EXPECT_NE(to_std(r->rejected[2].status.message()).find("unit \"Wh\""), std::string::npos);
  auto all = (*store)->query({DeviceRef{1}, kEnergy}, absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 12u);
  EXPECT_EQ((*all)[5].at, odd.at);
  EXPECT_EQ((*all)[11].at, energy(1, k0 + 11).at);
  auto series = (*store)->list_series();
  EXPECT_EQ((*series)[0].blocks, 2u);  // January's block and February's
  EXPECT_EQ(absl::FormatTime("%Y-%m-%d", (*all)[6].at, absl::UTCTimeZone()), "2024-02-01");
}

// A batch sent again (after a reconnect) is recognised reading by reading, across sealed
// blocks and segments of two interleaved series; conflicts are still found; after
// retention removed readings, sending them again is "older", not a duplicate.
TEST(Store, ResentBatchesAreRecognisedAcrossBlocksAndSeries) {
  TempDir dir;
  StoreOptions o;
  o.block_samples = 100;
  auto store = Store::open(dir.file("p.db"), o);
  ASSERT_TRUE(store.ok());
  std::vector<Reading> all;
  for (std::int64_t k = 0; k < 250; ++k) {
    all.push_back(energy(1, k));
    all.push_back(energy(2, k));
  }
  for (std::size_t i = 0; i < all.size(); i += 60) {
    ASSERT_TRUE((*store)->ingest(std::span(all).subspan(i, std::min<std::size_t>(60, all.size() - i))).ok());
  }
  std::vector<Reading> again = all;
  again[2 * 120 + 1].value.mantissa += 1;  // device 2, k = 120: in a sealed block
  again[2 * 240].value.mantissa += 1;      // device 1, k = 240: in the open tail
  auto r = (*store)->ingest(again);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 0u);
  EXPECT_EQ(r->duplicates, 498u);
  ASSERT_EQ(r->rejected.size(), 2u);
  EXPECT_EQ(r->rejected[0].index, 241u);
  EXPECT_EQ(r->rejected[1].index, 480u);
  EXPECT_NE(to_std(r->rejected[0].status.message()).find("device 2"), std::string::npos);
  RetentionPolicy p{{Tier::minutes(15, absl::Hours(24)), Tier::hours(1, absl::Hours(48)),
                     Tier::days(1, absl::InfiniteDuration())}};
  std::vector<Reading> one = {energy(1, 5)};
  r = (*store)->ingest(one);
  ASSERT_EQ(r->duplicates, 1u);
  ASSERT_TRUE((*store)->apply_retention(p, kT0 + absl::Hours(72)).ok());
  r = (*store)->ingest(one);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->duplicates, 0u);
  ASSERT_EQ(r->rejected.size(), 1u);
  EXPECT_NE(to_std(r->rejected[0].status.message()).find("older than the newest stored"),
            std::string::npos);
}

// The long-term shape does not depend on how the samples arrived: a day per commit, with
// restarts in between, gives the same blocks, byte for byte, as one batch.
TEST(Store, SealedBlocksAreTheSameWhateverTheBatchSize) {
  TempDir dir;
  std::vector<Reading> all;
  for (std::int64_t k = 0; k < 3 * 4096; ++k) {  // 1-min readings, 8.5 days of January
    all.push_back(Reading{DeviceRef{1}, kEnergy, Value(5'000'000 + k * 3 + (k % 7), -3, Unit::kKiloWattHour),
                          kT0 + absl::Minutes(k), Quality::kMeasured});
  }
  {
    auto one = Store::open(dir.file("one.db"));
    ASSERT_TRUE((*one)->ingest(all).ok());
  }
  for (std::size_t i = 0; i < all.size();) {
    auto store = Store::open(dir.file("days.db"));
    ASSERT_TRUE(store.ok());
    for (int day = 0; day < 3 && i < all.size(); ++day, i += 1440) {
      auto r = (*store)->ingest(std::span(all).subspan(i, std::min<std::size_t>(1440, all.size() - i)));
      ASSERT_TRUE(r.ok());
      ASSERT_TRUE(r->rejected.empty());
    }
  }
  auto blocks_of = [](const std::string& path) {
    sqlite3* db = nullptr;
    std::vector<std::pair<std::int64_t, std::string>> out;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return out;
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "SELECT t_first, count, data FROM blocks ORDER BY t_first", -1, &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW) {
      const auto* p = static_cast<const char*>(sqlite3_column_blob(s, 2));
      out.emplace_back(sqlite3_column_int64(s, 1),
                       std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, 2))));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
  };
  const auto a = blocks_of(dir.file("one.db"));
  const auto b = blocks_of(dir.file("days.db"));
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].first, 4096);
  EXPECT_TRUE(a == b);
}

// A series that commits a reading at a time: its open tail never holds more than a few
// dozen rows (they are merged), every reading is kept, and the tail is found again after
// a restart.
TEST(Store, ManySmallCommitsKeepTheTailToAFewRows) {
  TempDir dir;
  std::size_t max_rows = 0;
  std::int64_t k = 0;
  for (int run = 0; run < 4; ++run) {
    auto store = Store::open(dir.file("p.db"));
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 60; ++i, ++k) {
      std::vector<Reading> one = {energy(1, k)};
      if (k > 0) one.push_back(energy(1, k - 1));  // and the previous one again
      auto r = (*store)->ingest(one);
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->accepted, 1u);
      auto series = (*store)->list_series();
      max_rows = std::max<std::size_t>(max_rows, (*series)[0].blocks);
    }
  }
  EXPECT_GT(max_rows, 10u);
  EXPECT_LE(max_rows, 32u);
  auto store = Store::open(dir.file("p.db"));
  auto all = (*store)->query({DeviceRef{1}, kEnergy}, absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_EQ(all->size(), 240u);
  for (std::size_t i = 0; i < all->size(); ++i) {
    ASSERT_TRUE((*all)[i].value.identical(energy(1, static_cast<std::int64_t>(i)).value));
  }
  EXPECT_EQ(*(*store)->integrity_check(), "ok");
}

TEST(Store, RetentionMovesOldDataIntoCoarserTiers) {
  TempDir dir;
  auto store = Store::open(dir.file("p.db"));
  // 15-min counter and power for 3 days; keep 15 min for one day, hours for two.
  std::vector<Reading> b;
  for (std::int64_t k = 0; k < 3 * 96; ++k) {
    b.push_back(energy(1, k));
    b.push_back(Reading{DeviceRef{1}, kPower, Value(100 + k % 50, 0, Unit::kWatt),
                        kT0 + absl::Minutes(15 * k), Quality::kMeasured});
  }
  ASSERT_TRUE((*store)->ingest(b).ok());
  RetentionPolicy p{{Tier::minutes(15, absl::Hours(24)), Tier::hours(1, absl::Hours(48)),
                     Tier::days(1, absl::InfiniteDuration())}};
  const absl::Time now = kT0 + absl::Hours(72);
  auto removed = (*store)->apply_retention(p, now);
  ASSERT_TRUE(removed.ok()) << removed.status();
  auto raw = (*store)->query({DeviceRef{1}, kEnergy}, absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_EQ(raw->size(), 96u);  // the last day
  EXPECT_EQ(raw->front().at, kT0 + absl::Hours(48));
  // Hourly tier: from hour 24 to 48 (older hours went on to the daily tier).
  auto hourly = (*store)->query({DeviceRef{1}, kEnergy, 1, 0}, absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_EQ(hourly->size(), 24u);
  // The counter's representative is the last reading of the hour (k = 4h + 3).
  EXPECT_TRUE(hourly->front().value.identical(energy(1, 24 * 4 + 3).value));
  auto daily = (*store)->query({DeviceRef{1}, kEnergy, 2, 0}, absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_EQ(daily->size(), 1u);
  EXPECT_EQ(daily->front().at, kT0);
  // Power keeps mean, min and max.
  auto pmax = (*store)->query({DeviceRef{1}, kPower, 1, 2}, absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_EQ(pmax->size(), 24u);
  auto pmin = (*store)->query({DeviceRef{1}, kPower, 2, 1}, absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_EQ(pmin->size(), 1u);
  EXPECT_EQ(pmin->front().value.to_string(), "100");
  EXPECT_EQ(*(*store)->integrity_check(), "ok");
  // Tier 0: 2 days of both series (2 x 192); tier 1: the first day of energy (24) and of
  // power's mean, min and max (3 x 24).
  EXPECT_EQ(*removed, 2u * 192 + 24u + 3u * 24);
}

// A writer process is killed with SIGKILL at random moments, again and again. After every
// kill: each reading whose ingest() had returned (the child reports it on a pipe after the
// call returns) is there with its exact value, nothing is duplicated, and SQLite's
// integrity check passes.
void kill_writer_at_random_moments(const StoreOptions& options, int rounds) {
  TempDir dir;
  const std::string path = dir.file("crash.db");
  std::mt19937 rng(12345);
  std::int64_t acknowledged = -1;
  int kills = 0;
  for (int round = 0; round < rounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      auto store = Store::open(path, options);
      if (!store.ok()) _exit(3);
      auto have = (*store)->query({DeviceRef{1}, kEnergy}, absl::InfinitePast(), absl::InfiniteFuture());
      if (!have.ok()) _exit(4);
      std::int64_t k = static_cast<std::int64_t>(have->size());
      std::mt19937 crng(static_cast<unsigned>(round));
      for (;;) {
        std::vector<Reading> batch;
        const int n = 1 + static_cast<int>(crng() % 200);
        for (int i = 0; i < n; ++i) {
          batch.push_back(energy(1, k + i));
          batch.push_back(energy(2, k + i));
        }
        // Re-send part of the previous batch now and then: duplicates must not double.
        if (k > 5 && crng() % 4 == 0) batch.push_back(energy(1, k - 3));
        auto r = (*store)->ingest(batch);
        if (!r.ok() || !r->rejected.empty()) _exit(5);
        k += n;
        const std::int64_t ack = k - 1;
        if (write(fds[1], &ack, sizeof ack) != sizeof ack) _exit(6);
      }
    }
    close(fds[1]);
    usleep(static_cast<useconds_t>(20'000 + rng() % 200'000));
    kill(pid, SIGKILL);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "the writer stopped by itself: exit " << WEXITSTATUS(wstatus);
    ++kills;
    std::int64_t ack;
    while (read(fds[0], &ack, sizeof ack) == sizeof ack) acknowledged = std::max(acknowledged, ack);
    close(fds[0]);

    auto store = Store::open(path, options);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_EQ(*(*store)->integrity_check(), "ok");
    for (std::uint32_t dev : {1u, 2u}) {
      auto all = (*store)->query({DeviceRef{dev}, kEnergy}, absl::InfinitePast(), absl::InfiniteFuture());
      ASSERT_TRUE(all.ok()) << all.status();
      ASSERT_GE(static_cast<std::int64_t>(all->size()), acknowledged + 1) << "round " << round;
      for (std::size_t k = 0; k < all->size(); ++k) {
        const Reading want = energy(dev, static_cast<std::int64_t>(k));
        ASSERT_EQ((*all)[k].at, want.at) << "round " << round << " k " << k;  // no dup, no hole
        ASSERT_TRUE((*all)[k].value.identical(want.value));
      }
    }
  }
  EXPECT_EQ(kills, rounds);
  EXPECT_GT(acknowledged, 1000);
}

TEST(Store, SurvivesSigkillOfTheWriterAtRandomMoments) {
  kill_writer_at_random_moments(StoreOptions{}, 40);
}

// Blocks of 64: most batches seal the open tail (read its segments, write one block, delete
// them), so many kills land in the middle of a seal.
TEST(Store, SurvivesSigkillWhileSealingTheTail) {
  StoreOptions o;
  o.block_samples = 64;
  kill_writer_at_random_moments(o, 20);
}

}  // namespace
}  // namespace emscore::profile
