// MqttPublisher against a real Mosquitto broker and a real mosquitto_sub, both started here on
// a free loopback port.
#include "mqtt_publisher.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "../support/mosquitto_broker.hpp"
#include "../support/temp_dir.hpp"

namespace emscore::refgw {
namespace {

using emscore::testing::MosquittoBroker;
using emscore::testing::MosquittoOptions;
using emscore::testing::MosquittoSub;
using emscore::testing::SubMessage;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

std::string temp_dir(const std::string& name) { return emscore::testing::temp_dir("mqttpub", name); }

DeviceEntry meter(std::string serial, int readout) {
  DeviceEntry d;
  d.config.name = "Meter " + serial;
  d.config.serial = std::move(serial);
  d.config.bus = "tcp";
  d.config.address = 1;
  d.config.driver = "eastron_sdm630";
  d.bus_type = "modbus_tcp";
  auto add = [&](obis::ObisCode code, std::int64_t m, int e, Unit u, std::uint32_t index,
                 const char* name) {
    LatestValue v;
    v.reading.quantity = code;
    v.reading.value = Value(m, e, u);
    v.index = index;
    v.name = name;
    d.latest.push_back(v);
  };
  add(obis::ObisCode(1, 0, 1, 8, 0), 100000 + readout, -3, Unit::kKiloWattHour, 0, "Import");
  add(obis::ObisCode(1, 0, 32, 7, 0), 2300 + readout, -1, Unit::kVolt, 1, "Voltage L1");
  return d;
}

// Collects the publisher's events (called on its sender thread).
struct Events {
  std::mutex mu;
  std::vector<std::pair<Severity, std::string>> list;
  MqttEventCallback callback() {
    return [this](Severity s, std::string m) {
      std::lock_guard lock(mu);
      list.emplace_back(s, std::move(m));
    };
  }
  bool contains(std::string_view text) {
    std::lock_guard lock(mu);
    for (const auto& [s, m] : list) {
      if (m.find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::string all() {
    std::lock_guard lock(mu);
    std::string out;
    for (const auto& [s, m] : list) out += std::string(severity_name(s)) + ": " + m + "\n";
    return out;
  }
};

MqttPublisherOptions options_for(const MosquittoBroker& broker, const std::string& dir,
                                 int version = 5, int qos = 1) {
  MqttPublisherOptions o;
  o.mqtt.enabled = true;
  o.mqtt.uri = broker.uri();
  o.mqtt.version = version;
  o.mqtt.qos = qos;
  o.mqtt.prefix = "site";
  o.mqtt.keepalive = absl::Seconds(5);
  o.gateway_id = "gw";
  o.mqtt.client_id = "emscore-test-" + std::to_string(::getpid()) + "-" +
                     std::filesystem::path(dir).filename().string();
  o.outbox_path = dir + "/mqtt-outbox.db";
  o.min_backoff = absl::Milliseconds(100);
  o.max_backoff = absl::Milliseconds(800);
  return o;
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

std::multiset<std::string> keys(const std::vector<SubMessage>& msgs) {
  std::multiset<std::string> out;
  for (const auto& m : msgs) out.insert(m.topic + "=" + m.payload);
  return out;
}

std::set<std::string> expected_keys(const MqttTopics& topics, const std::string& serial,
                                    int first, int last, absl::Time t0) {
  std::set<std::string> out;
  for (int i = first; i < last; ++i) {
    const DeviceEntry d = meter(serial, i);
    for (const auto& m : readout_messages(topics, serial, d.latest, t0 + absl::Seconds(i), 1)) {
      out.insert(m.topic + "=" + m.payload);
    }
  }
  return out;
}

TEST(MqttPublisher, PublishesReadoutAndRetainedConfigOnTheDocumentedTopics) {
  MosquittoBroker broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  MosquittoSub sub(broker, "site/emscore/gw/#");
  ASSERT_TRUE(sub.wait_subscribed());
  Events events;
  auto o = options_for(broker, temp_dir("topics"));
  o.on_event = events.callback();
  auto pub = MqttPublisher::create(o);
  ASSERT_TRUE(pub.ok()) << pub.status();
  ASSERT_TRUE((*pub)->start().ok());
  DeviceEntry d = meter("22400077", 5);
  d.status.last_ok = absl::FromUnixSeconds(1718104579);
  ASSERT_TRUE((*pub)->publish_readout(d, absl::FromUnixSeconds(1718104579)).ok());
  ASSERT_TRUE((*pub)->publish_device_config(d).ok());
  const std::size_t n_config = device_config_messages((*pub)->topics(), d, nullptr, 1).size();
  ASSERT_TRUE(sub.wait_for_count(5 + n_config, 10s)) << sub.messages().size();
  const auto msgs = sub.messages();
  std::map<std::string, std::string> got;
  for (const auto& m : msgs) got[m.topic] = m.payload;
  const std::string r = "site/emscore/gw/meterreading/22400077/";
  EXPECT_EQ(got[r + "byobis/1-0:1.8.0"], "100.005");
  EXPECT_EQ(got[r + "byobis/1-0:32.7.0"], "230.5");
  EXPECT_EQ(got[r + "byregister/0"], "100.005");
  EXPECT_EQ(got[r + "byregister/1"], "230.5");
  EXPECT_EQ(got[r + "lastreadout"], "1718104579");
  const std::string c = "site/emscore/gw/config/meterconfig/22400077/";
  EXPECT_EQ(got[c + "nameofmeter"], "Meter 22400077");
  EXPECT_EQ(got[c + "byobis/1-0:1.8.0/unit"], "kWh");
  EXPECT_EQ(got[c + "byregister/1/unit"], "V");
  // The readout arrives in the documented order: byobis, byregister, lastreadout.
  EXPECT_EQ(msgs[0].topic, r + "byobis/1-0:1.8.0");
  EXPECT_EQ(msgs[4].topic, r + "lastreadout");
  EXPECT_EQ(msgs[0].qos, 1);

  // The config topics are retained: a subscriber that comes later still gets them, flagged.
  MosquittoSub late(broker, "site/emscore/gw/config/#");
  ASSERT_TRUE(late.wait_for_count(n_config, 10s));
  for (const auto& m : late.messages()) EXPECT_TRUE(m.retained) << m.topic;
  EXPECT_TRUE(eventually([&] { return (*pub)->status().queued == 0; }));
  const MqttStatus st = (*pub)->status();
  EXPECT_TRUE(st.connected);
  EXPECT_GE(st.delivered, 5 + n_config);
  EXPECT_EQ(st.dropped, 0u);
  (*pub)->stop();
  EXPECT_TRUE(events.contains("connected to tcp://127.0.0.1:")) << events.all();
}

struct QosCase {
  int version;
  int qos;
};

class MqttPublisherQos : public ::testing::TestWithParam<QosCase> {};

// With the default window. (A window of 64 loses QoS 2 messages over MQTT 3.1.1 here:
// Mosquitto PUBRECs and drops what exceeds its in-flight quota of 20; see the window option.)
TEST_P(MqttPublisherQos, EveryReadoutArrivesInOrderAtTheConfiguredQos) {
  const auto [version, qos] = GetParam();
  MosquittoBroker broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  // The subscriber speaks 3.1.1 (see MosquittoSub's caveat on v5 and QoS 2 bursts); the
  // publisher's version is what varies.
  MosquittoSub sub(broker, "site/emscore/gw/#", 2, {}, 4);
  ASSERT_TRUE(sub.wait_subscribed());
  auto o = options_for(broker, temp_dir("qos" + std::to_string(version) + std::to_string(qos)),
                       version, qos);
  auto pub = MqttPublisher::create(o);
  ASSERT_TRUE(pub.ok()) << pub.status();
  ASSERT_TRUE((*pub)->start().ok());
  constexpr int kReadouts = 50;
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  for (int i = 0; i < kReadouts; ++i) {
    ASSERT_TRUE((*pub)->publish_readout(meter("m1", i), t0 + absl::Seconds(i)).ok());
  }
  ASSERT_TRUE(sub.wait_for_count(kReadouts * 5, 20s)) << sub.messages().size() << " delivered " << (*pub)->status().delivered << " queued " << (*pub)->status().queued << "\n" << broker.log();
  const auto msgs = sub.messages();
  EXPECT_EQ(msgs.size(), static_cast<std::size_t>(kReadouts * 5));
  const auto want = expected_keys((*pub)->topics(), "m1", 0, kReadouts, t0);
  const auto got = keys(msgs);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want);
  std::int64_t last = 0;
  for (const auto& m : msgs) {
    EXPECT_EQ(m.qos, qos) << m.topic;
    EXPECT_FALSE(m.retained);
    if (m.topic.ends_with("/lastreadout")) {
      const std::int64_t t = std::stoll(m.payload);
      EXPECT_GT(t, last) << "out of order";
      last = t;
    }
  }
  EXPECT_TRUE(eventually([&] { return (*pub)->status().queued == 0; }));
  (*pub)->stop();
}

INSTANTIATE_TEST_SUITE_P(VersionsAndQos, MqttPublisherQos,
                         ::testing::Values(QosCase{4, 0}, QosCase{4, 1}, QosCase{4, 2},
                                           QosCase{5, 0}, QosCase{5, 1}, QosCase{5, 2}),
                         [](const auto& param_info) {
                           return std::string(param_info.param.version == 5 ? "V5" : "V311") + "Qos" +
                                  std::to_string(param_info.param.qos);
                         });

// The broker is stopped (SIGTERM) for several publish periods while readouts keep being
// enqueued, then restarted on the same port: every reading arrives (duplicates allowed as
// MQTT QoS 1 allows, none lost). The broker keeps the subscriber's persistent session across
// its restart, so the subscriber misses nothing that was published before it reconnected.
class MqttPublisherStoreAndForward : public ::testing::TestWithParam<int> {};

TEST_P(MqttPublisherStoreAndForward, BrokerOutageLosesNothing) {
  const int version = GetParam();
  MosquittoOptions bo;
  bo.persistence = true;
  MosquittoBroker broker(bo);
  ASSERT_TRUE(broker.start()) << broker.log();
  MosquittoSub sub(broker, "site/emscore/gw/#", 1,
                   "collector-" + std::to_string(::getpid()) + "-" + std::to_string(version),
                   version);
  ASSERT_TRUE(sub.wait_subscribed());
  Events events;
  auto o = options_for(broker, temp_dir("saf" + std::to_string(version)), version, 1);
  o.on_event = events.callback();
  auto pub = MqttPublisher::create(o);
  ASSERT_TRUE(pub.ok()) << pub.status();
  ASSERT_TRUE((*pub)->start().ok());
  ASSERT_TRUE(eventually([&] { return (*pub)->status().connected; }));

  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  constexpr int kBefore = 10, kDuring = 30, kAfter = 10;
  constexpr auto kPeriod = 50ms;  // the "raster" of this test
  int i = 0;
  for (; i < kBefore; ++i) {
    ASSERT_TRUE((*pub)->publish_readout(meter("m1", i), t0 + absl::Seconds(i)).ok());
    std::this_thread::sleep_for(kPeriod);
  }
  broker.stop();
  ASSERT_TRUE(eventually([&] { return !(*pub)->status().connected; }));
  for (; i < kBefore + kDuring; ++i) {
    ASSERT_TRUE((*pub)->publish_readout(meter("m1", i), t0 + absl::Seconds(i)).ok());
    std::this_thread::sleep_for(kPeriod);
  }
  const MqttStatus during = (*pub)->status();
  EXPECT_FALSE(during.connected);
  EXPECT_GE(during.queued, static_cast<std::size_t>(kDuring * 5));
  EXPECT_THAT(during.last_error, HasSubstr("127.0.0.1"));
  ASSERT_TRUE(broker.start()) << broker.log();
  for (; i < kBefore + kDuring + kAfter; ++i) {
    ASSERT_TRUE((*pub)->publish_readout(meter("m1", i), t0 + absl::Seconds(i)).ok());
    std::this_thread::sleep_for(kPeriod);
  }
  const auto want = expected_keys((*pub)->topics(), "m1", 0, i, t0);
  const bool all = sub.wait_until(
      [&](const std::vector<SubMessage>& msgs) {
        const auto got = keys(msgs);
        return std::set<std::string>(got.begin(), got.end()) == want;
      },
      30s);
  const auto got = keys(sub.messages());
  std::vector<std::string> missing;
  for (const auto& k : want) {
    if (!got.contains(k)) missing.push_back(k);
  }
  EXPECT_TRUE(all) << missing.size() << " of " << want.size() << " missing, first: "
                   << (missing.empty() ? "" : missing.front()) << "\n" << events.all();
  EXPECT_GE(got.size(), want.size());  // duplicates allowed, losses not
  for (const auto& k : got) EXPECT_TRUE(want.contains(k)) << "unexpected " << k;
  EXPECT_TRUE(eventually([&] { return (*pub)->status().queued == 0; }));
  EXPECT_TRUE(events.contains("lost")) << events.all();
  EXPECT_TRUE(events.contains("connection restored")) << events.all();
  EXPECT_GE((*pub)->status().connects, 2u);
  (*pub)->stop();
}

INSTANTIATE_TEST_SUITE_P(Versions, MqttPublisherStoreAndForward, ::testing::Values(4, 5),
                         [](const auto& param_info) { return param_info.param == 5 ? "V5" : "V311"; });

// The broker dies (SIGKILL, no persistence: it forgets the publisher's session) while
// messages are in flight. After it comes back, nothing stays stuck in flight: the outbox
// drains completely, and what is published after the restart arrives.
// queue_readout() hands readouts to the sender thread, which commits them in groups: far
// fewer outbox transactions than readouts (the gateway's io thread spends no commit per
// device), every message still arrives in order, and stop() commits what was handed over.
TEST(MqttPublisher, QueuedReadoutsAreCommittedTogetherAndAllArrive) {
  MosquittoBroker broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  MosquittoSub sub(broker, "site/emscore/gw/#", 1, {}, 4);
  ASSERT_TRUE(sub.wait_subscribed());
  auto o = options_for(broker, temp_dir("queued"));
  auto pub = MqttPublisher::create(o);
  ASSERT_TRUE(pub.ok()) << pub.status();
  ASSERT_TRUE((*pub)->start().ok());
  constexpr int kReadouts = 500;
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  for (int i = 0; i < kReadouts; ++i) (*pub)->queue_readout(meter("m1", i), t0 + absl::Seconds(i));
  ASSERT_TRUE(sub.wait_for_count(kReadouts * 5, 30s)) << sub.messages().size();
  const auto msgs = sub.messages();
  EXPECT_EQ(keys(msgs).size(), static_cast<std::size_t>(kReadouts * 5));
  const auto want = expected_keys((*pub)->topics(), "m1", 0, kReadouts, t0);
  const auto got = keys(msgs);
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want);
  std::int64_t last = 0;
  for (const auto& m : msgs) {
    if (!m.topic.ends_with("/lastreadout")) continue;
    const std::int64_t t = std::stoll(m.payload);
    EXPECT_GT(t, last) << "out of order";
    last = t;
  }
  const MqttStatus st = (*pub)->status();
  EXPECT_EQ(st.handed_over, 0u);
  EXPECT_GE(st.enqueue_transactions, 1u);
  EXPECT_LT(st.enqueue_transactions, static_cast<std::uint64_t>(kReadouts))
      << "one transaction per readout: nothing was grouped";
  // Handed over and stopped at once: committed, kept for the next start.
  broker.stop();
  for (int i = kReadouts; i < kReadouts + 100; ++i) {
    (*pub)->queue_readout(meter("m1", i), t0 + absl::Seconds(i));
  }
  (*pub)->stop(absl::ZeroDuration());
  EXPECT_EQ((*pub)->status().handed_over, 0u);
  EXPECT_EQ((*pub)->status().queued, 100u * 5);
  // Not started at all: queue_readout() commits by itself.
  (*pub)->queue_readout(meter("m1", 9999), t0);
  EXPECT_EQ((*pub)->status().queued, 101u * 5);
}

TEST(MqttPublisher, BrokerKilledMidStreamWithoutPersistenceNothingStaysStuck) {
  MosquittoBroker broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  Events events;
  auto o = options_for(broker, temp_dir("kill"), 4, 1);
  o.window = 64;
  o.on_event = events.callback();
  auto pub = MqttPublisher::create(o);
  ASSERT_TRUE(pub.ok()) << pub.status();
  ASSERT_TRUE((*pub)->start().ok());
  ASSERT_TRUE(eventually([&] { return (*pub)->status().connected; }));
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE((*pub)->publish_readout(meter("k", i), t0 + absl::Seconds(i)).ok());
  }
  ASSERT_TRUE(eventually([&] { return (*pub)->status().delivered >= 100; }));
  broker.kill();
  ASSERT_TRUE(eventually([&] { return !(*pub)->status().connected; }));
  const MqttStatus down = (*pub)->status();
  EXPECT_GT(down.queued, 0u);
  ASSERT_TRUE(broker.start()) << broker.log();
  MosquittoSub sub(broker, "site/emscore/gw/#");
  ASSERT_TRUE(sub.wait_subscribed());
  ASSERT_TRUE(eventually([&] { return (*pub)->status().queued == 0; }, 20s))
      << "queued " << (*pub)->status().queued << ", in flight " << (*pub)->status().in_flight
      << "\n" << events.all();
  EXPECT_EQ((*pub)->status().in_flight, 0u);
  ASSERT_TRUE((*pub)->publish_readout(meter("k", 1000), t0 + absl::Seconds(1000)).ok());
  EXPECT_TRUE(sub.wait_until(
      [](const std::vector<SubMessage>& msgs) {
        for (const auto& m : msgs) {
          if (m.topic.ends_with("/k/lastreadout") && m.payload == "1700001000") return true;
        }
        return false;
      },
      10s));
  (*pub)->stop();
}

TEST(MqttPublisher, RestartWithANonEmptyOutboxDeliversTheRest) {
  MosquittoBroker broker;
  const std::string dir = temp_dir("restart");
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  constexpr int kReadouts = 20;
  {
    // The broker is not running: everything stays queued; stop() leaves it on disk.
    auto pub = MqttPublisher::create(options_for(broker, dir));
    ASSERT_TRUE(pub.ok()) << pub.status();
    ASSERT_TRUE((*pub)->start().ok());
    for (int i = 0; i < kReadouts; ++i) {
      ASSERT_TRUE((*pub)->publish_readout(meter("m2", i), t0 + absl::Seconds(i)).ok());
    }
    ASSERT_TRUE(eventually([&] { return !(*pub)->status().last_error.empty(); }));
    EXPECT_THAT((*pub)->status().last_error, HasSubstr("cannot connect"));
    (*pub)->stop(absl::Milliseconds(200));
    EXPECT_EQ((*pub)->status().queued, static_cast<std::size_t>(kReadouts * 5));
  }
  ASSERT_TRUE(broker.start()) << broker.log();
  MosquittoSub sub(broker, "site/emscore/gw/#");
  ASSERT_TRUE(sub.wait_subscribed());
  auto pub = MqttPublisher::create(options_for(broker, dir));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ((*pub)->status().queued, static_cast<std::size_t>(kReadouts * 5));
  ASSERT_TRUE((*pub)->start().ok());
  const auto want = expected_keys((*pub)->topics(), "m2", 0, kReadouts, t0);
  ASSERT_TRUE(sub.wait_for_count(want.size(), 15s)) << sub.messages().size();
  const auto got = keys(sub.messages());
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want);
  EXPECT_TRUE(eventually([&] { return (*pub)->status().queued == 0; }));
  (*pub)->stop();
}

TEST(MqttPublisher, FullOutboxDropsOldestAndReportsIt) {
  MosquittoBroker broker;  // never started
  Events events;
  auto o = options_for(broker, temp_dir("full"));
  o.outbox_capacity = 12;
  o.on_event = events.callback();
  auto pub = MqttPublisher::create(o);
  ASSERT_TRUE(pub.ok());
  ASSERT_TRUE((*pub)->start().ok());
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE((*pub)->publish_readout(meter("m3", i), absl::FromUnixSeconds(i)).ok());
  }
  const MqttStatus st = (*pub)->status();
  EXPECT_EQ(st.queued, 12u);
  EXPECT_EQ(st.dropped, 8u);
  EXPECT_TRUE(eventually([&] { return events.contains("dropped"); })) << events.all();
  (*pub)->stop(absl::ZeroDuration());
}

TEST(MqttPublisher, CreateRefusesBadSettingsWithClearErrors) {
  const std::string dir = temp_dir("bad");
  auto make = [&](auto edit) {
    MqttPublisherOptions o;
    o.gateway_id = "gw";
    o.outbox_path = dir + "/outbox.db";
    edit(o);
    return MqttPublisher::create(o).status();
  };
  EXPECT_THAT(std::string(make([](auto& o) { o.mqtt.version = 3; }).message()),
              HasSubstr("version 3"));
  EXPECT_THAT(std::string(make([](auto& o) { o.mqtt.qos = 7; }).message()), HasSubstr("qos 7"));
  EXPECT_THAT(std::string(make([](auto& o) { o.mqtt.prefix = "a/#"; }).message()),
              HasSubstr("prefix"));
  EXPECT_THAT(std::string(make([](auto& o) { o.mqtt.tls = TlsSettings{}; }).message()),
              HasSubstr("not a TLS URI"));
  EXPECT_THAT(std::string(make([](auto& o) {
                            o.mqtt.uri = "mqtts://127.0.0.1:8883";
                            o.mqtt.tls = TlsSettings{"/nonexistent/ca.pem", "", "", true};
                          }).message()),
              HasSubstr("/nonexistent/ca.pem"));
  EXPECT_THAT(std::string(make([](auto& o) { o.mqtt.uri = "bogus://x"; }).message()),
              HasSubstr("bogus://x"));
  EXPECT_THAT(std::string(make([](auto& o) { o.outbox_path = "/nonexistent/x/outbox.db"; })
                              .message()),
              HasSubstr("/nonexistent/x/outbox.db"));
  // mqtt:// and mqtts:// are Paho's tcp:// and ssl://.
  MqttPublisherOptions o;
  o.gateway_id = "gw";
  o.outbox_path = dir + "/outbox2.db";
  o.mqtt.uri = "mqtt://127.0.0.1:1883";
  auto pub = MqttPublisher::create(o);
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_EQ((*pub)->server_uri(), "tcp://127.0.0.1:1883");
}

// A throwaway CA and a server certificate for 127.0.0.1, made with the openssl CLI.
struct TestPki {
  std::string dir, ca, ca_key, cert, key, other_ca, client_cert, client_key;
  bool ok = false;
  explicit TestPki(const std::string& d) : dir(d) {
    ca = dir + "/ca.pem";
    ca_key = dir + "/ca.key";
    cert = dir + "/server.pem";
    key = dir + "/server.key";
    other_ca = dir + "/other-ca.pem";
    client_cert = dir + "/client.pem";
    client_key = dir + "/client.key";
    const std::string ext = dir + "/san.ext";
    {
      std::ofstream f(ext);
      f << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
    }
    auto run = [](std::vector<std::string> args) { return MosquittoSub::run(std::move(args)) == 0; };
    ok = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", ca_key,
              "-out", ca, "-days", "2", "-subj", "/CN=emscore test CA"}) &&
         run({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
              dir + "/server.csr", "-subj", "/CN=127.0.0.1"}) &&
         run({"openssl", "x509", "-req", "-in", dir + "/server.csr", "-CA", ca, "-CAkey", ca_key,
              "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext}) &&
         run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
              dir + "/other.key", "-out", other_ca, "-days", "2", "-subj", "/CN=other CA"}) &&
         run({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", client_key, "-out",
              dir + "/client.csr", "-subj", "/CN=emscore-gateway"}) &&
         run({"openssl", "x509", "-req", "-in", dir + "/client.csr", "-CA", ca, "-CAkey", ca_key,
              "-CAcreateserial", "-out", client_cert, "-days", "2"});
  }
};

