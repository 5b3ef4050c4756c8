// The reference gateway as a user runs it: the real binary in demo mode, read by real peers —
// mbpoll on its Modbus server, curl on its HTTP API, mosquitto_sub on a real Mosquitto broker —
// and killed with SIGKILL in the middle of polling.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "boost/json.hpp"
#include "../support/mosquitto_broker.hpp"
#include "../support/process.hpp"
#include "../support/temp_dir.hpp"

namespace {

using emscore::testing::Child;
using emscore::testing::run_command;
using namespace std::chrono_literals;

constexpr const char* kPassword = "correct-horse-battery-42";

std::string temp_dir(const char* name) { return emscore::testing::temp_dir("e2e", name); }

// The number after `key=host:` in the ready line.
int port_of(const std::string& ready, const std::string& key) {
  const auto p = ready.find(key + "=");
  if (p == std::string::npos) return -1;
  const auto colon = ready.find(':', p);
  return std::stoi(ready.substr(colon + 1));
}

struct Gateway {
  std::unique_ptr<Child> child;
  int http = -1;
  int modbus = -1;
  std::string ready;
};

Gateway start_gateway(const std::string& data_dir, const std::string& mqtt_uri) {
  Gateway g;
  std::vector<std::string> argv{REFGATEWAY_BINARY, "--demo", "--data-dir", data_dir,
                                "--http-port", "0", "--modbus-port", "0"};
  if (!mqtt_uri.empty()) {
    argv.push_back("--mqtt-uri");
    argv.push_back(mqtt_uri);
  }
  g.child = std::make_unique<Child>(argv);
  auto line = g.child->wait_for_line("ready", 60s);
  EXPECT_TRUE(line.has_value()) << g.child->output();
  if (!line) return g;
  g.ready = *line;
  g.http = port_of(*line, "http");
  g.modbus = port_of(*line, "modbus");
  return g;
}

std::string curl(int port, const std::string& path, const std::string& user = "tester",
                 const std::string& password = kPassword, const std::string& extra = "") {
  const std::string cred = user.empty() ? "" : " -u '" + user + ":" + password + "'";
  return run_command("curl -s -S -w '\\nHTTP %{http_code}' --max-time 30" + cred + extra +
                     " 'http://127.0.0.1:" + std::to_string(port) + path + "'")
      .output;
}
int http_code(const std::string& curl_output) {
  const auto p = curl_output.rfind("\nHTTP ");
  return p == std::string::npos ? -1 : std::stoi(curl_output.substr(p + 6));
}
std::string body_of(const std::string& curl_output) {
  return curl_output.substr(0, curl_output.rfind("\nHTTP "));
}

// The float that mbpoll printed for `reg`, or NaN.
double mbpoll_float(int port, int unit, int reg) {
  const auto r = run_command("mbpoll -m tcp -1 -t 4:float -B -a " + std::to_string(unit) + " -r " +
                             std::to_string(reg) + " -c 1 -p " + std::to_string(port) + " 127.0.0.1");
  const std::string key = "[" + std::to_string(reg) + "]:";
  const auto p = r.output.find(key);
  if (p == std::string::npos) return std::nan("");
  return std::stod(r.output.substr(p + key.size()));
}

void create_admin(const std::string& data_dir) {
  Child setup({REFGATEWAY_BINARY, "setup-admin", "tester", "--demo", "--data-dir", data_dir},
              std::string(kPassword) + "\n");
  const int st = setup.wait();
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << setup.output();
  EXPECT_NE(setup.output().find("administrator \"tester\" created"), std::string::npos) << setup.output();
}

// Waits until the device has been read at least `n` times (per the API).
bool wait_readouts(int http, const std::string& serial, int n, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string out = curl(http, "/app/api/devices");
    if (http_code(out) == 200) {
      auto v = boost::json::parse(body_of(out));
      const boost::json::value* list = v.is_object() ? v.as_object().if_contains("devices") : &v;
      if (list && list->is_array()) {
        for (const auto& d : list->as_array()) {
          const auto& o = d.as_object();
          if (o.at("serial").as_string() != serial) continue;
          const auto* r = o.if_contains("readouts");
          if (r && r->to_number<std::int64_t>() >= n) return true;
        }
      }
    }
    std::this_thread::sleep_for(500ms);
  }
  return false;
}

