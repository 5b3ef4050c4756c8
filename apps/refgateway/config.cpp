#include "config.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "boost/json.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/mapping/json_reader.hpp"

namespace emscore::refgw {
namespace json = boost::json;
using mapping::JsonReader;

std::string_view bus_type_name(BusType t) noexcept {
  switch (t) {
    case BusType::kModbusTcp: return "modbus_tcp";
    case BusType::kModbusRtu: return "modbus_rtu";
    case BusType::kMbusSerial: return "mbus_serial";
    case BusType::kMbusTcp: return "mbus_tcp";
    case BusType::kP1Serial: return "p1_serial";
    case BusType::kS0: return "s0";
  }
  return "?";
}

const BusConfig* GatewayConfig::bus(std::string_view name) const noexcept {
  for (const BusConfig& b : buses)
    if (b.name == name) return &b;
  return nullptr;
}
const DeviceConfig* GatewayConfig::device_by_serial(std::string_view serial) const noexcept {
  for (const DeviceConfig& d : devices)
    if (d.serial == serial) return &d;
  return nullptr;
}
const DeviceConfig* GatewayConfig::device_by_name(std::string_view name) const noexcept {
  for (const DeviceConfig& d : devices)
    if (d.name == name) return &d;
  return nullptr;
}
absl::Duration GatewayConfig::interval_of(const DeviceConfig& d) const noexcept {
  return d.interval ? *d.interval : gateway.raster;
}

DeviceRef device_ref_for_serial(std::string_view serial) noexcept {
  std::uint32_t h = 2166136261u;
  for (char c : serial) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 16777619u;
  }
  return DeviceRef{h == 0 ? 1u : h};
}

namespace {

constexpr std::int64_t kMaxSeconds = 366LL * 24 * 3600;

absl::StatusOr<absl::Duration> seconds(const JsonReader& r, std::string_view key, std::int64_t lo,
                                       absl::Duration fallback) {
  if (!r.has(key)) return fallback;
  EMSCORE_ASSIGN_OR_RETURN(std::int64_t s, r.integer(key, true, lo, kMaxSeconds));
  return absl::Seconds(s);
}

// Amperes as a decimal ("32", 6.5) -> milliamperes, exact.
absl::StatusOr<control::MilliAmps> amps(const JsonReader& r, std::string_view key,
                                        control::MilliAmps fallback) {
  if (!r.has(key)) return fallback;
  EMSCORE_ASSIGN_OR_RETURN(Value v, r.decimal(key, Value{}));
  auto ma = v.rescaled(-3);
  if (!ma.ok()) return r.child(key).error("expected amperes with at most 3 decimals");
  if (ma->mantissa < 0 || ma->mantissa > 100'000'000)
    return r.child(key).error("expected amperes 0-100000");
  return ma->mantissa;
}

absl::StatusOr<Endpoint> endpoint(const JsonReader& r, Endpoint fallback,
                                  std::initializer_list<std::string_view> extra = {}) {
  std::vector<std::string_view> known = {"address", "port"};
  known.insert(known.end(), extra);
  EMSCORE_RETURN_IF_ERROR(r.expect_object(known));
  Endpoint e = fallback;
  EMSCORE_ASSIGN_OR_RETURN(e.address, r.string("address", false, fallback.address));
  EMSCORE_ASSIGN_OR_RETURN(std::int64_t port, r.integer("port", false, 0, 65535, fallback.port));
  e.port = static_cast<std::uint16_t>(port);
  return e;
}

absl::Status parse_gateway(const JsonReader& r, GatewaySection& g) {
  EMSCORE_RETURN_IF_ERROR(r.expect_object({"id", "raster_s", "data_dir", "time_zone", "drivers"}));
  EMSCORE_ASSIGN_OR_RETURN(g.id, r.string("id", false, g.id));
  if (g.id.empty() || g.id.find_first_of("/#+ ") != std::string::npos)
    return r.child("id").error("expected a non-empty id without '/', '#', '+' or spaces (it is an MQTT topic level)");
  EMSCORE_ASSIGN_OR_RETURN(g.raster, seconds(r, "raster_s", 1, g.raster));
  EMSCORE_ASSIGN_OR_RETURN(g.data_dir, r.string("data_dir", false, g.data_dir));
  EMSCORE_ASSIGN_OR_RETURN(g.time_zone, r.string("time_zone", false, g.time_zone));
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(g.time_zone, &tz))
    return r.child("time_zone").error(str_cat("unknown time zone \"", g.time_zone,
                                              "\", expected an IANA name like Europe/Berlin"));
  EMSCORE_ASSIGN_OR_RETURN(const json::array* dirs, r.array("drivers", false));
  if (dirs) {
    for (std::size_t i = 0; i < dirs->size(); ++i) {
      JsonReader e = r.child("drivers").element(*dirs, i);
      if (!e.value().is_string()) return e.error("expected a directory path (string)");
      g.driver_dirs.emplace_back(e.value().as_string().c_str());
    }
  }
  return absl::OkStatus();
}

absl::Status parse_servers(const JsonReader& r, ServersSection& s) {
  EMSCORE_RETURN_IF_ERROR(r.expect_object({"http", "modbus"}));
  if (r.has("http")) {
    EMSCORE_ASSIGN_OR_RETURN(s.http, endpoint(r.child("http"), s.http));
  }
  if (r.has("modbus")) {
    JsonReader m = r.child("modbus");
    EMSCORE_ASSIGN_OR_RETURN(s.modbus, endpoint(m, s.modbus, {"enabled"}));
    EMSCORE_ASSIGN_OR_RETURN(s.modbus_enabled, m.boolean("enabled", true));
  }
  return absl::OkStatus();
}

