// refgateway/users.hpp — the gateway's users, roles, passwords, sessions and login throttling.
//
// Roles are ordered: administrator > installer > user. A user reads, an installer also switches
// outputs, an administrator does everything (config backup/restore, user management).
//
// Passwords are stored as PBKDF2-HMAC-SHA256 (OpenSSL), in the format of
// UserConfig::password_hash:
//   pbkdf2-sha256$<iterations>$<salt, standard base64>$<hash, standard base64>
// New hashes use 600,000 iterations (OWASP 2023 for PBKDF2-HMAC-SHA256), a 16-byte salt from
// RAND_bytes and a 32-byte hash; verification takes whatever the string carries (1 ...
// 100,000,000 iterations, any salt, a 16-64 byte hash), so older hashes keep working.
// Comparison is constant-time (CRYPTO_memcmp).
//
// There is no factory default password: when no administrator exists, bootstrap_admin() creates
// "admin" with a generated one-time password that must be changed at the first login.
//
// Attack cost: the KDF (~0.3 s of CPU at 600k) is the expensive step, so the store decides
// BEFORE running it whether an attempt may run at all:
//   - per source address and per user name, after `free_failures` failures each further attempt
//     waits first_delay · 2^(failures − free_failures), capped at max_delay; while waiting, an
//     attempt is refused at once (kThrottled, with the time to wait) and not counted;
//   - at most `max_in_flight_per_key` verifications per address or user name run at once, and
//     at most `max_pending_kdf` overall (kBusy beyond that);
//   - a success resets that user name's counter; counters are forgotten `forget_after` after the
//     last failure.
// So 1,000 bad attempts from one client cost about five KDF runs, and the two KDF threads stay
// free for everybody else. A valid session token or a cached Basic verification never runs the
// KDF and is never throttled (it already proves the password).
//
// The KDF never runs on the io thread: UserStore posts it to its own asio::thread_pool
// (`kdf_threads`, default 2) and resumes the awaiting coroutine on the io executor. Everything
// else in UserStore is used from the io thread only (no locks).
//
// Sessions: login() returns a bearer token (32 random bytes, hex) valid until 30 min without use
// or 12 h after login, whichever comes first. The store keeps only SHA-256 of each token.
// Basic credentials may be sent with every request instead; a successful Basic verification is
// cached for `basic_cache_ttl`, keyed by HMAC-SHA256(per-process random key, user NUL password),
// so scripts do not pay the KDF each request and the plain password is never kept.
// Changing a user's password or role, or removing the user, ends their sessions and cached
// Basic verifications (except the session that changed its own password).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/awaitable.hpp"
#include "config.hpp"

