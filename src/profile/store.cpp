// The SQLite store (see store.hpp). The only file of the module that touches SQLite.
#include "emscore/profile/store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <map>

#include "absl/time/civil_time.h"
#include "emscore/core/status.hpp"
#include "emscore/core/time.hpp"
#include "emscore/profile/codec.hpp"

namespace emscore::profile {
namespace {

std::int64_t month_of(std::int64_t ms) {
  const absl::Time t = absl::FromUnixMillis(ms);
  return absl::ToUnixMillis(
      absl::FromCivil(absl::CivilMonth(absl::ToCivilSecond(t, absl::UTCTimeZone())),
                      absl::UTCTimeZone()));
}

std::int64_t next_month(std::int64_t period_ms) {
  const absl::CivilMonth m(absl::ToCivilSecond(absl::FromUnixMillis(period_ms), absl::UTCTimeZone()));
  return absl::ToUnixMillis(absl::FromCivil(m + 1, absl::UTCTimeZone()));
}

// Two's complement arithmetic without overflow (a guess that is checked, never trusted).
std::int64_t wrapping_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
std::int64_t wrapping_sub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}

std::string describe(const SeriesKey& k) {
  return str_cat("device ", k.device.id, " ", k.quantity.to_string(),
                 k.tier != 0 ? str_cat(" tier ", k.tier) : std::string(),
                 k.field != 0 ? str_cat(" field ", k.field) : std::string());
}

class Stmt {
 public:
  Stmt() = default;
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  sqlite3_stmt** out() { return &s_; }
  sqlite3_stmt* get() const { return s_; }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// The open tail of a series (see store.hpp, "Ingest"): the newest rows of the series that
// are not sealed yet, `tail_rows` rows from key `tail_first` holding `tail_stored` samples,
// followed by `pending`, the samples accepted in the running transaction (written at
// flush). Nothing of the stored tail is kept in memory: a commit encodes only its own
// samples; the tail is read back once, when it is sealed into one block.
struct SeriesState {
  std::int64_t id = 0;
  Unit unit = Unit::kNone;
  bool has_last = false;
  std::int64_t last_ms = 0;    // the newest sample, stored or pending
  std::int64_t last_step = 0;  // ms from the one before (the guess for the next one)
  std::size_t tail_rows = 0;
  std::size_t tail_stored = 0;
  std::int64_t tail_first = 0;       // ms, the key of the tail's first row
  std::int64_t tail_period = 0;
  std::int64_t tail_period_end = 0;  // first ms of the next period (saves a civil lookup)
  std::vector<Sample> pending;
  bool listed_dirty = false;
  std::size_t tail_size() const { return tail_stored + pending.size(); }
};

// A flush that would give the tail more rows than this merges the tail into one row instead:
// bounds the rows (and the query cost) of a series that commits a reading at a time.
constexpr std::size_t kMaxTailRows = 32;

}  // namespace

// Base of Impl so that the connection closes after every statement member is finalized.
struct Connection {
  sqlite3* db = nullptr;
  ~Connection() {
    if (db != nullptr) sqlite3_close(db);
  }
};

struct Store::Impl : Connection {
  StoreOptions options;
  std::map<SeriesKey, SeriesState> cache;
  // The series of the previous append (a batch is mostly one series after another) and the
  // series with pending samples.
  SeriesKey last_key;
  SeriesState* last_state = nullptr;
  std::vector<SeriesState*> dirty;
  std::vector<Sample> scratch;
  BlockColumns columns;
  // The row stored_at() decoded last: series id (0: none) and time range.
  std::int64_t probe_series = 0, probe_first = 0, probe_last = 0;
  BlockColumns probe;
  std::vector<std::uint8_t> encoded;
  Stmt begin, commit, rollback;
  Stmt find_series, insert_series, newest_rows, insert_block, block_at, range_blocks, tail_data,
      delete_tail;

