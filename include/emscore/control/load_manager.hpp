// emscore/control/load_manager.hpp — EV charging load management (dynamic load management).
//
// Keeps an installation under its rated current while charging as many vehicles as it can.
// The facts come from the energy web server of seeds/003 (§7.16.5 "Green'Up configuration"),
// in our words:
//   * A total-consumption meter measures either the whole installation (the charging budget
//     then follows the other loads) or only the part that feeds the stations.
//   * "Maximum current available" is the rated current of that installation: the boundary
//     between the yellow and the red zone. "Maximum current available for charging" is the
//     boundary between green and yellow. They may be equal (a dedicated installation).
//   * Green: running charges continue and new requests are authorised.
//     Yellow: running charges continue, new requests wait; if some wait, running charges
//     are reduced step by step so that the waiting ones can start.
//     Red: no new charge; running charges are reduced (first, then second reduction step,
//     default 75 % and 50 % of each station's rated current); if still red, non-priority
//     charges that have received the minimum guaranteed charge (default 32 Ah) are stopped,
//     the one connected longest first.
//   * Recovery: waiting requests start first, longest waiting first (priority stations ahead
//     of normal ones in the waiting list); otherwise reduced charges get their current back,
//     the first reduced first.
//   * A hysteresis in % of the maximum current available stops the logic from flapping.
// Beyond the seed:
//   * Per-phase accounting: the meter reports each phase; a single-phase station loads only
//     its phase, and only stations on an overloaded phase are reduced for it.
//   * IEC 61851-1 lower limit: no setpoint below 6 A (a duty cycle under 10 % does not
//     allow charging); a reduction step that would fall below it pauses the charge instead
//     (or clamps to 6 A, configurable).
//   * Fail-safe: when the meter stops answering, running charges drop to a safe minimum
//     and nothing starts until it answers again.
//   * Settling: after commands, no new decision is taken on a meter sample older than
//     `settle_time` after them (IEC 61851-1 gives the vehicle seconds to follow a setpoint).
//
// How to drive it from a poll loop (all time is injected; nothing here blocks or does I/O):
//   auto lm = LoadManager::create(config);             // validated configuration
//   lm->add_station({DeviceRef{1}, "bay 1", 32'000, kPhaseAll, false});
//   each cycle:
//     if (auto s = MeterSample::from_readings(readings, 3); s.ok()) lm->on_meter_sample(*s);
//     lm->on_station_status(DeviceRef{1}, {StationState::kCharging, 31'500});
//     Decision d = lm->decide(now);
//     for (const Command& c : d.commands) driver.apply(c);   // decreases come first
//     for (const Event& e : d.log_events()) log.append(e);
// Docs: docs/control.md (decisions where the seed is ambiguous).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "emscore/control/command.hpp"
#include "emscore/control/event.hpp"
#include "emscore/obis/reading.hpp"

namespace emscore::control {

// Phases as a bit mask: a three-phase station loads all three, a single-phase one its own.
inline constexpr std::uint8_t kPhaseL1 = 1;
inline constexpr std::uint8_t kPhaseL2 = 2;
inline constexpr std::uint8_t kPhaseL3 = 4;
inline constexpr std::uint8_t kPhaseAll = 7;

enum class Zone : std::uint8_t { kGreen, kYellow, kRed };
std::string_view zone_name(Zone z) noexcept;

// What a reduction step does when it would set less than the IEC 61851 minimum.
enum class BelowMinimum : std::uint8_t {
  kPause,  // pause the charge (default; the reading of IEC 61851)
  kClamp,  // set the minimum instead (a smaller reduction, but the vehicle keeps charging)
};

struct LoadManagerConfig {
  int installation_phases = 3;                 // 1 (L1 only) or 3
  MilliAmps max_current = 250'000;             // yellow/red boundary, per phase
  MilliAmps max_charging_current = 230'000;    // green/yellow boundary, per phase
  int hysteresis_percent = 0;                  // of max_current; seed default 0 %
  int first_step_percent = 75;                 // of each station's rated current
  int second_step_percent = 50;
  std::int64_t min_guaranteed_mah = 32'000;    // 32 Ah
  MilliAmps iec_min_current = 6'000;           // IEC 61851-1: 6 A
  BelowMinimum below_minimum = BelowMinimum::kPause;
  absl::Duration meter_timeout = absl::Seconds(30);  // no sample for longer: fail-safe
  MilliAmps fail_safe_current = 6'000;         // per running charge while the meter is away
  // Sum of fail-safe currents allowed per phase while the meter is away; 0 = max_charging_current.
  MilliAmps fail_safe_budget = 0;
  absl::Duration settle_time = absl::Seconds(5);
  // Hold time (seeds/003 "DLM improvement"): a request is authorised only after it has
  // waited this long, so that the station is ready to accept the authorisation. The seed
  // recommends 60 s; 0 (our default) authorises at once.
  absl::Duration hold_time = absl::ZeroDuration();