TEST(MqttPublisher, TlsWithAVerifiedServerCertificate) {
  const std::string dir = temp_dir("tls");
  TestPki pki(dir);
  ASSERT_TRUE(pki.ok) << "openssl failed";
  MosquittoOptions bo;
  bo.cafile = pki.ca;
  bo.certfile = pki.cert;
  bo.keyfile = pki.key;
  MosquittoBroker broker(bo);
  ASSERT_TRUE(broker.start()) << broker.log();
  MosquittoSub sub(broker, "site/emscore/gw/#");
  ASSERT_TRUE(sub.wait_subscribed()) << broker.log();

  // A CA that did not sign the server certificate: no connection, the reason is reported,
  // nothing is lost.
  Events events;
  auto bad = options_for(broker, dir + "/bad");
  std::filesystem::create_directories(dir + "/bad");
  bad.mqtt.tls = TlsSettings{pki.other_ca, "", "", true};
  bad.on_event = events.callback();
  auto rejected = MqttPublisher::create(bad);
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  ASSERT_TRUE((*rejected)->start().ok());
  ASSERT_TRUE((*rejected)->publish_readout(meter("t1", 1), absl::FromUnixSeconds(1)).ok());
  ASSERT_TRUE(eventually([&] { return events.contains("cannot connect"); })) << events.all();
  EXPECT_FALSE((*rejected)->status().connected);
  EXPECT_EQ((*rejected)->status().queued, 5u);
  (*rejected)->stop(absl::ZeroDuration());

  auto o = options_for(broker, dir + "/good");
  std::filesystem::create_directories(dir + "/good");
  o.mqtt.uri = "mqtts://127.0.0.1:" + std::to_string(broker.port());
  o.mqtt.tls = TlsSettings{pki.ca, "", "", true};
  auto pub = MqttPublisher::create(o);
  ASSERT_TRUE(pub.ok()) << pub.status();
  ASSERT_TRUE((*pub)->start().ok());
  ASSERT_TRUE((*pub)->publish_readout(meter("t1", 2), absl::FromUnixSeconds(2)).ok());
  ASSERT_TRUE(sub.wait_for_count(5, 10s)) << (*pub)->status().last_error;
  EXPECT_EQ(sub.messages().back().topic, "site/emscore/gw/meterreading/t1/lastreadout");
  (*pub)->stop();
}

}  // namespace
}  // namespace emscore::refgw

