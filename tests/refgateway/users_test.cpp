#include "users.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <thread>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::refgw {
namespace {

namespace asio = boost::asio;

template <class T>
asio::awaitable<void> store_into(asio::awaitable<T> a, std::optional<T>* out,
                                 std::thread::id* resumed_on) {
  *out = co_await std::move(a);
  if (resumed_on) *resumed_on = std::this_thread::get_id();
}

// Runs one coroutine on `io` to completion (the KDF goes to the store's pool meanwhile).
template <class T>
T run(asio::io_context& io, asio::awaitable<T> a, std::thread::id* resumed_on = nullptr) {
  std::optional<T> out;
  asio::co_spawn(io, store_into(std::move(a), &out, resumed_on), asio::detached);
  io.restart();
  io.run();
  return std::move(*out);
}

// The verification result, nullopt when the hash string is malformed.
std::optional<bool> verified(std::string_view password, std::string_view encoded) {
  auto r = verify_password(password, encoded);
  if (!r.ok()) return std::nullopt;
  return *r;
}

constexpr std::uint32_t kFastIterations = 1000;  // the store's hashes in these tests

struct Fixture : ::testing::Test {
  asio::io_context io;
  absl::Time clock = absl::FromUnixSeconds(1'700'000'000);
  std::unique_ptr<UserStore> store;

  AuthOptions fast_options() {
    AuthOptions o;
    o.iterations = kFastIterations;
    o.clock = [this] { return clock; };
    return o;
  }
  void make(std::vector<std::pair<std::string, Role>> users, AuthOptions o) {
    std::vector<UserConfig> cfg;
    for (auto& [name, role] : users) {
      auto h = hash_password(name + "-password", kFastIterations);
      ASSERT_TRUE(h.ok()) << h.status();
      cfg.push_back(UserConfig{name, std::string(role_name(role)), *h, false});
    }
    auto s = UserStore::create(io.get_executor(), cfg, std::move(o));
    ASSERT_TRUE(s.ok()) << s.status();
    store = std::move(*s);
  }
  void make_default() {
    make({{"admin", Role::kAdministrator}, {"inst", Role::kInstaller}, {"reader", Role::kUser}},
         fast_options());
  }
  AuthResult login(const std::string& user, const std::string& password,
                   const std::string& source = "10.0.0.1") {
    return run(io, store->login(user, password, source));
  }
};

TEST(Roles, NamesOrderAndParsing) {
  EXPECT_EQ(role_name(Role::kAdministrator), "administrator");
  EXPECT_EQ(role_name(Role::kInstaller), "installer");
  EXPECT_EQ(role_name(Role::kUser), "user");
  EXPECT_EQ(parse_role("installer"), Role::kInstaller);
  EXPECT_FALSE(parse_role("root").has_value());
  EXPECT_TRUE(role_allows(Role::kAdministrator, Role::kInstaller));
  EXPECT_TRUE(role_allows(Role::kInstaller, Role::kUser));
  EXPECT_FALSE(role_allows(Role::kUser, Role::kInstaller));
  EXPECT_FALSE(role_allows(Role::kInstaller, Role::kAdministrator));
}

TEST(PasswordHash, DefaultFormatIterationsAndSalt) {
  auto h = hash_password("correct horse battery");
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_TRUE(h->starts_with("pbkdf2-sha256$600000$")) << *h;
  auto parsed = parse_password_hash(*h);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->iterations, 600000u);
  EXPECT_EQ(parsed->salt.size(), kSaltBytes);
  EXPECT_EQ(parsed->hash.size(), kHashBytes);
  EXPECT_EQ(format_password_hash(*parsed), *h);
  EXPECT_EQ(verified("correct horse battery", *h), true);
  EXPECT_EQ(verified("correct horse batterz", *h), false);
}

TEST(PasswordHash, SamePasswordGetsDifferentSalts) {
  auto a = hash_password("same password", kFastIterations);
  auto b = hash_password("same password", kFastIterations);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

// RFC 7914 §11 PBKDF2-HMAC-SHA256 vectors (first 32 bytes of the 64-byte outputs): any
// iteration count in the string is honoured, so old or foreign hashes keep verifying.
TEST(PasswordHash, VerifiesRfc7914VectorsAtTheirIterationCounts) {
  EXPECT_EQ(
      verified("passwd", "pbkdf2-sha256$1$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw="),
      true);
  EXPECT_EQ(verified("Password",
                     "pbkdf2-sha256$80000$TmFDbA==$TdzY9guYviGDDO5e8icB+WQaRBjQTAQUrv8Ih2s0q1Y="),
            true);
  EXPECT_EQ(verified("password",
                     "pbkdf2-sha256$80000$TmFDbA==$TdzY9guYviGDDO5e8icB+WQaRBjQTAQUrv8Ih2s0q1Y="),
            false);
}

TEST(PasswordHash, MalformedStringsNameThePart) {
  const std::string good_hash = "VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=";
  struct Case {
    std::string text;
    std::string says;
  } cases[] = {
      {"", "1 of 4 parts"},
      {"pbkdf2-sha256$1$c2FsdA==", "3 of 4 parts"},
      {"pbkdf2-sha256$1$c2FsdA==$" + good_hash + "$x", "more than 4 parts"},
      {"argon2id$1$c2FsdA==$" + good_hash, "scheme \"argon2id\""},
      {"pbkdf2-sha256$0$c2FsdA==$" + good_hash, "iterations \"0\""},
      {"pbkdf2-sha256$12x$c2FsdA==$" + good_hash, "iterations \"12x\""},
      {"pbkdf2-sha256$100000001$c2FsdA==$" + good_hash, "iterations"},
      {"pbkdf2-sha256$1$c2Fs*A==$" + good_hash, "salt"},
      {"pbkdf2-sha256$1$c2FsdA==$aGFzaA==", "hash is not base64 of 16 to 64 bytes"},
      {"pbkdf2-sha256$1$c2FsdA==$Vaw=Eblb", "hash"},
  };
  for (const auto& c : cases) {
    auto r = parse_password_hash(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.status().message().find(c.says), std::string_view::npos) << r.status();
    EXPECT_NE(r.status().message().find("expected \"pbkdf2-sha256$"), std::string_view::npos);
    EXPECT_FALSE(verify_password("x", c.text).ok());
  }
}

TEST(PasswordPolicy, LengthAndUserName) {
  EXPECT_TRUE(check_password_policy("alice", "long enough!").ok());
  auto s = check_password_policy("alice", "short");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("5 characters, expected at least 10"), std::string_view::npos) << s;
  // Characters, not bytes: nine two-byte characters are too short.
  EXPECT_FALSE(check_password_policy("alice", "äöüäöüäöü").ok());
  EXPECT_TRUE(check_password_policy("alice", "äöüäöüäöüä").ok());
  auto same = check_password_policy("Installer1", "installer1");
  ASSERT_FALSE(same.ok());
  EXPECT_NE(same.message().find("user name"), std::string_view::npos);
  EXPECT_FALSE(check_password_policy("a", std::string(kMaxPasswordLength + 1, 'x')).ok());
}

TEST(UserNames, AllowedCharacters) {
  EXPECT_TRUE(check_user_name("ops.team-1@site_a").ok());
  EXPECT_FALSE(check_user_name("").ok());
  EXPECT_FALSE(check_user_name(std::string(65, 'a')).ok());
  auto s = check_user_name("bad name");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("position 3"), std::string_view::npos) << s;
}

