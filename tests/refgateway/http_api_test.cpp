// The HTTP API against real clients: curl (most tests) and raw sockets / Beast where the test
// needs to misbehave (garbage, slow or too many connections). The server runs on its own io
// thread with a fake ApiBackend; the UserStore uses 1,000 PBKDF2 iterations to keep tests fast.
#include "http_api.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/thread_pool.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http.hpp"
#include "boost/json.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::refgw {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;

constexpr std::uint32_t kIterations = 1000;
const absl::Time kT0 = absl::FromUnixSeconds(1718104579);  // 2024-06-11T11:16:19Z

constexpr const char* kConfig = R"({
  "gateway": {"id": "gw-test", "time_zone": "UTC"},
  "buses": [{"name": "tcp", "type": "modbus_tcp", "host": "127.0.0.1", "port": 5020}],
  "devices": [
    {"name": "Main; meter", "serial": "SDM630-1", "bus": "tcp", "address": 1,
     "driver": "eastron_sdm630"},
    {"name": "Flat", "serial": "SDM230-1", "bus": "tcp", "address": 2, "driver": "eastron_sdm230"}
  ]
})";

class FakeBackend : public ApiBackend {
 public:
  FakeBackend(GatewayConfig cfg, std::unique_ptr<EventLog> log)
      : config_(std::move(cfg)), table_(config_), log_(std::move(log)) {}

  const DeviceTable& devices() const override { return table_; }
  DeviceTable& table() { return table_; }
  EventLog& events() override { return *log_; }
  HealthInfo health() const override {
    return HealthInfo{"ok", "", "1.2.3", absl::Seconds(42), config_.gateway.id};
  }
  absl::TimeZone time_zone() const override { return absl::UTCTimeZone(); }
  void query_history(const HistoryRequest& r, HistoryDone done) override {
    // Answers from another thread, as the store worker does.
    asio::post(worker_, [r, done = std::move(done)] {
      if (r.quantity != obis::ObisCode(1, 0, 1, 8, 0)) {
        done(std::vector<profile::Sample>{});
        return;
      }
      std::vector<profile::Sample> out;
      for (int i = 0; i < 4; ++i) {
        const absl::Time at = kT0 + absl::Minutes(15 * i);
        if (at >= r.from && at < r.to)
          out.push_back({at, Value(295925 + 1000 * i, -3, Unit::kKiloWattHour)});
      }
      done(std::move(out));
    });
  }
  std::string config_json() const override { return config_to_json(config_); }
  absl::Status restore_config(std::string_view text, std::string_view user) override {
    auto c = parse_config(text);
    if (!c.ok()) return c.status();
    config_ = std::move(*c);
    restored_by = std::string(user);
    return absl::OkStatus();
  }
  absl::Status save_users(const std::vector<UserConfig>& users) override {
    ++saves;
    if (fail_saves) return absl::UnavailableError("disk full");
    config_.users = users;
    return absl::OkStatus();
  }
  json::value control_view() const override {
    return json::parse(R"({"zone":"green","outputs":[{"name":"DO1","on":false}]})");
  }
  absl::Status set_output(std::string_view name, bool on, std::string_view user) override {
    if (name != "DO1") return absl::NotFoundError(str_cat("control: no output \"", name, "\""));
    outputs.push_back(str_cat(name, on ? "=on by " : "=off by ", user));
    return absl::OkStatus();
  }

  GatewayConfig config_;
  DeviceTable table_;
  std::unique_ptr<EventLog> log_;
  asio::thread_pool worker_{1};
  std::string restored_by;
  int saves = 0;
  bool fail_saves = false;
  std::vector<std::string> outputs;
};

struct Reply {
  int status = 0;
  std::string headers;  // lower-cased
  std::string body;
  bool has_header(std::string_view needle) const {
    return headers.find(needle) != std::string::npos;
  }
  json::value json() const {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    EXPECT_FALSE(ec) << body;
    return v;
  }
  std::string field(std::string_view key) const {
    json::value v = json();
    if (!v.is_object()) return "";
    const json::value* f = v.as_object().if_contains(key);
    if (f == nullptr) return "";
    if (f->is_string()) return std::string(f->as_string());
    return json::serialize(*f);
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }

  void start(std::vector<UserConfig> extra_users, HttpOptions options = test_options(),
             bool with_admin = true) {
    dir_ = std::filesystem::temp_directory_path() /
           str_cat("emscore_http_", ::getpid(), "_", counter_++);
    std::filesystem::create_directories(dir_);
    auto cfg = parse_config(kConfig);
    ASSERT_TRUE(cfg.ok()) << cfg.status();
    auto log = EventLog::open((dir_ / "events.db").string());
    ASSERT_TRUE(log.ok()) << log.status();
    backend_ = std::make_unique<FakeBackend>(std::move(*cfg), std::move(*log));
    fill_devices();

    std::vector<UserConfig> users;
    const std::vector<std::pair<std::string, std::string>> base =
        with_admin ? std::vector<std::pair<std::string, std::string>>{{"admin", "administrator"},
                                                                      {"inst", "installer"},
                                                                      {"reader", "user"}}
                   : std::vector<std::pair<std::string, std::string>>{{"reader", "user"}};
    for (const auto& [name, role] : base) {
      auto h = hash_password(name + "-password", kIterations);
      ASSERT_TRUE(h.ok());
      users.push_back({name, role, *h});
    }
    for (auto& u : extra_users) users.push_back(u);
    AuthOptions ao;
    ao.iterations = kIterations;
    auto store = UserStore::create(io_.get_executor(), users, ao);
    ASSERT_TRUE(store.ok()) << store.status();
    users_ = std::move(*store);
    if (!with_admin) {
      auto otp = users_->bootstrap_admin();
      ASSERT_TRUE(otp.ok() && otp->has_value());
      otp_ = **otp;
    }
    api_ = std::make_unique<HttpApi>(io_.get_executor(), *backend_, *users_, options);
    ASSERT_TRUE(api_->listen("127.0.0.1", 0).ok());
    api_->start();
    port_ = api_->port();
    ASSERT_NE(port_, 0);
    io_thread_ = std::thread([this] { io_.run(); });
  }