  // The reason the configuration is unusable, or OK.
  absl::Status validate() const;
};

struct StationConfig {
  DeviceRef id;
  std::string name;
  MilliAmps rated_current = 32'000;
  std::uint8_t phases = kPhaseAll;  // kPhaseL1/L2/L3 for a single-phase station
  bool priority = false;
};

// What the station itself reports (its state machine, not ours).
enum class StationState : std::uint8_t {
  kAvailable,  // no vehicle (or the vehicle left)
  kWaiting,    // a vehicle is connected and asks to charge
  kCharging,   // the station says it is charging
  kFailed,     // station failure or communication error
};
std::string_view station_state_name(StationState s) noexcept;

struct StationStatus {
  StationState state = StationState::kAvailable;
  // The current the vehicle draws (the highest phase), when the station measures it. Used
  // to predict what a reduction saves and to count the delivered charge; without it the
  // setpoint is assumed.
  std::optional<MilliAmps> measured_current;
};

// One reading of the total meter: the current of each phase (L2, L3 unused when
// installation_phases == 1).
struct MeterSample {
  absl::Time at;
  std::array<MilliAmps, 3> phase_current{};

  // Builds a sample from Readings of the phase currents 1-0:31.7.0, 1-0:51.7.0, 1-0:71.7.0
  // (A or mA, exact). Every phase of the installation must be present with a usable quality;
  // `at` is the newest reading time. Other readings are ignored.
  static absl::StatusOr<MeterSample> from_readings(std::span<const Reading> readings,
                                                   int installation_phases);
};

// A value in A or mA (or any current unit) as exact milliamperes, rounded half away from 0.
absl::StatusOr<MilliAmps> to_milliamps(const Value& v);

// Our view of a station's session.
enum class SessionState : std::uint8_t {
  kIdle,      // no vehicle, or failed
  kWaiting,   // in the waiting queue (new request, or stopped)
  kCharging,  // authorised, with a setpoint
  kPaused,    // suspended by us (below the IEC minimum or fail-safe), keeps its session
};
std::string_view session_state_name(SessionState s) noexcept;

// The setpoint levels of a station's ladder.
enum class Level : std::uint8_t { kFull, kStep1, kStep2, kSafe };
std::string_view level_name(Level l) noexcept;

struct StationView {
  StationConfig config;
  StationState reported = StationState::kAvailable;
  SessionState session = SessionState::kIdle;
  Level level = Level::kFull;
  MilliAmps setpoint = 0;
  std::int64_t delivered_mah = 0;  // in this session
  absl::Time connected_at = absl::InfinitePast();
  absl::Time waiting_since = absl::InfinitePast();
  absl::Time reduced_at = absl::InfiniteFuture();  // InfiniteFuture: not reduced
};

struct Decision {
  absl::Time at;
  Zone zone = Zone::kGreen;
  bool fail_safe = false;
  bool decided = false;  // false: no fresh meter sample, only bookkeeping was done
  std::array<MilliAmps, 3> predicted{};  // per-phase load expected after the commands
  std::vector<Command> commands;  // decreases (pause, stop, lower setpoints) first
  std::vector<Event> events;      // what changed besides the commands (zones, stations, meter)