namespace emscore::refgw {

enum class Role : std::uint8_t { kUser = 0, kInstaller = 1, kAdministrator = 2 };
std::string_view role_name(Role r) noexcept;  // "user", "installer", "administrator"
std::optional<Role> parse_role(std::string_view name) noexcept;
// True when a holder of `have` may do what needs `need` (administrator > installer > user).
constexpr bool role_allows(Role have, Role need) noexcept { return have >= need; }

// ---- password hashing ------------------------------------------------------------------------

inline constexpr std::uint32_t kDefaultPbkdf2Iterations = 600'000;
inline constexpr std::uint32_t kMaxPbkdf2Iterations = 100'000'000;
inline constexpr std::size_t kSaltBytes = 16;
inline constexpr std::size_t kHashBytes = 32;
inline constexpr std::size_t kMinPasswordLength = 10;    // characters (UTF-8 code points)
inline constexpr std::size_t kMaxPasswordLength = 1024;  // bytes

struct PasswordHash {
  std::uint32_t iterations = 0;
  std::string salt;  // raw bytes
  std::string hash;  // raw bytes (16-64; kHashBytes for new hashes)
};
// Parses "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>"; the error says which part is wrong.
absl::StatusOr<PasswordHash> parse_password_hash(std::string_view encoded);
std::string format_password_hash(const PasswordHash& h);

// Standard base64 with padding (RFC 4648 §4); decode gives nullopt on anything else.
std::string base64_encode(std::string_view raw);
std::optional<std::string> base64_decode(std::string_view text);

// A new hash with a fresh random salt (runs the KDF: call it off the io thread).
absl::StatusOr<std::string> hash_password(std::string_view password,
                                          std::uint32_t iterations = kDefaultPbkdf2Iterations);
// True when `password` matches; an error when `encoded` is malformed (runs the KDF).
absl::StatusOr<bool> verify_password(std::string_view password, std::string_view encoded);

// Password policy: at least kMinPasswordLength characters, at most kMaxPasswordLength bytes,
// not the user name (case-insensitive). The error says which rule and what is expected.
absl::Status check_password_policy(std::string_view user, std::string_view password);
// User names: 1-64 characters of A-Z a-z 0-9 . _ - @.
absl::Status check_user_name(std::string_view name);

// `length` characters from an unambiguous alphabet, drawn with RAND_bytes (rejection sampling,
// so every character is equally likely).
absl::StatusOr<std::string> random_password(std::size_t length = 20);
// `bytes` random bytes as lower-case hex.
absl::StatusOr<std::string> random_hex(std::size_t bytes);

// ---- the store -------------------------------------------------------------------------------

struct UserRecord {
  std::string name;
  Role role = Role::kUser;
  std::string password_hash;
  bool must_change_password = false;
  std::uint64_t generation = 0;  // bumped on password/role change; invalidates cached logins
};

struct AuthOptions {
  std::uint32_t iterations = kDefaultPbkdf2Iterations;  // for new hashes (tests lower it)
  int free_failures = 5;
  absl::Duration first_delay = absl::Seconds(1);
  absl::Duration max_delay = absl::Minutes(15);
  absl::Duration forget_after = absl::Hours(1);
  std::size_t max_tracked = 10'000;  // throttle entries per kind (address, user name)
  int max_in_flight_per_key = 2;
  std::size_t max_pending_kdf = 8;
  int kdf_threads = 2;
  absl::Duration session_idle = absl::Minutes(30);
  absl::Duration session_absolute = absl::Hours(12);
  std::size_t max_sessions = 1024;  // the oldest session is ended beyond this
  absl::Duration basic_cache_ttl = absl::Minutes(5);
  std::size_t basic_cache_size = 256;
  std::function<absl::Time()> clock;  // empty: absl::Now
};

struct Principal {
  std::string user;
  Role role = Role::kUser;
  bool must_change_password = false;
  std::string session;  // SHA-256 hex of the bearer token; empty for Basic
};

enum class AuthOutcome : std::uint8_t {
  kOk,
  kBadCredentials,  // unknown user, wrong password, unknown or expired token
  kThrottled,       // refused without running the KDF; retry_after says how long to wait
  kBusy,            // too many verifications queued overall
};

struct AuthResult {
  AuthOutcome outcome = AuthOutcome::kBadCredentials;
  Principal principal;
  absl::Duration retry_after = absl::ZeroDuration();
  bool throttle_started = false;  // this failure started (or lengthened) a throttle period
  // login() only:
  std::string token;
  absl::Time expires;           // idle expiry as of now (each use moves it on)
  absl::Time absolute_expires;  // hard end of the session
};

class UserStore {
 public:
  struct Stats {
    std::uint64_t kdf_runs = 0;   // verifications and hashes run on the pool
    std::uint64_t failures = 0;   // verifications that ran and failed
    std::uint64_t throttled = 0;  // attempts refused without the KDF
    std::uint64_t busy = 0;
    std::uint64_t basic_cache_hits = 0;
    std::size_t sessions = 0;
  };

  // Validates names, roles and hash strings of `users` (an error names the user).
  static absl::StatusOr<std::unique_ptr<UserStore>> create(boost::asio::any_io_executor io,
                                                           std::span<const UserConfig> users,
                                                           AuthOptions options = {});
  ~UserStore();
  UserStore(const UserStore&) = delete;
  UserStore& operator=(const UserStore&) = delete;

