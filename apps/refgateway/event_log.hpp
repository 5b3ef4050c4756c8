// refgateway/event_log.hpp — the gateway's persisted event log.
//
// Start, stop, device errors and recoveries, uploads, configuration changes, logins, control
// decisions: one row each in an SQLite table (WAL) next to the profile store, so that the log
// survives restarts and crashes. Entries get a monotonically increasing id; readers page by id.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace emscore::refgw {

enum class Severity : std::uint8_t { kInfo, kWarning, kError };
std::string_view severity_name(Severity s) noexcept;  // "info", "warning", "error"

struct LogEntry {
  std::int64_t id = 0;
  absl::Time at;
  Severity severity = Severity::kInfo;
  std::string category;  // "gateway", "device", "mqtt", "config", "auth", "control", ...
  std::string source;    // device serial, user name, output name ... (may be empty)
  std::string message;
};

class EventLog {
 public:
  static absl::StatusOr<std::unique_ptr<EventLog>> open(const std::string& path);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Appends (and commits) one entry; returns its id.
  absl::StatusOr<std::int64_t> append(Severity severity, std::string category, std::string source,
                                      std::string message, absl::Time at = absl::Now());
  // Entries with id > after_id and from <= at < to, oldest first, at most `limit`.
  absl::StatusOr<std::vector<LogEntry>> query(std::int64_t after_id = 0,
                                              absl::Time from = absl::InfinitePast(),
                                              absl::Time to = absl::InfiniteFuture(),
                                              std::size_t limit = 1000) const;
  absl::StatusOr<std::int64_t> count() const;

 private:
  struct Impl;
  explicit EventLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace emscore::refgw