namespace emscore::refgw {
namespace {

// The broker requires a client certificate: the publisher presents one signed by the CA.
TEST(MqttPublisher, TlsWithAClientCertificate) {
  const std::string dir = temp_dir("mtls");
  TestPki pki(dir);
  ASSERT_TRUE(pki.ok) << "openssl failed";
  MosquittoOptions bo;
  bo.cafile = pki.ca;
  bo.certfile = pki.cert;
  bo.keyfile = pki.key;
  bo.require_certificate = true;
  MosquittoBroker broker(bo);
  ASSERT_TRUE(broker.start()) << broker.log();

  // Without a certificate the broker refuses the handshake.
  Events events;
  auto anon = options_for(broker, dir + "/anon");
  std::filesystem::create_directories(dir + "/anon");
  anon.mqtt.tls = TlsSettings{pki.ca, "", "", true};
  anon.on_event = events.callback();
  auto refused = MqttPublisher::create(anon);
  ASSERT_TRUE(refused.ok()) << refused.status();
  ASSERT_TRUE((*refused)->start().ok());
  ASSERT_TRUE(eventually([&] { return events.contains("cannot connect"); })) << events.all();
  (*refused)->stop(absl::ZeroDuration());

  auto o = options_for(broker, dir + "/cert");
  std::filesystem::create_directories(dir + "/cert");
  o.mqtt.tls = TlsSettings{pki.ca, pki.client_cert, pki.client_key, true};
  auto pub = MqttPublisher::create(o);
  ASSERT_TRUE(pub.ok()) << pub.status();
  ASSERT_TRUE((*pub)->start().ok());
  ASSERT_TRUE((*pub)->publish_readout(meter("c1", 1), absl::FromUnixSeconds(1)).ok());
  ASSERT_TRUE(eventually([&] { return (*pub)->status().delivered >= 5; }))
      << (*pub)->status().last_error << "\n" << broker.log();
  EXPECT_EQ((*pub)->status().queued, 0u);
  (*pub)->stop();
}

}  // namespace
}  // namespace emscore::refgw

