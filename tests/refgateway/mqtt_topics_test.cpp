#include "mqtt_topics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace emscore::refgw {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

LatestValue value(obis::ObisCode code, std::int64_t mantissa, int exponent, Unit unit,
                  std::uint32_t index, std::string name, Quality q = Quality::kMeasured) {
  LatestValue v;
  v.reading.quantity = code;
  v.reading.value = Value(mantissa, exponent, unit);
  v.reading.quality = q;
  v.index = index;
  v.name = std::move(name);
  return v;
}

TEST(MqttTopics, TreeFollowsTheManualWithPrefix) {
  auto t = MqttTopics::create("topic1/topic2", "gw-1");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->root(), "topic1/topic2/emscore/gw-1");
  EXPECT_EQ(t->filter(), "topic1/topic2/emscore/gw-1/#");
  EXPECT_EQ(t->by_obis("22400077", obis::ObisCode(1, 0, 1, 8, 1)),
            "topic1/topic2/emscore/gw-1/meterreading/22400077/byobis/1-0:1.8.1");
  EXPECT_EQ(t->by_register("22400077", 3),
            "topic1/topic2/emscore/gw-1/meterreading/22400077/byregister/3");
  EXPECT_EQ(t->last_readout("22400077"),
            "topic1/topic2/emscore/gw-1/meterreading/22400077/lastreadout");
  EXPECT_EQ(t->meter_config("22400077"), "topic1/topic2/emscore/gw-1/config/meterconfig/22400077");
}

TEST(MqttTopics, EmptyPrefixHasNoLeadingSlashAndSlashesAreTrimmed) {
  auto empty = MqttTopics::create("", "gw");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->root(), "emscore/gw");
  auto slashes = MqttTopics::create("/site/", "gw");
  ASSERT_TRUE(slashes.ok());
  EXPECT_EQ(slashes->root(), "site/emscore/gw");
  auto only_slash = MqttTopics::create("/", "gw");
  ASSERT_TRUE(only_slash.ok());
  EXPECT_EQ(only_slash->root(), "emscore/gw");
}

TEST(MqttTopics, RefusesWildcardsInThePrefixAndAnEmptyGatewayId) {
  auto plus = MqttTopics::create("site/+", "gw");
  ASSERT_FALSE(plus.ok());
  EXPECT_THAT(std::string(plus.status().message()), HasSubstr("'+', '#'"));
  EXPECT_FALSE(MqttTopics::create("site/#", "gw").ok());
  EXPECT_FALSE(MqttTopics::create(std::string_view("a\0b", 3), "gw").ok());
  auto no_id = MqttTopics::create("site", "");
  ASSERT_FALSE(no_id.ok());
  EXPECT_THAT(std::string(no_id.status().message()), HasSubstr("gateway id"));
}