  static HttpOptions test_options() {
    HttpOptions o;
    o.request_timeout = std::chrono::milliseconds(3000);
    o.body_limit = 64 * 1024;
    o.max_connections = 16;
    return o;
  }

  void TearDown() override { stop(); }

  void stop() {
    if (!api_) return;
    on_io([this] { api_->stop(); });
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
    api_.reset();
    users_.reset();
    backend_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void fill_devices() {
    std::vector<LatestValue> v;
    const DeviceRef ref = backend_->config_.devices[0].ref;
    v.push_back(
        {Reading{ref, obis::ObisCode(1, 0, 1, 8, 0), Value(295925, -3, Unit::kKiloWattHour), kT0},
         0, "Active energy import", true});
    v.push_back({Reading{ref, obis::ObisCode(1, 0, 32, 7, 0), Value(2301, -1, Unit::kVolt), kT0}, 1,
                 "Voltage L1", true});
    v.push_back({Reading{ref, obis::ObisCode(1, 0, 16, 7, 0), Value(-1500, 0, Unit::kWatt), kT0,
                         Quality::kQuestionable},
                 2, "Power \"total\"", false});
    backend_->table().record_success(ref, kT0, std::move(v));
    backend_->table().record_failure(backend_->config_.devices[1].ref, kT0,
                                     "modbus: timeout after 1000 ms");
  }

  // Runs `fn` on the io thread and waits (the store and the server are io-thread objects).
  template <class F>
  auto on_io(F fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto fut = task.get_future();
    asio::post(io_, [&task] { task(); });
    return fut.get();
  }

  std::string url(std::string_view path) const { return str_cat("http://127.0.0.1:", port_, path); }

  // curl with `args` (already shell-quoted); status, headers and body.
  Reply curl(const std::string& args) {
    const int n = counter_++;
    const std::string hdr = (dir_ / str_cat("h", n)).string();
    const std::string body = (dir_ / str_cat("b", n)).string();
    const std::string cmd = str_cat("curl -s -S --max-time 30 -D ", hdr, " -o ", body,
                                    " -w '%{http_code}' ", args, " 2>&1");
    Reply r;
    FILE* p = ::popen(cmd.c_str(), "r");
    EXPECT_NE(p, nullptr);
    std::string out;
    char buf[256];
    while (p && std::fgets(buf, sizeof buf, p)) out += buf;
    if (p) ::pclose(p);
    r.status = std::atoi(out.c_str());
    r.headers = slurp(hdr);
    for (char& ch : r.headers) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    r.body = slurp(body);
    return r;
  }
  Reply get(std::string_view path, const std::string& auth = "") {
    return curl(str_cat(auth, " '", url(path), "'"));
  }
  Reply send(std::string_view method, std::string_view path, const std::string& auth,
             const std::string& json_body) {
    return curl(str_cat("-X ", method, " ", auth, " -H 'Content-Type: application/json' --data '",
                        json_body, "' '", url(path), "'"));
  }
  static std::string basic(std::string_view user, std::string_view password) {
    return str_cat("-u '", user, ":", password, "'");
  }
  static std::string bearer(std::string_view token) {
    return str_cat("-H 'Authorization: Bearer ", token, "'");
  }
  std::string admin() { return basic("admin", "admin-password"); }
  std::string inst() { return basic("inst", "inst-password"); }
  std::string reader() { return basic("reader", "reader-password"); }

  std::string login_token(std::string_view user, std::string_view password) {
    Reply r = send("POST", "/app/api/login", "",
                   str_cat(R"({"user":")", user, R"(","password":")", password, R"("})"));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.field("token");
  }

  std::vector<LogEntry> events() {
    return on_io([this] { return *backend_->events().query(0); });
  }
  bool logged(std::string_view needle) {
    for (const LogEntry& e : events())
      if (e.message.find(needle) != std::string::npos) return true;
    return false;
  }

  asio::io_context io_;
  std::filesystem::path dir_;
  std::unique_ptr<FakeBackend> backend_;
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<HttpApi> api_;
  std::thread io_thread_;
  std::uint16_t port_ = 0;
  std::string otp_;
  static inline std::atomic<int> counter_{0};
};

// ---- basics ----------------------------------------------------------------------------------

TEST(HttpHelpers, ApiTimesAndPercentDecoding) {
  EXPECT_EQ(*parse_api_time("1718104579"), kT0);
  EXPECT_EQ(*parse_api_time("2024-06-11T11:16:19Z"), kT0);
  EXPECT_EQ(*parse_api_time("2024-06-11T13:16:19+02:00"), kT0);
  EXPECT_FALSE(parse_api_time("yesterday").ok());
  EXPECT_FALSE(parse_api_time("17-18").ok());
  EXPECT_EQ(*percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(*percent_decode("a+b", false), "a+b");
  EXPECT_FALSE(percent_decode("bad%2", true).has_value());
  EXPECT_FALSE(percent_decode("bad%zz", true).has_value());
}

TEST_F(HttpApiTest, HealthNeedsNoCredentials) {
  Reply r = get("/app/api/health");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.has_header("content-type: application/json"));
  EXPECT_EQ(r.field("status"), "ok");
  EXPECT_EQ(r.field("version"), "1.2.3");
  EXPECT_EQ(r.field("uptime_s"), "42");
  EXPECT_EQ(r.field("gateway_id"), "gw-test");
}

TEST_F(HttpApiTest, MissingOrWrongCredentialsGet401WithChallenge) {
  for (const char* path : {"/app/api/devices", "/app/api/serial/SDM630-1.json", "/app/api/events",
                           "/app/api/config", "/app/api/users"}) {
    Reply r = get(path);
    EXPECT_EQ(r.status, 401) << path;
    EXPECT_TRUE(r.has_header("www-authenticate: basic realm=\"emscore-refgateway\"")) << r.headers;
    EXPECT_TRUE(r.has_header("www-authenticate: bearer")) << r.headers;
    EXPECT_EQ(r.field("error"), "credentials required");
    EXPECT_EQ(r.field("where"), "Authorization header");
  }
  Reply wrong = get("/app/api/devices", basic("reader", "not-the-password"));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.field("error"), "wrong user name or password");
  Reply nobody = get("/app/api/devices", basic("nobody", "whatever-password"));
  EXPECT_EQ(nobody.status, 401);
  Reply token = get("/app/api/devices", bearer("00112233"));
  EXPECT_EQ(token.status, 401);
  EXPECT_TRUE(token.has_header("error=\"invalid_token\"")) << token.headers;
  Reply scheme = get("/app/api/devices", "-H 'Authorization: Digest abc'");
  EXPECT_EQ(scheme.status, 401);
  Reply garbage = get("/app/api/devices", "-H 'Authorization: Basic !!!'");
  EXPECT_EQ(garbage.status, 401);
  EXPECT_TRUE(logged("failed Basic login for \"reader\" from 127.0.0.1"));
}