TEST(RefgatewayDemo, ServesMbpollCurlAndMosquittoAfterOneRaster) {
  emscore::testing::MosquittoBroker broker;
  ASSERT_TRUE(broker.start());
  emscore::testing::MosquittoSub sub(broker, "demo/emscore/#");
  ASSERT_TRUE(sub.wait_subscribed());
  const std::string dir = temp_dir("demo");
  create_admin(dir);
  Gateway g = start_gateway(dir, broker.uri());
  ASSERT_GT(g.http, 0);
  ASSERT_GT(g.modbus, 0);
  // The first readout comes within seconds of the start, the second one raster (10 s) later.
  ASSERT_TRUE(wait_readouts(g.http, "demo-sdm630", 2, 40s)) << g.child->output();

  // Modbus server, data logger layout: the SDM630 is unit 1; its phase-1 voltage is driver
  // register 0 (register 12000) and OBIS 1-0:32.7.0 (register 2470).
  const double by_index = mbpoll_float(g.modbus, 1, 12000);
  const double by_obis = mbpoll_float(g.modbus, 1, 2470);
  EXPECT_GT(by_index, 200.0);
  EXPECT_LT(by_index, 260.0);
  EXPECT_EQ(by_index, by_obis);
  // The M-Bus water meter (unit 5), the P1 meter (unit 8) and an S0 counter answer too.
  EXPECT_FALSE(std::isnan(mbpoll_float(g.modbus, 5, 12000)));
  EXPECT_FALSE(std::isnan(mbpoll_float(g.modbus, 8, 12000)));

  // HTTP: the newest values as JSON and CSV.
  const std::string json = curl(g.http, "/app/api/serial/demo-sdm630.json");
  ASSERT_EQ(http_code(json), 200) << json;
  auto doc = boost::json::parse(body_of(json)).as_object();
  EXPECT_EQ(doc.at("serial").as_string(), "demo-sdm630");
  double voltage = 0;
  for (const auto& v : doc.at("values").as_array())
    if (v.as_object().at("obis").as_string() == "1-0:32.7.0") voltage = v.as_object().at("value").to_number<double>();
  EXPECT_GT(voltage, 200.0);
  const std::string csv = curl(g.http, "/app/api/serial/demo-sdm630.csv");
  ASSERT_EQ(http_code(csv), 200) << csv;
  EXPECT_EQ(body_of(csv).rfind("serial", 0), 0u) << csv;
  EXPECT_NE(csv.find("1-0:32.7.0"), std::string::npos) << csv;
  EXPECT_NE(csv.find("demo-sdm630"), std::string::npos);

  // MQTT: the documented topics on the real broker.
  const std::string base = "demo/emscore/emscore-demo/meterreading/demo-sdm630/";  // the demo's prefix is "demo"
  ASSERT_TRUE(sub.wait_until([&](const auto& msgs) {
    bool obis = false, reg = false, last = false;
    for (const auto& m : msgs) {
      obis = obis || m.topic == base + "byobis/1-0:32.7.0";
      reg = reg || m.topic == base + "byregister/0";
      last = last || m.topic == base + "lastreadout";
    }
    return obis && reg && last;
  }, 20s)) << "messages: " << sub.messages().size();
  // The device configuration is retained: a subscriber that comes later still gets it.
  emscore::testing::MosquittoSub late(broker, "demo/emscore/emscore-demo/config/meterconfig/demo-sdm630/#");
  ASSERT_TRUE(late.wait_until([](const auto& msgs) {
    for (const auto& m : msgs)
      if (m.retained) return true;
    return false;
  }, 10s)) << "retained config messages: " << late.messages().size();

  // Security: no or wrong credentials are refused; a plain user cannot do an administrator's
  // action.
  EXPECT_EQ(http_code(curl(g.http, "/app/api/devices", "")), 401);
  EXPECT_EQ(http_code(curl(g.http, "/app/api/devices", "tester", "wrong-password-1")), 401);
  EXPECT_EQ(http_code(curl(g.http, "/app/api/config")), 200);
  const std::string add = curl(g.http, "/app/api/users", "tester", kPassword,
                               " -X POST -H 'Content-Type: application/json' -d "
                               "'{\"name\":\"viewer\",\"role\":\"user\",\"password\":\"viewer-pass-123\"}'");
  ASSERT_EQ(http_code(add), 201) << add;
  EXPECT_EQ(http_code(curl(g.http, "/app/api/serial/demo-sdm630.json", "viewer", "viewer-pass-123")), 200);
  EXPECT_EQ(http_code(curl(g.http, "/app/api/config", "viewer", "viewer-pass-123")), 403);

  // Control: the simulated charging stations are managed; the decisions are in the API.
  const std::string control = curl(g.http, "/app/api/control");
  ASSERT_EQ(http_code(control), 200) << control;
  EXPECT_NE(control.find("station"), std::string::npos) << control;

  const int st = g.child->kill(SIGTERM);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << g.child->output();
}