// --- kill -9 of the publishing process ---------------------------------------------------
//
// The test binary re-executes itself with EMSCORE_MQTT_CHILD set; this static initializer then
// runs the child (a publisher enqueuing readouts and reporting each committed index through a
// pipe) instead of the tests, until the parent kills it with SIGKILL.
namespace emscore::refgw {
namespace {

const bool kChildRan = [] {
  const char* spec = std::getenv("EMSCORE_MQTT_CHILD");  // "<outbox path>|<uri>|<client id>|<fd>"
  if (spec == nullptr) return false;
  const std::string s(spec);
  const auto a = s.find('|'), b = s.find('|', a + 1), c = s.find('|', b + 1);
  MqttPublisherOptions o;
  o.outbox_path = s.substr(0, a);
  o.mqtt.uri = s.substr(a + 1, b - a - 1);
  o.mqtt.client_id = s.substr(b + 1, c - b - 1);
  const int fd = std::atoi(s.substr(c + 1).c_str());
  o.mqtt.version = 4;
  o.mqtt.qos = 1;
  o.mqtt.prefix = "site";
  o.gateway_id = "gw";
  o.min_backoff = absl::Milliseconds(100);
  o.max_backoff = absl::Milliseconds(800);
  auto pub = MqttPublisher::create(o);
  if (!pub.ok()) ::_exit(2);
  if (!(*pub)->start().ok()) ::_exit(3);
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  for (int i = 0;; ++i) {
    if (!(*pub)->publish_readout(meter("crash", i), t0 + absl::Seconds(i)).ok()) ::_exit(4);
    if (::write(fd, &i, sizeof(i)) != sizeof(i)) ::_exit(5);
    std::this_thread::sleep_for(2ms);
  }
}();

TEST(MqttPublisher, ProcessKilledMinus9LosesNoEnqueuedReadout) {
  ASSERT_FALSE(kChildRan);
  MosquittoBroker broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  MosquittoSub sub(broker, "site/emscore/gw/meterreading/crash/#", 1);
  ASSERT_TRUE(sub.wait_subscribed());
  const std::string dir = temp_dir("crash");
  const std::string outbox = dir + "/mqtt-outbox.db";
  const std::string client_id = "emscore-crash-" + std::to_string(::getpid());
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    const std::string spec = outbox + "|" + broker.uri() + "|" + client_id + "|" +
                             std::to_string(fds[1]);
    ::setenv("EMSCORE_MQTT_CHILD", spec.c_str(), 1);
    ::execl("/proc/self/exe", "/proc/self/exe", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  int last = -1;
  while (last < 150) {
    int i;
    if (::read(fds[0], &i, sizeof(i)) != sizeof(i)) break;
    last = i;
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int st = 0;
  ::waitpid(child, &st, 0);
  int i;
  while (::read(fds[0], &i, sizeof(i)) == sizeof(i)) last = i;
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(st)) << "child exited with " << WEXITSTATUS(st);
  ASSERT_GE(last, 150);

  // Restarted: the same outbox and client id. Everything the child had enqueued arrives.
  auto o = options_for(broker, dir, 4, 1);
  o.mqtt.client_id = client_id;
  auto pub = MqttPublisher::create(o);
  ASSERT_TRUE(pub.ok()) << pub.status();
  const std::size_t received_before = sub.messages().size();
  const std::size_t left = (*pub)->status().queued;
  ::testing::Test::RecordProperty("received_before_restart", static_cast<int>(received_before));
  ::testing::Test::RecordProperty("left_in_outbox", static_cast<int>(left));
  ASSERT_TRUE((*pub)->start().ok());
  const auto want = expected_keys((*pub)->topics(), "crash", 0, last + 1,
                                  absl::FromUnixSeconds(1'700'000'000));
  const bool all = sub.wait_until(
      [&](const std::vector<SubMessage>& msgs) {
        const auto got = keys(msgs);
        for (const auto& k : want) {
          if (!got.contains(k)) return false;
        }
        return true;
      },
      30s);
  std::size_t missing = 0;
  const auto got = keys(sub.messages());
  for (const auto& k : want) missing += got.contains(k) ? 0 : 1;
  EXPECT_TRUE(all) << missing << " of " << want.size() << " readout messages lost";
  EXPECT_TRUE(eventually([&] { return (*pub)->status().queued == 0; }));
  (*pub)->stop();
}

}  // namespace
}  // namespace emscore::refgw