TEST_F(HttpApiTest, LoginTokenLogout) {
  Reply r = send("POST", "/app/api/login", "", R"({"user":"reader","password":"reader-password"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string token = r.field("token");
  EXPECT_EQ(token.size(), 64u);
  EXPECT_EQ(r.field("must_change_password"), "false");
  EXPECT_EQ(r.field("role"), "user");
  EXPECT_FALSE(r.field("expires").empty());
  EXPECT_EQ(get("/app/api/devices", bearer(token)).status, 200);
  EXPECT_EQ(send("POST", "/app/api/logout", bearer(token), "{}").status, 200);
  EXPECT_EQ(get("/app/api/devices", bearer(token)).status, 401);

  Reply bad = send("POST", "/app/api/login", "", R"({"user":"reader","password":"nope"})");
  EXPECT_EQ(bad.status, 401);
  EXPECT_TRUE(logged("failed login for \"reader\" from 127.0.0.1"));
  Reply missing = send("POST", "/app/api/login", "", R"({"user":"reader"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.field("where"), "request body $.password");
  Reply not_json = send("POST", "/app/api/login", "", "user=reader");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_NE(not_json.field("error").find("not JSON"), std::string::npos);
  EXPECT_NE(not_json.field("expected").find("\"password\""), std::string::npos);
  EXPECT_EQ(get("/app/api/login").status, 405);
}

TEST_F(HttpApiTest, UnknownEndpointsAndMethods) {
  Reply r = get("/app/api/nothing", reader());
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.field("where"), "request path");
  EXPECT_EQ(get("/index.html").status, 404);
  Reply m = curl(str_cat("-X DELETE ", reader(), " '", url("/app/api/devices"), "'"));
  EXPECT_EQ(m.status, 405);
  EXPECT_TRUE(m.has_header("allow: get")) << m.headers;
}

// ---- newest values ---------------------------------------------------------------------------

TEST_F(HttpApiTest, SerialJsonHasTheNewestValuesWithExactDigits) {
  Reply r = get("/app/api/serial/SDM630-1.json", reader());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.has_header("content-type: application/json"));
  // Exactly the digits read, never through a double.
  EXPECT_NE(r.body.find("\"value\":295.925,"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"value\":230.1,"), std::string::npos) << r.body;
  json::object o = r.json().as_object();
  EXPECT_EQ(o["serial"], "SDM630-1");
  EXPECT_EQ(o["name"], "Main; meter");
  EXPECT_EQ(o["lastreadout"], 1718104579);
  EXPECT_EQ(o["lastreadout_time"], "2024-06-11T11:16:19+00:00");
  EXPECT_EQ(o["online"], true);
  json::array values = o["values"].as_array();
  ASSERT_EQ(values.size(), 3u);  // a value not saved to the database is still served
  EXPECT_EQ(values[0].at("register"), 0);
  EXPECT_EQ(values[0].at("obis"), "1-0:1.8.0");
  EXPECT_EQ(values[0].at("unit"), "kWh");
  EXPECT_EQ(values[0].at("name"), "Active energy import");
  EXPECT_EQ(values[2].at("register"), 2);
  EXPECT_EQ(values[2].at("value"), -1500);
  EXPECT_EQ(values[2].at("quality"), "questionable");
  EXPECT_EQ(values[2].at("name"), "Power \"total\"");

  Reply none = get("/app/api/serial/SDM230-1.json", reader());
  ASSERT_EQ(none.status, 200);
  EXPECT_EQ(none.json().at("lastreadout"), nullptr);
  EXPECT_EQ(none.json().at("online"), false);
}

TEST_F(HttpApiTest, SerialCsvHasAHeaderAndOneRowPerRegister) {
  Reply r = get("/app/api/serial/SDM630-1.csv", reader());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.has_header("content-type: text/csv")) << r.headers;
  EXPECT_EQ(r.body,
            "serial;register;obis;name;value;unit;quality;time\r\n"
            "SDM630-1;0;1-0:1.8.0;Active energy import;295.925;kWh;measured;"
            "2024-06-11T11:16:19+00:00\r\n"
            "SDM630-1;1;1-0:32.7.0;Voltage L1;230.1;V;measured;2024-06-11T11:16:19+00:00\r\n"
            "SDM630-1;2;1-0:16.7.0;\"Power \"\"total\"\"\";-1500;W;questionable;"
            "2024-06-11T11:16:19+00:00\r\n");
  Reply comma = get("/app/api/serial/SDM630-1.csv?separator=comma", reader());
  ASSERT_EQ(comma.status, 200);
  EXPECT_NE(comma.body.find("SDM630-1,1,1-0:32.7.0,Voltage L1,230.1,V,"), std::string::npos)
      << comma.body;
  Reply dec = get("/app/api/serial/SDM630-1.csv?decimal=comma", reader());
  EXPECT_NE(dec.body.find(";295,925;kWh;"), std::string::npos) << dec.body;
  Reply ambiguous = get("/app/api/serial/SDM630-1.csv?decimal=comma&separator=comma", reader());
  EXPECT_EQ(ambiguous.status, 400);
  EXPECT_EQ(ambiguous.field("where"), "query parameters decimal and separator");
  Reply bad_sep = get("/app/api/serial/SDM630-1.csv?separator=pipe", reader());
  EXPECT_EQ(bad_sep.status, 400);
  EXPECT_EQ(bad_sep.field("where"), "query parameter separator");
}