TEST(RandomSecrets, LengthsAlphabetAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto p = random_password(20);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->size(), 20u);
    EXPECT_EQ(p->find_first_of("0O1lI"), std::string::npos) << *p;
    seen.insert(*p);
    auto h = random_hex(32);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->size(), 64u);
    EXPECT_EQ(h->find_first_not_of("0123456789abcdef"), std::string::npos);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST_F(Fixture, CreateRefusesBadRolesHashesAndDuplicates) {
  auto h = hash_password("whatever-123", kFastIterations);
  ASSERT_TRUE(h.ok());
  std::vector<UserConfig> bad_role = {{"a", "root", *h}};
  auto s1 = UserStore::create(io.get_executor(), bad_role, fast_options());
  ASSERT_FALSE(s1.ok());
  EXPECT_NE(s1.status().message().find("role \"root\""), std::string_view::npos);
  std::vector<UserConfig> bad_hash = {{"a", "user", "pbkdf2-sha256$x"}};
  auto s2 = UserStore::create(io.get_executor(), bad_hash, fast_options());
  ASSERT_FALSE(s2.ok());
  EXPECT_NE(s2.status().message().find("users[0]"), std::string_view::npos) << s2.status();
  std::vector<UserConfig> dup = {{"a", "user", *h}, {"a", "installer", *h}};
  auto s3 = UserStore::create(io.get_executor(), dup, fast_options());
  ASSERT_FALSE(s3.ok());
  EXPECT_NE(s3.status().message().find("users[1]"), std::string_view::npos) << s3.status();
}