absl::Status parse_mqtt(const JsonReader& r, MqttSection& m) {
  EMSCORE_RETURN_IF_ERROR(r.expect_object({"enabled", "uri", "version", "qos", "prefix",
                                           "client_id", "username", "password", "keepalive_s",
                                           "tls"}));
  EMSCORE_ASSIGN_OR_RETURN(m.enabled, r.boolean("enabled", true));
  EMSCORE_ASSIGN_OR_RETURN(m.uri, r.string("uri", false, m.uri));
  const bool uri_ok = m.uri.starts_with("tcp://") || m.uri.starts_with("ssl://") ||
                      m.uri.starts_with("mqtt://") || m.uri.starts_with("mqtts://");
  if (!uri_ok) return r.child("uri").error(str_cat("\"", m.uri, "\", expected tcp://, ssl://, mqtt:// or mqtts://host:port"));
  if (r.has("version")) {
    const json::value& v = *r.find("version");
    std::string text = v.is_string() ? std::string(v.as_string().c_str()) : json::serialize(v);
    if (text == "3.1.1" || text == "4") {
      m.version = 4;
    } else if (text == "5") {
      m.version = 5;
    } else {
      return r.child("version").error(str_cat(text, ", expected \"3.1.1\" or \"5\""));
    }
  }
  EMSCORE_ASSIGN_OR_RETURN(std::int64_t qos, r.integer("qos", false, 0, 2, m.qos));
  m.qos = static_cast<int>(qos);
  EMSCORE_ASSIGN_OR_RETURN(m.prefix, r.string("prefix", false));
  if (m.prefix.find_first_of("#+") != std::string::npos)
    return r.child("prefix").error("a topic prefix may not contain '#' or '+'");
  EMSCORE_ASSIGN_OR_RETURN(m.client_id, r.string("client_id", false));
  EMSCORE_ASSIGN_OR_RETURN(m.username, r.string("username", false));
  EMSCORE_ASSIGN_OR_RETURN(m.password, r.string("password", false));
  EMSCORE_ASSIGN_OR_RETURN(m.keepalive, seconds(r, "keepalive_s", 1, m.keepalive));
  if (r.has("tls")) {
    JsonReader t = r.child("tls");
    EMSCORE_RETURN_IF_ERROR(t.expect_object({"ca_file", "cert_file", "key_file", "verify"}));
    TlsSettings tls;
    EMSCORE_ASSIGN_OR_RETURN(tls.ca_file, t.string("ca_file", false));
    EMSCORE_ASSIGN_OR_RETURN(tls.cert_file, t.string("cert_file", false));
    EMSCORE_ASSIGN_OR_RETURN(tls.key_file, t.string("key_file", false));
    EMSCORE_ASSIGN_OR_RETURN(tls.verify, t.boolean("verify", true));
    m.tls = tls;
  }
  return absl::OkStatus();
}

