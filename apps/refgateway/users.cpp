#include "users.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/thread_pool.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::refgw {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 0x0F]);
  }
  return out;
}

}  // namespace

std::string base64_encode(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

namespace {
bool is_b64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      if (i + 2 < text.size()) return std::nullopt;  // '=' only in the last two places
      ++pad;
    } else if (pad > 0 || !is_b64_char(c)) {
      return std::nullopt;
    }
  }
  std::string out(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0 || static_cast<std::size_t>(n) < pad) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

namespace {

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return to_hex(md, len);
}

absl::StatusOr<std::string> random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    return absl::InternalError("users: RAND_bytes failed (no entropy source?)");
  return out;
}

// Derives as many bytes as params.hash holds (kHashBytes for new hashes).
bool pbkdf2(std::string_view password, const PasswordHash& params, std::size_t length,
            std::string& out) {
  out.assign(length, '\0');
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                           reinterpret_cast<const unsigned char*>(params.salt.data()),
                           static_cast<int>(params.salt.size()),
                           static_cast<int>(params.iterations), EVP_sha256(),
                           static_cast<int>(length),
                           reinterpret_cast<unsigned char*>(out.data())) == 1;
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// The KDF, run on a pool thread. Malformed hashes count as a mismatch (they were validated when
// they entered the store; the dummy hash is well formed).
asio::awaitable<bool> kdf_task(std::string password, std::string encoded) {
  auto r = verify_password(password, encoded);
  OPENSSL_cleanse(password.data(), password.size());
  co_return r.ok() && *r;
}

asio::awaitable<absl::StatusOr<std::string>> hash_task(std::string password,
                                                       std::uint32_t iterations) {
  auto r = hash_password(password, iterations);
  OPENSSL_cleanse(password.data(), password.size());
  co_return r;
}

}  // namespace

std::string_view role_name(Role r) noexcept {
  switch (r) {
    case Role::kUser:
      return "user";
    case Role::kInstaller:
      return "installer";
    case Role::kAdministrator:
      return "administrator";
  }
  return "user";
}

std::optional<Role> parse_role(std::string_view name) noexcept {
  if (name == "user") return Role::kUser;
  if (name == "installer") return Role::kInstaller;
  if (name == "administrator") return Role::kAdministrator;
  return std::nullopt;
}

// ---- hashing ---------------------------------------------------------------------------------

absl::StatusOr<PasswordHash> parse_password_hash(std::string_view encoded) {
  const auto fail = [&](std::string_view what) {
    return absl::InvalidArgumentError(
        str_cat("users: password hash: ", what,
                ", expected \"pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>\""));
  };
  std::string_view parts[4];
  std::string_view rest = encoded;
  for (int i = 0; i < 4; ++i) {
    const std::size_t p = rest.find('$');
    if (i < 3 && p == std::string_view::npos) return fail(str_cat("has ", i + 1, " of 4 parts"));
    if (i == 3 && p != std::string_view::npos) return fail("has more than 4 parts");
    parts[i] = rest.substr(0, p);
    rest = p == std::string_view::npos ? std::string_view{} : rest.substr(p + 1);
  }
  if (parts[0] != kScheme) return fail(str_cat("scheme \"", parts[0], "\""));
  PasswordHash h;
  const auto [ptr, ec] =
      std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), h.iterations);
  if (ec != std::errc() || ptr != parts[1].data() + parts[1].size() || h.iterations == 0 ||
      h.iterations > kMaxPbkdf2Iterations)
    return fail(str_cat("iterations \"", parts[1], "\" (1 to ", kMaxPbkdf2Iterations, ")"));
  auto salt = base64_decode(parts[2]);
  if (!salt) return fail("salt is not base64 of at least 1 byte");
  auto hash = base64_decode(parts[3]);
  if (!hash || hash->size() < 16 || hash->size() > 64)
    return fail("hash is not base64 of 16 to 64 bytes");
  h.salt = std::move(*salt);
  h.hash = std::move(*hash);
  return h;
}