TEST_F(Fixture, BootstrapAdminOnlyWithoutAdministrator) {
  make({{"reader", Role::kUser}}, fast_options());
  EXPECT_FALSE(store->has_administrator());
  auto otp = store->bootstrap_admin();
  ASSERT_TRUE(otp.ok()) << otp.status();
  ASSERT_TRUE(otp->has_value());
  EXPECT_GE((*otp)->size(), 16u);
  const UserRecord* admin = store->find("admin");
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(admin->role, Role::kAdministrator);
  EXPECT_TRUE(admin->must_change_password);
  // The password is not stored, only its hash.
  EXPECT_EQ(admin->password_hash.find(**otp), std::string::npos);
  auto again = store->bootstrap_admin();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());

  AuthResult r = login("admin", **otp);
  ASSERT_EQ(r.outcome, AuthOutcome::kOk);
  EXPECT_TRUE(r.principal.must_change_password);
  auto new_hash = run(io, store->hash_async("a much better one"));
  ASSERT_TRUE(new_hash.ok());
  ASSERT_TRUE(store->set_password_hash("admin", *new_hash, r.principal.session).ok());
  EXPECT_FALSE(store->find("admin")->must_change_password);
  // The session that changed the password stays; the one-time password is gone.
  EXPECT_EQ(store->check_bearer(r.token).outcome, AuthOutcome::kOk);
  EXPECT_FALSE(store->check_bearer(r.token).principal.must_change_password);
  EXPECT_EQ(login("admin", **otp).outcome, AuthOutcome::kBadCredentials);
  EXPECT_EQ(login("admin", "a much better one").outcome, AuthOutcome::kOk);
}

