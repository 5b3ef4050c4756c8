// refgateway/config.hpp — the reference gateway's one JSON configuration.
//
// Schema (docs/refgateway.md has the full description and an example):
//   {
//     "gateway": {"id": "emscore-gw", "raster_s": 900, "data_dir": "./refgateway-data",
//                 "time_zone": "Europe/Berlin", "drivers": ["drivers"]},
//     "servers": {"http":   {"address": "127.0.0.1", "port": 8080},
//                 "modbus": {"enabled": true, "address": "127.0.0.1", "port": 1502}},
//     "mqtt": {"enabled": false, "uri": "tcp://127.0.0.1:1883", "version": "5", "qos": 1,
//              "prefix": "site", "client_id": "", "username": "", "password": "",
//              "keepalive_s": 30, "tls": {"ca_file": "", "cert_file": "", "key_file": "",
//                                         "verify": true}},
//     "buses": [{"name": "tcp", "type": "modbus_tcp", "host": "10.0.0.5", "port": 502},
//               {"name": "rs485", "type": "modbus_rtu", "device": "/dev/ttyUSB0",
//                "baud": 9600, "data_bits": 8, "parity": "even", "stop_bits": 1},
//               {"name": "mbus", "type": "mbus_serial", "device": "/dev/ttyUSB1", "baud": 2400},
//               {"name": "mbus-lan", "type": "mbus_tcp", "host": "10.0.0.6", "port": 10001},
//               {"name": "p1", "type": "p1_serial", "device": "/dev/ttyUSB2", "dsmr": "5"},
//               {"name": "s0", "type": "s0"}],
//     "devices": [{"name": "Main", "serial": "12345678", "bus": "rs485", "address": 1,
//                  "driver": "eastron_sdm630", "interval_s": 60, "battery": false,
//                  "modbus_unit": 1, "id": 17}],
//     "users": [{"name": "admin", "role": "administrator", "password_hash": "pbkdf2-sha256$..."}],
//     "control": {...}
//   }
//
// Every error names the JSON path and what was expected:
//   "config: $.devices[2].bus: no bus named \"rs458\" (buses: tcp, rs485)".
// Unknown keys are refused (a typo must not silently disable a setting).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "emscore/control/digital_output.hpp"
#include "emscore/control/load_manager.hpp"
#include "emscore/control/threshold_alarm.hpp"
#include "emscore/obis/obis_code.hpp"
#include "emscore/obis/reading.hpp"