TEST(MqttTopics, LevelsAreEscapedAndObisCodesAreCanonical) {
  EXPECT_EQ(topic_level("12345678"), "12345678");
  EXPECT_EQ(topic_level("10:2C:EF:12:34:56"), "10:2C:EF:12:34:56");
  EXPECT_EQ(topic_level("a/b+c#d%e"), "a%2Fb%2Bc%23d%25e");
  EXPECT_EQ(topic_level(std::string_view("x\0\n", 3)), "x%00%0A");
  auto t = MqttTopics::create("", "gw/1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->root(), "emscore/gw%2F1");
  EXPECT_EQ(t->by_register("s/1", 0), "emscore/gw%2F1/meterreading/s%2F1/byregister/0");
  // F = 255 is left out; other F values keep '*', which MQTT topics allow.
  EXPECT_EQ(obis_topic_level(*obis::ObisCode::parse("1-0:1.8.0*255")), "1-0:1.8.0");
  EXPECT_EQ(obis_topic_level(*obis::ObisCode::parse("1-0:1.8.0*96")), "1-0:1.8.0*96");
  EXPECT_EQ(obis_topic_level(*obis::ObisCode::parse("0-1:24.2.1")), "0-1:24.2.1");
  for (int f : {0, 1, 101, 255}) {
    const std::string s = obis_topic_level(obis::ObisCode(255, 255, 255, 255, 255,
                                                          static_cast<std::uint8_t>(f)));
    EXPECT_EQ(s.find_first_of("/+#"), std::string::npos) << s;
  }
}

TEST(MqttTopics, PayloadsArePlainExactText) {
  EXPECT_EQ(value_payload(Value(295925, -3, Unit::kKiloWattHour)), "295.925");
  EXPECT_EQ(value_payload(Value(-5, -3, Unit::kWatt)), "-0.005");
  EXPECT_EQ(value_payload(Value(12, 2)), "1200");
  EXPECT_EQ(value_payload(Value(0, 0)), "0");
  EXPECT_EQ(time_payload(absl::FromUnixSeconds(1718104579)), "1718104579");
  EXPECT_EQ(time_payload(absl::FromUnixMillis(1718104579999)), "1718104579");
}

TEST(MqttTopics, ReadoutMessagesByObisThenByRegisterThenLastReadout) {
  auto t = MqttTopics::create("site", "gw");
  ASSERT_TRUE(t.ok());
  std::vector<LatestValue> values = {
      value(obis::ObisCode(1, 0, 1, 8, 1), 295925, -3, Unit::kKiloWattHour, 3, "Import T1"),
      value(obis::ObisCode(1, 0, 32, 7, 0), 2301, -1, Unit::kVolt, 7, "Voltage L1"),
      value(obis::ObisCode(1, 0, 2, 8, 0), 1, 0, Unit::kKiloWattHour, 9, "Export", Quality::kInvalid),
  };
  const auto msgs = readout_messages(*t, "22400077", values, absl::FromUnixSeconds(1718104579), 2);
  const std::string base = "site/emscore/gw/meterreading/22400077";
  EXPECT_THAT(msgs, ElementsAre(MqttMessage{base + "/byobis/1-0:1.8.1", "295.925", 2, false},
                                MqttMessage{base + "/byobis/1-0:32.7.0", "230.1", 2, false},
                                MqttMessage{base + "/byregister/3", "295.925", 2, false},
                                MqttMessage{base + "/byregister/7", "230.1", 2, false},
                                MqttMessage{base + "/lastreadout", "1718104579", 2, false}));
  // No values: only lastreadout.
  const auto empty = readout_messages(*t, "1", {}, absl::FromUnixSeconds(5), 0);
  EXPECT_THAT(empty, ElementsAre(MqttMessage{"site/emscore/gw/meterreading/1/lastreadout", "5", 0,
                                             false}));
}

TEST(MqttTopics, DeviceConfigCarriesTheManualsKeysRetained) {
  auto t = MqttTopics::create("", "gw");
  ASSERT_TRUE(t.ok());
  DeviceEntry d;
  d.config.name = "Main meter";
  d.config.serial = "22400077";
  d.config.bus = "mbus";
  d.config.address = 121;
  d.config.driver = "emu_allrounder";
  d.config.battery = false;
  d.bus_type = "mbus_serial";
  d.status.last_ok = absl::FromUnixSeconds(1718104579);
  d.latest = {value(obis::ObisCode(1, 0, 1, 8, 1), 295925, -3, Unit::kKiloWattHour, 1,
                    "Active energy import"),
              value(obis::ObisCode(1, 0, 52, 7, 0), 2301, -1, Unit::kVolt, 2, "Voltage L2"),
              value(obis::ObisCode(0, 0, 96, 1, 0), 22400077, 0, Unit::kNone, 0, "Serial")};
  BusConfig bus;
  bus.name = "mbus";
  bus.type = BusType::kMbusSerial;
  bus.serial.baud = 2400;
  const auto msgs = device_config_messages(*t, d, &bus, 1);
  std::map<std::string, std::string> by_topic;
  for (const auto& m : msgs) {
    EXPECT_TRUE(m.retained) << m.topic;
    EXPECT_EQ(m.qos, 1);
    EXPECT_TRUE(by_topic.emplace(m.topic, m.payload).second) << "duplicate " << m.topic;
  }
  const std::string base = "emscore/gw/config/meterconfig/22400077/";
  EXPECT_EQ(by_topic[base + "nameofmeter"], "Main meter");
  EXPECT_EQ(by_topic[base + "serial"], "22400077");
  EXPECT_EQ(by_topic[base + "medium"], "electricity");
  EXPECT_EQ(by_topic[base + "primaryaddress"], "121");
  EXPECT_EQ(by_topic[base + "battery"], "false");
  EXPECT_EQ(by_topic[base + "lastreadout"], "1718104579");
  EXPECT_EQ(by_topic[base + "baudrate"], "2400");
  EXPECT_EQ(by_topic[base + "bus"], "mbus");
  EXPECT_EQ(by_topic[base + "bustype"], "mbus_serial");
  EXPECT_EQ(by_topic[base + "driver"], "emu_allrounder");
  EXPECT_EQ(by_topic[base + "byobis/1-0:1.8.1/unit"], "kWh");
  EXPECT_EQ(by_topic[base + "byobis/1-0:1.8.1/cfgunit"], "kWh");
  EXPECT_EQ(by_topic[base + "byobis/1-0:1.8.1/divisor"], "1");
  EXPECT_EQ(by_topic[base + "byobis/1-0:1.8.1/tariff"], "1");
  EXPECT_EQ(by_topic[base + "byobis/1-0:1.8.1/cfgtariff"], "1");
  EXPECT_EQ(by_topic[base + "byobis/1-0:1.8.1/phase"], "0");
  EXPECT_EQ(by_topic[base + "byobis/1-0:1.8.1/cfgdescription"], "Active energy import");
  EXPECT_EQ(by_topic[base + "byobis/1-0:1.8.1/register"], "1");
  EXPECT_EQ(by_topic[base + "byregister/1/obis"], "1-0:1.8.1");
  EXPECT_EQ(by_topic[base + "byregister/2/phase"], "2");
  EXPECT_EQ(by_topic[base + "byregister/2/tariff"], "0");
  EXPECT_EQ(by_topic[base + "byregister/2/unit"], "V");
  EXPECT_EQ(by_topic[base + "byregister/0/unit"], "none");
  // 10 device keys + 3 values x 2 keys x 8 fields.
  EXPECT_EQ(msgs.size(), 10u + 3u * 2u * 8u);

  // Without a bus and before the first readout: no baudrate, no lastreadout.
  d.status.last_ok = absl::InfinitePast();
  const auto bare = device_config_messages(*t, d, nullptr, 0);
  for (const auto& m : bare) {
    EXPECT_EQ(m.topic.find("/baudrate"), std::string::npos);
    EXPECT_NE(m.topic, base + "lastreadout");
  }
}

}  // namespace
}  // namespace emscore::refgw