TEST_F(Fixture, AtLeastOneAdministratorRemains) {
  make_default();
  auto s = store->remove_user("admin");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("last administrator"), std::string_view::npos);
  EXPECT_EQ(store->set_role("admin", Role::kUser).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store->set_role("inst", Role::kAdministrator).ok());
  EXPECT_TRUE(store->set_role("admin", Role::kUser).ok());
  EXPECT_TRUE(store->remove_user("admin").ok());
  EXPECT_EQ(store->remove_user("admin").code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store->has_administrator());
  std::vector<UserConfig> none = {{"x", "user", store->find("reader")->password_hash}};
  EXPECT_EQ(store->replace(none).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(Fixture, AddUserChecksNameHashAndDuplicates) {
  make_default();
  auto h = hash_password("fresh password", kFastIterations);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(store->add_user("new.user", Role::kInstaller, *h).ok());
  EXPECT_EQ(store->add_user("new.user", Role::kUser, *h).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(store->add_user("bad name", Role::kUser, *h).ok());
  EXPECT_FALSE(store->add_user("other", Role::kUser, "plain text").ok());
  auto cfg = store->to_config();
  ASSERT_EQ(cfg.size(), 4u);
  EXPECT_EQ(cfg[3].name, "new.user");
  EXPECT_EQ(cfg[3].role, "installer");
  EXPECT_EQ(cfg[3].password_hash, *h);
}

TEST_F(Fixture, LoginGivesTokenAndResumesOnTheIoThread) {
  make_default();
  std::thread::id resumed;
  AuthResult r = run(io, store->login("inst", "inst-password", "10.0.0.1"), &resumed);
  EXPECT_EQ(resumed, std::this_thread::get_id());  // io.run() runs on this thread
  ASSERT_EQ(r.outcome, AuthOutcome::kOk);
  EXPECT_EQ(r.token.size(), 64u);
  EXPECT_EQ(r.principal.user, "inst");
  EXPECT_EQ(r.principal.role, Role::kInstaller);
  EXPECT_EQ(r.expires, clock + absl::Minutes(30));
  EXPECT_EQ(r.absolute_expires, clock + absl::Hours(12));
  EXPECT_EQ(store->stats().kdf_runs, 1u);
  AuthResult b = store->check_bearer(r.token);
  ASSERT_EQ(b.outcome, AuthOutcome::kOk);
  EXPECT_EQ(b.principal.role, Role::kInstaller);
  EXPECT_EQ(store->check_bearer(r.token + "0").outcome, AuthOutcome::kBadCredentials);
  EXPECT_EQ(store->check_bearer("").outcome, AuthOutcome::kBadCredentials);
  store->logout(r.token);
  EXPECT_EQ(store->check_bearer(r.token).outcome, AuthOutcome::kBadCredentials);
  EXPECT_EQ(store->stats().kdf_runs, 1u);  // tokens never run the KDF
}

TEST_F(Fixture, SessionsExpireWhenIdleAndAfterTwelveHours) {
  make_default();
  AuthResult a = login("reader", "reader-password");
  ASSERT_EQ(a.outcome, AuthOutcome::kOk);
  clock += absl::Minutes(29);
  EXPECT_EQ(store->check_bearer(a.token).outcome, AuthOutcome::kOk);
  clock += absl::Minutes(31);
  EXPECT_EQ(store->check_bearer(a.token).outcome, AuthOutcome::kBadCredentials);

  AuthResult b = login("reader", "reader-password");
  ASSERT_EQ(b.outcome, AuthOutcome::kOk);
  for (int i = 0; i < 35; ++i) {  // used every 20 min: 11 h 40 min
    clock += absl::Minutes(20);
    ASSERT_EQ(store->check_bearer(b.token).outcome, AuthOutcome::kOk) << i;
  }
  clock += absl::Minutes(21);
  EXPECT_EQ(store->check_bearer(b.token).outcome, AuthOutcome::kBadCredentials);
}

TEST_F(Fixture, UnknownUserAndWrongPasswordLookAlikeAndBothRunTheKdf) {
  make_default();
  AuthResult a = login("nobody", "whatever-password", "10.0.0.1");
  AuthResult b = login("reader", "wrong-password", "10.0.0.2");
  EXPECT_EQ(a.outcome, AuthOutcome::kBadCredentials);
  EXPECT_EQ(b.outcome, AuthOutcome::kBadCredentials);
  EXPECT_EQ(store->stats().kdf_runs, 2u);
  EXPECT_EQ(store->stats().failures, 2u);
}

TEST_F(Fixture, FailuresBackOffExponentiallyWithoutRunningTheKdf) {
  make_default();
  for (int i = 0; i < 4; ++i) {
    AuthResult r = login("admin", "wrong", "10.0.0.9");
    ASSERT_EQ(r.outcome, AuthOutcome::kBadCredentials);
    EXPECT_FALSE(r.throttle_started);
  }
  AuthResult fifth = login("admin", "wrong", "10.0.0.9");
  EXPECT_EQ(fifth.outcome, AuthOutcome::kBadCredentials);
  EXPECT_TRUE(fifth.throttle_started);
  EXPECT_EQ(fifth.retry_after, absl::Seconds(1));
  const auto kdf = store->stats().kdf_runs;
  // While throttled: refused at once, even with the right password, without the KDF.
  for (int i = 0; i < 100; ++i) {
    AuthResult r = login("admin", "admin-password", "10.0.0.9");
    ASSERT_EQ(r.outcome, AuthOutcome::kThrottled);
    EXPECT_GT(r.retry_after, absl::ZeroDuration());
  }
  EXPECT_EQ(store->stats().kdf_runs, kdf);
  EXPECT_EQ(store->stats().throttled, 100u);
  // Each further failure doubles the wait: 2, 4, 8 ... capped at 15 min.
  absl::Duration expected = absl::Seconds(1);
  for (int i = 0; i < 14; ++i) {
    clock += expected;
    AuthResult r = login("admin", "wrong", "10.0.0.9");
    ASSERT_EQ(r.outcome, AuthOutcome::kBadCredentials) << i;
    expected = std::min(expected * 2, absl::Minutes(15));
    EXPECT_EQ(r.retry_after, expected) << i;
  }
  EXPECT_EQ(expected, absl::Minutes(15));
}

TEST_F(Fixture, ThrottlesPerAddressAndPerUserName) {
  make_default();
  // One address, many user names.
  for (int i = 0; i < 5; ++i) login(str_cat("guess", i), "wrong-password", "10.0.0.66");
  EXPECT_EQ(login("reader", "reader-password", "10.0.0.66").outcome, AuthOutcome::kThrottled);
  // Another address is not affected.
  EXPECT_EQ(login("reader", "reader-password", "10.0.0.67").outcome, AuthOutcome::kOk);
  // One user name from many addresses.
  for (int i = 0; i < 5; ++i) login("inst", "wrong-password", str_cat("10.1.0.", i));
  EXPECT_EQ(login("inst", "inst-password", "10.2.0.1").outcome, AuthOutcome::kThrottled);
  EXPECT_EQ(login("admin", "admin-password", "10.2.0.1").outcome, AuthOutcome::kOk);
  // After the wait, the right password works and resets the user's counter.
  clock += absl::Seconds(1);
  EXPECT_EQ(login("inst", "inst-password", "10.2.0.2").outcome, AuthOutcome::kOk);
  AuthResult r = login("inst", "wrong-password", "10.2.0.3");
  EXPECT_EQ(r.outcome, AuthOutcome::kBadCredentials);
  EXPECT_FALSE(r.throttle_started);
  // Counters are forgotten an hour after the last failure.
  clock += absl::Hours(2);
  EXPECT_EQ(login("reader", "reader-password", "10.0.0.66").outcome, AuthOutcome::kOk);
}

TEST_F(Fixture, ConcurrentAttemptsPerKeyAndOverallAreBounded) {
  AuthOptions o = fast_options();
  o.max_pending_kdf = 3;
  make({{"admin", Role::kAdministrator}}, o);
  std::optional<AuthResult> r[6];
  // Three at once from one address: the third is refused (two in flight per address).
  for (int i = 0; i < 3; ++i)
    asio::co_spawn(io, store_into(store->verify("admin", "wrong", "10.0.0.1"), &r[i], nullptr),
                   asio::detached);
  // Three more from other addresses and names: only one more fits under max_pending_kdf = 3.
  for (int i = 3; i < 6; ++i)
    asio::co_spawn(
        io,
        store_into(store->verify(str_cat("u", i), "wrong", str_cat("10.0.1.", i)), &r[i], nullptr),
        asio::detached);
  io.run();
  EXPECT_EQ(r[0]->outcome, AuthOutcome::kBadCredentials);
  EXPECT_EQ(r[1]->outcome, AuthOutcome::kBadCredentials);
  EXPECT_EQ(r[2]->outcome, AuthOutcome::kThrottled);
  EXPECT_EQ(r[3]->outcome, AuthOutcome::kBadCredentials);
  EXPECT_EQ(r[4]->outcome, AuthOutcome::kBusy);
  EXPECT_EQ(r[5]->outcome, AuthOutcome::kBusy);
  EXPECT_EQ(store->stats().kdf_runs, 3u);
}

TEST_F(Fixture, BasicVerificationIsCachedUntilThePasswordChanges) {
  make_default();
  auto a = run(io, store->check_basic("reader", "reader-password", "10.0.0.1"));
  ASSERT_EQ(a.outcome, AuthOutcome::kOk);
  EXPECT_TRUE(a.principal.session.empty());
  EXPECT_EQ(store->stats().kdf_runs, 1u);
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(run(io, store->check_basic("reader", "reader-password", "10.0.0.1")).outcome,
              AuthOutcome::kOk);
  EXPECT_EQ(store->stats().kdf_runs, 1u);
  EXPECT_EQ(store->stats().basic_cache_hits, 10u);
  // A wrong password is not a cache hit.
  EXPECT_EQ(run(io, store->check_basic("reader", "reader-passwore", "10.0.0.1")).outcome,
            AuthOutcome::kBadCredentials);
  EXPECT_EQ(store->stats().kdf_runs, 2u);
  // The cache expires.
  clock += absl::Minutes(6);
  ASSERT_EQ(run(io, store->check_basic("reader", "reader-password", "10.0.0.1")).outcome,
            AuthOutcome::kOk);
  EXPECT_EQ(store->stats().kdf_runs, 3u);
  // A password change drops the cached verification of the old password.
  auto h = hash_password("new reader password", kFastIterations);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(store->set_password_hash("reader", *h).ok());
  EXPECT_EQ(run(io, store->check_basic("reader", "reader-password", "10.0.0.1")).outcome,
            AuthOutcome::kBadCredentials);
}

TEST_F(Fixture, PasswordRoleChangeAndRemovalEndSessions) {
  make_default();
  AuthResult a = login("inst", "inst-password");
  AuthResult b = login("inst", "inst-password");
  AuthResult c = login("reader", "reader-password");
  ASSERT_EQ(a.outcome, AuthOutcome::kOk);
  ASSERT_EQ(store->stats().sessions, 3u);
  auto h = hash_password("another password", kFastIterations);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(store->set_password_hash("inst", *h, a.principal.session).ok());
  EXPECT_EQ(store->check_bearer(a.token).outcome, AuthOutcome::kOk);
  EXPECT_EQ(store->check_bearer(b.token).outcome, AuthOutcome::kBadCredentials);
  ASSERT_TRUE(store->set_role("inst", Role::kUser).ok());
  EXPECT_EQ(store->check_bearer(a.token).outcome, AuthOutcome::kBadCredentials);
  ASSERT_TRUE(store->remove_user("reader").ok());
  EXPECT_EQ(store->check_bearer(c.token).outcome, AuthOutcome::kBadCredentials);
  EXPECT_EQ(store->stats().sessions, 0u);
}

TEST_F(Fixture, OldestSessionEndsBeyondTheLimit) {
  AuthOptions o = fast_options();
  o.max_sessions = 3;
  make({{"admin", Role::kAdministrator}}, o);
  std::vector<std::string> tokens;
  for (int i = 0; i < 4; ++i) {
    clock += absl::Seconds(1);
    tokens.push_back(login("admin", "admin-password").token);
  }
  EXPECT_EQ(store->check_bearer(tokens[0]).outcome, AuthOutcome::kBadCredentials);
  for (int i = 1; i < 4; ++i) EXPECT_EQ(store->check_bearer(tokens[i]).outcome, AuthOutcome::kOk);
}

TEST_F(Fixture, ReplaceSwapsUsersAndEndsSessions) {
  make_default();
  AuthResult a = login("admin", "admin-password");
  std::vector<UserConfig> next = {{"boss", "administrator", store->find("admin")->password_hash}};
  ASSERT_TRUE(store->replace(next).ok());
  EXPECT_EQ(store->users().size(), 1u);
  EXPECT_EQ(store->check_bearer(a.token).outcome, AuthOutcome::kBadCredentials);
  EXPECT_EQ(login("boss", "admin-password").outcome, AuthOutcome::kOk);
}

}  // namespace
}  // namespace emscore::refgw