TEST_F(HttpApiTest, UnknownSerialIs404NamingIt) {
  Reply r = get("/app/api/serial/NOPE-42.json", reader());
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.field("error").find("\"NOPE-42\""), std::string::npos) << r.body;
  EXPECT_EQ(get("/app/api/serial/NOPE-42.csv", reader()).status, 404);
  Reply ext = get("/app/api/serial/SDM630-1.xml", reader());
  EXPECT_EQ(ext.status, 404);
  EXPECT_NE(ext.field("expected").find(".json or .csv"), std::string::npos);
}

TEST_F(HttpApiTest, DevicesListWithStatus) {
  Reply r = get("/app/api/devices", reader());
  ASSERT_EQ(r.status, 200) << r.body;
  json::array d = r.json().at("devices").as_array();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].at("serial"), "SDM630-1");
  EXPECT_EQ(d[0].at("online"), true);
  EXPECT_EQ(d[0].at("last_ok"), "2024-06-11T11:16:19+00:00");
  EXPECT_EQ(d[0].at("last_failure"), nullptr);
  EXPECT_EQ(d[0].at("readouts"), 1);
  EXPECT_EQ(d[0].at("values"), 3);
  EXPECT_EQ(d[0].at("bus_type"), "modbus_tcp");
  EXPECT_EQ(d[1].at("online"), false);
  EXPECT_EQ(d[1].at("failures"), 1);
  EXPECT_EQ(d[1].at("last_error"), "modbus: timeout after 1000 ms");
}

// ---- history and events ----------------------------------------------------------------------

TEST_F(HttpApiTest, HistoryAsJsonAndCsv) {
  Reply j =
      get("/app/api/history?serial=SDM630-1&obis=1-0:1.8.0&from=1718104579"
          "&to=2024-06-11T11:46:19Z",
          reader());
  ASSERT_EQ(j.status, 200) << j.body;
  EXPECT_TRUE(
      j.has_header("content-disposition: attachment; filename=\"dataexport-sdm630_1-main__meter-"))
      << j.headers;
  json::array series = j.json().at("series").as_array();
  ASSERT_EQ(series.size(), 1u);
  json::array values = series[0].at("values").as_array();
  ASSERT_EQ(values.size(), 2u);  // 11:16:19 and 11:31:19; `to` is exclusive
  EXPECT_NE(j.body.find("\"value\":296.925"), std::string::npos) << j.body;

  Reply c =
      get("/app/api/history?serial=SDM630-1&obis=1-0:1.8.0&from=2024-06-11T11:00:00Z"
          "&to=2024-06-11T14:00:00%2B02:00&format=csv",
          reader());
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_TRUE(c.has_header("content-type: text/csv"));
  EXPECT_TRUE(c.body.starts_with("time;1-0:1.8.0 [kWh];quality 1-0:1.8.0\r\n")) << c.body;
  EXPECT_NE(c.body.find("2024-06-11T11:16:19+00:00;295.925;measured\r\n"), std::string::npos)
      << c.body;
  Reply dec =
      get("/app/api/history?serial=SDM630-1&obis=1.8.0&from=0&format=csv&decimal=comma", reader());
  ASSERT_EQ(dec.status, 200) << dec.body;
  EXPECT_NE(dec.body.find(";298,925;"), std::string::npos) << dec.body;
}

TEST_F(HttpApiTest, HistoryParameterErrorsNameTheParameter) {
  struct Case {
    std::string query;
    int status;
    std::string where;
  } cases[] = {
      {"obis=1-0:1.8.0&from=0", 400, "query parameter serial"},
      {"serial=SDM630-1&from=0", 400, "query parameter obis"},
      {"serial=SDM630-1&obis=1-0:1.8.0", 400, "query parameter from"},
      {"serial=SDM630-1&obis=1-0:1.8.0&from=yesterday", 400, "query parameter from"},
      {"serial=SDM630-1&obis=1-0:1.8.0&from=0&to=2024-13-01T00:00:00Z", 400, "query parameter to"},
      {"serial=SDM630-1&obis=1-0:999.8.0&from=0", 400, "query parameter obis"},
      {"serial=SDM630-1&obis=1-0:1.8.0&from=100&to=50", 400, "query parameters from and to"},
      {"serial=SDM630-1&obis=1-0:1.8.0&from=0&format=xml", 400, "query parameter format"},
      {"serial=NOPE&obis=1-0:1.8.0&from=0", 404, "query parameter serial"},
  };
  for (const auto& c : cases) {
    Reply r = get(str_cat("/app/api/history?", c.query), reader());
    EXPECT_EQ(r.status, c.status) << c.query << " " << r.body;
    EXPECT_EQ(r.field("where"), c.where) << c.query;
    EXPECT_FALSE(r.field("expected").empty()) << c.query;
  }
  Reply r = get("/app/api/history?serial=SDM630-1&obis=1-0:1.8.0&from=yesterday", reader());
  EXPECT_NE(r.field("expected").find("RFC 3339"), std::string::npos);
  EXPECT_NE(r.field("expected").find("epoch seconds"), std::string::npos);
}

