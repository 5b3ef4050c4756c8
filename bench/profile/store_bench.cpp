// Ingest readings/s, file size and a year-range query of the profile store against a plain
// SQLite table with one row per reading (same SQLite, same WAL and synchronous=FULL, same
// batches, a primary key on (device, obis, t) so that both find duplicates and ranges), and
// the floor: the same commits storing one small row each (what a commit costs by itself).
// One series: a year of 15-min and a year of 1-min counter readings, ingested a day per
// batch as a gateway commits them (and the 15-min year an hour per batch).
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "datasets.hpp"
#include "emscore/profile/store.hpp"

namespace emscore::profile::bench {
namespace {

const obis::ObisCode kEnergy(1, 0, 1, 8, 0);

std::vector<Reading> readings_of(const Dataset& d) {
  std::vector<Reading> out;
  for (const Sample& s : d.samples) out.push_back({DeviceRef{1}, kEnergy, s.value, s.at, s.quality});
  return out;
}

std::string db_path(const std::string& tag) {
  return "/tmp/emscore_store_bench_" + std::to_string(getpid()) + "_" + tag + ".db";
}

// A path with no database behind it (removes what a previous run left).
std::string temp_db(const std::string& tag) {
  const std::string p = db_path(tag);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p + suffix);
  return p;
}

std::uintmax_t file_bytes(const std::string& p) {
  std::uintmax_t n = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto s = std::filesystem::file_size(p + suffix, ec);
    if (!ec) n += s;
  }
  return n;
}

void checkpoint(const std::string& p) {
  sqlite3* db = nullptr;
  sqlite3_open(p.c_str(), &db);
  sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

// A baseline's database with the store's settings (WAL, the same synchronous) and `schema`.
sqlite3* open_baseline(const std::string& path, bool full, const char* schema) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", nullptr,
               nullptr, nullptr);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL;", nullptr, nullptr, nullptr);
  sqlite3_exec(db, schema, nullptr, nullptr, nullptr);
  return db;
}

// ---- the baseline: one row per reading ----
class RowStore {
 public:
  RowStore(const std::string& path, bool full) {
    db_ = open_baseline(path, full,
                        "CREATE TABLE IF NOT EXISTS readings(device INTEGER NOT NULL, obis INTEGER NOT NULL,"
                        " t INTEGER NOT NULL, mantissa INTEGER NOT NULL, exponent INTEGER NOT NULL,"
                        " unit INTEGER NOT NULL, quality INTEGER NOT NULL,"
                        " PRIMARY KEY(device, obis, t)) WITHOUT ROWID;");
    sqlite3_prepare_v2(db_, "INSERT OR IGNORE INTO readings VALUES(?,?,?,?,?,?,?)", -1, &ins_, nullptr);
    sqlite3_prepare_v2(db_, "BEGIN IMMEDIATE", -1, &begin_, nullptr);
    sqlite3_prepare_v2(db_, "COMMIT", -1, &commit_, nullptr);
    sqlite3_prepare_v2(db_,
                       "SELECT t, mantissa, exponent, unit, quality FROM readings WHERE device=? AND "
                       "obis=? AND t>=? AND t<? ORDER BY t",
                       -1, &sel_, nullptr);
  }
  ~RowStore() {
    sqlite3_finalize(ins_);
    sqlite3_finalize(sel_);
    sqlite3_finalize(begin_);
    sqlite3_finalize(commit_);
    sqlite3_close(db_);
  }
  void ingest(std::span<const Reading> batch) {
    step(begin_);  // prepared once, as the store does
    for (const Reading& r : batch) {
      sqlite3_bind_int64(ins_, 1, r.device.id);
      sqlite3_bind_int64(ins_, 2, static_cast<std::int64_t>(r.quantity.packed()));
      sqlite3_bind_int64(ins_, 3, absl::ToUnixMillis(r.at));
      sqlite3_bind_int64(ins_, 4, r.value.mantissa);
      sqlite3_bind_int(ins_, 5, r.value.exponent);
      sqlite3_bind_int(ins_, 6, static_cast<int>(r.value.unit));
      sqlite3_bind_int(ins_, 7, static_cast<int>(r.quality));
      sqlite3_step(ins_);
      sqlite3_reset(ins_);
    }
    step(commit_);
  }
  std::vector<Sample> query(absl::Time from, absl::Time to) {
    std::vector<Sample> out;
    sqlite3_bind_int64(sel_, 1, 1);
    sqlite3_bind_int64(sel_, 2, static_cast<std::int64_t>(kEnergy.packed()));
    sqlite3_bind_int64(sel_, 3, absl::ToUnixMillis(from));
    sqlite3_bind_int64(sel_, 4, absl::ToUnixMillis(to));
    while (sqlite3_step(sel_) == SQLITE_ROW) {
      out.push_back({absl::FromUnixMillis(sqlite3_column_int64(sel_, 0)),
                     Value(sqlite3_column_int64(sel_, 1), sqlite3_column_int(sel_, 2),
                           static_cast<Unit>(sqlite3_column_int(sel_, 3))),
                     static_cast<Quality>(sqlite3_column_int(sel_, 4))});
    }
    sqlite3_reset(sel_);
    return out;
  }

