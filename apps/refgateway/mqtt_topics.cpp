#include "mqtt_topics.hpp"

#include <utility>

#include "emscore/core/strings.hpp"
#include "emscore/core/unit.hpp"
#include "emscore/obis/medium.hpp"

namespace emscore::refgw {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool needs_escape(unsigned char c) {
  return c == '/' || c == '+' || c == '#' || c == '%' || c < 0x20 || c == 0x7F;
}

std::string unit_text(Unit u) {
  const std::string_view s = unit_symbol(u);
  return u == Unit::kNone || s.empty() ? std::string("none") : std::string(s);
}

// Phase 1..3 from the OBIS C group (IEC 62056-6-1: C 21..40 L1, 41..60 L2, 61..80 L3).
int phase_of(const obis::ObisCode& c) {
  if (c.c >= 21 && c.c <= 40) return 1;
  if (c.c >= 41 && c.c <= 60) return 2;
  if (c.c >= 61 && c.c <= 80) return 3;
  return 0;
}

// Tariff from the OBIS E group for registers whose E is a tariff rate: energy (D 8, 9) and
// maximum demand (D 6).
int tariff_of(const obis::ObisCode& c) {
  return (c.d == 8 || c.d == 9 || c.d == 6) ? c.e : 0;
}

}  // namespace

std::string topic_level(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (needs_escape(c)) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::string obis_topic_level(const obis::ObisCode& code) { return code.to_string(); }

std::string value_payload(const Value& value) { return value.to_string(); }

std::string time_payload(absl::Time at) { return std::to_string(absl::ToUnixSeconds(at)); }

absl::StatusOr<MqttTopics> MqttTopics::create(std::string_view prefix,
                                              std::string_view gateway_id) {
  for (char c : prefix) {
    if (c == '+' || c == '#' || c == '\0') {
      return absl::InvalidArgumentError(str_cat(
          "mqtt: topic prefix \"", prefix,
          "\": contains '+', '#' or NUL, expected a plain topic path such as \"site/building1\""));
    }
  }
  while (!prefix.empty() && prefix.front() == '/') prefix.remove_prefix(1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (gateway_id.empty()) {
    return absl::InvalidArgumentError("mqtt: gateway id is empty, expected one topic level");
  }
  std::string root;
  if (!prefix.empty()) root = str_cat(prefix, "/");
  root += str_cat("emscore/", topic_level(gateway_id));
  return MqttTopics(std::move(root));
}

std::string MqttTopics::meter_reading(std::string_view serial) const {
  return str_cat(root_, "/meterreading/", topic_level(serial));
}

std::string MqttTopics::by_obis(std::string_view serial, const obis::ObisCode& code) const {
  return str_cat(meter_reading(serial), "/byobis/", obis_topic_level(code));
}

std::string MqttTopics::by_register(std::string_view serial, std::uint32_t index) const {
  return str_cat(meter_reading(serial), "/byregister/", index);
}

std::string MqttTopics::last_readout(std::string_view serial) const {
  return str_cat(meter_reading(serial), "/lastreadout");
}

std::string MqttTopics::meter_config(std::string_view serial) const {
  return str_cat(root_, "/config/meterconfig/", topic_level(serial));
}

std::vector<MqttMessage> readout_messages(const MqttTopics& topics, std::string_view serial,
                                          std::span<const LatestValue> values, absl::Time at,
                                          int qos) {
  std::vector<MqttMessage> out;
  out.reserve(values.size() * 2 + 1);
  const std::string base = topics.meter_reading(serial);
  for (const LatestValue& v : values) {
    if (v.reading.quality == Quality::kInvalid) continue;
    out.push_back({str_cat(base, "/byobis/", obis_topic_level(v.reading.quantity)),
                   value_payload(v.reading.value), qos, false});
  }
  for (const LatestValue& v : values) {
    if (v.reading.quality == Quality::kInvalid) continue;
    out.push_back({str_cat(base, "/byregister/", v.index), value_payload(v.reading.value), qos,
                   false});
  }
  out.push_back({str_cat(base, "/lastreadout"), time_payload(at), qos, false});
  return out;
}

std::vector<MqttMessage> device_config_messages(const MqttTopics& topics,
                                                const DeviceEntry& device, const BusConfig* bus,
                                                int qos) {
  std::vector<MqttMessage> out;
  const std::string base = topics.meter_config(device.config.serial);
  auto add = [&](std::string_view key, std::string payload) {
    out.push_back({str_cat(base, "/", key), std::move(payload), qos, true});
  };
  add("nameofmeter", device.config.name);
  add("serial", device.config.serial);
  obis::Medium medium = obis::Medium::kAbstract;
  for (const LatestValue& v : device.latest) {
    const obis::Medium m = obis::medium_of_group_a(v.reading.quantity.a);
    if (m != obis::Medium::kAbstract) {
      medium = m;
      break;
    }
  }
  add("medium", std::string(obis::medium_name(medium)));
  add("primaryaddress", std::to_string(device.config.address));
  add("battery", device.config.battery ? "true" : "false");
  if (device.status.last_ok != absl::InfinitePast()) {
    add("lastreadout", time_payload(device.status.last_ok));
  }
  if (bus != nullptr) {
    add("bus", bus->name);
    const bool serial_line = bus->type == BusType::kModbusRtu ||
                             bus->type == BusType::kMbusSerial ||
                             bus->type == BusType::kP1Serial;
    if (serial_line) add("baudrate", std::to_string(bus->serial.baud));
  } else if (!device.config.bus.empty()) {
    add("bus", device.config.bus);
  }
  if (!device.bus_type.empty()) add("bustype", device.bus_type);
  add("driver", device.config.driver);

  for (const LatestValue& v : device.latest) {
    const obis::ObisCode& code = v.reading.quantity;
    const std::string unit = unit_text(v.reading.value.unit);
    const std::string tariff = std::to_string(tariff_of(code));
    const std::string by_register = str_cat("byregister/", v.index);
    const std::string by_obis = str_cat("byobis/", obis_topic_level(code));
    for (const std::string* key : {&by_register, &by_obis}) {
      auto sub = [&](std::string_view name, std::string payload) {
        add(str_cat(*key, "/", name), std::move(payload));
      };
      sub("divisor", "1");
      sub("unit", unit);
      sub("cfgunit", unit);
      sub("phase", std::to_string(phase_of(code)));
      sub("tariff", tariff);
      sub("cfgtariff", tariff);
      sub("cfgdescription", v.name);
      if (key == &by_register) {
        sub("obis", obis_topic_level(code));
      } else {
        sub("register", std::to_string(v.index));
      }
    }
  }
  return out;
}

}  // namespace emscore::refgw