TEST_F(HttpApiTest, EventsPageById) {
  for (int i = 0; i < 5; ++i)
    (void)on_io([this, i] {
      return backend_->events().append(Severity::kInfo, "test", "", str_cat("event ", i),
                                       kT0 + absl::Seconds(i));
    });
  Reply all = get("/app/api/events", reader());
  ASSERT_EQ(all.status, 200) << all.body;
  json::array ev = all.json().at("events").as_array();
  ASSERT_GE(ev.size(), 5u);
  Reply page = get("/app/api/events?limit=2", reader());
  json::array p1 = page.json().at("events").as_array();
  ASSERT_EQ(p1.size(), 2u);
  const std::string last = json::serialize(page.json().at("last_id"));
  Reply next = get(str_cat("/app/api/events?limit=2&after=", last), reader());
  json::array p2 = next.json().at("events").as_array();
  ASSERT_EQ(p2.size(), 2u);
  EXPECT_GT(p2[0].at("id").as_int64(), p1[1].at("id").as_int64());
  Reply range = get("/app/api/events?from=2024-06-11T11:16:20Z&to=1718104582", reader());
  json::array r = range.json().at("events").as_array();
  ASSERT_EQ(r.size(), 2u);  // events 1 and 2
  EXPECT_EQ(r[0].at("message"), "event 1");
  EXPECT_EQ(r[0].at("category"), "test");
  Reply bad = get("/app/api/events?limit=0", reader());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.field("where"), "query parameter limit");
}

// ---- roles -----------------------------------------------------------------------------------

