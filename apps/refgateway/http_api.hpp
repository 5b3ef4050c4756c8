// refgateway/http_api.hpp — the gateway's HTTP API (Boost.Beast, HTTP/1.1).
//
// Endpoints (docs/refgateway-http.md has examples):
//   GET  /app/api/health                           no credentials
//   POST /app/api/login  {"user","password"}       no credentials; gives a bearer token
//   POST /app/api/logout
//   GET  /app/api/serial/<serial>.json|.csv        user      newest values of a device
//   GET  /app/api/devices                          user      list with readout status
//   GET  /app/api/history?serial&obis&from&to&format   user  stored samples, JSON or CSV
//   GET  /app/api/events?after&from&to&limit       user      the event log
//   GET  /app/api/control                          user      control state
//   POST /app/api/control/outputs/<name> {"state":"on"|"off"}   installer
//   GET|PUT /app/api/config                        administrator   backup / restore
//   GET|POST /app/api/users, DELETE /app/api/users/<name>,
//   PUT /app/api/users/<name>/role                 administrator
//   PUT /app/api/users/<name>/password             the user themself, or an administrator
// Credentials: "Authorization: Bearer <token>" or "Authorization: Basic ..." on every request
// (see users.hpp for throttling, sessions and the Basic cache). 401 (with WWW-Authenticate) for
// missing or wrong credentials, 403 for a role that is too low (or a one-time password that must
// be changed first), 429 with Retry-After while throttled. Every error is JSON:
//   {"error": "what went wrong", "where": "query parameter from", "expected": "RFC 3339 ..."}
//
// Robustness: one io thread; at most `max_connections` connections (a further one gets 503 and
// is closed); a request (headers and body) must arrive within `request_timeout` of the previous
// response or of the connect, so a slow client cannot hold a connection; header and body sizes
// are limited (431, 413); malformed HTTP gets 400 and the connection is closed; keep-alive
// otherwise. Failed logins and administrator actions go to the event log.
//
// Lifetime: HttpApi, its ApiBackend and UserStore are io-thread objects; destroy them after the
// io_context has stopped (a request may be waiting for the KDF or a history query).
// The server speaks plain HTTP: bind it to loopback or put a TLS reverse proxy in front.
// Throttling keys on the peer address; behind a proxy every client shares the proxy's address.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/json/value.hpp"
#include "config.hpp"
#include "device_table.hpp"
#include "emscore/profile/series.hpp"
#include "event_log.hpp"
#include "users.hpp"

namespace emscore::refgw {

struct HealthInfo {
  std::string status = "ok";  // "ok", or "degraded" with a reason in `detail`
  std::string detail;
  std::string version;
  absl::Duration uptime;
  std::string gateway_id;
};

struct HistoryRequest {
  DeviceRef device;
  std::string serial;
  obis::ObisCode quantity;
  absl::Time from;  // inclusive
  absl::Time to;    // exclusive
};
using HistoryDone = std::function<void(absl::StatusOr<std::vector<profile::Sample>>)>;

// What the API needs from the gateway. Called on the io thread (except where noted).
class ApiBackend {
 public:
  virtual ~ApiBackend() = default;

  // Configured devices, their readout status and newest values.
  virtual const DeviceTable& devices() const = 0;
  virtual EventLog& events() = 0;
  virtual HealthInfo health() const = 0;
  // Zone for the times in CSV and JSON (GatewaySection::time_zone).
  virtual absl::TimeZone time_zone() const = 0;

  // Tier-0 samples of (device, quantity) with from <= at < to, from the profile store, off the
  // io thread. `done` is called exactly once, from any thread (the API moves back to its io
  // executor itself).
  virtual void query_history(const HistoryRequest& request, HistoryDone done) = 0;

  // The running configuration as JSON (config_to_json): the backup.
  virtual std::string config_json() const = 0;
  // Applies a configuration the API has already parsed with parse_config (so it is valid);
  // `user` asked for it. An error keeps the running configuration and is shown to the client.
  virtual absl::Status restore_config(std::string_view json_text, std::string_view user) = 0;
  // Persists the user list after a change made through the API (the configuration file's
  // "users"). On error the API undoes the change.
  virtual absl::Status save_users(const std::vector<UserConfig>& users) = 0;

  // Control state (load manager, stations, outputs, alarms) as JSON.
  virtual boost::json::value control_view() const = 0;
  // A remote (manual) output command. NotFound for an unknown output; InvalidArgument /
  // FailedPrecondition when the output cannot be switched now.
  virtual absl::Status set_output(std::string_view name, bool on, std::string_view user) = 0;
};

struct HttpOptions {
  std::size_t max_connections = 64;
  std::uint32_t header_limit = 8 * 1024;   // bytes of request line and headers
  std::uint64_t body_limit = 1024 * 1024;  // bytes (a config restore is the largest body)
  std::chrono::milliseconds request_timeout{15'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::string realm = "emscore-refgateway";  // WWW-Authenticate realm
};

class HttpApi {
 public:
  HttpApi(boost::asio::any_io_executor io, ApiBackend& backend, UserStore& users,
          HttpOptions options = {});
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Binds and listens ("127.0.0.1", "0.0.0.0", "::"); port 0 picks a free port.
  absl::Status listen(const std::string& address, std::uint16_t port);
  std::uint16_t port() const;
  // Starts accepting (after listen()).
  void start();
  // Stops accepting and closes every connection.
  void stop();

  struct Stats {
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;  // over the connection limit
    std::uint64_t requests = 0;
    std::uint64_t timeouts = 0;      // connections closed by request_timeout / write_timeout
    std::uint64_t bad_requests = 0;  // malformed or oversized HTTP
    std::size_t open = 0;
  };
  const Stats& stats() const noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// Query and time helpers (exposed for tests and for other HTTP handlers).
// "2024-04-11T13:00:25Z", "2024-04-11T15:00:25+02:00" or epoch seconds ("1712840425").
absl::StatusOr<absl::Time> parse_api_time(std::string_view text);
// Percent-decoding (and '+' as space when `plus_is_space`); nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace emscore::refgw