std::string format_password_hash(const PasswordHash& h) {
  return str_cat(kScheme, "$", h.iterations, "$", base64_encode(h.salt), "$",
                 base64_encode(h.hash));
}

absl::StatusOr<std::string> hash_password(std::string_view password, std::uint32_t iterations) {
  if (iterations == 0 || iterations > kMaxPbkdf2Iterations)
    return absl::InvalidArgumentError(
        str_cat("users: iterations ", iterations, ", expected 1 to ", kMaxPbkdf2Iterations));
  if (password.size() > kMaxPasswordLength)
    return absl::InvalidArgumentError(str_cat("users: password of ", password.size(),
                                              " bytes, expected at most ", kMaxPasswordLength));
  PasswordHash h;
  h.iterations = iterations;
  EMSCORE_ASSIGN_OR_RETURN(h.salt, random_bytes(kSaltBytes));
  if (!pbkdf2(password, h, kHashBytes, h.hash)) return absl::InternalError("users: PBKDF2 failed");
  return format_password_hash(h);
}

absl::StatusOr<bool> verify_password(std::string_view password, std::string_view encoded) {
  EMSCORE_ASSIGN_OR_RETURN(PasswordHash h, parse_password_hash(encoded));
  if (password.size() > kMaxPasswordLength) return false;
  std::string computed;
  if (!pbkdf2(password, h, h.hash.size(), computed))
    return absl::InternalError("users: PBKDF2 failed");
  return CRYPTO_memcmp(computed.data(), h.hash.data(), h.hash.size()) == 0;
}

absl::Status check_password_policy(std::string_view user, std::string_view password) {
  std::size_t code_points = 0;
  for (char c : password)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++code_points;
  if (code_points < kMinPasswordLength)
    return absl::InvalidArgumentError(str_cat("users: password has ", code_points,
                                              " characters, expected at least ",
                                              kMinPasswordLength));
  if (password.size() > kMaxPasswordLength)
    return absl::InvalidArgumentError(str_cat("users: password has ", password.size(),
                                              " bytes, expected at most ", kMaxPasswordLength));
  if (iequals(user, password))
    return absl::InvalidArgumentError(
        "users: password equals the user name, expected a password that is not the user name");
  return absl::OkStatus();
}