TEST_F(HttpApiTest, ConfigBackupAndRestoreAreForAdministrators) {
  EXPECT_EQ(get("/app/api/config", reader()).status, 403);
  Reply forbidden = get("/app/api/config", inst());
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(forbidden.field("expected"), "role administrator or higher");
  Reply backup = get("/app/api/config", admin());
  ASSERT_EQ(backup.status, 200);
  EXPECT_TRUE(parse_config(backup.body).ok()) << backup.body;
  EXPECT_TRUE(logged("configuration backup downloaded by \"admin\""));

  // A restore: the backup with the gateway id changed and the API's users.
  auto cfg = parse_config(backup.body);
  ASSERT_TRUE(cfg.ok());
  cfg->gateway.id = "gw-restored";
  cfg->users = on_io([this] { return users_->to_config(); });
  const std::string file = (dir_ / "restore.json").string();
  std::ofstream(file) << config_to_json(*cfg);
  Reply ok =
      curl(str_cat("-X PUT ", admin(), " -H 'Content-Type: application/json' --data-binary @", file,
                   " '", url("/app/api/config"), "'"));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(on_io([this] { return backend_->restored_by; }), "admin");
  EXPECT_EQ(get("/app/api/health").field("gateway_id"), "gw-restored");
  EXPECT_TRUE(logged("configuration restored by \"admin\""));
  // Nobody but an administrator may restore.
  Reply by_inst =
      curl(str_cat("-X PUT ", inst(), " --data-binary @", file, " '", url("/app/api/config"), "'"));
  EXPECT_EQ(by_inst.status, 403);

  // A bad configuration is refused with the path of the error.
  Reply bad =
      send("PUT", "/app/api/config", admin(),
           R"({"gateway": {"id": "x"}, "devices": [{"name": "a", "serial": "1", "bus": "nope"}]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(bad.field("where").starts_with("request body $.devices[0]")) << bad.body;
  // So is one whose users have no administrator.
  auto h = hash_password("only-a-reader", kIterations);
  ASSERT_TRUE(h.ok());
  cfg->users = {UserConfig{"someone", "user", *h, false}};
  std::ofstream(file) << config_to_json(*cfg);
  Reply no_admin = curl(
      str_cat("-X PUT ", admin(), " --data-binary @", file, " '", url("/app/api/config"), "'"));
  EXPECT_EQ(no_admin.status, 400);
  EXPECT_EQ(no_admin.field("where"), "request body $.users");
  // One without users keeps the current users.
  cfg->users.clear();
  std::ofstream(file) << config_to_json(*cfg);
  Reply keep = curl(
      str_cat("-X PUT ", admin(), " --data-binary @", file, " '", url("/app/api/config"), "'"));
  EXPECT_EQ(keep.status, 200) << keep.body;
  EXPECT_EQ(get("/app/api/users", admin()).status, 200);
}

TEST_F(HttpApiTest, ControlOutputsNeedAnInstaller) {
  Reply view = get("/app/api/control", reader());
  ASSERT_EQ(view.status, 200);
  EXPECT_EQ(view.json().at("zone"), "green");
  Reply by_reader = send("POST", "/app/api/control/outputs/DO1", reader(), R"({"state":"on"})");
  EXPECT_EQ(by_reader.status, 403);
  EXPECT_EQ(by_reader.field("expected"), "role installer or higher");
  Reply by_inst = send("POST", "/app/api/control/outputs/DO1", inst(), R"({"state":"on"})");
  EXPECT_EQ(by_inst.status, 200) << by_inst.body;
  Reply by_admin = send("POST", "/app/api/control/outputs/DO1", admin(), R"({"state":"off"})");
  EXPECT_EQ(by_admin.status, 200);
  EXPECT_EQ(on_io([this] { return backend_->outputs; }),
            (std::vector<std::string>{"DO1=on by inst", "DO1=off by admin"}));
  EXPECT_TRUE(logged("output \"DO1\" switched on by \"inst\""));
  Reply unknown = send("POST", "/app/api/control/outputs/DO9", inst(), R"({"state":"on"})");
  EXPECT_EQ(unknown.status, 404);
  Reply bad = send("POST", "/app/api/control/outputs/DO1", inst(), R"({"state":"maybe"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.field("where"), "request body $.state");
}

TEST_F(HttpApiTest, UserManagementByAdministrator) {
  Reply list = get("/app/api/users", admin());
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json().at("users").as_array().size(), 3u);
  EXPECT_EQ(list.body.find("pbkdf2"), std::string::npos);  // never the hashes
  EXPECT_EQ(get("/app/api/users", inst()).status, 403);

  // A user cannot do an administrator's action.
  Reply by_reader = send("POST", "/app/api/users", reader(),
                         R"({"name":"eve","role":"administrator","password":"eve-password-1"})");
  EXPECT_EQ(by_reader.status, 403);
  EXPECT_EQ(curl(str_cat("-X DELETE ", reader(), " '", url("/app/api/users/admin"), "'")).status,
            403);
  EXPECT_EQ(
      send("PUT", "/app/api/users/reader/role", reader(), R"({"role":"administrator"})").status,
      403);

  Reply weak = send("POST", "/app/api/users", admin(),
                    R"({"name":"carol","role":"user","password":"short"})");
  EXPECT_EQ(weak.status, 400);
  EXPECT_EQ(weak.field("where"), "request body $.password");
  Reply same = send("POST", "/app/api/users", admin(),
                    R"({"name":"carolcarol","role":"user","password":"carolcarol"})");
  EXPECT_EQ(same.status, 400);
  Reply role = send("POST", "/app/api/users", admin(),
                    R"({"name":"carol","role":"root","password":"carol-password"})");
  EXPECT_EQ(role.status, 400);
  EXPECT_EQ(role.field("where"), "request body $.role");
  const int saves_before = on_io([this] { return backend_->saves; });
  Reply added = send("POST", "/app/api/users", admin(),
                     R"({"name":"carol","role":"installer","password":"carol-password"})");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(on_io([this] { return backend_->saves; }), saves_before + 1);
  EXPECT_EQ(send("POST", "/app/api/users", admin(),
                 R"({"name":"carol","role":"user","password":"carol-password"})")
                .status,
            409);
  EXPECT_EQ(send("POST", "/app/api/control/outputs/DO1", basic("carol", "carol-password"),
                 R"({"state":"on"})")
                .status,
            200);
  ASSERT_EQ(send("PUT", "/app/api/users/carol/role", admin(), R"({"role":"user"})").status, 200);
  EXPECT_EQ(send("POST", "/app/api/control/outputs/DO1", basic("carol", "carol-password"),
                 R"({"state":"on"})")
                .status,
            403);
  EXPECT_TRUE(logged("user \"carol\" (installer) added by \"admin\""));
  EXPECT_TRUE(logged("role of \"carol\" set to user by \"admin\""));

  // The last administrator stays.
  Reply last = curl(str_cat("-X DELETE ", admin(), " '", url("/app/api/users/admin"), "'"));
  EXPECT_EQ(last.status, 409);
  EXPECT_NE(last.field("error").find("last administrator"), std::string::npos);
  EXPECT_EQ(send("PUT", "/app/api/users/admin/role", admin(), R"({"role":"user"})").status, 409);
  Reply del = curl(str_cat("-X DELETE ", admin(), " '", url("/app/api/users/carol"), "'"));
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(get("/app/api/devices", basic("carol", "carol-password")).status, 401);
  EXPECT_EQ(curl(str_cat("-X DELETE ", admin(), " '", url("/app/api/users/carol"), "'")).status,
            404);

  // A failed save undoes the change.
  on_io([this] { backend_->fail_saves = true; });
  Reply unsaved = send("POST", "/app/api/users", admin(),
                       R"({"name":"dave","role":"user","password":"dave-password"})");
  EXPECT_EQ(unsaved.status, 500);
  EXPECT_NE(unsaved.field("error").find("disk full"), std::string::npos);
  EXPECT_EQ(on_io([this] { return users_->find("dave") == nullptr; }), true);
}

TEST_F(HttpApiTest, PasswordChanges) {
  // Your own: with the current password.
  Reply no_current = send("PUT", "/app/api/users/reader/password", reader(),
                          R"({"password":"reader-new-password"})");
  EXPECT_EQ(no_current.status, 400);
  EXPECT_EQ(no_current.field("where"), "request body $.current_password");
  Reply wrong_current =
      send("PUT", "/app/api/users/reader/password", reader(),
           R"({"password":"reader-new-password","current_password":"nope-nope-nope"})");
  EXPECT_EQ(wrong_current.status, 403);
  const std::string token = login_token("reader", "reader-password");
  Reply ok = send("PUT", "/app/api/users/reader/password", bearer(token),
                  R"({"password":"reader-new-password","current_password":"reader-password"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(get("/app/api/devices", bearer(token)).status, 200);  // this session stays
  EXPECT_EQ(get("/app/api/devices", reader()).status, 401);
  EXPECT_EQ(get("/app/api/devices", basic("reader", "reader-new-password")).status, 200);
  // Someone else's: only an administrator, without their current password.
  EXPECT_EQ(send("PUT", "/app/api/users/inst/password", basic("reader", "reader-new-password"),
                 R"({"password":"taken-over-1","current_password":"inst-password"})")
                .status,
            403);
  EXPECT_EQ(send("PUT", "/app/api/users/inst/password", admin(), R"({"password":"inst-reset-pw"})")
                .status,
            200);
  EXPECT_EQ(get("/app/api/devices", basic("inst", "inst-reset-pw")).status, 200);
  EXPECT_EQ(
      send("PUT", "/app/api/users/ghost/password", admin(), R"({"password":"ghost-password"})")
          .status,
      404);
  EXPECT_TRUE(logged("password of \"inst\" changed by \"admin\""));
}

class HttpApiBootstrapTest : public HttpApiTest {
 protected:
  void SetUp() override { start({}, test_options(), /*with_admin=*/false); }
};

TEST_F(HttpApiBootstrapTest, OneTimePasswordMustBeChangedFirst) {
  ASSERT_GE(otp_.size(), 16u);
  Reply login =
      send("POST", "/app/api/login", "", str_cat(R"({"user":"admin","password":")", otp_, R"("})"));
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.field("must_change_password"), "true");
  const std::string token = login.field("token");
  Reply blocked = get("/app/api/devices", bearer(token));
  EXPECT_EQ(blocked.status, 403);
  EXPECT_EQ(blocked.field("error"), "password change required");
  EXPECT_EQ(blocked.field("expected"), "PUT /app/api/users/admin/password first");
  EXPECT_EQ(get("/app/api/config", basic("admin", otp_)).status, 403);
  Reply changed =
      send("PUT", "/app/api/users/admin/password", bearer(token),
           str_cat(R"({"password":"my own admin password","current_password":")", otp_, R"("})"));
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(get("/app/api/devices", bearer(token)).status, 200);
  EXPECT_EQ(get("/app/api/config", basic("admin", "my own admin password")).status, 200);
  EXPECT_EQ(get("/app/api/devices", basic("admin", otp_)).status, 401);
}

// ---- throttling ------------------------------------------------------------------------------

TEST_F(HttpApiTest, ThrottledLoginsGet429WithRetryAfter) {
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(send("POST", "/app/api/login", "", R"({"user":"admin","password":"guess"})").status,
              401);
  Reply r = send("POST", "/app/api/login", "", R"({"user":"admin","password":"admin-password"})");
  EXPECT_EQ(r.status, 429);
  EXPECT_TRUE(r.has_header("retry-after: 1")) << r.headers;
  EXPECT_NE(r.field("error").find("throttled"), std::string::npos);
  Reply basic_429 = get("/app/api/devices", basic("admin", "admin-password"));
  EXPECT_EQ(basic_429.status, 429);
  EXPECT_TRUE(logged("failed login for \"admin\" from 127.0.0.1 (throttled for 1 s)"));
}

// 1,000 bad logins from one client (127.0.0.2) while a second client (127.0.0.1) keeps working:
// the attacker is throttled after a handful of KDF runs, the other client never notices.
TEST_F(HttpApiTest, ThousandBadLoginsDoNotHurtOthers) {
  const std::string before_token = login_token("reader", "reader-password");
  ASSERT_EQ(get("/app/api/serial/SDM630-1.json", inst()).status, 200);  // Basic, now cached
  const auto kdf_before = on_io([this] { return users_->stats().kdf_runs; });

  const std::string codes_file = (dir_ / "attack_codes").string();
  std::atomic<bool> attack_done{false};
  std::thread attacker([&] {
    const std::string cmd = str_cat(
        "curl -s --interface 127.0.0.2 --max-time 120 -o /dev/null -w '%{http_code}\\n' "
        "-H 'Content-Type: application/json' --data '{\"user\":\"admin\",\"password\":\"guess\"}' "
        "'",
        url("/app/api/login?n=[1-1000]"), "' > ", codes_file);
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    attack_done = true;
  });
  int ok = 0, other = 0, ok_during = 0;
  while (!attack_done || ok < 30) {
    for (const Reply& r : {get("/app/api/devices", bearer(before_token)),
                           get("/app/api/serial/SDM630-1.csv", inst())}) {
      if (r.status == 200)
        ++ok;
      else
        ++other;
      if (r.status == 200 && !attack_done) ++ok_during;
    }
    if (ok >= 2000) break;
  }
  attacker.join();
  // A fresh login from another address works right after the attack, too.
  const std::string after_token = login_token("reader", "reader-password");
  EXPECT_EQ(get("/app/api/devices", bearer(after_token)).status, 200);

  std::istringstream codes(slurp(codes_file));
  int n401 = 0, n429 = 0, nother = 0;
  for (std::string line; std::getline(codes, line);) {
    if (line == "401")
      ++n401;
    else if (line == "429")
      ++n429;
    else
      ++nother;
  }
  EXPECT_EQ(n401 + n429, 1000);
  EXPECT_EQ(nother, 0);
  EXPECT_EQ(other, 0);
  EXPECT_GE(ok, 30);
  // Five failures before the first wait; after that one KDF run per doubled wait at most.
  EXPECT_GE(n401, 5);
  EXPECT_LE(n401, 5 + 12);
  const auto kdf_after = on_io([this] { return users_->stats().kdf_runs; });
  EXPECT_LE(kdf_after - kdf_before, static_cast<std::uint64_t>(n401) + 1);  // + the fresh login
  int failed_logins = 0;
  for (const LogEntry& e : events())
    if (e.message.starts_with("failed login for \"admin\" from 127.0.0.2")) ++failed_logins;
  EXPECT_EQ(failed_logins, n401);  // one entry per KDF failure, none per refused attempt
  std::printf("attack: %d x 401, %d x 429; other client: %d requests ok, %d during the attack\n",
              n401, n429, ok, ok_during);
}

// A keep-alive Beast client, optionally bound to a local address (127.0.0.2 is a second
// "machine" on loopback).
class BeastClient {
 public:
  BeastClient(std::uint16_t port, const char* local) : socket_(io_) {
    socket_.open(tcp::v4());
    socket_.bind({asio::ip::make_address(local), 0});
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  }
  std::pair<int, std::string> request(http::verb verb, std::string target, std::string auth,
                                      std::string body = {}) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!auth.empty()) req.set(http::field::authorization, auth);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(socket_, req);
    http::response<http::string_body> res;
    http::read(socket_, buf_, res);
    return {res.result_int(), res.body()};
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buf_;
};

