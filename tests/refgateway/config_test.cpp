#include "config.hpp"

#include <gtest/gtest.h>

#include <string>

namespace emscore::refgw {
namespace {

constexpr const char* kFull = R"({
  "gateway": {"id": "gw-1", "raster_s": 60, "data_dir": "/tmp/x", "time_zone": "Europe/Berlin"},
  "servers": {"http": {"address": "0.0.0.0", "port": 8081},
              "modbus": {"enabled": true, "port": 1503}},
  "mqtt": {"enabled": true, "uri": "tcp://127.0.0.1:1883", "version": "3.1.1", "qos": 2,
           "prefix": "site/a"},
  "buses": [
    {"name": "tcp", "type": "modbus_tcp", "host": "127.0.0.1", "port": 5020},
    {"name": "rs485", "type": "modbus_rtu", "device": "/dev/ttyUSB0", "baud": 19200,
     "parity": "none", "stop_bits": 2},
    {"name": "mbus", "type": "mbus_tcp", "host": "127.0.0.1", "port": 10001},
    {"name": "p1", "type": "p1_serial", "device": "/dev/ttyUSB2", "dsmr": "2.2"},
    {"name": "s0", "type": "s0"}
  ],
  "devices": [
    {"name": "Main", "serial": "SDM630-1", "bus": "tcp", "address": 1, "driver": "eastron_sdm630",
     "interval_s": 10},
    {"name": "Flat", "serial": "SDM230-1", "bus": "rs485", "address": 7, "driver": "eastron_sdm230",
     "modbus_unit": 1},
    {"name": "Water", "serial": "12345678", "bus": "mbus", "secondary": "12345678", "battery": true},
    {"name": "Grid", "serial": "E0001", "bus": "p1"},
    {"name": "Heat pump", "serial": "S0-1", "bus": "s0", "input": "sim:3600",
     "pulses_per_unit": 1000, "unit": "kWh", "obis": "1-0:1.8.0"}
  ],
  "users": [{"name": "admin", "role": "administrator",
             "password_hash": "pbkdf2-sha256$600000$MDEyMzQ1Njc4OWFiY2RlZg==$MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}],
  "control": {
    "load_manager": {"meter": "Main", "max_current_a": 63, "max_charging_current_a": "50.5",
                     "stations": [{"name": "bay 1", "rated_current_a": 32},
                                  {"name": "bay 2", "phases": "L2", "priority": true}]},
    "outputs": [{"name": "DO1", "mode": "impulsive", "on_time_ms": 500}],
    "alarms": [{"name": "overcurrent", "device": "Main", "obis": "1-0:31.7.0",
                "threshold": 60, "hysteresis": "2", "unit": "A", "output": "DO1"}]
  }
})";

TEST(Config, ParsesEverySection) {
  auto c = parse_config(kFull);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->gateway.id, "gw-1");
  EXPECT_EQ(c->gateway.raster, absl::Seconds(60));
  EXPECT_EQ(c->servers.http.address, "0.0.0.0");
  EXPECT_EQ(c->servers.http.port, 8081);
  EXPECT_EQ(c->servers.modbus.port, 1503);
  EXPECT_EQ(c->servers.modbus.address, "127.0.0.1");
  EXPECT_EQ(c->mqtt.version, 4);
  EXPECT_EQ(c->mqtt.qos, 2);
  ASSERT_EQ(c->buses.size(), 5u);
  EXPECT_EQ(c->buses[1].serial.baud, 19200u);
  EXPECT_EQ(c->buses[1].serial.parity, 'N');
  EXPECT_EQ(c->buses[1].serial.stop_bits, 2u);
  EXPECT_EQ(c->buses[2].timeout, std::chrono::milliseconds(3000));  // M-Bus default
  EXPECT_EQ(c->buses[3].dsmr_version, 2);
  EXPECT_EQ(c->buses[3].serial.baud, 9600u);
  EXPECT_EQ(c->buses[3].serial.data_bits, 7u);
  ASSERT_EQ(c->devices.size(), 5u);
  EXPECT_EQ(c->interval_of(c->devices[0]), absl::Seconds(10));
  EXPECT_EQ(c->interval_of(c->devices[1]), absl::Seconds(60));
  // Explicit unit 1 for "Flat"; the others get the lowest free ones in order.
  EXPECT_EQ(c->devices[1].modbus_unit, 1);
  EXPECT_EQ(c->devices[0].modbus_unit, 2);
  EXPECT_EQ(c->devices[2].modbus_unit, 3);
  EXPECT_EQ(c->devices[2].driver, "auto");
  EXPECT_EQ(*c->devices[2].secondary, 12345678u);
  EXPECT_TRUE(c->devices[2].battery);
  EXPECT_EQ(c->devices[3].driver, "dsmr");
  ASSERT_TRUE(c->devices[4].s0.has_value());
  EXPECT_EQ(c->devices[4].s0->pulses_per_unit, 1000u);
  EXPECT_EQ(c->devices[0].ref, device_ref_for_serial("SDM630-1"));
  ASSERT_TRUE(c->control.load_manager.has_value());
  EXPECT_EQ(c->control.load_manager->max_current, 63'000);
  EXPECT_EQ(c->control.load_manager->max_charging_current, 50'500);
  ASSERT_EQ(c->control.stations.size(), 2u);
  EXPECT_EQ(c->control.stations[1].station.phases, control::kPhaseL2);
  EXPECT_TRUE(c->control.stations[1].station.priority);
  ASSERT_EQ(c->control.alarms.size(), 1u);
  EXPECT_EQ(c->control.alarms[0].threshold, Value(60, 0, Unit::kAmpere));
  EXPECT_EQ(c->control.alarm_outputs[0], "DO1");
  EXPECT_EQ(c->control.alarms[0].device, c->devices[0].ref);
}

TEST(Config, RoundTripsThroughJson) {
  auto c = parse_config(kFull);
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string text = config_to_json(*c);
  auto again = parse_config(text);
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << text;
  EXPECT_EQ(config_to_json(*again), text);
  EXPECT_EQ(again->devices[4].s0->input, "sim:3600");
  EXPECT_EQ(again->control.load_manager->max_charging_current, 50'500);
}

TEST(Config, EmptyObjectGivesWorkingDefaults) {
  auto c = parse_config("{}");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->servers.http.port, 8080);
  EXPECT_EQ(c->servers.http.address, "127.0.0.1");
  EXPECT_EQ(c->servers.modbus.port, 1502);
  EXPECT_EQ(c->gateway.data_dir, "./refgateway-data");
  EXPECT_EQ(c->gateway.raster, absl::Minutes(15));
  EXPECT_FALSE(c->mqtt.enabled);
}

struct BadCase {
  const char* json;
  const char* message;
};

class ConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, NameThePathAndTheExpectation) {
  auto c = parse_config(GetParam().json);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(c.status().message()).find(GetParam().message), std::string::npos)
      << c.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    All, ConfigErrors,
    ::testing::Values(
        BadCase{"{\"gateway\": {\"raster\": 5}}", "config: $.gateway: unknown key \"raster\""},
        BadCase{"{\n  \"gateway\": {\"id\": }\n}", "config: line 2, column 21: not valid JSON"},
        BadCase{"{\"gateway\": {\"time_zone\": \"Mars/Base\"}}", "$.gateway.time_zone: unknown time zone"},
        BadCase{"{\"servers\": {\"http\": {\"port\": 70000}}}", "$.servers.http.port: 70000 is out of range"},
        BadCase{"{\"mqtt\": {\"version\": \"3\"}}", "$.mqtt.version: 3, expected \"3.1.1\" or \"5\""},
        BadCase{"{\"mqtt\": {\"uri\": \"http://x\"}}", "$.mqtt.uri"},
        BadCase{"{\"buses\": [{\"name\": \"a\", \"type\": \"canbus\"}]}", "$.buses[0].type: \"canbus\", expected one of"},
        BadCase{"{\"buses\": [{\"name\": \"a\", \"type\": \"modbus_rtu\", \"device\": \"/dev/x\", \"baud\": 1234}]}", "$.buses[0].baud: 1234, expected one of"},
        BadCase{"{\"buses\": [{\"name\": \"a\", \"type\": \"modbus_tcp\", \"host\": \"h\", \"device\": \"/dev/x\"}]}", "$.buses[0].device: not used by a modbus_tcp bus"},
        BadCase{"{\"buses\": [{\"name\": \"a\", \"type\": \"modbus_tcp\", \"host\": \"h\"}, {\"name\": \"a\", \"type\": \"s0\"}]}", "$.buses[1].name: bus \"a\" is defined twice"},
        BadCase{"{\"buses\": [{\"name\": \"tcp\", \"type\": \"modbus_tcp\", \"host\": \"h\"}], \"devices\": [{\"serial\": \"1\", \"bus\": \"rs458\", \"driver\": \"x\"}]}",
                "$.devices[0].bus: no bus named \"rs458\" (buses: tcp)"},
        BadCase{"{\"buses\": [{\"name\": \"tcp\", \"type\": \"modbus_tcp\", \"host\": \"h\"}], \"devices\": [{\"serial\": \"1\", \"bus\": \"tcp\", \"driver\": \"x\"}, {\"serial\": \"1\", \"name\": \"b\", \"bus\": \"tcp\", \"driver\": \"x\"}]}",
                "$.devices[1].serial: serial \"1\" is used by two devices"},
        BadCase{"{\"buses\": [{\"name\": \"tcp\", \"type\": \"modbus_tcp\", \"host\": \"h\"}], \"devices\": [{\"serial\": \"a/b\", \"bus\": \"tcp\", \"driver\": \"x\"}]}",
                "$.devices[0].serial: expected a non-empty serial"},
        BadCase{"{\"buses\": [{\"name\": \"tcp\", \"type\": \"modbus_tcp\", \"host\": \"h\"}], \"devices\": [{\"serial\": \"1\", \"bus\": \"tcp\"}]}",
                "$.devices[0]: missing \"driver\""},
        BadCase{"{\"buses\": [{\"name\": \"m\", \"type\": \"mbus_tcp\", \"host\": \"h\"}], \"devices\": [{\"serial\": \"1\", \"bus\": \"m\"}]}",
                "$.devices[0]: an M-Bus device needs \"address\""},
        BadCase{"{\"users\": [{\"name\": \"a\", \"role\": \"root\", \"password_hash\": \"x\"}]}", "$.users[0].role: \"root\", expected administrator, installer or user"},
        BadCase{"{\"users\": [{\"name\": \"a\", \"role\": \"user\", \"password_hash\": \"secret\"}]}", "$.users[0].password_hash: expected \"pbkdf2-sha256$"},
        BadCase{"{\"control\": {\"load_manager\": {\"meter\": \"nope\"}}}", "$.control.load_manager.meter: no device named \"nope\""},
        BadCase{"{\"control\": {\"alarms\": [{\"name\": \"a\", \"obis\": \"1.8.x\", \"threshold\": 1}]}}", "$.control.alarms[0].obis"},
        BadCase{"{\"control\": {\"alarms\": [{\"name\": \"a\", \"obis\": \"1-0:31.7.0\", \"threshold\": 1, \"output\": \"DO9\"}]}}", "$.control.alarms[0].output: no output named \"DO9\""},
        BadCase{"{\"control\": {\"outputs\": [{\"name\": \"R1\", \"function\": \"remote\"}], \"alarms\": [{\"name\": \"a\", \"obis\": \"1-0:31.7.0\", \"threshold\": 1, \"output\": \"R1\"}]}}", "$.control.alarms[0].output: output \"R1\" has the remote function"}));

TEST(Config, DecimalsAsJsonNumbersAreExact) {
  auto c = parse_config(R"({"buses": [{"name": "t", "type": "modbus_tcp", "host": "h"}],
    "devices": [{"name": "M", "serial": "1", "bus": "t", "driver": "x"}],
    "control": {"load_manager": {"meter": "M", "max_current_a": 63.5, "max_charging_current_a": 0.1,
                                 "min_guaranteed_ah": 1.25},
                "alarms": [{"name": "a", "obis": "1-0:31.7.0", "threshold": 40.1, "unit": "A"}]}})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->control.load_manager->max_current, 63'500);
  EXPECT_EQ(c->control.load_manager->max_charging_current, 100);
  EXPECT_EQ(c->control.load_manager->min_guaranteed_mah, 1'250);
  EXPECT_EQ(c->control.alarms[0].threshold.to_string(), "40.1");
}

TEST(Config, OneTimePasswordFlagSurvivesTheFile) {
  auto c = parse_config(R"({"users": [{"name": "admin", "role": "administrator",
      "password_hash": "pbkdf2-sha256$600000$MDEyMzQ1Njc4OWFiY2RlZg==$MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
      "must_change_password": true}]})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->users[0].must_change_password);
  auto again = parse_config(config_to_json(*c));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->users[0].must_change_password);
}

TEST(Config, DeviceRefIsStableAndNonZero) {
  EXPECT_EQ(device_ref_for_serial("12345678"), device_ref_for_serial("12345678"));
  EXPECT_NE(device_ref_for_serial("12345678"), device_ref_for_serial("12345679"));
  EXPECT_NE(device_ref_for_serial("").id, 0u);
}

}  // namespace
}  // namespace emscore::refgw