std::set<std::string> history_lines(int http) {
  const std::string out =
      curl(http, "/app/api/history?serial=demo-sdm630&obis=1-0:1.8.0&from=0&to=4102444800&format=csv");
  EXPECT_EQ(http_code(out), 200) << out;
  std::set<std::string> lines;
  std::istringstream in(body_of(out));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line))
    if (!line.empty()) lines.insert(line);
  return lines;
}

TEST(RefgatewayDemo, KillDuringPollingLosesNoStoredReading) {
  const std::string dir = temp_dir("kill");
  create_admin(dir);
  std::set<std::string> before;
  {
    Gateway g = start_gateway(dir, "");
    ASSERT_GT(g.http, 0);
    ASSERT_TRUE(wait_readouts(g.http, "demo-sdm630", 2, 40s)) << g.child->output();
    before = history_lines(g.http);
    ASSERT_GE(before.size(), 2u);
    // Kill while the pollers and the store are busy (the raster is 10 s; all ten devices).
    g.child->kill(SIGKILL);
  }
  Gateway again = start_gateway(dir, "");
  ASSERT_GT(again.http, 0);
  const std::set<std::string> after = history_lines(again.http);
  for (const std::string& line : before) EXPECT_TRUE(after.count(line)) << "lost: " << line;
  EXPECT_NE(again.child->output().find("ready"), std::string::npos);
}

// Store-and-forward through the real binary: Mosquitto is stopped for several readout periods
// (the demo raster is 10 s) and started again; every reading the gateway stored for the main
// meter arrives on its byobis topic (QoS 1: at least once; duplicates are allowed, losses not).
TEST(RefgatewayDemo, BrokerOutageLosesNoReading) {
  emscore::testing::MosquittoOptions opt;
  opt.persistence = true;  // the subscriber's queued messages survive the broker restart
  emscore::testing::MosquittoBroker broker(opt);
  ASSERT_TRUE(broker.start());
  const std::string topic = "demo/emscore/emscore-demo/meterreading/demo-sdm630/byobis/1-0:1.8.0";
  {
    // A persistent session (clean session false) so that what arrives while this subscriber
    // reconnects is queued for it by the broker.
    emscore::testing::MosquittoSub sub(broker, topic, 1, "e2e-outage-sub");
    ASSERT_TRUE(sub.wait_subscribed());
  }
  emscore::testing::MosquittoSub sub(broker, topic, 1, "e2e-outage-sub");
  ASSERT_TRUE(sub.wait_subscribed());
  const std::string dir = temp_dir("outage");
  create_admin(dir);
  Gateway g = start_gateway(dir, broker.uri());
  ASSERT_GT(g.http, 0);
  ASSERT_TRUE(wait_readouts(g.http, "demo-sdm630", 1, 30s)) << g.child->output();
  broker.stop();
  std::this_thread::sleep_for(25s);  // two or three readouts while the broker is away
  ASSERT_TRUE(broker.start());
  ASSERT_TRUE(wait_readouts(g.http, "demo-sdm630", 5, 40s)) << g.child->output();
  // Everything stored for 1-0:1.8.0 so far.
  const std::string out = curl(g.http, "/app/api/history?serial=demo-sdm630&obis=1-0:1.8.0&from=0&to=4102444800&format=json");
  ASSERT_EQ(http_code(out), 200) << out;
  std::vector<double> stored;
  auto doc = boost::json::parse(body_of(out)).as_object();
  for (const auto& series : doc.at("series").as_array())
    for (const auto& v : series.as_object().at("values").as_array())
      stored.push_back(v.as_object().at("value").to_number<double>());
  ASSERT_GE(stored.size(), 5u);
  auto received = [&] {
    std::set<double> r;
    for (const auto& m : sub.messages())
      if (m.topic == topic) r.insert(std::stod(m.payload));
    return r;
  };
  const bool all = sub.wait_until([&](const auto&) {
    const auto r = received();
    for (double v : stored)
      if (!r.count(v)) return false;
    return true;
  }, 30s);
  const auto r = received();
  for (double v : stored) EXPECT_TRUE(r.count(v)) << "never published: " << v;
  EXPECT_TRUE(all);
  g.child->kill(SIGTERM);
}

}  // namespace