// The same, strictly interleaved: between attack attempts the other client's requests (token and
// cached Basic, from another address) are all answered, and correctly.
TEST_F(HttpApiTest, OtherClientIsServedBetweenAttackAttempts) {
  const std::string token = login_token("reader", "reader-password");
  BeastClient attacker(port_, "127.0.0.2");
  BeastClient victim(port_, "127.0.0.1");
  const std::string basic_inst = "Basic " + base64_encode("inst:inst-password");
  ASSERT_EQ(victim.request(http::verb::get, "/app/api/devices", basic_inst).first, 200);
  const auto kdf_before = on_io([this] { return users_->stats().kdf_runs; });
  int n401 = 0, n429 = 0, served = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto [status, body] = attacker.request(http::verb::post, "/app/api/login", "",
                                                 R"({"user":"admin","password":"guess"})");
    if (status == 401) ++n401;
    if (status == 429) ++n429;
    if (i % 10 == 0) {
      auto [s1, b1] =
          victim.request(http::verb::get, "/app/api/serial/SDM630-1.json", "Bearer " + token);
      ASSERT_EQ(s1, 200) << i;
      ASSERT_NE(b1.find("\"value\":295.925"), std::string::npos);
      auto [s2, b2] = victim.request(http::verb::get, "/app/api/devices", basic_inst);
      ASSERT_EQ(s2, 200) << i;
      served += 2;
    }
  }
  EXPECT_EQ(n401 + n429, 1000);
  EXPECT_GE(n401, 5);
  EXPECT_LE(n401, 5 + 12);
  EXPECT_EQ(served, 200);
  const auto kdf_after = on_io([this] { return users_->stats().kdf_runs; });
  EXPECT_EQ(kdf_after - kdf_before, static_cast<std::uint64_t>(n401));
  // The right password from the attacker's address is refused while it is throttled...
  EXPECT_EQ(attacker
                .request(http::verb::post, "/app/api/login", "",
                         R"({"user":"reader","password":"reader-password"})")
                .first,
            429);
  // ...and accepted from elsewhere.
  EXPECT_EQ(victim
                .request(http::verb::post, "/app/api/login", "",
                         R"({"user":"reader","password":"reader-password"})")
                .first,
            200);
}

