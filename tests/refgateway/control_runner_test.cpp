// ControlRunner: time-stepped scenarios through the runner, with fake station links that obey
// their commands at once and a simulated total meter (other loads + what the stations draw).
#include "control_runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "boost/json.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/core/time.hpp"
#include "emscore/obis/obis_code.hpp"

namespace emscore::refgw {
namespace {

namespace json = boost::json;
using control::CommandKind;
using control::MilliAmps;
using control::StationState;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);
absl::Time at(int s) { return kT0 + absl::Seconds(s); }
constexpr DeviceRef kMeter{17};
constexpr obis::ObisCode kCurrentL1(1, 0, 31, 7, 0);
constexpr obis::ObisCode kCurrentL2(1, 0, 51, 7, 0);
constexpr obis::ObisCode kCurrentL3(1, 0, 71, 7, 0);

// A station that carries out every command at once; the vehicle draws the setpoint.
class FakeStation : public StationLink {
 public:
  StationState state = StationState::kAvailable;
  MilliAmps setpoint = 0;
  bool refuse = false;
  std::vector<control::Command> applied;

  control::StationStatus status() override {
    control::StationStatus s;
    s.state = state;
    if (state == StationState::kCharging) s.measured_current = setpoint;
    return s;
  }
  absl::Status apply(const control::Command& c) override {
    if (refuse) return absl::UnavailableError("fake link: station does not answer");
    applied.push_back(c);
    if (state == StationState::kFailed) return absl::OkStatus();
    switch (c.kind) {
      case CommandKind::kStart:
      case CommandKind::kSetCurrent:
        state = StationState::kCharging;
        setpoint = c.current;
        break;
      case CommandKind::kPause:
      case CommandKind::kStop:
        state = StationState::kWaiting;
        setpoint = 0;
        break;
    }
    return absl::OkStatus();
  }
  MilliAmps draw() const { return state == StationState::kCharging ? setpoint : 0; }
  bool got(CommandKind kind, control::Reason reason) const {
    for (const auto& c : applied) {
      if (c.kind == kind && c.reason == reason) return true;
    }
    return false;
  }
};

ControlSection site_section() {
  ControlSection c;
  control::LoadManagerConfig lm;
  lm.max_current = 100'000;          // yellow/red
  lm.max_charging_current = 80'000;  // green/yellow
  lm.hysteresis_percent = 5;         // 5 A
  lm.meter_timeout = absl::Seconds(10);
  lm.settle_time = absl::Seconds(2);
  c.load_manager = lm;
  c.meter_device = "Main";
  for (std::uint32_t i = 1; i <= 3; ++i) {
    StationBinding b;
    b.station.id = DeviceRef{100 + i};
    b.station.name = str_cat("bay", i);
    b.station.rated_current = 32'000;
    b.device = "sim";
    c.stations.push_back(b);
  }
  c.outputs.push_back({"DO1", control::OutputFunction::kAlarm, control::NormalState::kNormallyOpen,
                       control::OutputMode::kMaintained, absl::ZeroDuration()});
  c.outputs.push_back({"DO2", control::OutputFunction::kRemote,
                       control::NormalState::kNormallyClosed, control::OutputMode::kMaintained,
                       absl::ZeroDuration()});
  control::ThresholdRule rule;
  rule.name = "overcurrent-L1";
  rule.quantity = kCurrentL1;
  rule.device = kMeter;
  rule.threshold = Value(90, 0, Unit::kAmpere);
  rule.hysteresis = Value(5, 0, Unit::kAmpere);
  rule.on_delay = absl::Seconds(2);
  c.alarms.push_back(rule);
  c.alarm_outputs.push_back("DO1");
  return c;
}

std::optional<DeviceRef> resolve(std::string_view name) {
  if (name == "Main") return kMeter;
  return std::nullopt;
}

// The runner, three fake stations, other loads and a meter, stepped one second at a time.
struct Site {
  std::vector<LogEntry> log;
  std::vector<std::pair<std::string, bool>> contacts;
  std::vector<std::shared_ptr<FakeStation>> bays;
  std::optional<ControlRunner> runner;
  std::array<MilliAmps, 3> other{10'000, 10'000, 10'000};
  bool meter_answers = true;
  int now_s = 0;

  explicit Site(ControlSection section = site_section()) {
    ControlRunnerOptions o;
    o.sink = [this](const LogEntry& e) { log.push_back(e); };
    o.output_driver = [this](std::string_view name, bool closed) {
      contacts.emplace_back(std::string(name), closed);
    };
    o.apply_failure_hold = absl::Seconds(5);
    auto r = ControlRunner::create(section, resolve, std::move(o));
    EXPECT_TRUE(r.ok()) << r.status();
    runner.emplace(std::move(*r));
    for (const StationBinding& b : section.stations) {
      bays.push_back(std::make_shared<FakeStation>());
      EXPECT_TRUE(runner->attach(b.station.name, bays.back()).ok());
    }
  }
  std::vector<Reading> meter_readings(absl::Time t) const {
    std::array<MilliAmps, 3> phase = other;
    for (const auto& b : bays) {
      for (auto& p : phase) p += b->draw();
    }
    const obis::ObisCode codes[3] = {kCurrentL1, kCurrentL2, kCurrentL3};
    std::vector<Reading> rs;
    for (int p = 0; p < 3; ++p) {
      rs.push_back(Reading{kMeter, codes[p], Value(phase[static_cast<std::size_t>(p)], -3,
                                                   Unit::kAmpere),
                           t, Quality::kMeasured});
    }
    return rs;
  }
  MilliAmps load_l1() const { return meter_readings(at(now_s))[0].value.mantissa; }
  // Runs `seconds` seconds: a readout (when the meter answers), then a tick, every second.
  void run(int seconds) {
    for (int i = 0; i < seconds; ++i) {
      ++now_s;
      if (meter_answers) {
        auto rs = meter_readings(at(now_s));
        runner->on_readings(kMeter, rs, at(now_s));
      }
      runner->tick(at(now_s));
    }
  }
  // Log entries (from index `from`) whose source is `source` and whose message contains `text`.
  std::vector<LogEntry> find(std::string_view source, std::string_view text,
                             std::size_t from = 0) const {
    std::vector<LogEntry> out;
    for (std::size_t i = from; i < log.size(); ++i) {
      if (log[i].source == source && log[i].message.find(text) != std::string::npos) {
        out.push_back(log[i]);
      }
    }
    return out;
  }
  std::string dump() const {
    std::string s;
    for (const LogEntry& e : log) {
      s += str_cat(format_iso8601_utc(e.at), " ", severity_name(e.severity), " ", e.category, " ",
                   e.source, ": ", e.message, "\n");
    }
    return s;
  }
};

TEST(ControlRunner, ZonesReductionsAndRecoveryAreLoggedAndApplied) {
  Site site;
  site.other = {0, 0, 0};
  site.run(1);
  EXPECT_TRUE(site.log.empty()) << site.dump();  // green, nobody plugged in
  site.bays[0]->state = StationState::kWaiting;
  site.bays[1]->state = StationState::kWaiting;
  site.run(1);
  // Green: both requests start at their rated current (64 A <= 80 A).
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string name = str_cat("bay", i + 1);
    EXPECT_EQ(site.find(name, "request_queued").size(), 1u) << site.dump();
    ASSERT_EQ(site.find(name, "command: start 32.000 A (new_request").size(), 1u) << site.dump();
    EXPECT_EQ(site.bays[i]->state, StationState::kCharging);
    EXPECT_EQ(site.bays[i]->setpoint, 32'000);
  }
  // Other loads jump to 40 A: 104 A > 100 A is red; the charges are reduced.
  site.other = {40'000, 40'000, 40'000};
  const std::size_t mark = site.log.size();
  site.run(10);
  auto red = site.find("Main", "zone_changed: green -> red", mark);
  ASSERT_EQ(red.size(), 1u) << site.dump();
  EXPECT_EQ(red[0].severity, Severity::kWarning);
  EXPECT_EQ(red[0].category, "control");
  EXPECT_FALSE(site.find("bay1", "(red_reduction", mark).empty()) << site.dump();
  EXPECT_TRUE(site.bays[0]->got(CommandKind::kSetCurrent, control::Reason::kRedReduction));
  EXPECT_LE(site.load_l1(), 100'000) << site.dump();
  EXPECT_FALSE(site.find("Main", "red -> ", mark).empty()) << site.dump();
  // Other loads drop: green again, the reduced charges are restored, first reduced first.
  site.other = {0, 0, 0};
  const std::size_t mark2 = site.log.size();
  site.run(10);
  auto green = site.find("Main", "-> green", mark2);
  ASSERT_EQ(green.size(), 1u) << site.dump();
  EXPECT_EQ(green[0].severity, Severity::kInfo);
  EXPECT_FALSE(site.find("bay1", "(restore", mark2).empty()) << site.dump();
  EXPECT_TRUE(site.bays[0]->got(CommandKind::kSetCurrent, control::Reason::kRestore));
  EXPECT_EQ(site.bays[0]->setpoint, 32'000) << site.dump();
  EXPECT_EQ(site.bays[1]->setpoint, 32'000) << site.dump();
  // Every command in the log went to a station, and nothing was refused.
  std::size_t commands = 0;
  for (const LogEntry& e : site.log) {
    if (e.message.starts_with("command: ")) ++commands;
    EXPECT_NE(e.severity, Severity::kError) << e.message;
  }
  std::size_t applied = 0;
  for (const auto& b : site.bays) applied += b->applied.size();
  EXPECT_EQ(commands, applied);
  // The view has the decisions with their reasons.
  json::value v = site.runner->view_json(at(site.now_s));
  EXPECT_EQ(v.at("zone").as_string(), "green");
  const json::array& decisions = v.at("decisions").as_array();
  ASSERT_FALSE(decisions.empty());
  bool saw_reduction = false;
  for (const json::value& d : decisions) {
    for (const json::value& c : d.at("commands").as_array()) {
      EXPECT_TRUE(c.at("applied").as_bool());
      if (c.at("reason").as_string() == "red_reduction") saw_reduction = true;
    }
  }
  EXPECT_TRUE(saw_reduction) << json::serialize(v);
}

TEST(ControlRunner, DecreasesAreAppliedBeforeIncreases) {
  Site site;
  // bay1 and bay2 charge (74 A); bay3 asks, bay1 makes room for it in the same decision.
  site.bays[0]->state = StationState::kWaiting;
  site.bays[1]->state = StationState::kWaiting;
  site.run(5);
  ASSERT_EQ(site.bays[0]->setpoint, 32'000) << site.dump();
  ASSERT_EQ(site.bays[1]->setpoint, 32'000) << site.dump();
  site.bays[2]->state = StationState::kWaiting;
  site.run(10);
  ASSERT_EQ(site.bays[2]->state, StationState::kCharging) << site.dump();
  // In the decision that started bay3, the make-room reductions came first.
  json::value v = site.runner->view_json(at(site.now_s));
  bool found = false;
  for (const json::value& d : v.at("decisions").as_array()) {
    const json::array& cs = d.at("commands").as_array();
    bool increase_seen = false;
    for (const json::value& c : cs) {
      const bool increase = c.at("kind").as_string() == "start";
      if (increase) {
        increase_seen = true;
        found = found || c.at("station").as_string() == "bay3";
      } else if (c.at("reason").as_string() == "make_room") {
        EXPECT_FALSE(increase_seen) << json::serialize(d);
      }
    }
  }
  EXPECT_TRUE(found) << json::serialize(v) << site.dump();
  EXPECT_TRUE(site.bays[0]->got(CommandKind::kSetCurrent, control::Reason::kMakeRoom) ||
              site.bays[1]->got(CommandKind::kSetCurrent, control::Reason::kMakeRoom))
      << site.dump();
}

TEST(ControlRunner, AFailingStationIsLoggedAndItsSessionWithdrawn) {
  Site site;
  site.other = {0, 0, 0};
  site.bays[0]->state = StationState::kWaiting;
  site.bays[1]->state = StationState::kWaiting;
  site.run(3);
  ASSERT_EQ(site.bays[1]->state, StationState::kCharging) << site.dump();
  site.bays[1]->state = StationState::kFailed;
  const std::size_t mark = site.log.size();
  site.run(2);
  auto failed = site.find("bay2", "station_failed: failure reported", mark);
  ASSERT_EQ(failed.size(), 1u) << site.dump();
  EXPECT_EQ(failed[0].severity, Severity::kWarning);
  EXPECT_FALSE(site.find("bay2", "command: stop (station_failed", mark).empty()) << site.dump();
  EXPECT_TRUE(site.bays[1]->got(CommandKind::kStop, control::Reason::kStationFailed));
  json::value v = site.runner->view_json(at(site.now_s));
  const json::value& bay2 = v.at("stations").as_array()[1];
  EXPECT_EQ(bay2.at("name").as_string(), "bay2");
  EXPECT_EQ(bay2.at("state").as_string(), "failed");
  EXPECT_EQ(bay2.at("session").as_string(), "idle");
  // The other station is untouched; the failed one recovers and asks again.
  EXPECT_EQ(site.bays[0]->state, StationState::kCharging);
  site.bays[1]->state = StationState::kWaiting;
  site.run(3);
  EXPECT_FALSE(site.find("bay2", "station_recovered", mark).empty()) << site.dump();
  EXPECT_EQ(site.bays[1]->state, StationState::kCharging) << site.dump();
}

TEST(ControlRunner, ARefusedCommandIsAnErrorAndTheStationIsHeldFailed) {
  Site site;
  site.other = {0, 0, 0};
  site.bays[2]->refuse = true;
  site.bays[2]->state = StationState::kWaiting;
  site.run(1);
  auto refused = site.find("bay3", "NOT applied: fake link: station does not answer");
  ASSERT_EQ(refused.size(), 1u) << site.dump();
  EXPECT_EQ(refused[0].severity, Severity::kError);
  EXPECT_THAT(refused[0].message, HasSubstr("command: start 32.000 A"));
  // Next tick the load manager hears "failed" (the runner holds it for 5 s) and withdraws
  // the session it believes in: no setpoint the station never got stays in its books.
  site.run(1);
  EXPECT_EQ(site.find("bay3", "station_failed: failure reported").size(), 1u) << site.dump();
  json::value v = site.runner->view_json(at(site.now_s));
  EXPECT_EQ(v.at("stations").as_array()[2].at("session").as_string(), "idle");
  EXPECT_THAT(std::string(v.at("stations").as_array()[2].at("error").as_string()),
              HasSubstr("does not answer"));
  // The link works again: after the hold the station recovers and starts.
  site.bays[2]->refuse = false;
  site.run(6);
  EXPECT_EQ(site.find("bay3", "station_recovered").size(), 1u) << site.dump();
  EXPECT_EQ(site.bays[2]->state, StationState::kCharging) << site.dump();
}

// A failed station that also refuses the stop withdrawing its session: a warning, and it is
// not held failed beyond its own report (it recovers as soon as it says so).
TEST(ControlRunner, AFailedStationRefusingItsStopIsOnlyAWarning) {
  Site site;
  site.other = {0, 0, 0};
  site.bays[0]->state = StationState::kWaiting;
  site.run(2);
  ASSERT_EQ(site.bays[0]->state, StationState::kCharging) << site.dump();
  site.bays[0]->state = StationState::kFailed;
  site.bays[0]->refuse = true;
  site.run(1);
  auto refused = site.find("bay1", "command: stop (station_failed");
  ASSERT_EQ(refused.size(), 1u) << site.dump();
  EXPECT_EQ(refused[0].severity, Severity::kWarning);
  EXPECT_THAT(refused[0].message, HasSubstr("NOT applied"));
  site.bays[0]->state = StationState::kWaiting;
  site.bays[0]->refuse = false;
  site.run(1);
  EXPECT_EQ(site.find("bay1", "station_recovered").size(), 1u) << site.dump();
  site.run(1);
  EXPECT_EQ(site.bays[0]->state, StationState::kCharging) << site.dump();
}

TEST(ControlRunner, MeterLossEntersFailSafeAndTheRunnerKeepsTicking) {
  Site site;
  site.other = {0, 0, 0};
  for (auto& b : site.bays) b->state = StationState::kWaiting;
  site.run(5);
  for (auto& b : site.bays) ASSERT_GT(b->setpoint, 6'000) << site.dump();
  site.meter_answers = false;
  const std::size_t mark = site.log.size();
  site.run(9);  // within the 10 s timeout
  EXPECT_TRUE(site.find("Main", "fail_safe_entered", mark).empty()) << site.dump();
  site.run(3);
  auto entered = site.find("Main", "fail_safe_entered", mark);
  ASSERT_EQ(entered.size(), 1u) << site.dump();
  EXPECT_EQ(entered[0].severity, Severity::kWarning);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(site.bays[i]->got(CommandKind::kSetCurrent, control::Reason::kFailSafe));
    EXPECT_EQ(site.bays[i]->setpoint, 6'000) << site.dump();
  }
  EXPECT_EQ(site.find("bay1", "command: set_current 6.000 A (fail_safe", mark).size(), 1u);
  json::value v = site.runner->view_json(at(site.now_s));
  EXPECT_TRUE(v.at("fail_safe").as_bool());
  EXPECT_GE(v.at("meter").at("sample_age_ms").as_int64(), 10'000);
  // Many more silent seconds: no repeated commands or events.
  const std::size_t quiet = site.log.size();
  site.run(30);
  EXPECT_EQ(site.log.size(), quiet) << site.dump();
  // The meter answers again: fail-safe is left and the charges are restored.
  site.meter_answers = true;
  site.run(5);
  EXPECT_EQ(site.find("Main", "fail_safe_left", quiet).size(), 1u) << site.dump();
  EXPECT_FALSE(site.runner->view_json(at(site.now_s)).at("fail_safe").as_bool());
  EXPECT_GT(site.bays[0]->setpoint, 6'000) << site.dump();
}

TEST(ControlRunner, NoMeterSampleEverIsFailSafeToo) {
  Site site;
  site.meter_answers = false;
  site.bays[0]->state = StationState::kWaiting;
  site.run(12);
  EXPECT_EQ(site.find("Main", "fail_safe_entered").size(), 1u) << site.dump();
  json::value v = site.runner->view_json(at(site.now_s));
  EXPECT_TRUE(v.at("meter").at("sample_age_ms").is_null());
  EXPECT_TRUE(v.at("fail_safe").as_bool());
}

TEST(ControlRunner, AnUnusableMeterReadoutIsLoggedOnce) {
  Site site;
  std::vector<Reading> only_l1 = {
      Reading{kMeter, kCurrentL1, Value(5, 0, Unit::kAmpere), at(1), Quality::kMeasured}};
  site.runner->on_readings(kMeter, only_l1, at(1));
  site.runner->on_readings(kMeter, only_l1, at(2));
  auto w = site.find("Main", "meter_sample: readout unusable");
  ASSERT_EQ(w.size(), 1u) << site.dump();
  EXPECT_THAT(w[0].message, HasSubstr("1-0:51.7.0"));
  site.now_s = 2;
  site.run(1);
  EXPECT_EQ(site.find("Main", "usable phase currents again").size(), 1u) << site.dump();
}

TEST(ControlRunner, AnAlarmRuleDrivesItsOutputAndIsLogged) {
  Site site;
  site.run(1);
  ASSERT_EQ(site.contacts.size(), 2u);  // the rest state of each output, at the first tick
  EXPECT_EQ(site.contacts[0], std::make_pair(std::string("DO1"), false));
  EXPECT_EQ(site.contacts[1], std::make_pair(std::string("DO2"), true));  // NC
  site.other = {95'000, 10'000, 10'000};  // L1 above 90 A
  site.run(1);
  EXPECT_TRUE(site.find("overcurrent-L1", "alarm_raised").empty());  // on-delay 2 s
  site.run(3);
  auto raised = site.find("overcurrent-L1", "alarm_raised");
  ASSERT_EQ(raised.size(), 1u) << site.dump();
  EXPECT_EQ(raised[0].severity, Severity::kWarning);
  EXPECT_EQ(raised[0].at, at(4));  // dated when the on-delay ran out
  auto on = site.find("DO1", "output_changed: on");
  ASSERT_EQ(on.size(), 1u) << site.dump();
  EXPECT_EQ(site.contacts.back(), std::make_pair(std::string("DO1"), true));
  json::value v = site.runner->view_json(at(site.now_s));
  EXPECT_TRUE(v.at("alarms").as_array()[0].at("active").as_bool());
  EXPECT_EQ(v.at("alarms").as_array()[0].at("output").as_string(), "DO1");
  EXPECT_TRUE(v.at("outputs").as_array()[0].at("active").as_bool());
  EXPECT_TRUE(v.at("outputs").as_array()[0].at("contact_closed").as_bool());
  // Released below 85 A (hysteresis 5 A), without off-delay.
  site.other = {80'000, 10'000, 10'000};
  site.run(1);
  EXPECT_EQ(site.find("overcurrent-L1", "alarm_cleared").size(), 1u) << site.dump();
  EXPECT_EQ(site.find("DO1", "output_changed: off").size(), 1u) << site.dump();
  EXPECT_EQ(site.contacts.back(), std::make_pair(std::string("DO1"), false));
  // Readings of another device do not feed a rule bound to the meter.
  site.runner->on_readings(DeviceRef{5},
                           std::vector<Reading>{Reading{DeviceRef{5}, kCurrentL1,
                                                        Value(200, 0, Unit::kAmpere), at(30),
                                                        Quality::kMeasured}},
                           at(30));
  site.now_s = 30;
  site.run(5);
  EXPECT_EQ(site.find("overcurrent-L1", "alarm_raised").size(), 1u) << site.dump();
}

TEST(ControlRunner, RemoteOutputCommands) {
  Site site;
  site.run(1);
  auto unknown = site.runner->remote_output("DO9", true, "admin", at(2));
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(unknown.message(), "control: unknown output \"DO9\" (outputs: DO1, DO2)");
  auto alarm_fn = site.runner->remote_output("DO1", true, "admin", at(2));
  EXPECT_EQ(alarm_fn.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(alarm_fn.message()), HasSubstr("alarm function"));
  EXPECT_TRUE(site.log.empty()) << site.dump();

  ASSERT_TRUE(site.runner->remote_output("DO2", true, "alice", at(2)).ok());
  // Logged at once (the HTTP answer can point at it), with the user.
  auto cmd = site.find("DO2", "remote_command: on by alice");
  ASSERT_EQ(cmd.size(), 1u) << site.dump();
  EXPECT_EQ(cmd[0].at, at(2));
  EXPECT_EQ(site.find("DO2", "output_changed: on").size(), 1u) << site.dump();
  EXPECT_EQ(site.contacts.back(), std::make_pair(std::string("DO2"), false));  // NC opens
  json::value v = site.runner->view_json(at(2));
  EXPECT_TRUE(v.at("outputs").as_array()[1].at("active").as_bool());
  EXPECT_EQ(v.at("outputs").as_array()[1].at("function").as_string(), "remote");
  EXPECT_EQ(v.at("outputs").as_array()[1].at("normal").as_string(), "closed");
  ASSERT_TRUE(site.runner->remote_output("DO2", false, "bob", at(3)).ok());
  EXPECT_EQ(site.find("DO2", "remote_command: off by bob").size(), 1u) << site.dump();

  // A gateway without outputs says so.
  ControlSection none;
  ControlRunnerOptions o;
  o.sink = [](const LogEntry&) {};
  auto bare = ControlRunner::create(none, resolve, std::move(o));
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->remote_output("DO1", true, "admin", at(0)).message(),
            "control: unknown output \"DO1\" (outputs: none configured)");
  EXPECT_FALSE(bare->load_management());
  bare->tick(at(1));  // no load manager: ticking is harmless
  json::value bv = bare->view_json(at(1));
  EXPECT_FALSE(bv.at("load_management").as_bool());
  EXPECT_TRUE(bv.at("stations").as_array().empty());
}

TEST(ControlRunner, ConfigurationErrorsNameWhatIsWrong) {
  auto make = [](const ControlSection& s) {
    ControlRunnerOptions o;
    o.sink = [](const LogEntry&) {};
    return ControlRunner::create(s, resolve, std::move(o));
  };
  ControlSection s = site_section();
  s.meter_device = "Mian";
  EXPECT_EQ(make(s).status().message(),
            "control.load_manager.meter: no device named \"Mian\"");
  s = site_section();
  s.stations[1].station.rated_current = 4'000;
  EXPECT_THAT(std::string(make(s).status().message()),
              HasSubstr("control.load_manager.stations bay2"));
  s = site_section();
  s.stations[2].station.id = s.stations[0].station.id;
  EXPECT_THAT(std::string(make(s).status().message()), HasSubstr("bay3: id 101"));
  s = site_section();
  s.alarm_outputs[0] = "DO2";  // remote function
  EXPECT_THAT(std::string(make(s).status().message()),
              HasSubstr("control.alarms overcurrent-L1"));
  ControlRunnerOptions no_sink;
  EXPECT_FALSE(ControlRunner::create(site_section(), resolve, std::move(no_sink)).ok());

  Site site;
  auto st = site.runner->attach("bay9", std::make_shared<FakeStation>());
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "control: no station named \"bay9\" (stations: bay1, bay2, bay3)");
}

TEST(ControlRunner, AStationWithoutALinkIsReportedOnce) {
  ControlSection s = site_section();
  std::vector<LogEntry> log;
  ControlRunnerOptions o;
  o.sink = [&log](const LogEntry& e) { log.push_back(e); };
  auto r = ControlRunner::create(s, resolve, std::move(o));
  ASSERT_TRUE(r.ok()) << r.status();
  auto bay1 = std::make_shared<FakeStation>();
  ASSERT_TRUE(r->attach("bay1", bay1).ok());
  for (int t = 1; t <= 3; ++t) r->tick(at(t));
  int no_link = 0;
  for (const LogEntry& e : log) {
    if (e.message.find("no station link attached (link \"sim\")") != std::string::npos) {
      ++no_link;
      EXPECT_EQ(e.severity, Severity::kError);
    }
  }
  EXPECT_EQ(no_link, 2);  // bay2 and bay3, once each
  json::value v = r->view_json(at(3));
  EXPECT_TRUE(v.at("stations").as_array()[0].at("attached").as_bool());
  EXPECT_FALSE(v.at("stations").as_array()[1].at("attached").as_bool());
}

TEST(ControlRunner, ViewJsonHasTheDocumentedShape) {
  Site site;
  site.bays[0]->state = StationState::kWaiting;
  site.run(3);
  json::value v = site.runner->view_json(at(site.now_s));
  const json::object& o = v.as_object();
  for (const char* key : {"load_management", "at", "last_tick", "zone", "fail_safe", "limits",
                          "meter", "stations", "outputs", "alarms", "decisions"}) {
    EXPECT_TRUE(o.contains(key)) << key;
  }
  EXPECT_EQ(o.at("meter").at("device").as_string(), "Main");
  EXPECT_EQ(o.at("meter").at("sample_age_ms").as_int64(), 0);
  EXPECT_EQ(o.at("meter").at("phase_current_ma").as_array().size(), 3u);
  EXPECT_EQ(o.at("limits").at("max_current_ma").as_int64(), 100'000);
  const json::object& bay1 = o.at("stations").as_array()[0].as_object();
  for (const char* key : {"name", "id", "link", "attached", "state", "session", "level",
                          "setpoint_ma", "measured_ma", "rated_current_ma", "phases", "priority",
                          "delivered_mah", "connected_at", "error"}) {
    EXPECT_TRUE(bay1.contains(key)) << key;
  }
  EXPECT_EQ(bay1.at("state").as_string(), "charging");
  EXPECT_EQ(bay1.at("session").as_string(), "charging");
  EXPECT_EQ(bay1.at("level").as_string(), "full");
  EXPECT_EQ(bay1.at("setpoint_ma").as_int64(), 32'000);
  EXPECT_EQ(bay1.at("phases").as_string(), "all");
  const json::array& decisions = o.at("decisions").as_array();
  ASSERT_EQ(decisions.size(), 1u) << json::serialize(v);
  const json::object& c = decisions[0].at("commands").as_array()[0].as_object();
  EXPECT_EQ(c.at("station").as_string(), "bay1");
  EXPECT_EQ(c.at("kind").as_string(), "start");
  EXPECT_EQ(c.at("current_ma").as_int64(), 32'000);
  EXPECT_EQ(c.at("reason").as_string(), "new_request");
  EXPECT_THAT(std::string(decisions[0].at("events").as_array()[0].as_string()),
              HasSubstr("request_queued bay1"));
  // The history is bounded.
  for (int i = 0; i < 30; ++i) {
    site.bays[0]->state = i % 2 ? StationState::kWaiting : StationState::kAvailable;
    site.run(3);
  }
  EXPECT_EQ(site.runner->view_json(at(site.now_s)).at("decisions").as_array().size(), 20u);
}

TEST(ControlRunner, SinkToEventLogPersistsTheEntries) {
  auto dir = std::filesystem::temp_directory_path() /
             ("emscore-control-runner-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto log = EventLog::open((dir / "events.db").string());
  ASSERT_TRUE(log.ok()) << log.status();
  ControlRunnerOptions o;
  o.sink = ControlRunner::sink_to(**log);
  auto r = ControlRunner::create(site_section(), resolve, std::move(o));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->remote_output("DO2", true, "alice", at(5)).ok());
  auto entries = (*log)->query();
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].category, "control");
  EXPECT_EQ((*entries)[0].source, "DO2");
  EXPECT_EQ((*entries)[0].message, "remote_command: on by alice");
  EXPECT_EQ((*entries)[0].at, at(5));
  std::filesystem::remove_all(dir);
}

// The "control" section exactly as docs/control.md documents it (every key), through the
// gateway's config parser, into a runner.
TEST(ControlRunner, TheDocumentedConfigSectionParsesAndRuns) {
  constexpr const char* kConfig = R"({
    "buses": [{"name": "tcp", "type": "modbus_tcp", "host": "127.0.0.1", "port": 5020}],
    "devices": [{"name": "Main", "serial": "SDM630-1", "bus": "tcp", "address": 1,
                 "driver": "eastron_sdm630"}],
    "control": {
      "load_manager": {
        "meter": "Main", "installation_phases": 3, "max_current_a": 250,
        "max_charging_current_a": 230, "hysteresis_percent": 0, "first_step_percent": 75,
        "second_step_percent": 50, "min_guaranteed_ah": 32, "iec_min_current_a": 6,
        "below_minimum": "pause", "meter_timeout_s": 30, "fail_safe_current_a": 6,
        "fail_safe_budget_a": 0, "settle_time_s": 5, "hold_time_s": 0,
        "stations": [{"name": "Bay 1", "link": "sim", "id": 901, "rated_current_a": 32,
                      "phases": "all", "priority": false},
                     {"name": "Bay 2", "phases": "L2", "priority": true}]
      },
      "outputs": [{"name": "DO1", "function": "alarm", "normal": "open", "mode": "maintained",
                   "on_time_ms": 0},
                  {"name": "DO2", "function": "remote", "normal": "closed", "mode": "impulsive",
                   "on_time_ms": 500}],
      "alarms": [{"name": "overcurrent-L1", "obis": "1-0:31.7.0", "device": "Main",
                  "comparison": "above", "threshold": "90", "hysteresis": "5", "unit": "A",
                  "on_delay_s": 2, "off_delay_s": 0, "output": "DO1"}]
    }
  })";
  auto cfg = parse_config(kConfig);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  std::vector<LogEntry> log;
  ControlRunnerOptions o;
  o.sink = [&log](const LogEntry& e) { log.push_back(e); };
  auto r = ControlRunner::create(cfg->control, ControlRunner::resolver_for(*cfg), std::move(o));
  ASSERT_TRUE(r.ok()) << r.status();
  auto bay1 = std::make_shared<FakeStation>();
  auto bay2 = std::make_shared<FakeStation>();
  ASSERT_TRUE(r->attach("Bay 1", bay1).ok());
  ASSERT_TRUE(r->attach("Bay 2", bay2).ok());
  bay2->state = StationState::kWaiting;
  const DeviceRef meter = cfg->devices[0].ref;
  std::vector<Reading> rs;
  for (obis::ObisCode q : {kCurrentL1, kCurrentL2, kCurrentL3}) {
    rs.push_back(Reading{meter, q, Value(20, 0, Unit::kAmpere), at(1), Quality::kMeasured});
  }
  r->on_readings(meter, rs, at(1));
  r->tick(at(1));
  EXPECT_EQ(bay2->setpoint, 32'000);
  json::value v = r->view_json(at(1));
  EXPECT_EQ(v.at("stations").as_array()[0].at("id").to_number<std::int64_t>(), 901);
  EXPECT_EQ(v.at("stations").as_array()[1].at("phases").as_string(), "L2");
  EXPECT_TRUE(v.at("stations").as_array()[1].at("priority").as_bool());
  EXPECT_EQ(v.at("outputs").as_array()[1].at("mode").as_string(), "impulsive");
  EXPECT_EQ(v.at("alarms").as_array()[0].at("threshold").as_string(), "90 A");
  ASSERT_TRUE(r->remote_output("DO2", true, "admin", at(2)).ok());
}

TEST(ControlRunner, ResolversFindDevicesByName) {
  GatewayConfig cfg;
  DeviceConfig d;
  d.name = "Main";
  d.serial = "123";
  d.ref = DeviceRef{42};
  cfg.devices.push_back(d);
  auto by_config = ControlRunner::resolver_for(cfg);
  EXPECT_EQ(by_config("Main"), DeviceRef{42});
  EXPECT_EQ(by_config("Other"), std::nullopt);
}

}  // namespace
}  // namespace emscore::refgw