  // ---- users (io thread; no KDF) ----
  std::span<const UserRecord> users() const noexcept { return users_; }
  const UserRecord* find(std::string_view name) const noexcept;
  bool has_administrator() const noexcept;
  std::vector<UserConfig> to_config() const;
  // Replaces every user (config restore). Ends all sessions. Needs an administrator.
  absl::Status replace(std::span<const UserConfig> users);

  absl::Status add_user(std::string_view name, Role role, std::string password_hash,
                        bool must_change_password = false);
  // Refused for the last administrator (FailedPrecondition).
  absl::Status remove_user(std::string_view name);
  // Sets a new hash, clears must_change_password, ends the user's sessions except `keep_session`.
  absl::Status set_password_hash(std::string_view name, std::string password_hash,
                                 std::string_view keep_session = {});
  // Refused when it would leave no administrator.
  absl::Status set_role(std::string_view name, Role role);

  // When no administrator exists: creates "admin" with a generated one-time password
  // (>= 16 characters) that must be changed at first login, and returns that password (print it
  // once; it is not stored). nullopt when an administrator exists. Runs the KDF on the calling
  // thread: call it before the io_context runs (start-up, setup command).
  absl::StatusOr<std::optional<std::string>> bootstrap_admin();

  // ---- authentication (coroutines on the io executor; KDF on the pool) ----
  // Verifies and opens a session.
  boost::asio::awaitable<AuthResult> login(std::string user, std::string password,
                                           std::string source);
  // Per-request Basic credentials (cached after success).
  boost::asio::awaitable<AuthResult> check_basic(std::string user, std::string password,
                                                 std::string source);
  // Verifies a password without a session or cache (the current password before a change).
  boost::asio::awaitable<AuthResult> verify(std::string user, std::string password,
                                            std::string source);
  // A bearer token; cheap (no KDF, no throttling). Moves the idle expiry on.
  AuthResult check_bearer(std::string_view token);
  // Ends the session of `token` (no-op when unknown).
  void logout(std::string_view token);
  // A new hash of `password` with the store's iteration count, computed on the pool.
  boost::asio::awaitable<absl::StatusOr<std::string>> hash_async(std::string password);

  const Stats& stats() const noexcept { return stats_; }
  const AuthOptions& options() const noexcept { return options_; }

 private:
  struct Throttle;
  struct Session {
    std::string user;
    absl::Time created;
    absl::Time last_used;
  };
  struct CachedBasic {
    std::string user;
    std::uint64_t generation = 0;
    absl::Time expires;
  };

  UserStore(boost::asio::any_io_executor io, AuthOptions options);
  absl::Time now() const;
  UserRecord* find_mutable(std::string_view name) noexcept;
  std::size_t administrators() const noexcept;
  void end_sessions_of(std::string_view user, std::string_view keep_session = {});
  void expire_sessions(absl::Time now);
  std::string basic_cache_key(std::string_view user, std::string_view password) const;
  boost::asio::awaitable<bool> run_kdf(std::string password, std::string encoded);
  Principal principal_of(const UserRecord& u, std::string session) const;

  boost::asio::any_io_executor io_;
  AuthOptions options_;
  std::vector<UserRecord> users_;
  std::uint64_t next_generation_ = 1;
  std::unique_ptr<Throttle> by_address_;
  std::unique_ptr<Throttle> by_user_;
  std::size_t pending_kdf_ = 0;
  absl::flat_hash_map<std::string, Session> sessions_;  // key: SHA-256 hex of the token
  absl::flat_hash_map<std::string, CachedBasic> basic_cache_;
  std::string cache_key_;   // per-process random HMAC key
  std::string dummy_hash_;  // verified against for unknown users (same cost, no user oracle)
  Stats stats_;
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

}  // namespace emscore::refgw