  // Everything for the event log: `events`, then one kCommand event per command. (Commands
  // are not duplicated into `events` so that a decision that touches hundreds of stations
  // formats nothing the caller does not ask for.)
  std::vector<Event> log_events() const;
};

class LoadManager {
 public:
  static absl::StatusOr<LoadManager> create(const LoadManagerConfig& config);

  // Registers a station. Errors: duplicate id, rated current under the IEC minimum, phases
  // not in the installation.
  absl::Status add_station(const StationConfig& station);
  // Sets the priority of a station (the seed's "Normal"/"Priority" selector).
  absl::Status set_priority(DeviceRef station, bool priority);

  // Inputs, any order, any number of times between decisions; the newest wins.
  void on_meter_sample(const MeterSample& sample);
  absl::Status on_station_status(DeviceRef station, const StationStatus& status);

  // One decision at `now` (monotonic: never earlier than the previous one).
  Decision decide(absl::Time now);

  Zone zone() const noexcept { return zone_; }
  bool fail_safe() const noexcept { return fail_safe_; }
  const LoadManagerConfig& config() const noexcept { return config_; }
  std::optional<StationView> station(DeviceRef id) const;
  std::vector<StationView> stations() const;

 private:
  // Per-station state: configuration, our session, and the working copy of one decision.
  struct Slot {
    StationConfig cfg;
    std::array<MilliAmps, 3> ladder{};  // Full, Step1, Step2 setpoints; 0 = that step pauses
    StationState reported = StationState::kAvailable;
    std::optional<MilliAmps> measured;
    bool failed = false;
    SessionState session = SessionState::kIdle;
    Level level = Level::kFull;
    MilliAmps setpoint = 0;
    std::int64_t delivered_ma_ms = 0;  // charge delivered in this session, mA*ms
    absl::Time connected_at = absl::InfinitePast();
    absl::Time waiting_since = absl::InfinitePast();
    absl::Time reduced_at = absl::InfiniteFuture();
    // The working copy of one decision.
    MilliAmps draw = 0;  // predicted draw after this decision's changes so far
    bool touched = false;
    SessionState orig_session = SessionState::kIdle;
    MilliAmps orig_setpoint = 0;
    Reason reason = Reason::kNewRequest;
    std::string detail;
  };
  struct Plan;
  explicit LoadManager(const LoadManagerConfig& config);

  void integrate(absl::Time now);
  void process_reports(absl::Time now, Plan& plan);
  void update_zone(absl::Time now, Decision& d);
  void run_fail_safe(absl::Time now, Plan& plan);
  void shed(absl::Time now, Plan& plan);
  void serve_queue(absl::Time now, Plan& plan);
  void restore(absl::Time now, Plan& plan);
  void emit(absl::Time now, Plan& plan, Decision& d);
  void change(Plan& plan, std::size_t i, SessionState session, Level level, MilliAmps setpoint,
              Reason reason, std::string detail);
  bool fits(const Plan& plan, std::uint8_t phases, MilliAmps add, MilliAmps limit) const;
  std::uint8_t installed_mask() const noexcept;

  LoadManagerConfig config_;
  std::vector<Slot> slots_;
  absl::flat_hash_map<std::uint32_t, std::size_t> index_;
  std::optional<MeterSample> sample_;
  absl::Time used_sample_at_ = absl::InfinitePast();  // sample of the previous decision
  absl::Time last_command_at_ = absl::InfinitePast();
  absl::Time last_decide_ = absl::InfinitePast();
  absl::Time started_ = absl::InfinitePast();
  Zone zone_ = Zone::kGreen;
  std::array<Zone, 3> phase_zone_{Zone::kGreen, Zone::kGreen, Zone::kGreen};
  bool fail_safe_ = false;
  absl::Time zone_sample_at_ = absl::InfinitePast();
};

}  // namespace emscore::control