  absl::Status error(std::string_view what) const {
    return absl::InternalError(str_cat("profile: store: ", what, ": ", sqlite3_errmsg(db)));
  }
  absl::Status exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : "?";
      sqlite3_free(msg);
      return absl::InternalError(str_cat("profile: store: ", sql, ": ", m));
    }
    return absl::OkStatus();
  }
  absl::Status step_done(Stmt& s, std::string_view what) {
    const int rc = sqlite3_step(s.get());
    sqlite3_reset(s.get());
    if (rc != SQLITE_DONE) return error(what);
    return absl::OkStatus();
  }
  absl::Status prepare(Stmt& s, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, s.out(), nullptr) != SQLITE_OK) return error(sql);
    return absl::OkStatus();
  }
  void forget_cache() {
    cache.clear();
    dirty.clear();
    last_state = nullptr;
    probe_series = 0;
  }
  void forget(const SeriesKey& key) {
    probe_series = 0;
    auto it = cache.find(key);
    if (it == cache.end()) return;
    std::erase(dirty, &it->second);
    if (last_state == &it->second) last_state = nullptr;
    cache.erase(it);
  }

  absl::StatusOr<SeriesState*> state(const SeriesKey& key, Unit unit_if_new) {
    if (last_state != nullptr && key == last_key) return last_state;
    auto it = cache.find(key);
    if (it == cache.end()) {
      EMSCORE_ASSIGN_OR_RETURN(SeriesState st, load(key, unit_if_new));
      it = cache.emplace(key, std::move(st)).first;
    }
    last_key = key;
    last_state = &it->second;
    return last_state;
  }

  absl::StatusOr<SeriesState> load(const SeriesKey& key, Unit unit_if_new) {
    SeriesState st;
    find_series.reset();
    sqlite3_bind_int64(find_series.get(), 1, key.device.id);
    sqlite3_bind_int64(find_series.get(), 2, static_cast<std::int64_t>(key.quantity.packed()));
    sqlite3_bind_int(find_series.get(), 3, key.tier);
    sqlite3_bind_int(find_series.get(), 4, key.field);
    int rc = sqlite3_step(find_series.get());
    if (rc == SQLITE_ROW) {
      st.id = sqlite3_column_int64(find_series.get(), 0);
      st.unit = static_cast<Unit>(sqlite3_column_int(find_series.get(), 1));
    } else if (rc == SQLITE_DONE) {
      insert_series.reset();
      sqlite3_bind_int64(insert_series.get(), 1, key.device.id);
      sqlite3_bind_int64(insert_series.get(), 2, static_cast<std::int64_t>(key.quantity.packed()));
      sqlite3_bind_int(insert_series.get(), 3, key.tier);
      sqlite3_bind_int(insert_series.get(), 4, key.field);
      sqlite3_bind_int(insert_series.get(), 5, static_cast<int>(unit_if_new));
      if (sqlite3_step(insert_series.get()) != SQLITE_DONE) return error("insert series");
      st.id = sqlite3_last_insert_rowid(db);
      st.unit = unit_if_new;
    } else {
      return error("find series");
    }
    find_series.reset();
    // The open tail: the newest rows of the newest period that hold fewer than block_samples
    // together (a full block is sealed; so is a block of an earlier period). Rows are read
    // as keys and counts only.
    newest_rows.reset();
    sqlite3_bind_int64(newest_rows.get(), 1, st.id);
    sqlite3_bind_int64(newest_rows.get(), 2, static_cast<std::int64_t>(kMaxTailRows));
    bool tail_open = true;
    while ((rc = sqlite3_step(newest_rows.get())) == SQLITE_ROW) {
      const std::int64_t t_first = sqlite3_column_int64(newest_rows.get(), 0);
      const std::int64_t period = sqlite3_column_int64(newest_rows.get(), 2);
      const auto count = static_cast<std::size_t>(sqlite3_column_int64(newest_rows.get(), 3));
      if (!st.has_last) {
        st.has_last = true;
        st.last_ms = sqlite3_column_int64(newest_rows.get(), 1);
        st.tail_period = period;
      }
      if (!tail_open || period != st.tail_period || st.tail_stored + count >= options.block_samples) {
        tail_open = false;
        continue;
      }
      ++st.tail_rows;
      st.tail_stored += count;
      st.tail_first = t_first;
    }
    newest_rows.reset();
    if (rc != SQLITE_DONE) return error("tail rows");
    if (st.tail_rows > 0) st.tail_period_end = next_month(st.tail_period);
    return st;
  }

  absl::Status insert_row(const SeriesState& st, std::int64_t t_first, std::int64_t t_last,
                          std::size_t count, std::span<const std::uint8_t> data) {
    sqlite3_stmt* s = insert_block.get();
    sqlite3_bind_int64(s, 1, st.id);
    sqlite3_bind_int64(s, 2, t_first);
    sqlite3_bind_int64(s, 3, t_last);
    sqlite3_bind_int64(s, 4, st.tail_period);
    sqlite3_bind_int64(s, 5, static_cast<std::int64_t>(count));
    sqlite3_bind_blob(s, 6, data.data(), static_cast<int>(data.size()), SQLITE_STATIC);
    return step_done(insert_block, "write block");
  }

  // Writes the pending samples as one new row of the tail.
  absl::Status write_segment(SeriesState& st) {
    encoded.clear();
    EMSCORE_RETURN_IF_ERROR(encode_block(st.pending, encoded));
    if (st.tail_rows == 0) st.tail_first = absl::ToUnixMillis(st.pending.front().at);
    EMSCORE_RETURN_IF_ERROR(insert_row(st, absl::ToUnixMillis(st.pending.front().at),
                                       absl::ToUnixMillis(st.pending.back().at),
                                       st.pending.size(), encoded));
    ++st.tail_rows;
    st.tail_stored += st.pending.size();
    st.pending.clear();
    return absl::OkStatus();
  }

  // Replaces the tail's rows and pending samples by one row (one encode of the whole tail).
  absl::Status rewrite_tail(SeriesState& st) {
    scratch.clear();
    scratch.reserve(st.tail_size());
    if (st.tail_rows > 0) {
      tail_data.reset();
      sqlite3_bind_int64(tail_data.get(), 1, st.id);
      sqlite3_bind_int64(tail_data.get(), 2, st.tail_first);
      int rc;
      while ((rc = sqlite3_step(tail_data.get())) == SQLITE_ROW) {
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(tail_data.get(), 0));
        const auto n = static_cast<std::size_t>(sqlite3_column_bytes(tail_data.get(), 0));
        const absl::Status d = decode_block_columns(std::span(p, n), columns);
        if (!d.ok()) {
          tail_data.reset();
          return with_context(d, "profile: store: tail row");
        }
        for (std::size_t i = 0; i < columns.ms.size(); ++i) {
          scratch.push_back(Sample{absl::FromUnixMillis(columns.ms[i]),
                                   Value(columns.mantissa[i], columns.exponent[i], columns.unit),
                                   columns.quality[i]});
        }
      }
      tail_data.reset();
      if (rc != SQLITE_DONE) return error("read tail");
      if (scratch.size() != st.tail_stored) {
        return absl::DataLossError(str_cat("profile: store: series ", st.id, ": tail rows from ",
                                           st.tail_first, " hold ", scratch.size(),
                                           " samples, expected ", st.tail_stored));
      }
      sqlite3_bind_int64(delete_tail.get(), 1, st.id);
      sqlite3_bind_int64(delete_tail.get(), 2, st.tail_first);
      EMSCORE_RETURN_IF_ERROR(step_done(delete_tail, "delete tail"));
    } else if (!st.pending.empty()) {
      st.tail_first = absl::ToUnixMillis(st.pending.front().at);
    }
    scratch.insert(scratch.end(), st.pending.begin(), st.pending.end());
    st.pending.clear();
    if (scratch.empty()) return absl::OkStatus();
    encoded.clear();
    EMSCORE_RETURN_IF_ERROR(encode_block(scratch, encoded));
    EMSCORE_RETURN_IF_ERROR(insert_row(st, st.tail_first, absl::ToUnixMillis(scratch.back().at),
                                       scratch.size(), encoded));
    st.tail_rows = 1;
    st.tail_stored = scratch.size();
    return absl::OkStatus();
  }

  // Writes the tail as one final block; the next sample starts a new tail.
  absl::Status seal(SeriesState& st) {
    if (st.tail_rows > 1 || !st.pending.empty()) EMSCORE_RETURN_IF_ERROR(rewrite_tail(st));
    st.tail_rows = 0;
    st.tail_stored = 0;
    return absl::OkStatus();
  }

  // The stored (or pending) sample at exactly `ms`, if any. Re-sent readings come in runs
  // (a batch sent again after a reconnect): the row decoded last is kept as columns and
  // answers every later question about its time range, so a re-sent batch decodes each of
  // its rows once instead of once per reading. Stored samples never change within a
  // connection except by retention or a rollback, which drop it (forget, forget_cache).
  absl::StatusOr<std::optional<Sample>> stored_at(SeriesState& st, std::int64_t ms) {
    const absl::Time t = absl::FromUnixMillis(ms);
    if (!st.pending.empty() && st.pending.front().at <= t) {
      auto it = std::lower_bound(st.pending.begin(), st.pending.end(), t,
                                 [](const Sample& s, absl::Time x) { return s.at < x; });
      if (it != st.pending.end() && it->at == t) return *it;
      return std::nullopt;
    }
    if (probe_series != st.id || ms < probe_first || ms > probe_last) {
      probe_series = 0;  // series ids start at 1
      block_at.reset();
      sqlite3_bind_int64(block_at.get(), 1, st.id);
      sqlite3_bind_int64(block_at.get(), 2, ms);
      const int rc = sqlite3_step(block_at.get());
      if (rc != SQLITE_ROW) {
        block_at.reset();
        if (rc != SQLITE_DONE) return error("find block");
        return std::nullopt;
      }
      const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(block_at.get(), 0));
      const auto n = static_cast<std::size_t>(sqlite3_column_bytes(block_at.get(), 0));
      probe_first = sqlite3_column_int64(block_at.get(), 1);
      probe_last = sqlite3_column_int64(block_at.get(), 2);
      const absl::Status d = decode_block_columns(std::span(p, n), probe);
      block_at.reset();
      EMSCORE_RETURN_IF_ERROR(d);
      probe_series = st.id;
    }
    auto it = std::lower_bound(probe.ms.begin(), probe.ms.end(), ms);
    if (it == probe.ms.end() || *it != ms) return std::nullopt;
    const auto i = static_cast<std::size_t>(it - probe.ms.begin());
    return Sample{t, Value(probe.mantissa[i], probe.exponent[i], probe.unit), probe.quality[i]};
  }

  // Appends one sample, or rejects it or counts it as a duplicate (the rules in store.hpp).
  // The common case is inline: the next sample of the series of the previous call, in the
  // open tail's period, that does not fill the block. Whatever else may happen (a first
  // sample, a failed check, a new period, a full block) goes through append_checked().
  absl::Status append(const SeriesKey& key, const Sample& s, std::size_t index,
                      IngestReport& report) {
    SeriesState* st = last_state;
    if (st != nullptr && key == last_key && st->listed_dirty && st->tail_size() > 0 &&
        st->tail_size() + 1 < options.block_samples && s.value.unit == st->unit) {
      // On a raster the next time is the last one plus the last step (an exact comparison,
      // no call into the time library).
      std::int64_t ms = wrapping_add(st->last_ms, st->last_step);
      if (absl::FromUnixMillis(ms) != s.at) {
        ms = absl::ToUnixMillis(s.at);
        if (absl::FromUnixMillis(ms) != s.at) ms = st->last_ms;  // not whole ms: checked below
      }
      if (ms > st->last_ms && ms < st->tail_period_end) {
        st->pending.push_back(s);
        st->last_step = wrapping_sub(ms, st->last_ms);
        st->last_ms = ms;
        ++report.accepted;
        return absl::OkStatus();
      }
    }
    return append_checked(key, s, index, report);
  }

  absl::Status append_checked(const SeriesKey& key, const Sample& s, std::size_t index,
                              IngestReport& report) {
    EMSCORE_ASSIGN_OR_RETURN(SeriesState * st, state(key, s.value.unit));
    auto reject = [&](std::string msg) {
      report.rejected.push_back(
          {index, absl::InvalidArgumentError(str_cat("profile: ", describe(key), " at ",
                                                     format_iso8601_utc(s.at), ": ", msg))});
      return absl::OkStatus();
    };
    const std::int64_t ms = absl::ToUnixMillis(s.at);
    if (absl::FromUnixMillis(ms) != s.at) return reject("timestamp is not a whole millisecond");
    if (s.value.unit != st->unit) {
      return reject(str_cat("unit \"", unit_symbol(s.value.unit), "\", but the series is stored in \"",
                            unit_symbol(st->unit), "\" (a unit change needs a new series)"));
    }
    if (st->has_last && ms <= st->last_ms) {
      EMSCORE_ASSIGN_OR_RETURN(std::optional<Sample> old, stored_at(*st, ms));
      if (old && old->value.identical(s.value) && old->quality == s.quality) {
        ++report.duplicates;
        return absl::OkStatus();
      }
      if (old) {
        return reject(str_cat("conflicts with the stored value ", old->value.to_string(), " (",
                              quality_name(old->quality), "), got ", s.value.to_string(), " (",
                              quality_name(s.quality), ")"));
      }
      return reject(str_cat("older than the newest stored reading at ",
                            format_iso8601_utc(absl::FromUnixMillis(st->last_ms)),
                            " (time must increase within a series)"));
    }
    if (st->tail_size() > 0 && (ms < st->tail_period || ms >= st->tail_period_end)) {
      EMSCORE_RETURN_IF_ERROR(seal(*st));  // a block never crosses a period
    }
    if (st->tail_size() == 0) {
      st->tail_first = ms;
      st->tail_period = month_of(ms);
      st->tail_period_end = next_month(st->tail_period);
    }
    if (!st->listed_dirty) {
      dirty.push_back(st);
      st->listed_dirty = true;
    }
    st->pending.push_back(s);
    st->last_step = st->has_last ? wrapping_sub(ms, st->last_ms) : 0;
    st->has_last = true;
    st->last_ms = ms;
    ++report.accepted;
    if (st->tail_size() >= options.block_samples) EMSCORE_RETURN_IF_ERROR(seal(*st));
    return absl::OkStatus();
  }

  absl::Status flush() {
    for (SeriesState* st : dirty) {
      st->listed_dirty = false;
      if (st->pending.empty()) continue;
      if (st->tail_rows + 1 > kMaxTailRows) {
        EMSCORE_RETURN_IF_ERROR(rewrite_tail(*st));
      } else {
        EMSCORE_RETURN_IF_ERROR(write_segment(*st));
      }
    }
    dirty.clear();
    return absl::OkStatus();
  }

  // Runs f inside BEGIN IMMEDIATE ... COMMIT; on any error rolls back and forgets the cache.
  template <class F>
  absl::Status transaction(F&& f) {
    EMSCORE_RETURN_IF_ERROR(step_done(begin, "BEGIN IMMEDIATE"));
    absl::Status s = f();
    if (s.ok()) s = flush();
    if (s.ok()) s = step_done(commit, "COMMIT");
    if (!s.ok()) {
      if (!sqlite3_get_autocommit(db)) (void)step_done(rollback, "ROLLBACK");
      forget_cache();
    }
    return s;
  }
  absl::StatusOr<std::vector<Sample>> query(const SeriesKey& key, absl::Time from, absl::Time to) {
    std::vector<Sample> out;
    find_series.reset();
    sqlite3_bind_int64(find_series.get(), 1, key.device.id);
    sqlite3_bind_int64(find_series.get(), 2, static_cast<std::int64_t>(key.quantity.packed()));
    sqlite3_bind_int(find_series.get(), 3, key.tier);
    sqlite3_bind_int(find_series.get(), 4, key.field);
    const int rc = sqlite3_step(find_series.get());
    if (rc == SQLITE_DONE) {
      find_series.reset();
      return out;
    }
    if (rc != SQLITE_ROW) return error("find series");
    const std::int64_t id = sqlite3_column_int64(find_series.get(), 0);
    find_series.reset();
    const std::int64_t lo = from == absl::InfinitePast() ? INT64_MIN : absl::ToUnixMillis(from);
    const std::int64_t hi = to == absl::InfiniteFuture() ? INT64_MAX : absl::ToUnixMillis(to);
    range_blocks.reset();
    sqlite3_bind_int64(range_blocks.get(), 1, id);
    sqlite3_bind_int64(range_blocks.get(), 2, lo);
    sqlite3_bind_int64(range_blocks.get(), 3, hi);
    int step;
    bool reserved = false;
    while ((step = sqlite3_step(range_blocks.get())) == SQLITE_ROW) {
      if (!reserved) {
        // One allocation for the whole answer (column 2 is the total over all rows).
        out.reserve(static_cast<std::size_t>(sqlite3_column_int64(range_blocks.get(), 2)));
        reserved = true;
      }
      const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(range_blocks.get(), 0));
      const auto n = static_cast<std::size_t>(sqlite3_column_bytes(range_blocks.get(), 0));
      const std::size_t before = out.size();
      const absl::Status d = decode_block(std::span(p, n), out);
      if (!d.ok()) {
        range_blocks.reset();
        return with_context(d, str_cat("profile: store: ", describe(key)));
      }
      // Trim the samples of the first and last block that fall outside the range.
      auto first = std::lower_bound(out.begin() + static_cast<std::ptrdiff_t>(before), out.end(), from,
                                    [](const Sample& s, absl::Time x) { return s.at < x; });
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(before), first);
      auto last = std::lower_bound(out.begin() + static_cast<std::ptrdiff_t>(before), out.end(), to,
                                   [](const Sample& s, absl::Time x) { return s.at < x; });
      out.erase(last, out.end());
    }
    range_blocks.reset();
    if (step != SQLITE_DONE) return error("range query");
    return out;
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::open(const std::string& path,
                                                   const StoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.block_samples == 0 || options.block_samples > kMaxBlockSamples) {
    return absl::InvalidArgumentError("profile: store: block_samples out of range");
  }
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    return absl::UnavailableError(str_cat("profile: store: cannot open ", path, ": ",
                                          impl->db ? sqlite3_errmsg(impl->db) : "out of memory"));
  }
  sqlite3_busy_timeout(impl->db, options.busy_timeout_ms);
  EMSCORE_RETURN_IF_ERROR(impl->exec("PRAGMA journal_mode=WAL"));
  EMSCORE_RETURN_IF_ERROR(impl->exec(options.synchronous_full ? "PRAGMA synchronous=FULL"
                                                              : "PRAGMA synchronous=NORMAL"));
  EMSCORE_RETURN_IF_ERROR(impl->exec(
      "CREATE TABLE IF NOT EXISTS series("
      " id INTEGER PRIMARY KEY, device INTEGER NOT NULL, obis INTEGER NOT NULL,"
      " tier INTEGER NOT NULL, field INTEGER NOT NULL, unit INTEGER NOT NULL,"
      " UNIQUE(device, obis, tier, field));"
      "CREATE TABLE IF NOT EXISTS blocks("
      " series INTEGER NOT NULL REFERENCES series(id), t_first INTEGER NOT NULL,"
      " t_last INTEGER NOT NULL, period INTEGER NOT NULL, count INTEGER NOT NULL,"
      " data BLOB NOT NULL, PRIMARY KEY(series, t_first)) WITHOUT ROWID;"));
  EMSCORE_RETURN_IF_ERROR(impl->prepare(
      impl->find_series,
      "SELECT id, unit FROM series WHERE device=?1 AND obis=?2 AND tier=?3 AND field=?4"));
  EMSCORE_RETURN_IF_ERROR(impl->prepare(
      impl->insert_series, "INSERT INTO series(device, obis, tier, field, unit) VALUES(?1,?2,?3,?4,?5)"));
  EMSCORE_RETURN_IF_ERROR(impl->prepare(impl->begin, "BEGIN IMMEDIATE"));
  EMSCORE_RETURN_IF_ERROR(impl->prepare(impl->commit, "COMMIT"));
  EMSCORE_RETURN_IF_ERROR(impl->prepare(impl->rollback, "ROLLBACK"));
  EMSCORE_RETURN_IF_ERROR(impl->prepare(
      impl->newest_rows,
      "SELECT t_first, t_last, period, count FROM blocks WHERE series=?1 ORDER BY t_first DESC"
      " LIMIT ?2"));
  EMSCORE_RETURN_IF_ERROR(impl->prepare(
      impl->tail_data, "SELECT data FROM blocks WHERE series=?1 AND t_first>=?2 ORDER BY t_first"));
  EMSCORE_RETURN_IF_ERROR(impl->prepare(impl->insert_block,
                                        "INSERT INTO blocks VALUES(?1,?2,?3,?4,?5,?6)"));
  EMSCORE_RETURN_IF_ERROR(impl->prepare(
      impl->block_at,
      "SELECT data, t_first, t_last FROM blocks WHERE series=?1 AND t_first<=?2"
      " ORDER BY t_first DESC LIMIT 1"));
  // Blocks overlapping [?2, ?3): start at the block that holds ?2 (index seek), stop at ?3.
  EMSCORE_RETURN_IF_ERROR(impl->prepare(
      impl->range_blocks,
      "SELECT data, count, sum(count) OVER () FROM blocks WHERE series=?1 AND t_first>=coalesce("
      "(SELECT max(t_first) FROM blocks WHERE series=?1 AND t_first<=?2), ?2)"
      " AND t_first<?3 ORDER BY t_first"));
  EMSCORE_RETURN_IF_ERROR(impl->prepare(impl->delete_tail,
                                        "DELETE FROM blocks WHERE series=?1 AND t_first>=?2"));
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

