// refgateway/mqtt_topics.hpp — the gateway's MQTT topic tree and payloads.
//
// The layout follows the data logger manual's "MQTT Topics" chapter, with "emu/mcenter"
// replaced by "emscore" and the logger's MAC by the gateway id:
//
//   <prefix>/emscore/<gateway-id>/meterreading/<serial>/byobis/<obis>      value
//   <prefix>/emscore/<gateway-id>/meterreading/<serial>/byregister/<n>     value
//   <prefix>/emscore/<gateway-id>/meterreading/<serial>/lastreadout        unix seconds
//   <prefix>/emscore/<gateway-id>/config/meterconfig/<serial>/<key>        retained
//   <prefix>/emscore/<gateway-id>/config/meterconfig/<serial>/byregister/<n>/<key>
//   <prefix>/emscore/<gateway-id>/config/meterconfig/<serial>/byobis/<obis>/<key>
//
// Payloads are plain UTF-8 text, one fact per topic, as in the manual ("1-0:1.8.1 = 295.925",
// "lastreadout = 1718104579"): a value is its exact decimal (Value::to_string, never through a
// double), a time is Unix seconds, a flag is "true"/"false". The unit of a value is not in
// its payload; it is in the retained config topic .../byobis/<obis>/unit (and byregister).
//
// Topic safety: the prefix has its leading and trailing '/' removed (no leading slash when it
// is empty) and may not contain '+', '#' or NUL. A serial or gateway id is one topic level:
// '/', '+', '#', '%' and control characters in it are percent-escaped ("a/b" -> "a%2Fb").
// OBIS codes appear in their canonical text ObisCode::to_string(): "1-0:1.8.1" (F = 255 is
// left out, so "1-0:1.8.0*255" is published as "1-0:1.8.0") and "1-0:1.8.0*96" when F is
// used. ':', '.', '-' and '*' are ordinary characters in MQTT topic names (MQTT 3.1.1 §4.7,
// MQTT 5 §4.7: only '/', '+', '#' and NUL are special), so an OBIS text never needs escaping.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "config.hpp"
#include "device_table.hpp"
#include "emscore/core/value.hpp"
#include "emscore/obis/obis_code.hpp"

namespace emscore::refgw {

// One message for the broker (what the outbox stores).
struct MqttMessage {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retained = false;
  friend bool operator==(const MqttMessage&, const MqttMessage&) = default;
};

// One topic level made safe: '/', '+', '#', '%', bytes < 0x20 and 0x7F become "%XX".
std::string topic_level(std::string_view text);
// "1-0:1.8.1", "1-0:1.8.0*96" (canonical OBIS text; never contains '/', '+' or '#').
std::string obis_topic_level(const obis::ObisCode& code);
// Exact decimal without unit: {295925,-3,kWh} -> "295.925".
std::string value_payload(const Value& value);
// Unix seconds: "1718104579".
std::string time_payload(absl::Time at);

class MqttTopics {
 public:
  // Errors: a prefix with '+', '#' or NUL, an empty or unsafe gateway id.
  static absl::StatusOr<MqttTopics> create(std::string_view prefix, std::string_view gateway_id);

  // "<prefix>/emscore/<gateway-id>" (no leading '/' when the prefix is empty).
  const std::string& root() const noexcept { return root_; }
  // "<root>/#": everything the gateway publishes.
  std::string filter() const { return root_ + "/#"; }

  std::string meter_reading(std::string_view serial) const;  // <root>/meterreading/<serial>
  std::string by_obis(std::string_view serial, const obis::ObisCode& code) const;
  std::string by_register(std::string_view serial, std::uint32_t index) const;
  std::string last_readout(std::string_view serial) const;
  std::string meter_config(std::string_view serial) const;  // <root>/config/meterconfig/<serial>

 private:
  explicit MqttTopics(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

// The messages of one readout, in this order: byobis/<obis> for every value (in driver
// order), byregister/<n> for every value, then lastreadout = `at`. Values of quality
// kInvalid are left out (they carry no usable number). Not retained.
std::vector<MqttMessage> readout_messages(const MqttTopics& topics, std::string_view serial,
                                          std::span<const LatestValue> values, absl::Time at,
                                          int qos);

// The retained configuration of one device, the manual's config/meterconfig keys:
//   nameofmeter, serial, medium (from the OBIS A group of its values), primaryaddress
//   (the bus address), battery, lastreadout (when it has one), baudrate (serial buses, when
//   `bus` is given), and what the manual lacks but the gateway knows: driver, bus, bustype.
//   Per value, under byregister/<n>/ and byobis/<obis>/: divisor ("1": published values are
//   already in their unit), unit and cfgunit (the value's unit symbol, "none" without one),
//   phase (1..3 from the OBIS C group, else 0), tariff and cfgtariff (OBIS E group for
//   energy registers C.8/C.9, else 0), cfgdescription (the driver's name of the value), and
//   obis / register (the other key of the same value).
// The manual's manufacturerid is not published: a driver has no manufacturer field.
std::vector<MqttMessage> device_config_messages(const MqttTopics& topics,
                                                const DeviceEntry& device, const BusConfig* bus,
                                                int qos);

}  // namespace emscore::refgw
