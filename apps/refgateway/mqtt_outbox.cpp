#include "mqtt_outbox.hpp"

#include <sqlite3.h>

#include <mutex>
#include <unordered_set>
#include <utility>

#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::refgw {

namespace {

// A prepared statement kept for the connection's lifetime; reset before each use.
class CachedStmt {
 public:
  CachedStmt() = default;
  ~CachedStmt() { sqlite3_finalize(s_); }
  CachedStmt(const CachedStmt&) = delete;
  CachedStmt& operator=(const CachedStmt&) = delete;
  bool prepare(sqlite3* db, const char* sql) {
    return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) == SQLITE_OK;
  }
  sqlite3_stmt* use() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    return s_;
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

std::string column_text(sqlite3_stmt* s, int col) {
  const void* p = sqlite3_column_blob(s, col);
  const int n = sqlite3_column_bytes(s, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

struct MqttOutbox::Impl {
  sqlite3* db = nullptr;
  std::string path;
  mutable std::mutex mu;
  std::unordered_set<std::int64_t> in_flight;
  std::size_t size = 0;
  std::uint64_t dropped_total = 0;
  CachedStmt insert, remove, select_oldest, select_retained_topic, select_droppable,
      update_dropped;

  // sqlite3_close_v2 defers the close until the cached statements (members, destroyed after
  // this body) are finalized.
  ~Impl() { sqlite3_close_v2(db); }

  absl::Status error(std::string_view what) const {
    return absl::InternalError(
        str_cat("mqtt outbox ", path, ": ", what, ": ", db ? sqlite3_errmsg(db) : "no database"));
  }
  bool exec(const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

  absl::StatusOr<std::size_t> count_rows() {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM outbox", -1, &s, nullptr) != SQLITE_OK)
      return error("prepare count");
    std::size_t n = 0;
    if (sqlite3_step(s) == SQLITE_ROW) n = static_cast<std::size_t>(sqlite3_column_int64(s, 0));
    sqlite3_finalize(s);
    return n;
  }

  // Deletes one row; returns whether it existed.
  absl::StatusOr<bool> delete_row(std::int64_t id) {
    sqlite3_stmt* s = remove.use();
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_DONE) return error("delete");
    return sqlite3_changes(db) > 0;
  }

  // Deletes up to `need` oldest not-in-flight rows with retained == `retained`.
  absl::StatusOr<std::uint64_t> drop_oldest(std::uint64_t need, bool retained) {
    std::vector<std::int64_t> victims;
    {
      sqlite3_stmt* s = select_droppable.use();
      sqlite3_bind_int(s, 1, retained ? 1 : 0);
      sqlite3_bind_int64(s, 2, static_cast<std::int64_t>(need + in_flight.size()));
      int rc;
      while (victims.size() < need && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const std::int64_t id = sqlite3_column_int64(s, 0);
        if (!in_flight.contains(id)) victims.push_back(id);
      }
      sqlite3_reset(s);
    }
    std::uint64_t dropped = 0;
    for (std::int64_t id : victims) {
      auto gone = delete_row(id);
      if (!gone.ok()) return gone.status();
      if (*gone) ++dropped;
    }
    return dropped;
  }
  // Up to n oldest rows not in flight. Caller holds mu.
  absl::StatusOr<std::vector<OutboxEntry>> oldest(std::size_t n) {
    std::vector<OutboxEntry> out;
    if (n == 0) return out;
    sqlite3_stmt* s = select_oldest.use();
    sqlite3_bind_int64(s, 1, static_cast<std::int64_t>(n + in_flight.size()));
    int rc = SQLITE_ROW;
    while (out.size() < n && (rc = sqlite3_step(s)) == SQLITE_ROW) {
      const std::int64_t id = sqlite3_column_int64(s, 0);
      if (in_flight.contains(id)) continue;
      OutboxEntry e;
      e.id = id;
      e.message.topic = column_text(s, 1);
      e.message.payload = column_text(s, 2);
      e.message.qos = sqlite3_column_int(s, 3);
      e.message.retained = sqlite3_column_int(s, 4) != 0;
      out.push_back(std::move(e));
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return error("select");
    return out;
  }
};

MqttOutbox::MqttOutbox(std::unique_ptr<Impl> impl, std::size_t capacity)
    : impl_(std::move(impl)), capacity_(capacity) {}
MqttOutbox::~MqttOutbox() = default;

const std::string& MqttOutbox::path() const noexcept { return impl_->path; }

absl::StatusOr<std::unique_ptr<MqttOutbox>> MqttOutbox::open(const std::string& path,
                                                             std::size_t capacity) {
  if (capacity == 0) {
    return absl::InvalidArgumentError(
        str_cat("mqtt outbox ", path, ": capacity 0, expected at least 1 message"));
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  if (sqlite3_open_v2(path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    return absl::UnavailableError(str_cat("mqtt outbox ", path, ": cannot open: ",
                                          impl->db ? sqlite3_errmsg(impl->db) : "out of memory"));
  }
  sqlite3_busy_timeout(impl->db, 5000);
  const char* setup =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      "CREATE TABLE IF NOT EXISTS outbox("
      " id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload BLOB NOT NULL,"
      " qos INTEGER NOT NULL, retained INTEGER NOT NULL);"
      "CREATE INDEX IF NOT EXISTS outbox_retained_topic ON outbox(topic) WHERE retained = 1;"
      "CREATE TABLE IF NOT EXISTS outbox_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
      "INSERT OR IGNORE INTO outbox_meta(key, value) VALUES('dropped_total', 0);";
  if (!impl->exec(setup)) return impl->error("cannot create the outbox tables");
  if (!impl->insert.prepare(impl->db,
                            "INSERT INTO outbox(topic, payload, qos, retained) VALUES(?,?,?,?)") ||
      !impl->remove.prepare(impl->db, "DELETE FROM outbox WHERE id = ?") ||
      !impl->select_oldest.prepare(
          impl->db, "SELECT id, topic, payload, qos, retained FROM outbox ORDER BY id LIMIT ?") ||
      !impl->select_retained_topic.prepare(
          impl->db, "SELECT id FROM outbox WHERE retained = 1 AND topic = ?") ||
      !impl->select_droppable.prepare(
          impl->db, "SELECT id FROM outbox WHERE retained = ? ORDER BY id LIMIT ?") ||
      !impl->update_dropped.prepare(
          impl->db, "UPDATE outbox_meta SET value = value + ? WHERE key = 'dropped_total'")) {
    return impl->error("prepare statements");
  }
  EMSCORE_ASSIGN_OR_RETURN(impl->size, impl->count_rows());
  {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(impl->db, "SELECT value FROM outbox_meta WHERE key = 'dropped_total'",
                           -1, &s, nullptr) != SQLITE_OK)
      return impl->error("prepare meta");
    if (sqlite3_step(s) == SQLITE_ROW)
      impl->dropped_total = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
    sqlite3_finalize(s);
  }
  return std::unique_ptr<MqttOutbox>(new MqttOutbox(std::move(impl), capacity));
}

absl::StatusOr<std::int64_t> MqttOutbox::enqueue(const MqttMessage& message) {
  EMSCORE_ASSIGN_OR_RETURN(EnqueueResult r, enqueue(std::span<const MqttMessage>(&message, 1)));
  return r.ids.front();
}

absl::StatusOr<EnqueueResult> MqttOutbox::enqueue(std::span<const MqttMessage> messages) {
  for (const MqttMessage& m : messages) {
    if (m.qos < 0 || m.qos > 2)
      return absl::InvalidArgumentError(str_cat("mqtt outbox: message to \"", m.topic,
                                                "\": qos ", m.qos, ", expected 0, 1 or 2"));
    if (m.topic.empty())
      return absl::InvalidArgumentError("mqtt outbox: message with an empty topic");
  }
  std::lock_guard lock(impl_->mu);
  Impl& d = *impl_;
  EnqueueResult result;
  if (messages.empty()) return result;
  if (!d.exec("BEGIN IMMEDIATE")) return d.error("begin");
  const std::size_t size_before = d.size;
  auto fail = [&](absl::Status st) {
    d.exec("ROLLBACK");
    d.size = size_before;
    return st;
  };
  result.ids.reserve(messages.size());
  for (const MqttMessage& m : messages) {
    if (m.retained) {
      std::vector<std::int64_t> older;
      sqlite3_stmt* s = d.select_retained_topic.use();
      sqlite3_bind_text(s, 1, m.topic.data(), static_cast<int>(m.topic.size()), SQLITE_STATIC);
      while (sqlite3_step(s) == SQLITE_ROW) older.push_back(sqlite3_column_int64(s, 0));
      sqlite3_reset(s);
      for (std::int64_t id : older) {
        if (d.in_flight.contains(id)) continue;
        auto gone = d.delete_row(id);
        if (!gone.ok()) return fail(gone.status());
        if (*gone) {
          ++result.replaced;
          --d.size;
        }
      }
    }
    sqlite3_stmt* s = d.insert.use();
    sqlite3_bind_text(s, 1, m.topic.data(), static_cast<int>(m.topic.size()), SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, m.payload.data(), static_cast<int>(m.payload.size()), SQLITE_STATIC);
    sqlite3_bind_int(s, 3, m.qos);
    sqlite3_bind_int(s, 4, m.retained ? 1 : 0);
    if (sqlite3_step(s) != SQLITE_DONE) return fail(d.error("insert"));
    result.ids.push_back(sqlite3_last_insert_rowid(d.db));
    ++d.size;
  }
  if (d.size > capacity_) {
    std::uint64_t need = d.size - capacity_;
    for (bool retained : {false, true}) {
      if (need == 0) break;
      auto dropped = d.drop_oldest(need, retained);
      if (!dropped.ok()) return fail(dropped.status());
      need -= *dropped;
      d.size -= *dropped;
      result.dropped += *dropped;
    }
    if (result.dropped > 0) {
      sqlite3_stmt* s = d.update_dropped.use();
      sqlite3_bind_int64(s, 1, static_cast<std::int64_t>(result.dropped));
      if (sqlite3_step(s) != SQLITE_DONE) return fail(d.error("count dropped"));
    }
  }
  if (!d.exec("COMMIT")) return fail(d.error("commit"));
  d.dropped_total += result.dropped;
  return result;
}

absl::StatusOr<std::vector<OutboxEntry>> MqttOutbox::peek(std::size_t n) const {
  std::lock_guard lock(impl_->mu);
  return impl_->oldest(n);
}

absl::StatusOr<std::vector<OutboxEntry>> MqttOutbox::claim(std::size_t n) {
  std::lock_guard lock(impl_->mu);
  EMSCORE_ASSIGN_OR_RETURN(std::vector<OutboxEntry> out, impl_->oldest(n));
  for (const OutboxEntry& e : out) impl_->in_flight.insert(e.id);
  return out;
}

void MqttOutbox::release(std::int64_t id) {
  std::lock_guard lock(impl_->mu);
  impl_->in_flight.erase(id);
}

void MqttOutbox::release_all() {
  std::lock_guard lock(impl_->mu);
  impl_->in_flight.clear();
}

absl::Status MqttOutbox::ack(std::int64_t id) { return ack(std::span<const std::int64_t>(&id, 1)); }

absl::Status MqttOutbox::ack(std::span<const std::int64_t> ids) {
  if (ids.empty()) return absl::OkStatus();
  std::lock_guard lock(impl_->mu);
  Impl& d = *impl_;
  if (!d.exec("BEGIN IMMEDIATE")) return d.error("begin");
  std::size_t deleted = 0;
  for (std::int64_t id : ids) {
    auto gone = d.delete_row(id);
    if (!gone.ok()) {
      d.exec("ROLLBACK");
      return gone.status();
    }
    if (*gone) ++deleted;
  }
  if (!d.exec("COMMIT")) {
    absl::Status st = d.error("commit");
    d.exec("ROLLBACK");
    return st;
  }
  for (std::int64_t id : ids) d.in_flight.erase(id);
  d.size -= deleted;
  return absl::OkStatus();
}

std::size_t MqttOutbox::size() const {
  std::lock_guard lock(impl_->mu);
  return impl_->size;
}

std::size_t MqttOutbox::in_flight() const {
  std::lock_guard lock(impl_->mu);
  return impl_->in_flight.size();
}

std::uint64_t MqttOutbox::dropped_total() const {
  std::lock_guard lock(impl_->mu);
  return impl_->dropped_total;
}

}  // namespace emscore::refgw