absl::StatusOr<IngestReport> Store::ingest(std::span<const Reading> batch) {
  IngestReport report;
  const absl::Status status = impl_->transaction([&]() -> absl::Status {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const Reading& r = batch[i];
      EMSCORE_RETURN_IF_ERROR(impl_->append(SeriesKey{r.device, r.quantity, 0, 0},
                                            Sample{r.at, r.value, r.quality}, i, report));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return report;
}

absl::StatusOr<IngestReport> Store::ingest_series(const SeriesKey& key,
                                                  std::span<const Sample> samples) {
  IngestReport report;
  const absl::Status status = impl_->transaction([&]() -> absl::Status {
    for (std::size_t i = 0; i < samples.size(); ++i) {
      EMSCORE_RETURN_IF_ERROR(impl_->append(key, samples[i], i, report));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return report;
}

absl::StatusOr<std::vector<Sample>> Store::query(const SeriesKey& key, absl::Time from,
                                                 absl::Time to) {
  return impl_->query(key, from, to);
}

absl::StatusOr<std::vector<SeriesInfo>> Store::list_series() {
  Stmt s;
  EMSCORE_RETURN_IF_ERROR(impl_->prepare(
      s,
      "SELECT s.device, s.obis, s.tier, s.field, s.unit, count(b.series), coalesce(sum(b.count),0),"
      " coalesce(sum(length(b.data)),0), min(b.t_first), max(b.t_last)"
      " FROM series s LEFT JOIN blocks b ON b.series=s.id GROUP BY s.id"
      " ORDER BY s.device, s.obis, s.tier, s.field"));
  std::vector<SeriesInfo> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    SeriesInfo info;
    info.key.device.id = static_cast<std::uint32_t>(sqlite3_column_int64(s.get(), 0));
    info.key.quantity = obis::ObisCode::from_packed(static_cast<std::uint64_t>(sqlite3_column_int64(s.get(), 1)));
    info.key.tier = static_cast<std::uint8_t>(sqlite3_column_int(s.get(), 2));
    info.key.field = static_cast<std::uint8_t>(sqlite3_column_int(s.get(), 3));
    info.unit = static_cast<Unit>(sqlite3_column_int(s.get(), 4));
    info.blocks = static_cast<std::uint64_t>(sqlite3_column_int64(s.get(), 5));
    info.samples = static_cast<std::uint64_t>(sqlite3_column_int64(s.get(), 6));
    info.bytes = static_cast<std::uint64_t>(sqlite3_column_int64(s.get(), 7));
    if (info.blocks > 0) {
      info.first = absl::FromUnixMillis(sqlite3_column_int64(s.get(), 8));
      info.last = absl::FromUnixMillis(sqlite3_column_int64(s.get(), 9));
    }
    out.push_back(info);
  }
  if (rc != SQLITE_DONE) return impl_->error("list series");
  return out;
}

absl::StatusOr<std::string> Store::integrity_check() {
  Stmt s;
  EMSCORE_RETURN_IF_ERROR(impl_->prepare(s, "PRAGMA integrity_check"));
  std::string out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    if (!out.empty()) out += "; ";
    out += reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
  }
  if (rc != SQLITE_DONE) return impl_->error("integrity_check");
  return out;
}

absl::StatusOr<std::uint64_t> Store::apply_retention(const RetentionPolicy& policy,
                                                     absl::Time now) {
  EMSCORE_RETURN_IF_ERROR(policy.validate());
  std::uint64_t removed = 0;
  const absl::Status status = impl_->transaction([&]() -> absl::Status {
    // Finest tiers first, so that data moved down is aggregated again further down.
    for (std::size_t tier = 0; tier + 1 < policy.tiers.size(); ++tier) {
      const absl::Time cutoff = policy.expire_before(tier, now);
      if (cutoff == absl::InfinitePast()) continue;
      const Tier& next = policy.tiers[tier + 1];
      // Only whole buckets of the next tier move.
      const absl::Time cut = next.bucket_start(cutoff, policy.tz);
      const std::int64_t cut_ms = absl::ToUnixMillis(cut);
      EMSCORE_RETURN_IF_ERROR(impl_->flush());
      EMSCORE_ASSIGN_OR_RETURN(std::vector<SeriesInfo> all, list_series());
      for (const SeriesInfo& info : all) {
        if (info.key.tier != tier || info.blocks == 0 || info.first >= cut) continue;
        EMSCORE_ASSIGN_OR_RETURN(std::vector<Sample> old,
                                 impl_->query(info.key, absl::InfinitePast(), cut));
        EMSCORE_ASSIGN_OR_RETURN(std::vector<Aggregate> aggs, downsample(old, next, policy.tz));
        const SeriesKind kind = kind_of(info.key.quantity);
        // Raw instantaneous values get their extremes in fields 1 and 2 of the next tier; in
        // coarser tiers each field aggregates itself (min of mins, max of maxes, mean of means).
        std::vector<std::uint8_t> fields = {info.key.field};
        if (kind == SeriesKind::kInstantaneous && tier == 0) fields = {0, 1, 2};
        for (std::uint8_t f : fields) {
          IngestReport rep;
          const SeriesKey dst{info.key.device, info.key.quantity,
                              static_cast<std::uint8_t>(tier + 1), f};
          for (std::size_t i = 0; i < aggs.size(); ++i) {
            const Aggregate& a = aggs[i];
            const Value v = f == 1 ? a.min : f == 2 ? a.max : a.representative(kind);
            EMSCORE_RETURN_IF_ERROR(impl_->append(dst, Sample{a.start, v, a.quality}, i, rep));
          }
          if (!rep.rejected.empty()) return rep.rejected.front().status;
        }
        EMSCORE_RETURN_IF_ERROR(impl_->flush());
        // Drop what moved: blocks that end before the cut, and the head of the one block
        // that may straddle it (blocks never overlap).
        EMSCORE_ASSIGN_OR_RETURN(SeriesState * st, impl_->state(info.key, info.unit));
        const std::int64_t id = st->id;
        impl_->forget(info.key);
        Stmt straddle;
        EMSCORE_RETURN_IF_ERROR(impl_->prepare(
            straddle, "SELECT t_first, data FROM blocks WHERE series=?1 AND t_first<?2 AND t_last>=?2"));
        sqlite3_bind_int64(straddle.get(), 1, id);
        sqlite3_bind_int64(straddle.get(), 2, cut_ms);
        std::vector<Sample> keep;
        const int rc = sqlite3_step(straddle.get());
        if (rc == SQLITE_ROW) {
          const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(straddle.get(), 1));
          const auto n = static_cast<std::size_t>(sqlite3_column_bytes(straddle.get(), 1));
          std::vector<Sample> all_in_block;
          EMSCORE_RETURN_IF_ERROR(decode_block(std::span(p, n), all_in_block));
          for (const Sample& x : all_in_block) {
            if (x.at >= cut) keep.push_back(x);
          }
        } else if (rc != SQLITE_DONE) {
          return impl_->error("retention");
        }
        Stmt del;
        EMSCORE_RETURN_IF_ERROR(
            impl_->prepare(del, "DELETE FROM blocks WHERE series=?1 AND t_first<?2"));
        sqlite3_bind_int64(del.get(), 1, id);
        sqlite3_bind_int64(del.get(), 2, cut_ms);
        if (sqlite3_step(del.get()) != SQLITE_DONE) return impl_->error("retention delete");
        if (!keep.empty()) {
          std::vector<std::uint8_t> data;
          EMSCORE_RETURN_IF_ERROR(encode_block(keep, data));
          Stmt ins;
          EMSCORE_RETURN_IF_ERROR(impl_->prepare(ins, "INSERT INTO blocks VALUES(?1,?2,?3,?4,?5,?6)"));
          const std::int64_t first_ms = absl::ToUnixMillis(keep.front().at);
          sqlite3_bind_int64(ins.get(), 1, id);
          sqlite3_bind_int64(ins.get(), 2, first_ms);
          sqlite3_bind_int64(ins.get(), 3, absl::ToUnixMillis(keep.back().at));
          sqlite3_bind_int64(ins.get(), 4, month_of(first_ms));
          sqlite3_bind_int64(ins.get(), 5, static_cast<std::int64_t>(keep.size()));
          sqlite3_bind_blob(ins.get(), 6, data.data(), static_cast<int>(data.size()), SQLITE_STATIC);
          if (sqlite3_step(ins.get()) != SQLITE_DONE) return impl_->error("retention rewrite");
        }
        removed += old.size();
      }
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return removed;
}

}  // namespace emscore::profile