 private:
  static void step(sqlite3_stmt* s) {
    sqlite3_step(s);
    sqlite3_reset(s);
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* ins_ = nullptr;
  sqlite3_stmt* sel_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
};

// ---- the floor: what one commit costs SQLite here, whatever is stored ----
// The same commits (same settings, one per batch), each inserting one 64-byte row: no
// store can ingest a batch in one transaction for less than this.
class CommitFloor {
 public:
  CommitFloor(const std::string& path, bool full) {
    db_ = open_baseline(path, full,
                        "CREATE TABLE IF NOT EXISTS rows(k INTEGER PRIMARY KEY, data BLOB NOT NULL);");
    sqlite3_prepare_v2(db_, "INSERT INTO rows VALUES(?,?)", -1, &ins_, nullptr);
    sqlite3_prepare_v2(db_, "BEGIN IMMEDIATE", -1, &begin_, nullptr);
    sqlite3_prepare_v2(db_, "COMMIT", -1, &commit_, nullptr);
  }
  ~CommitFloor() {
    sqlite3_finalize(ins_);
    sqlite3_finalize(begin_);
    sqlite3_finalize(commit_);
    sqlite3_close(db_);
  }
  void ingest(std::span<const Reading> batch) {
    static const std::uint8_t kData[64] = {};
    sqlite3_step(begin_);
    sqlite3_reset(begin_);
    sqlite3_bind_int64(ins_, 1, absl::ToUnixMillis(batch.front().at));
    sqlite3_bind_blob(ins_, 2, kData, sizeof kData, SQLITE_STATIC);
    sqlite3_step(ins_);
    sqlite3_reset(ins_);
    sqlite3_step(commit_);
    sqlite3_reset(commit_);
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* ins_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
};

StoreOptions options(bool full) {
  StoreOptions o;
  o.synchronous_full = full;
  return o;
}

struct Case {
  std::string name;
  std::vector<Reading> readings;
  std::size_t batch;
  bool full;  // synchronous=FULL (power-loss safe) or NORMAL (process-crash safe), both stores
};

template <class Ingest>
void run_ingest(const Case& c, Ingest&& ingest) {
  for (std::size_t i = 0; i < c.readings.size(); i += c.batch) {
    ingest(std::span(c.readings).subspan(i, std::min(c.batch, c.readings.size() - i)));
  }
}

// One ingest benchmark "<case>/<who>/ingest": each iteration opens a fresh database with
// open(path) (not timed), which gives the function a batch is handed to, then ingests every
// batch. file_bytes > 0 is reported as a counter.
template <class Open>
void register_ingest(const std::shared_ptr<Case>& cs, const std::string& who, double file_bytes,
                     Open open) {
  benchmark::RegisterBenchmark((cs->name + "/" + who + "/ingest").c_str(), [=](benchmark::State& st) {
    for (auto _ : st) {
      st.PauseTiming();
      auto ingest = open(temp_db(cs->name + "_ingest_" + who));
      st.ResumeTiming();
      run_ingest(*cs, ingest);
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * cs->readings.size()));
    if (file_bytes > 0) st.counters["file_bytes"] = file_bytes;
  })->Iterations(2)->Unit(benchmark::kMillisecond);
}

void register_case(const Case& c) {
  auto cs = std::make_shared<Case>(c);
  const std::size_t n = c.readings.size();
  // Sizes once, before timing (and the round trip of both).
  std::uintmax_t ours_bytes = 0, rows_bytes = 0;
  {
    const std::string p = temp_db(c.name + "_size_ours");
    {
      auto st = *Store::open(p, options(c.full));
      run_ingest(c, [&](std::span<const Reading> b) { (void)st->ingest(b); });
      auto back = st->query({DeviceRef{1}, kEnergy}, absl::InfinitePast(), absl::InfiniteFuture());
      if (!back.ok() || back->size() != n) std::printf("OURS ROUND TRIP MISMATCH\n");
    }
    checkpoint(p);
    ours_bytes = file_bytes(p);
    const std::string q = temp_db(c.name + "_size_rows");
    {
      RowStore rs(q, c.full);
      run_ingest(c, [&](std::span<const Reading> b) { rs.ingest(b); });
    }
    checkpoint(q);
    rows_bytes = file_bytes(q);
  }
  std::printf("%-28s readings=%zu batch=%zu  file bytes: ours %ju, row-per-reading %ju  (%.1fx smaller)\n",
              c.name.c_str(), n, c.batch, ours_bytes, rows_bytes,
              static_cast<double>(rows_bytes) / static_cast<double>(ours_bytes));
  std::fflush(stdout);

  register_ingest(cs, "ours", static_cast<double>(ours_bytes), [cs](const std::string& p) {
    std::shared_ptr<Store> store = *Store::open(p, options(cs->full));
    return [store](std::span<const Reading> b) { (void)store->ingest(b); };
  });
  register_ingest(cs, "rows", static_cast<double>(rows_bytes), [cs](const std::string& p) {
    auto rs = std::make_shared<RowStore>(p, cs->full);
    return [rs](std::span<const Reading> b) { rs->ingest(b); };
  });
  register_ingest(cs, "commit_floor", 0, [cs](const std::string& p) {
    auto fl = std::make_shared<CommitFloor>(p, cs->full);
    return [fl](std::span<const Reading> b) { fl->ingest(b); };
  });

  // Ten days sent again (a gateway re-sending after a reconnect): every reading a duplicate.
  const std::size_t resend_from = std::min(n / 2, static_cast<std::size_t>(100) * 1440);
  const std::size_t resend_n = std::min(n - resend_from, 10 * (n / 365));
  benchmark::RegisterBenchmark((c.name + "/ours/resend_10_days").c_str(), [=](benchmark::State& st) {
    auto store = *Store::open(db_path(cs->name + "_size_ours"), options(cs->full));
    const auto days = std::span(cs->readings).subspan(resend_from, resend_n);
    for (auto _ : st) {
      for (std::size_t i = 0; i < days.size(); i += cs->batch) {
        auto r = store->ingest(days.subspan(i, std::min(cs->batch, days.size() - i)));
        if (!r.ok() || r->accepted != 0) st.SkipWithError("not all duplicates");
      }
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * resend_n));
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((c.name + "/rows/resend_10_days").c_str(), [=](benchmark::State& st) {
    RowStore rs(db_path(cs->name + "_size_rows"), cs->full);
    const auto days = std::span(cs->readings).subspan(resend_from, resend_n);
    for (auto _ : st) {
      for (std::size_t i = 0; i < days.size(); i += cs->batch) {
        rs.ingest(days.subspan(i, std::min(cs->batch, days.size() - i)));
      }
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * resend_n));
  })->Unit(benchmark::kMillisecond);

  const absl::Time from = cs->readings.front().at;
  const absl::Time to = from + absl::Hours(24 * 365);
  benchmark::RegisterBenchmark((c.name + "/ours/query_year").c_str(), [=](benchmark::State& st) {
    auto store = *Store::open(db_path(cs->name + "_size_ours"), options(cs->full));
    std::size_t got = 0;
    for (auto _ : st) {
      auto r = store->query({DeviceRef{1}, kEnergy}, from, to);
      got = r->size();
      benchmark::DoNotOptimize(r->data());
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * got));
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((c.name + "/rows/query_year").c_str(), [=](benchmark::State& st) {
    RowStore rs(db_path(cs->name + "_size_rows"), cs->full);
    std::size_t got = 0;
    for (auto _ : st) {
      auto r = rs.query(from, to);
      got = r.size();
      benchmark::DoNotOptimize(r.data());
    }
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * got));
  })->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace emscore::profile::bench

int main(int argc, char** argv) {
  using namespace emscore::profile::bench;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const std::vector<Case> cases = {
      {"counter_15min_1y_sync_full", readings_of(simulated_counter("", 35040, 15, 1)), 96, true},
      {"counter_15min_1y_sync_normal", readings_of(simulated_counter("", 35040, 15, 1)), 96, false},
      {"counter_1min_1y_sync_full", readings_of(simulated_counter("", 525600, 1, 2)), 1440, true},
      {"counter_1min_1y_sync_normal", readings_of(simulated_counter("", 525600, 1, 2)), 1440, false},
      // A gateway that commits every hour: 4 readings per commit (NORMAL only: under FULL
      // 8760 fsyncs per iteration would only measure the disk).
      {"counter_15min_1y_4perbatch_sync_normal", readings_of(simulated_counter("", 35040, 15, 1)), 4,
       false},
  };
  for (const Case& c : cases) register_case(c);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  for (const Case& c : cases) {
    for (const char* tag : {"_size_ours", "_size_rows", "_ingest_ours", "_ingest_rows", "_ingest_floor"}) {
      temp_db(c.name + tag);
    }
  }
  return 0;
}