// ---- robustness ------------------------------------------------------------------------------

std::string raw_exchange(std::uint16_t port, std::string_view request) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(request.data(), request.size()));
  std::string out;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(out), ec);  // until the server closes
  return out;
}

TEST_F(HttpApiTest, MalformedAndOversizedRequests) {
  const std::string garbage = raw_exchange(port_, "HELLO THERE\r\n\r\n");
  EXPECT_TRUE(garbage.starts_with("HTTP/1.1 400")) << garbage;
  EXPECT_NE(garbage.find("\"error\":\"malformed HTTP request"), std::string::npos) << garbage;

  Reply big_header =
      curl(str_cat("-H 'X-Big: ", std::string(10'000, 'a'), "' '", url("/app/api/health"), "'"));
  EXPECT_EQ(big_header.status, 431);
  const std::string file = (dir_ / "big.json").string();
  std::ofstream(file) << std::string(100'000, ' ');
  Reply big_body = curl(
      str_cat("-X PUT ", admin(), " --data-binary @", file, " '", url("/app/api/config"), "'"));
  EXPECT_EQ(big_body.status, 413);
  EXPECT_EQ(big_body.field("where"), "request body");
  EXPECT_GE(on_io([this] { return api_->stats().bad_requests; }), 3u);
  // The server still answers.
  EXPECT_EQ(get("/app/api/health").status, 200);
}

TEST_F(HttpApiTest, KeepAliveServesManyRequestsOnOneConnection) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port_});
  beast::flat_buffer buf;
  for (int i = 0; i < 5; ++i) {
    http::request<http::empty_body> req{http::verb::get, "/app/api/serial/SDM630-1.json", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Basic " + base64_encode("reader:reader-password"));
    http::write(s, req);
    http::response<http::string_body> res;
    http::read(s, buf, res);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_TRUE(res.keep_alive());
  }
  EXPECT_EQ(on_io([this] { return api_->stats().accepted; }), 1u);
}

class HttpApiSlowClientTest : public HttpApiTest {
 protected:
  void SetUp() override {
    HttpOptions o = test_options();
    o.request_timeout = std::chrono::milliseconds(300);
    start({}, o);
  }
};

class HttpApiConnectionLimitTest : public HttpApiTest {
 protected:
  void SetUp() override {
    HttpOptions o = test_options();
    o.request_timeout = std::chrono::milliseconds(30'000);
    o.max_connections = 3;
    start({}, o);
  }
};

TEST_F(HttpApiSlowClientTest, SlowClientIsDisconnected) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port_});
  const std::string partial = "GET /app/api/health HTTP/1.1\r\nHost: x\r\n";  // never finished
  asio::write(s, asio::buffer(partial));
  std::string out;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(out), ec);  // returns when the server closes
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_TRUE(out.empty()) << out;
  EXPECT_EQ(on_io([this] { return api_->stats().timeouts; }), 1u);
}

TEST_F(HttpApiConnectionLimitTest, ConnectionsBeyondTheLimitGet503) {
  asio::io_context io;
  std::vector<tcp::socket> held;
  for (int i = 0; i < 3; ++i) {
    held.emplace_back(io);
    held.back().connect({asio::ip::make_address("127.0.0.1"), port_});
  }
  // Wait until the server has taken the three (accepting is asynchronous).
  while (on_io([this] { return api_->stats().open; }) < 3) std::this_thread::yield();
  const std::string refused =
      raw_exchange(port_, "GET /app/api/health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503")) << refused;
  EXPECT_NE(refused.find("too many connections"), std::string::npos);
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos);
  EXPECT_EQ(on_io([this] { return api_->stats().rejected; }), 1u);
  held.clear();
  // Once they are gone, new clients are served again.
  while (on_io([this] { return api_->stats().open; }) > 0) std::this_thread::yield();
  EXPECT_EQ(get("/app/api/health").status, 200);
}

}  // namespace
}  // namespace emscore::refgw