absl::StatusOr<BusConfig> parse_bus(const JsonReader& r) {
  EMSCORE_RETURN_IF_ERROR(r.expect_object({"name", "type", "host", "port", "device", "baud",
                                           "data_bits", "parity", "stop_bits", "timeout_ms",
                                           "retries", "dsmr"}));
  BusConfig b;
  EMSCORE_ASSIGN_OR_RETURN(b.name, r.string("name", true));
  if (b.name.empty()) return r.child("name").error("expected a non-empty name");
  EMSCORE_ASSIGN_OR_RETURN(std::string type, r.string("type", true));
  static constexpr BusType kTypes[] = {BusType::kModbusTcp, BusType::kModbusRtu,
                                       BusType::kMbusSerial, BusType::kMbusTcp,
                                       BusType::kP1Serial, BusType::kS0};
  bool found = false;
  for (BusType t : kTypes) {
    if (bus_type_name(t) == type) {
      b.type = t;
      found = true;
    }
  }
  if (!found)
    return r.child("type").error(str_cat("\"", type, "\", expected one of modbus_tcp, modbus_rtu, mbus_serial, mbus_tcp, p1_serial, s0"));
  const bool tcp = b.type == BusType::kModbusTcp || b.type == BusType::kMbusTcp;
  const bool serial = b.type == BusType::kModbusRtu || b.type == BusType::kMbusSerial ||
                      b.type == BusType::kP1Serial;
  auto refuse = [&](std::string_view key, std::string_view why) -> absl::Status {
    if (r.has(key)) return r.child(key).error(str_cat("not used by a ", type, " bus (", why, ")"));
    return absl::OkStatus();
  };
  if (tcp) {
    EMSCORE_ASSIGN_OR_RETURN(b.host, r.string("host", true));
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t port, r.integer("port", false, 1, 65535,
                                                          b.type == BusType::kModbusTcp ? 502 : 10001));
    b.port = static_cast<std::uint16_t>(port);
    for (auto k : {"device", "baud", "data_bits", "parity", "stop_bits"})
      EMSCORE_RETURN_IF_ERROR(refuse(k, "it is reached over TCP"));
  } else {
    EMSCORE_RETURN_IF_ERROR(refuse("host", "it is a serial line"));
    EMSCORE_RETURN_IF_ERROR(refuse("port", "it is a serial line"));
  }
  if (serial) {
    EMSCORE_ASSIGN_OR_RETURN(b.serial.device, r.string("device", true));
    unsigned default_baud = b.type == BusType::kModbusRtu ? 9600 : b.type == BusType::kMbusSerial ? 2400 : 115200;
    char default_parity = b.type == BusType::kMbusSerial ? 'E' : b.type == BusType::kModbusRtu ? 'E' : 'N';
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t baud, r.integer("baud", false, 300, 115200, default_baud));
    static constexpr std::int64_t kBauds[] = {300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};
    bool baud_ok = false;
    for (auto x : kBauds) baud_ok = baud_ok || x == baud;
    if (!baud_ok) return r.child("baud").error(str_cat(baud, ", expected one of 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200"));
    b.serial.baud = static_cast<unsigned>(baud);
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t bits, r.integer("data_bits", false, 7, 8, 8));
    b.serial.data_bits = static_cast<unsigned>(bits);
    EMSCORE_ASSIGN_OR_RETURN(std::string parity, r.string("parity", false, default_parity == 'E' ? "even" : "none"));
    if (parity == "none") b.serial.parity = 'N';
    else if (parity == "even") b.serial.parity = 'E';
    else if (parity == "odd") b.serial.parity = 'O';
    else return r.child("parity").error(str_cat("\"", parity, "\", expected none, even or odd"));
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t stop, r.integer("stop_bits", false, 1, 2, 1));
    b.serial.stop_bits = static_cast<unsigned>(stop);
  }
  const bool mbus = b.type == BusType::kMbusSerial || b.type == BusType::kMbusTcp;
  EMSCORE_ASSIGN_OR_RETURN(std::int64_t timeout, r.integer("timeout_ms", false, 10, 60000, mbus ? 3000 : 1000));
  b.timeout = std::chrono::milliseconds(timeout);
  EMSCORE_ASSIGN_OR_RETURN(std::int64_t retries, r.integer("retries", false, 0, 10, 2));
  b.retries = static_cast<int>(retries);
  if (b.type == BusType::kP1Serial) {
    EMSCORE_ASSIGN_OR_RETURN(std::string v, r.string("dsmr", false, "5"));
    if (v == "5" || v == "4" || v == "5.0" || v == "4.2") b.dsmr_version = 5;
    else if (v == "2.2" || v == "3" || v == "3.0" || v == "2") b.dsmr_version = 2;
    else return r.child("dsmr").error(str_cat("\"", v, "\", expected \"5\" (DSMR 4/5, 115200 8N1) or \"2.2\" (DSMR 2.2/3, 9600 7E1)"));
    if (!r.has("baud")) b.serial.baud = b.dsmr_version == 5 ? 115200 : 9600;
    if (!r.has("data_bits")) b.serial.data_bits = b.dsmr_version == 5 ? 8 : 7;
    if (!r.has("parity")) b.serial.parity = b.dsmr_version == 5 ? 'N' : 'E';
  } else {
    EMSCORE_RETURN_IF_ERROR(refuse("dsmr", "only p1_serial buses have it"));
  }
  return b;
}

absl::StatusOr<DeviceConfig> parse_device(const JsonReader& r, const GatewayConfig& cfg) {
  EMSCORE_RETURN_IF_ERROR(r.expect_object({"name", "serial", "bus", "address", "secondary",
                                           "driver", "interval_s", "battery", "modbus_unit",
                                           "id", "input", "pulses_per_unit", "unit", "obis"}));
  DeviceConfig d;
  EMSCORE_ASSIGN_OR_RETURN(d.serial, r.string("serial", true));
  if (d.serial.empty() || d.serial.find_first_of("/#+ \t\"") != std::string::npos)
    return r.child("serial").error("expected a non-empty serial without '/', '#', '+', quotes or spaces (it is a URL and MQTT topic level)");
  EMSCORE_ASSIGN_OR_RETURN(d.name, r.string("name", false, d.serial));
  EMSCORE_ASSIGN_OR_RETURN(d.bus, r.string("bus", true));
  const BusConfig* bus = cfg.bus(d.bus);
  if (bus == nullptr) {
    std::string names;
    for (const BusConfig& b : cfg.buses) names += str_cat(names.empty() ? "" : ", ", b.name);
    return r.child("bus").error(str_cat("no bus named \"", d.bus, "\" (buses: ", names.empty() ? "none" : names, ")"));
  }
  const bool modbus = bus->type == BusType::kModbusTcp || bus->type == BusType::kModbusRtu;
  const bool mbus = bus->type == BusType::kMbusSerial || bus->type == BusType::kMbusTcp;
  if (modbus) {
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t a, r.integer("address", bus->type == BusType::kModbusRtu, 1, 247, 1));
    d.address = static_cast<std::uint32_t>(a);
  } else if (mbus) {
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t a, r.integer("address", false, 0, 250, 0));
    d.address = static_cast<std::uint32_t>(a);
    if (r.has("secondary")) {
      EMSCORE_ASSIGN_OR_RETURN(std::string s, r.string("secondary", true));
      if (s.size() != 8 || s.find_first_not_of("0123456789") != std::string::npos)
        return r.child("secondary").error(str_cat("\"", s, "\", expected the 8-digit M-Bus identification number"));
      d.secondary = std::stoull(s);
    } else if (!r.has("address")) {
      return r.error("an M-Bus device needs \"address\" (primary 0-250) or \"secondary\" (8 digits)");
    }
  } else if (r.has("address")) {
    return r.child("address").error(str_cat("not used on a ", bus_type_name(bus->type), " bus"));
  }
  const std::string_view default_driver = bus->type == BusType::kP1Serial ? "dsmr"
                                          : bus->type == BusType::kS0       ? "s0"
                                          : mbus                            ? "auto"
                                                                            : "";
  EMSCORE_ASSIGN_OR_RETURN(d.driver, r.string("driver", default_driver.empty(), default_driver));
  if (bus->type == BusType::kP1Serial && d.driver != "dsmr")
    return r.child("driver").error(str_cat("\"", d.driver, "\", a P1 device uses the built-in \"dsmr\" driver"));
  if (bus->type == BusType::kS0) {
    if (d.driver != "s0") return r.child("driver").error("an S0 input uses the built-in \"s0\" driver");
    S0Source s0;
    EMSCORE_ASSIGN_OR_RETURN(s0.input, r.string("input", true));
    if (!s0.input.starts_with("sim:") && !s0.input.starts_with("gpio:"))
      return r.child("input").error(str_cat("\"", s0.input, "\", expected \"gpio:<sysfs value file>\" or \"sim:<pulses per hour>\""));
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t ppu, r.integer("pulses_per_unit", false, 1, 1'000'000, 1000));
    s0.pulses_per_unit = static_cast<std::uint32_t>(ppu);
    EMSCORE_ASSIGN_OR_RETURN(s0.unit, r.string("unit", false, "kWh"));
    if (!parse_unit(s0.unit)) return r.child("unit").error(str_cat("unknown unit \"", s0.unit, "\""));
    if (r.has("obis")) {
      EMSCORE_ASSIGN_OR_RETURN(std::string o, r.string("obis", true));
      auto code = obis::ObisCode::parse(o);
      if (!code.ok()) return r.child("obis").error(to_std(code.status().message()));
      s0.code = *code;
    }
    d.s0 = s0;
  } else {
    for (auto k : {"input", "pulses_per_unit", "unit", "obis"})
      if (r.has(k)) return r.child(k).error("only S0 devices have it");
  }
  if (r.has("interval_s")) {
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t s, r.integer("interval_s", true, 1, kMaxSeconds));
    d.interval = absl::Seconds(s);
  }
  EMSCORE_ASSIGN_OR_RETURN(d.battery, r.boolean("battery", false));
  EMSCORE_ASSIGN_OR_RETURN(std::int64_t unit, r.integer("modbus_unit", false, 1, 247, 0));
  d.modbus_unit = static_cast<std::uint8_t>(unit);
  if (r.has("id")) {
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t id, r.integer("id", true, 1, 0xFFFFFFFF));
    d.ref = DeviceRef{static_cast<std::uint32_t>(id)};
  } else {
    d.ref = device_ref_for_serial(d.serial);
  }
  return d;
}

