// emscore/profile/store.hpp — the embedded load-profile store (SQLite, WAL).
//
// Series are keyed by (device, OBIS code, tier, field): tier 0 holds the readings as they
// came, coarser tiers hold aggregates (field 0 the representative value, 1 min, 2 max; see
// downsample.hpp). Samples are kept in compressed blocks (codec.hpp) of at most
// `block_samples`, never crossing a period (a UTC calendar month), one row per block:
//   blocks(series, t_first, t_last, period, count, data)  PRIMARY KEY (series, t_first)
// which is also the time-range index: a range query reads only the blocks that overlap.
//
// Ingest: a commit encodes only its own samples of a series, as one small row at the end of
// the series (a segment of the open tail); nothing already stored is re-encoded or
// rewritten. When the tail reaches `block_samples`, or the next sample is in a new period,
// the tail's rows are read back once and sealed into one block (the long-term shape, byte
// for byte what one big batch would have written). A commit that would give the tail a 33rd
// row (a reading per commit) merges the tail into one row instead. Rows are blocks in the codec's
// format either way, so queries and retention do not tell them apart; `SeriesInfo::blocks`
// counts rows. The open tail is found again after a restart from the rows' keys and counts
// (the newest rows of the newest period that hold fewer than `block_samples` together), and
// is not kept in memory: a series costs a few words of memory however long its tail.
//
// Durability: ingest() runs one transaction per batch and returns after COMMIT; a reading
// is acknowledged when ingest() returned OK for it. SQLite's WAL guarantees that a commit
// survives the death of the process at any moment (tests/profile/store_test.cpp kills a
// writer with SIGKILL many times); with `synchronous_full` (the default) it also survives
// a power loss, at the price of an fsync per batch.
//
// Bad input gets a clear answer per reading, and the rest of the batch is stored:
//   - a reading at a time already stored with the identical value: a duplicate, skipped;
//   - at a stored time with a different value, or older than the newest stored reading
//     and not stored: rejected (no silent rewrite of history), with both values/times;
//   - a unit other than the series' unit: rejected (a new unit needs a new series);
//   - a timestamp that is not a whole millisecond: rejected.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "emscore/obis/reading.hpp"
#include "emscore/profile/downsample.hpp"
#include "emscore/profile/series.hpp"

namespace emscore::profile {

struct StoreOptions {
  bool synchronous_full = true;        // PRAGMA synchronous=FULL (else NORMAL)
  std::size_t block_samples = 4096;    // samples per block before a new block starts
  int busy_timeout_ms = 5000;
};

struct SeriesKey {
  DeviceRef device;
  obis::ObisCode quantity;
  std::uint8_t tier = 0;
  std::uint8_t field = 0;  // 0 value, 1 min, 2 max
  friend auto operator<=>(const SeriesKey&, const SeriesKey&) = default;
};

struct SeriesInfo {
  SeriesKey key;
  Unit unit = Unit::kNone;
  std::uint64_t samples = 0;
  std::uint64_t blocks = 0;  // rows: sealed blocks and the open tail's segments
  std::uint64_t bytes = 0;   // compressed
  absl::Time first = absl::InfinitePast();
  absl::Time last = absl::InfinitePast();
};

struct Rejection {
  std::size_t index;  // into the batch
  absl::Status status;
};

struct IngestReport {
  std::size_t accepted = 0;
  std::size_t duplicates = 0;
  std::vector<Rejection> rejected;
};

class Store {
 public:
  static absl::StatusOr<std::unique_ptr<Store>> open(const std::string& path,
                                                     const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Stores a batch in one transaction (see the rules above). An error status means the
  // transaction was rolled back and nothing of the batch is stored.
  absl::StatusOr<IngestReport> ingest(std::span<const Reading> batch);
  // Appends samples to one series of any tier (same rules; used for aggregates).
  absl::StatusOr<IngestReport> ingest_series(const SeriesKey& key, std::span<const Sample> samples);

  // Samples with from <= at < to, in time order.
  absl::StatusOr<std::vector<Sample>> query(const SeriesKey& key, absl::Time from,
                                            absl::Time to);
  absl::StatusOr<std::vector<SeriesInfo>> list_series();
  // "ok" or the messages of PRAGMA integrity_check.
  absl::StatusOr<std::string> integrity_check();

  // Moves data past each tier's retention into the next tier (aggregated by the series'
  // kind from its OBIS code) and deletes it from the finer tier. Returns the number of
  // samples removed from finer tiers.
  absl::StatusOr<std::uint64_t> apply_retention(const RetentionPolicy& policy, absl::Time now);

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace emscore::profile
