#include "event_log.hpp"

#include <sqlite3.h>

#include <mutex>
#include <utility>

#include "emscore/core/strings.hpp"

namespace emscore::refgw {

std::string_view severity_name(Severity s) noexcept {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kError: return "error";
  }
  return "info";
}

namespace {

std::int64_t to_ms(absl::Time t) {
  if (t == absl::InfinitePast()) return INT64_MIN;
  if (t == absl::InfiniteFuture()) return INT64_MAX;
  return absl::ToUnixMillis(t);
}

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { ok_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) == SQLITE_OK; }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return ok_; }
  sqlite3_stmt* get() { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
  bool ok_ = false;
};

}  // namespace

struct EventLog::Impl {
  sqlite3* db = nullptr;
  std::string path;
  mutable std::mutex mu;
  ~Impl() { sqlite3_close(db); }
  absl::Status error(std::string_view what) const {
    return absl::InternalError(
        str_cat("event log ", path, ": ", what, ": ", sqlite3_errmsg(db)));
  }
};

EventLog::EventLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventLog::~EventLog() = default;

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  if (sqlite3_open_v2(path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    return absl::UnavailableError(str_cat("event log ", path, ": cannot open: ",
                                          impl->db ? sqlite3_errmsg(impl->db) : "out of memory"));
  }
  sqlite3_busy_timeout(impl->db, 5000);
  const char* setup =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      "CREATE TABLE IF NOT EXISTS events("
      " id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, severity INTEGER NOT NULL,"
      " category TEXT NOT NULL, source TEXT NOT NULL, message TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS events_at ON events(at_ms);";
  if (sqlite3_exec(impl->db, setup, nullptr, nullptr, nullptr) != SQLITE_OK)
    return impl->error("cannot create the events table");
  return std::unique_ptr<EventLog>(new EventLog(std::move(impl)));
}

absl::StatusOr<std::int64_t> EventLog::append(Severity severity, std::string category,
                                              std::string source, std::string message,
                                              absl::Time at) {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db,
         "INSERT INTO events(at_ms, severity, category, source, message) VALUES(?,?,?,?,?)");
  if (!s.ok()) return impl_->error("prepare insert");
  sqlite3_bind_int64(s.get(), 1, absl::ToUnixMillis(at));
  sqlite3_bind_int(s.get(), 2, static_cast<int>(severity));
  sqlite3_bind_text(s.get(), 3, category.data(), static_cast<int>(category.size()), SQLITE_STATIC);
  sqlite3_bind_text(s.get(), 4, source.data(), static_cast<int>(source.size()), SQLITE_STATIC);
  sqlite3_bind_text(s.get(), 5, message.data(), static_cast<int>(message.size()), SQLITE_STATIC);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return impl_->error("insert");
  return sqlite3_last_insert_rowid(impl_->db);
}

absl::StatusOr<std::vector<LogEntry>> EventLog::query(std::int64_t after_id, absl::Time from,
                                                      absl::Time to, std::size_t limit) const {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db,
         "SELECT id, at_ms, severity, category, source, message FROM events"
         " WHERE id > ? AND at_ms >= ? AND at_ms < ? ORDER BY id LIMIT ?");
  if (!s.ok()) return impl_->error("prepare query");
  sqlite3_bind_int64(s.get(), 1, after_id);
  sqlite3_bind_int64(s.get(), 2, to_ms(from));
  sqlite3_bind_int64(s.get(), 3, to_ms(to));
  sqlite3_bind_int64(s.get(), 4, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  std::vector<LogEntry> out;
  int rc;
  auto text = [&](int col) {
    const auto* p = sqlite3_column_text(s.get(), col);
    return std::string(p ? reinterpret_cast<const char*>(p) : "",
                       static_cast<std::size_t>(sqlite3_column_bytes(s.get(), col)));
  };
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    LogEntry e;
    e.id = sqlite3_column_int64(s.get(), 0);
    e.at = absl::FromUnixMillis(sqlite3_column_int64(s.get(), 1));
    int sev = sqlite3_column_int(s.get(), 2);
    e.severity = sev == 2 ? Severity::kError : sev == 1 ? Severity::kWarning : Severity::kInfo;
    e.category = text(3);
    e.source = text(4);
    e.message = text(5);
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return impl_->error("query");
  return out;
}

absl::StatusOr<std::int64_t> EventLog::count() const {
  std::lock_guard lock(impl_->mu);
  Stmt s(impl_->db, "SELECT COUNT(*) FROM events");
  if (!s.ok() || sqlite3_step(s.get()) != SQLITE_ROW) return impl_->error("count");
  return sqlite3_column_int64(s.get(), 0);
}

}  // namespace emscore::refgw