absl::Status check_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return absl::InvalidArgumentError(
        str_cat("users: user name of ", name.size(), " characters, expected 1 to 64"));
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-' || c == '@';
    if (!ok)
      return absl::InvalidArgumentError(
          str_cat("users: user name has a character not allowed at position ", i,
                  ", expected A-Z a-z 0-9 . _ - @"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> random_password(std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";  // no 0 O 1 l I
  constexpr unsigned kLimit = 256 - 256 % kAlphabet.size();         // rejection bound
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    EMSCORE_ASSIGN_OR_RETURN(std::string bytes, random_bytes(length));
    for (char b : bytes) {
      const unsigned v = static_cast<unsigned char>(b);
      if (v < kLimit && out.size() < length) out.push_back(kAlphabet[v % kAlphabet.size()]);
    }
  }
  return out;
}

absl::StatusOr<std::string> random_hex(std::size_t bytes) {
  EMSCORE_ASSIGN_OR_RETURN(std::string raw, random_bytes(bytes));
  return to_hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

// ---- throttle --------------------------------------------------------------------------------

struct UserStore::Throttle {
  struct Entry {
    int failures = 0;
    absl::Time last_failure = absl::InfinitePast();
    absl::Time blocked_until = absl::InfinitePast();
    int in_flight = 0;
  };
  absl::flat_hash_map<std::string, Entry> map;

  // Zero when an attempt may run now, else how long to wait.
  absl::Duration wait(const std::string& key, absl::Time now, const AuthOptions& o) {
    auto it = map.find(key);
    if (it == map.end()) return absl::ZeroDuration();
    Entry& e = it->second;
    if (e.in_flight == 0 && e.blocked_until <= now && now - e.last_failure > o.forget_after) {
      map.erase(it);
      return absl::ZeroDuration();
    }
    if (e.blocked_until > now) return e.blocked_until - now;
    if (e.in_flight >= o.max_in_flight_per_key) return absl::Seconds(1);
    return absl::ZeroDuration();
  }
  void begin(const std::string& key, absl::Time now, const AuthOptions& o) {
    if (map.size() >= o.max_tracked && !map.contains(key)) prune(now);
    ++map[key].in_flight;
  }
  void end(const std::string& key) {
    auto it = map.find(key);
    if (it == map.end()) return;
    if (--it->second.in_flight <= 0 && it->second.failures == 0) map.erase(it);
  }
  // Counts a failure; true when it starts or lengthens a waiting period.
  bool fail(const std::string& key, absl::Time now, const AuthOptions& o) {
    if (map.size() >= o.max_tracked && !map.contains(key)) prune(now);
    Entry& e = map[key];
    if (e.failures > 0 && now - e.last_failure > o.forget_after) e.failures = 0;
    ++e.failures;
    e.last_failure = now;
    if (e.failures < o.free_failures) return false;
    absl::Duration d = o.first_delay;
    for (int i = o.free_failures; i < e.failures && d < o.max_delay; ++i) d *= 2;
    e.blocked_until = now + std::min(d, o.max_delay);
    return true;
  }
  absl::Duration remaining(const std::string& key, absl::Time now) const {
    auto it = map.find(key);
    if (it == map.end() || it->second.blocked_until <= now) return absl::ZeroDuration();
    return it->second.blocked_until - now;
  }
  void reset(const std::string& key) {
    auto it = map.find(key);
    if (it == map.end()) return;
    if (it->second.in_flight == 0) {
      map.erase(it);
    } else {
      it->second.failures = 0;
      it->second.blocked_until = absl::InfinitePast();
    }
  }
  // Drops entries that block nothing now; keeps memory bounded under a spray of names/addresses.
  void prune(absl::Time now) {
    absl::erase_if(map, [&](const auto& kv) {
      return kv.second.in_flight == 0 && kv.second.blocked_until <= now;
    });
  }
};

struct UserStore::Pool {
  explicit Pool(int threads) : pool(static_cast<std::size_t>(std::max(1, threads))) {}
  ~Pool() {
    pool.stop();
    pool.join();
  }
  asio::thread_pool pool;
};

// ---- store -----------------------------------------------------------------------------------

UserStore::UserStore(asio::any_io_executor io, AuthOptions options)
    : io_(std::move(io)),
      options_(std::move(options)),
      by_address_(std::make_unique<Throttle>()),
      by_user_(std::make_unique<Throttle>()),
      pool_(std::make_unique<Pool>(options_.kdf_threads)) {}

UserStore::~UserStore() = default;

absl::StatusOr<std::unique_ptr<UserStore>> UserStore::create(asio::any_io_executor io,
                                                             std::span<const UserConfig> users,
                                                             AuthOptions options) {
  if (options.iterations == 0 || options.iterations > kMaxPbkdf2Iterations)
    return absl::InvalidArgumentError(str_cat("users: iterations ", options.iterations,
                                              ", expected 1 to ", kMaxPbkdf2Iterations));
  std::unique_ptr<UserStore> s(new UserStore(std::move(io), std::move(options)));
  EMSCORE_ASSIGN_OR_RETURN(s->cache_key_, random_bytes(32));
  // A well-formed hash nobody's password matches: unknown users cost the same KDF run.
  PasswordHash dummy;
  dummy.iterations = s->options_.iterations;
  EMSCORE_ASSIGN_OR_RETURN(dummy.salt, random_bytes(kSaltBytes));
  EMSCORE_ASSIGN_OR_RETURN(dummy.hash, random_bytes(kHashBytes));
  s->dummy_hash_ = format_password_hash(dummy);
  for (std::size_t i = 0; i < users.size(); ++i) {
    const UserConfig& u = users[i];
    const auto role = parse_role(u.role);
    if (!role)
      return absl::InvalidArgumentError(str_cat("users: user \"", u.name, "\": role \"", u.role,
                                                "\", expected administrator, installer or user"));
    EMSCORE_RETURN_IF_ERROR(
        with_context(s->add_user(u.name, *role, u.password_hash, u.must_change_password),
                     str_cat("users[", i, "]")));
  }
  return s;
}

absl::Time UserStore::now() const { return options_.clock ? options_.clock() : absl::Now(); }

const UserRecord* UserStore::find(std::string_view name) const noexcept {
  for (const UserRecord& u : users_)
    if (u.name == name) return &u;
  return nullptr;
}

UserRecord* UserStore::find_mutable(std::string_view name) noexcept {
  for (UserRecord& u : users_)
    if (u.name == name) return &u;
  return nullptr;
}

std::size_t UserStore::administrators() const noexcept {
  return static_cast<std::size_t>(std::count_if(
      users_.begin(), users_.end(), [](const auto& u) { return u.role == Role::kAdministrator; }));
}

bool UserStore::has_administrator() const noexcept { return administrators() > 0; }

std::vector<UserConfig> UserStore::to_config() const {
  std::vector<UserConfig> out;
  out.reserve(users_.size());
  for (const UserRecord& u : users_)
    out.push_back(UserConfig{u.name, std::string(role_name(u.role)), u.password_hash,
                             u.must_change_password});
  return out;
}

absl::Status UserStore::replace(std::span<const UserConfig> users) {
  std::vector<UserRecord> next;
  bool admin = false;
  for (std::size_t i = 0; i < users.size(); ++i) {
    const UserConfig& u = users[i];
    EMSCORE_RETURN_IF_ERROR(with_context(check_user_name(u.name), str_cat("users[", i, "]")));
    const auto role = parse_role(u.role);
    if (!role)
      return absl::InvalidArgumentError(str_cat("users: users[", i, "].role \"", u.role,
                                                "\", expected administrator, installer or user"));
    EMSCORE_RETURN_IF_ERROR(
        with_context(parse_password_hash(u.password_hash).status(), str_cat("users[", i, "]")));
    for (const UserRecord& prev : next)
      if (prev.name == u.name)
        return absl::InvalidArgumentError(
            str_cat("users: users[", i, "]: user \"", u.name, "\" appears twice"));
    admin = admin || *role == Role::kAdministrator;
    next.push_back(
        UserRecord{u.name, *role, u.password_hash, u.must_change_password, next_generation_++});
  }
  if (!admin)
    return absl::FailedPreconditionError(
        "users: no administrator in the new user list, expected at least one");
  users_ = std::move(next);
  sessions_.clear();
  basic_cache_.clear();
  return absl::OkStatus();
}

absl::Status UserStore::add_user(std::string_view name, Role role, std::string password_hash,
                                 bool must_change_password) {
  EMSCORE_RETURN_IF_ERROR(check_user_name(name));
  EMSCORE_RETURN_IF_ERROR(parse_password_hash(password_hash).status());
  if (find(name) != nullptr)
    return absl::AlreadyExistsError(str_cat("users: user \"", name, "\" exists"));
  users_.push_back(UserRecord{std::string(name), role, std::move(password_hash),
                              must_change_password, next_generation_++});
  return absl::OkStatus();
}

absl::Status UserStore::remove_user(std::string_view name) {
  auto it =
      std::find_if(users_.begin(), users_.end(), [&](const auto& u) { return u.name == name; });
  if (it == users_.end()) return absl::NotFoundError(str_cat("users: no user \"", name, "\""));
  if (it->role == Role::kAdministrator && administrators() == 1)
    return absl::FailedPreconditionError(str_cat(
        "users: \"", name, "\" is the last administrator, expected another administrator first"));
  const std::string removed = it->name;
  users_.erase(it);
  end_sessions_of(removed);
  return absl::OkStatus();
}

absl::Status UserStore::set_password_hash(std::string_view name, std::string password_hash,
                                          std::string_view keep_session) {
  EMSCORE_RETURN_IF_ERROR(parse_password_hash(password_hash).status());
  UserRecord* u = find_mutable(name);
  if (u == nullptr) return absl::NotFoundError(str_cat("users: no user \"", name, "\""));
  u->password_hash = std::move(password_hash);
  u->must_change_password = false;
  u->generation = next_generation_++;
  end_sessions_of(name, keep_session);
  return absl::OkStatus();
}

absl::Status UserStore::set_role(std::string_view name, Role role) {
  UserRecord* u = find_mutable(name);
  if (u == nullptr) return absl::NotFoundError(str_cat("users: no user \"", name, "\""));
  if (u->role == role) return absl::OkStatus();
  if (u->role == Role::kAdministrator && administrators() == 1)
    return absl::FailedPreconditionError(str_cat(
        "users: \"", name, "\" is the last administrator, expected another administrator first"));
  u->role = role;
  u->generation = next_generation_++;
  end_sessions_of(name);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> UserStore::bootstrap_admin() {
  if (has_administrator()) return std::optional<std::string>();
  EMSCORE_ASSIGN_OR_RETURN(std::string otp, random_password(20));
  EMSCORE_ASSIGN_OR_RETURN(std::string hash, hash_password(otp, options_.iterations));
  if (UserRecord* u = find_mutable("admin")) {
    // No administrator exists, so whoever runs the gateway may take over the name.
    u->role = Role::kAdministrator;
    u->password_hash = std::move(hash);
    u->must_change_password = true;
    u->generation = next_generation_++;
    end_sessions_of("admin");
  } else {
    EMSCORE_RETURN_IF_ERROR(add_user("admin", Role::kAdministrator, std::move(hash), true));
  }
  return std::optional<std::string>(std::move(otp));
}

void UserStore::end_sessions_of(std::string_view user, std::string_view keep_session) {
  absl::erase_if(sessions_, [&](const auto& kv) {
    return kv.second.user == user && kv.first != keep_session;
  });
  absl::erase_if(basic_cache_, [&](const auto& kv) { return kv.second.user == user; });
  stats_.sessions = sessions_.size();
}

void UserStore::expire_sessions(absl::Time t) {
  absl::erase_if(sessions_, [&](const auto& kv) {
    return t - kv.second.last_used > options_.session_idle ||
           t - kv.second.created > options_.session_absolute;
  });
  absl::erase_if(basic_cache_, [&](const auto& kv) { return kv.second.expires <= t; });
  stats_.sessions = sessions_.size();
}

std::string UserStore::basic_cache_key(std::string_view user, std::string_view password) const {
  std::string msg;
  msg.reserve(user.size() + 1 + password.size());
  msg.append(user);
  msg.push_back('\0');
  msg.append(password);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), cache_key_.data(), static_cast<int>(cache_key_.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  OPENSSL_cleanse(msg.data(), msg.size());
  return std::string(reinterpret_cast<const char*>(md), len);
}

Principal UserStore::principal_of(const UserRecord& u, std::string session) const {
  return Principal{u.name, u.role, u.must_change_password, std::move(session)};
}

asio::awaitable<bool> UserStore::run_kdf(std::string password, std::string encoded) {
  ++stats_.kdf_runs;
  ++pending_kdf_;
  const bool ok = co_await asio::co_spawn(pool_->pool.get_executor(),
                                          kdf_task(std::move(password), std::move(encoded)),
                                          asio::use_awaitable);
  --pending_kdf_;
  co_return ok;
}

asio::awaitable<absl::StatusOr<std::string>> UserStore::hash_async(std::string password) {
  ++stats_.kdf_runs;
  co_return co_await asio::co_spawn(pool_->pool.get_executor(),
                                    hash_task(std::move(password), options_.iterations),
                                    asio::use_awaitable);
}

asio::awaitable<AuthResult> UserStore::verify(std::string user, std::string password,
                                              std::string source) {
  AuthResult r;
  absl::Time t = now();
  const absl::Duration wait =
      std::max(by_address_->wait(source, t, options_), by_user_->wait(user, t, options_));
  if (wait > absl::ZeroDuration()) {
    ++stats_.throttled;
    r.outcome = AuthOutcome::kThrottled;
    r.retry_after = wait;
    co_return r;
  }
  if (pending_kdf_ >= options_.max_pending_kdf) {
    ++stats_.busy;
    r.outcome = AuthOutcome::kBusy;
    r.retry_after = absl::Seconds(1);
    co_return r;
  }
  const UserRecord* u = find(user);
  const std::uint64_t generation = u ? u->generation : 0;
  std::string encoded = u ? u->password_hash : dummy_hash_;
  by_address_->begin(source, t, options_);
  by_user_->begin(user, t, options_);
  bool ok = co_await run_kdf(std::move(password), std::move(encoded));
  by_address_->end(source);
  by_user_->end(user);
  // The user may have changed while the KDF ran.
  u = find(user);
  ok = ok && u != nullptr && u->generation == generation;
  t = now();
  if (!ok) {
    ++stats_.failures;
    const bool a = by_address_->fail(source, t, options_);
    const bool b = by_user_->fail(user, t, options_);
    r.throttle_started = a || b;
    r.retry_after = std::max(by_address_->remaining(source, t), by_user_->remaining(user, t));
    co_return r;
  }
  by_user_->reset(user);
  r.outcome = AuthOutcome::kOk;
  r.principal = principal_of(*u, {});
  co_return r;
}

asio::awaitable<AuthResult> UserStore::login(std::string user, std::string password,
                                             std::string source) {
  AuthResult r = co_await verify(user, std::move(password), std::move(source));
  if (r.outcome != AuthOutcome::kOk) co_return r;
  auto token = random_hex(32);
  if (!token.ok()) {
    r.outcome = AuthOutcome::kBusy;
    co_return r;
  }
  const absl::Time t = now();
  expire_sessions(t);
  while (sessions_.size() >= options_.max_sessions && !sessions_.empty()) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    sessions_.erase(oldest);
  }
  std::string id = sha256_hex(*token);
  sessions_[id] = Session{user, t, t};
  stats_.sessions = sessions_.size();
  r.token = std::move(*token);
  r.principal.session = std::move(id);
  r.absolute_expires = t + options_.session_absolute;
  r.expires = std::min(t + options_.session_idle, r.absolute_expires);
  co_return r;
}

asio::awaitable<AuthResult> UserStore::check_basic(std::string user, std::string password,
                                                   std::string source) {
  const absl::Time t = now();
  std::string key = basic_cache_key(user, password);
  if (auto it = basic_cache_.find(key); it != basic_cache_.end()) {
    const UserRecord* u = find(it->second.user);
    if (it->second.expires > t && u != nullptr && u->generation == it->second.generation) {
      ++stats_.basic_cache_hits;
      AuthResult r;
      r.outcome = AuthOutcome::kOk;
      r.principal = principal_of(*u, {});
      co_return r;
    }
    basic_cache_.erase(it);
  }
  AuthResult r = co_await verify(user, std::move(password), std::move(source));
  if (r.outcome != AuthOutcome::kOk) co_return r;
  if (basic_cache_.size() >= options_.basic_cache_size) expire_sessions(now());
  if (basic_cache_.size() >= options_.basic_cache_size) basic_cache_.clear();
  const UserRecord* u = find(user);
  basic_cache_[std::move(key)] = CachedBasic{user, u->generation, now() + options_.basic_cache_ttl};
  co_return r;
}

AuthResult UserStore::check_bearer(std::string_view token) {
  AuthResult r;
  const absl::Time t = now();
  const std::string id = sha256_hex(token);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return r;
  Session& s = it->second;
  const UserRecord* u = find(s.user);
  if (u == nullptr || t - s.last_used > options_.session_idle ||
      t - s.created > options_.session_absolute) {
    sessions_.erase(it);
    stats_.sessions = sessions_.size();
    return r;
  }
  s.last_used = t;
  r.outcome = AuthOutcome::kOk;
  r.principal = principal_of(*u, id);
  r.absolute_expires = s.created + options_.session_absolute;
  r.expires = std::min(t + options_.session_idle, r.absolute_expires);
  return r;
}

void UserStore::logout(std::string_view token) {
  sessions_.erase(sha256_hex(token));
  stats_.sessions = sessions_.size();
}

}  // namespace emscore::refgw