namespace emscore::refgw {

struct Endpoint {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
};

struct GatewaySection {
  std::string id = "emscore-gw";            // MQTT topic level, HTTP health
  absl::Duration raster = absl::Minutes(15);  // readout raster (devices may override)
  std::string data_dir = "./refgateway-data";
  std::string time_zone = "UTC";            // for CSV/JSON local times and rasters
  std::vector<std::string> driver_dirs;     // searched before the built-in drivers/
};

struct ServersSection {
  Endpoint http{"127.0.0.1", 8080};
  bool modbus_enabled = true;
  Endpoint modbus{"127.0.0.1", 1502};
};

struct TlsSettings {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool verify = true;
};

struct MqttSection {
  bool enabled = false;
  std::string uri = "tcp://127.0.0.1:1883";  // tcp://, ssl://, mqtt://, mqtts://
  int version = 5;                           // 4 (= MQTT 3.1.1) or 5
  int qos = 1;                               // 0, 1, 2
  std::string prefix;                        // topic prefix; may be empty
  std::string client_id;                     // empty: "<gateway id>"
  std::string username;
  std::string password;
  absl::Duration keepalive = absl::Seconds(30);
  std::optional<TlsSettings> tls;
};

enum class BusType : std::uint8_t { kModbusTcp, kModbusRtu, kMbusSerial, kMbusTcp, kP1Serial, kS0 };
std::string_view bus_type_name(BusType t) noexcept;  // "modbus_tcp", ...

struct SerialLine {
  std::string device;
  unsigned baud = 9600;
  unsigned data_bits = 8;
  char parity = 'N';  // 'N', 'E', 'O'
  unsigned stop_bits = 1;
};

struct BusConfig {
  std::string name;
  BusType type = BusType::kModbusTcp;
  std::string host;        // TCP buses
  std::uint16_t port = 0;  // TCP buses
  SerialLine serial;       // serial buses
  std::chrono::milliseconds timeout{1000};  // per request (M-Bus default 3000)
  int retries = 2;
  int dsmr_version = 5;    // P1: 5 (115200 8N1, also DSMR 4) or 2 (9600 7E1, DSMR 2.2/3)
};

// An S0 pulse input (bus type "s0"): where the pulses come from.
struct S0Source {
  // "gpio:/sys/class/gpio/gpio17/value" (polled level) or "sim:<pulses per hour>".
  std::string input;
  std::uint32_t pulses_per_unit = 1000;
  std::string unit = "kWh";
  obis::ObisCode code{1, 0, 1, 8, 0};
};

struct DeviceConfig {
  std::string name;
  std::string serial;          // unique; the HTTP/MQTT key
  std::string bus;             // name of a BusConfig
  std::uint32_t address = 1;   // Modbus unit id or M-Bus primary address on its bus
  std::optional<std::uint64_t> secondary;  // M-Bus secondary address (8 BCD digits) if set
  std::string driver;          // Modbus/M-Bus driver id; "dsmr" for P1; "s0" for S0
  std::optional<absl::Duration> interval;  // overrides the raster
  bool battery = false;        // battery meter: read on the raster only, never extra reads
  std::uint8_t modbus_unit = 0;  // unit id on the gateway's Modbus server (0 = auto)
  DeviceRef ref;               // "id" or derived from the serial (stable across edits)
  std::optional<S0Source> s0;  // driver "s0"
};

struct UserConfig {
  std::string name;
  std::string role;           // "administrator", "installer", "user"
  std::string password_hash;  // "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>"
  bool must_change_password = false;  // a one-time password: the API refuses all but a change
};

struct StationBinding {
  control::StationConfig station;  // id = the station device's ref
  std::string device;              // its link ("link": "sim" = a demo station; default "sim")
};

struct ControlSection {
  std::optional<control::LoadManagerConfig> load_manager;
  std::string meter_device;                 // total-consumption meter (device name)
  std::vector<StationBinding> stations;
  std::vector<control::ThresholdRule> alarms;
  std::vector<std::string> alarm_outputs;   // output name driven by alarms[i]
  std::vector<control::OutputConfig> outputs;
};

struct GatewayConfig {
  GatewaySection gateway;
  ServersSection servers;
  MqttSection mqtt;
  std::vector<BusConfig> buses;
  std::vector<DeviceConfig> devices;
  std::vector<UserConfig> users;
  ControlSection control;

  const BusConfig* bus(std::string_view name) const noexcept;
  const DeviceConfig* device_by_serial(std::string_view serial) const noexcept;
  const DeviceConfig* device_by_name(std::string_view name) const noexcept;
  // The device's readout period: its interval, else the raster.
  absl::Duration interval_of(const DeviceConfig& d) const noexcept;
};

// Parses and validates (cross references, unique serials/names/unit ids, ranges).
absl::StatusOr<GatewayConfig> parse_config(std::string_view json_text);
absl::StatusOr<GatewayConfig> load_config(const std::string& path);
// Back to JSON (what parse_config reads; used by backup and by user management).
std::string config_to_json(const GatewayConfig& config);
// Writes config_to_json to `path` atomically (a temporary file renamed over it: a crash leaves
// the old or the new file, never half of one); creates the parent directory.
absl::Status save_config(const GatewayConfig& config, const std::string& path);
// The configuration in `path`, or the built-in defaults when the file does not exist and
// `must_exist` is false.
absl::StatusOr<GatewayConfig> load_config_or_defaults(const std::string& path, bool must_exist);

// Stable device id from the serial (FNV-1a 32, never 0).
DeviceRef device_ref_for_serial(std::string_view serial) noexcept;

}  // namespace emscore::refgw