absl::StatusOr<UserConfig> parse_user(const JsonReader& r) {
  EMSCORE_RETURN_IF_ERROR(r.expect_object({"name", "role", "password_hash", "must_change_password"}));
  UserConfig u;
  EMSCORE_ASSIGN_OR_RETURN(u.name, r.string("name", true));
  if (u.name.empty() || u.name.find_first_of(":/ ") != std::string::npos)
    return r.child("name").error("expected a non-empty user name without ':', '/' or spaces");
  EMSCORE_ASSIGN_OR_RETURN(u.role, r.string("role", true));
  if (u.role != "administrator" && u.role != "installer" && u.role != "user")
    return r.child("role").error(str_cat("\"", u.role, "\", expected administrator, installer or user"));
  EMSCORE_ASSIGN_OR_RETURN(u.password_hash, r.string("password_hash", true));
  EMSCORE_ASSIGN_OR_RETURN(u.must_change_password, r.boolean("must_change_password", false));
  if (!u.password_hash.starts_with("pbkdf2-sha256$"))
    return r.child("password_hash").error("expected \"pbkdf2-sha256$<iterations>$<salt>$<hash>\" (plain passwords are never stored; use `refgateway setup-admin` or the API)");
  return u;
}

absl::Status parse_control(const JsonReader& r, const GatewayConfig& cfg, ControlSection& c) {
  EMSCORE_RETURN_IF_ERROR(r.expect_object({"load_manager", "outputs", "alarms"}));
  if (r.has("load_manager")) {
    JsonReader l = r.child("load_manager");
    EMSCORE_RETURN_IF_ERROR(l.expect_object(
        {"meter", "installation_phases", "max_current_a", "max_charging_current_a",
         "hysteresis_percent", "first_step_percent", "second_step_percent", "min_guaranteed_ah",
         "iec_min_current_a", "below_minimum", "meter_timeout_s", "fail_safe_current_a",
         "fail_safe_budget_a", "settle_time_s", "hold_time_s", "stations"}));
    control::LoadManagerConfig lm;
    EMSCORE_ASSIGN_OR_RETURN(c.meter_device, l.string("meter", true));
    if (cfg.device_by_name(c.meter_device) == nullptr)
      return l.child("meter").error(str_cat("no device named \"", c.meter_device, "\""));
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t ph, l.integer("installation_phases", false, 1, 3, 3));
    if (ph == 2) return l.child("installation_phases").error("2, expected 1 or 3");
    lm.installation_phases = static_cast<int>(ph);
    EMSCORE_ASSIGN_OR_RETURN(lm.max_current, amps(l, "max_current_a", lm.max_current));
    EMSCORE_ASSIGN_OR_RETURN(lm.max_charging_current, amps(l, "max_charging_current_a", lm.max_charging_current));
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t hyst, l.integer("hysteresis_percent", false, 0, 50, lm.hysteresis_percent));
    lm.hysteresis_percent = static_cast<int>(hyst);
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t s1, l.integer("first_step_percent", false, 1, 100, lm.first_step_percent));
    lm.first_step_percent = static_cast<int>(s1);
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t s2, l.integer("second_step_percent", false, 1, 100, lm.second_step_percent));
    lm.second_step_percent = static_cast<int>(s2);
    EMSCORE_ASSIGN_OR_RETURN(Value ah, l.decimal("min_guaranteed_ah", Value(32, 0)));
    auto mah = ah.rescaled(-3);
    if (!mah.ok() || mah->mantissa < 0) return l.child("min_guaranteed_ah").error("expected ampere-hours >= 0 with at most 3 decimals");
    lm.min_guaranteed_mah = mah->mantissa;
    EMSCORE_ASSIGN_OR_RETURN(lm.iec_min_current, amps(l, "iec_min_current_a", lm.iec_min_current));
    EMSCORE_ASSIGN_OR_RETURN(std::string below, l.string("below_minimum", false, "pause"));
    if (below == "pause") lm.below_minimum = control::BelowMinimum::kPause;
    else if (below == "clamp") lm.below_minimum = control::BelowMinimum::kClamp;
    else return l.child("below_minimum").error(str_cat("\"", below, "\", expected pause or clamp"));
    EMSCORE_ASSIGN_OR_RETURN(lm.meter_timeout, seconds(l, "meter_timeout_s", 1, lm.meter_timeout));
    EMSCORE_ASSIGN_OR_RETURN(lm.fail_safe_current, amps(l, "fail_safe_current_a", lm.fail_safe_current));
    EMSCORE_ASSIGN_OR_RETURN(lm.fail_safe_budget, amps(l, "fail_safe_budget_a", lm.fail_safe_budget));
    EMSCORE_ASSIGN_OR_RETURN(lm.settle_time, seconds(l, "settle_time_s", 0, lm.settle_time));
    EMSCORE_ASSIGN_OR_RETURN(lm.hold_time, seconds(l, "hold_time_s", 0, lm.hold_time));
    if (auto st = lm.validate(); !st.ok()) return l.error(to_std(st.message()));
    c.load_manager = lm;
    EMSCORE_ASSIGN_OR_RETURN(const json::array* stations, l.array("stations", false));
    std::set<std::string> names;
    for (std::size_t i = 0; stations && i < stations->size(); ++i) {
      JsonReader s = l.child("stations").element(*stations, i);
      EMSCORE_RETURN_IF_ERROR(s.expect_object({"name", "link", "id", "rated_current_a", "phases", "priority"}));
      StationBinding b;
      EMSCORE_ASSIGN_OR_RETURN(b.station.name, s.string("name", true));
      if (!names.insert(b.station.name).second)
        return s.child("name").error(str_cat("station \"", b.station.name, "\" is listed twice"));
      EMSCORE_ASSIGN_OR_RETURN(b.device, s.string("link", false, "sim"));
      if (s.has("id")) {
        EMSCORE_ASSIGN_OR_RETURN(std::int64_t id, s.integer("id", true, 1, 0xFFFFFFFF));
        b.station.id = DeviceRef{static_cast<std::uint32_t>(id)};
      } else {
        b.station.id = device_ref_for_serial(str_cat("station:", b.station.name));
      }
      EMSCORE_ASSIGN_OR_RETURN(b.station.rated_current, amps(s, "rated_current_a", b.station.rated_current));
      EMSCORE_ASSIGN_OR_RETURN(std::string phases, s.string("phases", false, "all"));
      if (phases == "all") b.station.phases = control::kPhaseAll;
      else if (phases == "L1") b.station.phases = control::kPhaseL1;
      else if (phases == "L2") b.station.phases = control::kPhaseL2;
      else if (phases == "L3") b.station.phases = control::kPhaseL3;
      else return s.child("phases").error(str_cat("\"", phases, "\", expected all, L1, L2 or L3"));
      EMSCORE_ASSIGN_OR_RETURN(b.station.priority, s.boolean("priority", false));
      c.stations.push_back(std::move(b));
    }
  }
  EMSCORE_ASSIGN_OR_RETURN(const json::array* outputs, r.array("outputs", false));
  for (std::size_t i = 0; outputs && i < outputs->size(); ++i) {
    JsonReader o = r.child("outputs").element(*outputs, i);
    EMSCORE_RETURN_IF_ERROR(o.expect_object({"name", "function", "normal", "mode", "on_time_ms"}));
    control::OutputConfig oc;
    EMSCORE_ASSIGN_OR_RETURN(oc.name, o.string("name", true));
    for (const auto& prev : c.outputs)
      if (prev.name == oc.name) return o.child("name").error(str_cat("output \"", oc.name, "\" is listed twice"));
    EMSCORE_ASSIGN_OR_RETURN(std::string fn, o.string("function", false, "alarm"));
    if (fn == "alarm") oc.function = control::OutputFunction::kAlarm;
    else if (fn == "remote") oc.function = control::OutputFunction::kRemote;
    else return o.child("function").error(str_cat("\"", fn, "\", expected alarm or remote"));
    EMSCORE_ASSIGN_OR_RETURN(std::string normal, o.string("normal", false, "open"));
    if (normal == "open") oc.normal = control::NormalState::kNormallyOpen;
    else if (normal == "closed") oc.normal = control::NormalState::kNormallyClosed;
    else return o.child("normal").error(str_cat("\"", normal, "\", expected open or closed"));
    EMSCORE_ASSIGN_OR_RETURN(std::string mode, o.string("mode", false, "maintained"));
    if (mode == "maintained") oc.mode = control::OutputMode::kMaintained;
    else if (mode == "impulsive") oc.mode = control::OutputMode::kImpulsive;
    else if (mode == "blinking") oc.mode = control::OutputMode::kBlinking;
    else return o.child("mode").error(str_cat("\"", mode, "\", expected maintained, impulsive or blinking"));
    EMSCORE_ASSIGN_OR_RETURN(std::int64_t on_ms, o.integer("on_time_ms", false, 0, 3'600'000, 0));
    oc.on_time = absl::Milliseconds(on_ms);
    if (auto st = oc.validate(); !st.ok()) return o.error(to_std(st.message()));
    c.outputs.push_back(std::move(oc));
  }
  EMSCORE_ASSIGN_OR_RETURN(const json::array* alarms, r.array("alarms", false));
  for (std::size_t i = 0; alarms && i < alarms->size(); ++i) {
    JsonReader a = r.child("alarms").element(*alarms, i);
    EMSCORE_RETURN_IF_ERROR(a.expect_object({"name", "device", "obis", "comparison", "threshold",
                                             "hysteresis", "unit", "on_delay_s", "off_delay_s",
                                             "output"}));
    control::ThresholdRule rule;
    EMSCORE_ASSIGN_OR_RETURN(rule.name, a.string("name", true));
    if (a.has("device")) {
      EMSCORE_ASSIGN_OR_RETURN(std::string dev, a.string("device", true));
      const DeviceConfig* d = cfg.device_by_name(dev);
      if (d == nullptr) return a.child("device").error(str_cat("no device named \"", dev, "\""));
      rule.device = d->ref;
    }
    EMSCORE_ASSIGN_OR_RETURN(std::string o, a.string("obis", true));
    auto code = obis::ObisCode::parse(o);
    if (!code.ok()) return a.child("obis").error(to_std(code.status().message()));
    rule.quantity = *code;
    EMSCORE_ASSIGN_OR_RETURN(std::string cmp, a.string("comparison", false, "above"));
    if (cmp == "above") rule.comparison = control::Comparison::kAbove;
    else if (cmp == "below") rule.comparison = control::Comparison::kBelow;
    else return a.child("comparison").error(str_cat("\"", cmp, "\", expected above or below"));
    EMSCORE_ASSIGN_OR_RETURN(std::string unit_text, a.string("unit", false));
    Unit unit = Unit::kNone;
    if (!unit_text.empty()) {
      auto u = parse_unit(unit_text);
      if (!u) return a.child("unit").error(str_cat("unknown unit \"", unit_text, "\""));
      unit = *u;
    }
    if (!a.has("threshold")) return a.error("missing \"threshold\"");
    EMSCORE_ASSIGN_OR_RETURN(rule.threshold, a.decimal("threshold", Value{}));
    rule.threshold.unit = unit;
    EMSCORE_ASSIGN_OR_RETURN(rule.hysteresis, a.decimal("hysteresis", Value{}));
    rule.hysteresis.unit = unit;
    EMSCORE_ASSIGN_OR_RETURN(rule.on_delay, seconds(a, "on_delay_s", 0, rule.on_delay));
    EMSCORE_ASSIGN_OR_RETURN(rule.off_delay, seconds(a, "off_delay_s", 0, rule.off_delay));
    if (auto st = rule.validate(); !st.ok()) return a.error(to_std(st.message()));
    EMSCORE_ASSIGN_OR_RETURN(std::string out, a.string("output", false));
    if (!out.empty()) {
      const control::OutputConfig* target = nullptr;
      for (const auto& oc : c.outputs)
        if (oc.name == out) target = &oc;
      if (target == nullptr) return a.child("output").error(str_cat("no output named \"", out, "\""));
      if (target->function != control::OutputFunction::kAlarm)
        return a.child("output").error(str_cat("output \"", out, "\" has the remote function; an alarm drives only outputs with \"function\": \"alarm\""));
    }
    c.alarms.push_back(std::move(rule));
    c.alarm_outputs.push_back(std::move(out));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<GatewayConfig> parse_config(std::string_view json_text) {
  EMSCORE_ASSIGN_OR_RETURN(json::value root_value, mapping::parse_json_text(json_text, "config"));
  JsonReader root(root_value, "$", "config");
  EMSCORE_RETURN_IF_ERROR(root.expect_object(
      {"gateway", "servers", "mqtt", "buses", "devices", "users", "control"}));
  GatewayConfig cfg;
  if (root.has("gateway")) EMSCORE_RETURN_IF_ERROR(parse_gateway(root.child("gateway"), cfg.gateway));
  if (root.has("servers")) EMSCORE_RETURN_IF_ERROR(parse_servers(root.child("servers"), cfg.servers));
  if (root.has("mqtt")) EMSCORE_RETURN_IF_ERROR(parse_mqtt(root.child("mqtt"), cfg.mqtt));

  EMSCORE_ASSIGN_OR_RETURN(const json::array* buses, root.array("buses", false));
  for (std::size_t i = 0; buses && i < buses->size(); ++i) {
    JsonReader b = root.child("buses").element(*buses, i);
    EMSCORE_ASSIGN_OR_RETURN(BusConfig bus, parse_bus(b));
    if (cfg.bus(bus.name)) return b.child("name").error(str_cat("bus \"", bus.name, "\" is defined twice"));
    cfg.buses.push_back(std::move(bus));
  }
  EMSCORE_ASSIGN_OR_RETURN(const json::array* devices, root.array("devices", false));
  std::set<std::uint32_t> refs;
  std::set<std::uint8_t> units;
  for (std::size_t i = 0; devices && i < devices->size(); ++i) {
    JsonReader d = root.child("devices").element(*devices, i);
    EMSCORE_ASSIGN_OR_RETURN(DeviceConfig dev, parse_device(d, cfg));
    if (cfg.device_by_serial(dev.serial))
      return d.child("serial").error(str_cat("serial \"", dev.serial, "\" is used by two devices"));
    if (cfg.device_by_name(dev.name))
      return d.error(str_cat("device name \"", dev.name, "\" is used by two devices"));
    if (!refs.insert(dev.ref.id).second)
      return d.error(str_cat("device id ", dev.ref.id, " is used by two devices (set \"id\" explicitly)"));
    if (dev.modbus_unit != 0 && !units.insert(dev.modbus_unit).second)
      return d.child("modbus_unit").error(str_cat("unit id ", static_cast<int>(dev.modbus_unit), " is used by two devices"));
    cfg.devices.push_back(std::move(dev));
  }
  // Devices without a unit id get the lowest free ones, in configuration order.
  std::uint8_t next = 1;
  for (DeviceConfig& d : cfg.devices) {
    if (d.modbus_unit != 0) continue;
    while (next <= 247 && units.count(next)) ++next;
    if (next > 247) break;  // more than 247 devices: the rest are not served over Modbus
    d.modbus_unit = next;
    units.insert(next);
  }
  EMSCORE_ASSIGN_OR_RETURN(const json::array* users, root.array("users", false));
  for (std::size_t i = 0; users && i < users->size(); ++i) {
    JsonReader u = root.child("users").element(*users, i);
    EMSCORE_ASSIGN_OR_RETURN(UserConfig user, parse_user(u));
    for (const auto& prev : cfg.users)
      if (prev.name == user.name) return u.child("name").error(str_cat("user \"", user.name, "\" is listed twice"));
    cfg.users.push_back(std::move(user));
  }
  if (root.has("control")) EMSCORE_RETURN_IF_ERROR(parse_control(root.child("control"), cfg, cfg.control));
  return cfg;
}

absl::StatusOr<GatewayConfig> load_config(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(str_cat("config: cannot open ", path));
  std::stringstream ss;
  ss << f.rdbuf();
  auto cfg = parse_config(ss.str());
  if (!cfg.ok()) return absl::Status(cfg.status().code(), str_cat(path, ": ", cfg.status().message()));
  return cfg;
}

absl::Status save_config(const GatewayConfig& config, const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << config_to_json(config) << "\n";
    f.flush();
    if (!f) return absl::UnavailableError(str_cat("config: cannot write ", tmp));
  }
  fs::rename(tmp, target, ec);
  if (ec) return absl::UnavailableError(str_cat("config: cannot replace ", path, ": ", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<GatewayConfig> load_config_or_defaults(const std::string& path, bool must_exist) {
  if (must_exist || std::filesystem::exists(path)) return load_config(path);
  return parse_config("{}");
}

namespace {

std::string amps_text(control::MilliAmps ma) { return Value(ma, -3).normalized().to_string(); }
json::value decimal_json(const Value& v) { return json::value(v.to_string()); }

}  // namespace

std::string config_to_json(const GatewayConfig& c) {
  json::object root;
  root["gateway"] = json::object{
      {"id", c.gateway.id},
      {"raster_s", absl::ToInt64Seconds(c.gateway.raster)},
      {"data_dir", c.gateway.data_dir},
      {"time_zone", c.gateway.time_zone}};
  if (!c.gateway.driver_dirs.empty()) {
    json::array dirs;
    for (const auto& d : c.gateway.driver_dirs) dirs.emplace_back(d);
    root["gateway"].as_object()["drivers"] = std::move(dirs);
  }
  root["servers"] = json::object{
      {"http", json::object{{"address", c.servers.http.address}, {"port", c.servers.http.port}}},
      {"modbus", json::object{{"enabled", c.servers.modbus_enabled},
                              {"address", c.servers.modbus.address},
                              {"port", c.servers.modbus.port}}}};
  json::object mqtt{{"enabled", c.mqtt.enabled}, {"uri", c.mqtt.uri},
                    {"version", c.mqtt.version == 5 ? "5" : "3.1.1"}, {"qos", c.mqtt.qos},
                    {"prefix", c.mqtt.prefix}, {"client_id", c.mqtt.client_id},
                    {"username", c.mqtt.username}, {"password", c.mqtt.password},
                    {"keepalive_s", absl::ToInt64Seconds(c.mqtt.keepalive)}};
  if (c.mqtt.tls) {
    mqtt["tls"] = json::object{{"ca_file", c.mqtt.tls->ca_file},
                               {"cert_file", c.mqtt.tls->cert_file},
                               {"key_file", c.mqtt.tls->key_file},
                               {"verify", c.mqtt.tls->verify}};
  }
  root["mqtt"] = std::move(mqtt);
  json::array buses;
  for (const BusConfig& b : c.buses) {
    json::object o{{"name", b.name}, {"type", bus_type_name(b.type)}};
    const bool tcp = b.type == BusType::kModbusTcp || b.type == BusType::kMbusTcp;
    if (tcp) {
      o["host"] = b.host;
      o["port"] = b.port;
    } else if (b.type != BusType::kS0) {
      o["device"] = b.serial.device;
      o["baud"] = b.serial.baud;
      o["data_bits"] = b.serial.data_bits;
      o["parity"] = b.serial.parity == 'E' ? "even" : b.serial.parity == 'O' ? "odd" : "none";
      o["stop_bits"] = b.serial.stop_bits;
    }
    o["timeout_ms"] = b.timeout.count();
    o["retries"] = b.retries;
    if (b.type == BusType::kP1Serial) o["dsmr"] = b.dsmr_version == 5 ? "5" : "2.2";
    buses.push_back(std::move(o));
  }
  root["buses"] = std::move(buses);
  json::array devices;
  for (const DeviceConfig& d : c.devices) {
    json::object o{{"name", d.name}, {"serial", d.serial}, {"bus", d.bus}, {"driver", d.driver}};
    const BusConfig* bus = c.bus(d.bus);
    const bool addressed = bus && bus->type != BusType::kP1Serial && bus->type != BusType::kS0;
    if (addressed) o["address"] = d.address;
    if (d.secondary) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%08llu", static_cast<unsigned long long>(*d.secondary));
      o["secondary"] = buf;
    }
    if (d.interval) o["interval_s"] = absl::ToInt64Seconds(*d.interval);
    if (d.battery) o["battery"] = true;
    if (d.modbus_unit) o["modbus_unit"] = d.modbus_unit;
    if (d.ref != device_ref_for_serial(d.serial)) o["id"] = d.ref.id;
    if (d.s0) {
      o["input"] = d.s0->input;
      o["pulses_per_unit"] = d.s0->pulses_per_unit;
      o["unit"] = d.s0->unit;
      o["obis"] = d.s0->code.to_string();
    }
    devices.push_back(std::move(o));
  }
  root["devices"] = std::move(devices);
  json::array users;
  for (const UserConfig& u : c.users) {
    json::object o{{"name", u.name}, {"role", u.role}, {"password_hash", u.password_hash}};
    if (u.must_change_password) o["must_change_password"] = true;
    users.push_back(std::move(o));
  }
  root["users"] = std::move(users);
  const ControlSection& ctl = c.control;
  if (ctl.load_manager || !ctl.outputs.empty() || !ctl.alarms.empty()) {
    json::object control;
    if (ctl.load_manager) {
      const control::LoadManagerConfig& lm = *ctl.load_manager;
      json::array stations;
      for (const StationBinding& s : ctl.stations) {
        json::object so{{"name", s.station.name}, {"link", s.device},
                        {"rated_current_a", amps_text(s.station.rated_current)},
                        {"phases", s.station.phases == control::kPhaseL1   ? "L1"
                                   : s.station.phases == control::kPhaseL2 ? "L2"
                                   : s.station.phases == control::kPhaseL3 ? "L3"
                                                                           : "all"},
                        {"priority", s.station.priority}};
        if (s.station.id != device_ref_for_serial(str_cat("station:", s.station.name)))
          so["id"] = s.station.id.id;
        stations.push_back(std::move(so));
      }
      control["load_manager"] = json::object{
          {"meter", ctl.meter_device},
          {"installation_phases", lm.installation_phases},
          {"max_current_a", amps_text(lm.max_current)},
          {"max_charging_current_a", amps_text(lm.max_charging_current)},
          {"hysteresis_percent", lm.hysteresis_percent},
          {"first_step_percent", lm.first_step_percent},
          {"second_step_percent", lm.second_step_percent},
          {"min_guaranteed_ah", Value(lm.min_guaranteed_mah, -3).normalized().to_string()},
          {"iec_min_current_a", amps_text(lm.iec_min_current)},
          {"below_minimum", lm.below_minimum == control::BelowMinimum::kPause ? "pause" : "clamp"},
          {"meter_timeout_s", absl::ToInt64Seconds(lm.meter_timeout)},
          {"fail_safe_current_a", amps_text(lm.fail_safe_current)},
          {"fail_safe_budget_a", amps_text(lm.fail_safe_budget)},
          {"settle_time_s", absl::ToInt64Seconds(lm.settle_time)},
          {"hold_time_s", absl::ToInt64Seconds(lm.hold_time)},
          {"stations", std::move(stations)}};
    }
    json::array outputs;
    for (const control::OutputConfig& o : ctl.outputs) {
      outputs.push_back(json::object{
          {"name", o.name},
          {"function", o.function == control::OutputFunction::kAlarm ? "alarm" : "remote"},
          {"normal", o.normal == control::NormalState::kNormallyOpen ? "open" : "closed"},
          {"mode", o.mode == control::OutputMode::kMaintained  ? "maintained"
                   : o.mode == control::OutputMode::kImpulsive ? "impulsive"
                                                               : "blinking"},
          {"on_time_ms", absl::ToInt64Milliseconds(o.on_time)}});
    }
    control["outputs"] = std::move(outputs);
    json::array alarms;
    for (std::size_t i = 0; i < ctl.alarms.size(); ++i) {
      const control::ThresholdRule& r = ctl.alarms[i];
      json::object a{{"name", r.name},
                     {"obis", r.quantity.to_string()},
                     {"comparison", r.comparison == control::Comparison::kAbove ? "above" : "below"},
                     {"threshold", decimal_json(r.threshold)},
                     {"hysteresis", decimal_json(r.hysteresis)},
                     {"on_delay_s", absl::ToInt64Seconds(r.on_delay)},
                     {"off_delay_s", absl::ToInt64Seconds(r.off_delay)}};
      if (r.threshold.unit != Unit::kNone) a["unit"] = unit_symbol(r.threshold.unit);
      if (r.device) {
        for (const DeviceConfig& d : c.devices)
          if (d.ref == *r.device) a["device"] = d.name;
      }
      if (i < ctl.alarm_outputs.size() && !ctl.alarm_outputs[i].empty()) a["output"] = ctl.alarm_outputs[i];
      alarms.push_back(std::move(a));
    }
    control["alarms"] = std::move(alarms);
    root["control"] = std::move(control);
  }
  return json::serialize(root);
}

}  // namespace emscore::refgw
