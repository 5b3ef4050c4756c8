// EV charging load management: see load_manager.hpp for the rules and docs/control.md for
// the decisions taken where seeds/003 §7.16.5 is silent.
#include "emscore/control/load_manager.hpp"

#include <algorithm>
#include <utility>

#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/core/time.hpp"
#include "emscore/obis/obis_code.hpp"

namespace emscore::control {
namespace {

constexpr std::int64_t kMilliSecondsPerHour = 3'600'000;

std::string phase_name(int p) { return str_cat("L", p + 1); }

// str_cat with one allocation: command details are built by the hundred in a big decision.
template <class... Pieces>
std::string detail_cat(const Pieces&... pieces) {
  std::string out;
  out.reserve(96);
  (emscore::detail::append_piece(out, pieces), ...);
  return out;
}

bool is_decrease(CommandKind kind, MilliAmps from, MilliAmps to) {
  return kind == CommandKind::kPause || kind == CommandKind::kStop ||
         (kind == CommandKind::kSetCurrent && to < from);
}


// Sorting slot indices by keys copied into a small array: the comparator then touches 24
// bytes per element instead of two whole Slots (a decision sorts up to three lists).
struct SortKey {
  std::int64_t a;
  std::int64_t b;
  std::uint32_t id;
  std::uint32_t index;
};

template <class KeyFn>
void sort_indices(std::vector<std::size_t>& indices, KeyFn key) {
  std::vector<SortKey> keys;
  keys.reserve(indices.size());
  for (std::size_t i : indices) keys.push_back(key(i));
  std::sort(keys.begin(), keys.end(), [](const SortKey& x, const SortKey& y) {
    if (x.a != y.a) return x.a < y.a;
    if (x.b != y.b) return x.b < y.b;
    return x.id < y.id;
  });
  for (std::size_t k = 0; k < keys.size(); ++k) indices[k] = keys[k].index;
}

// Time as a sort key; the infinities saturate, which keeps their order.
std::int64_t time_key(absl::Time t) { return absl::ToUnixNanos(t); }
}  // namespace

std::string_view zone_name(Zone z) noexcept {
  switch (z) {
    case Zone::kGreen: return "green";
    case Zone::kYellow: return "yellow";
    case Zone::kRed: return "red";
  }
  return "unknown";
}

std::string_view station_state_name(StationState s) noexcept {
  switch (s) {
    case StationState::kAvailable: return "available";
    case StationState::kWaiting: return "waiting";
    case StationState::kCharging: return "charging";
    case StationState::kFailed: return "failed";
  }
  return "unknown";
}

std::string_view session_state_name(SessionState s) noexcept {
  switch (s) {
    case SessionState::kIdle: return "idle";
    case SessionState::kWaiting: return "waiting";
    case SessionState::kCharging: return "charging";
    case SessionState::kPaused: return "paused";
  }
  return "unknown";
}

std::string_view level_name(Level l) noexcept {
  switch (l) {
    case Level::kFull: return "full";
    case Level::kStep1: return "step1";
    case Level::kStep2: return "step2";
    case Level::kSafe: return "safe";
  }
  return "unknown";
}

absl::StatusOr<MilliAmps> to_milliamps(const Value& v) {
  if (!same_dimension(v.unit, Unit::kAmpere)) {
    return absl::InvalidArgumentError(str_cat("control: current ", v.to_string_with_unit(),
                                              ": unit is not a current, expected A or mA"));
  }
  EMSCORE_ASSIGN_OR_RETURN(Value ma, v.converted(Unit::kMilliAmpere));
  EMSCORE_ASSIGN_OR_RETURN(Value whole, ma.rescaled(0, /*round=*/true));
  return whole.mantissa;
}

absl::StatusOr<MeterSample> MeterSample::from_readings(std::span<const Reading> readings,
                                                       int installation_phases) {
  if (installation_phases != 1 && installation_phases != 3) {
    return absl::InvalidArgumentError(
        str_cat("control: installation phases ", installation_phases, ", expected 1 or 3"));
  }
  MeterSample s;
  s.at = absl::InfinitePast();
  std::array<bool, 3> seen{};
  // IEC 62056-6-1 / OBIS: C = 31, 51, 71 are the currents of L1, L2, L3; D = 7 instantaneous.
  for (const Reading& r : readings) {
    const auto& q = r.quantity;
    if (q.a != 1 || q.d != 7 || q.e != 0) continue;
    int phase = -1;
    if (q.c == 31) phase = 0;
    if (q.c == 51) phase = 1;
    if (q.c == 71) phase = 2;
    if (phase < 0 || phase >= installation_phases) continue;
    if (r.quality == Quality::kInvalid || r.quality == Quality::kQuestionable) continue;
    auto ma = to_milliamps(r.value);
    if (!ma.ok()) return with_context(ma.status(), q.to_string());
    s.phase_current[static_cast<std::size_t>(phase)] = *ma;
    seen[static_cast<std::size_t>(phase)] = true;
    s.at = std::max(s.at, r.at);
  }
  for (int p = 0; p < installation_phases; ++p) {
    if (!seen[static_cast<std::size_t>(p)]) {
      return absl::NotFoundError(str_cat("control: meter sample: no usable current of ",
                                         phase_name(p), " (1-0:", 31 + 20 * p, ".7.0)"));
    }
  }
  return s;
}

absl::Status LoadManagerConfig::validate() const {
  auto bad = [](std::string msg) { return absl::InvalidArgumentError(str_cat("control: ", msg)); };
  if (installation_phases != 1 && installation_phases != 3) {
    return bad(str_cat("installation_phases ", installation_phases, ", expected 1 or 3"));
  }
  if (max_current <= 0) return bad("max_current must be positive");
  if (max_charging_current <= 0 || max_charging_current > max_current) {
    return bad(str_cat("max_charging_current ", format_amps(max_charging_current),
                       ", expected 0 < it <= max_current ", format_amps(max_current)));
  }
  if (hysteresis_percent < 0 || hysteresis_percent > 50) {
    return bad(str_cat("hysteresis_percent ", hysteresis_percent, ", expected 0..50"));
  }
  if (first_step_percent <= 0 || first_step_percent >= 100 || second_step_percent <= 0 ||
      second_step_percent >= first_step_percent) {
    return bad(str_cat("reduction steps ", first_step_percent, " %, ", second_step_percent,
                       " %, expected 100 > first > second > 0"));
  }
  if (min_guaranteed_mah < 0) return bad("min_guaranteed_mah must not be negative");
  if (iec_min_current <= 0) return bad("iec_min_current must be positive");
  if (fail_safe_current < iec_min_current) {
    return bad(str_cat("fail_safe_current ", format_amps(fail_safe_current),
                       " is below the IEC 61851 minimum ", format_amps(iec_min_current)));
  }
  if (fail_safe_budget < 0) return bad("fail_safe_budget must not be negative");
  if (meter_timeout <= absl::ZeroDuration()) return bad("meter_timeout must be positive");
  if (settle_time < absl::ZeroDuration()) return bad("settle_time must not be negative");
  if (hold_time < absl::ZeroDuration()) return bad("hold_time must not be negative");
  return absl::OkStatus();
}

// The working state of one decision.
struct LoadManager::Plan {
  std::array<MilliAmps, 3> load{};       // predicted current per phase
  std::vector<std::size_t> touched;      // slots changed, in order of first change
  std::vector<std::size_t> shed_order;   // charging slots: normal before priority, longest
                                         // connected first (reduction and stop order)
  std::uint8_t blocked = 0;              // phases on which an earlier request/charge waits
  std::vector<Event> events;
};

LoadManager::LoadManager(const LoadManagerConfig& config) : config_(config) {}

absl::StatusOr<LoadManager> LoadManager::create(const LoadManagerConfig& config) {
  EMSCORE_RETURN_IF_ERROR(config.validate());
  return LoadManager(config);
}

std::uint8_t LoadManager::installed_mask() const noexcept {
  return config_.installation_phases == 1 ? kPhaseL1 : kPhaseAll;
}

absl::Status LoadManager::add_station(const StationConfig& station) {
  if (index_.contains(station.id.id)) {
    return absl::AlreadyExistsError(str_cat("control: station ", station.id.id, " already added"));
  }
  if (station.rated_current < config_.iec_min_current) {
    return absl::InvalidArgumentError(
        str_cat("control: station ", station.id.id, ": rated current ",
                format_amps(station.rated_current), " is below the IEC 61851 minimum ",
                format_amps(config_.iec_min_current)));
  }
  if (station.phases == 0 || (station.phases & ~installed_mask()) != 0) {
    return absl::InvalidArgumentError(
        str_cat("control: station ", station.id.id, ": phase mask ", int{station.phases},
                ", expected a non-empty subset of ", int{installed_mask()}));
  }
  Slot s;
  s.cfg = station;
  s.ladder[0] = station.rated_current;
  const int pct[2] = {config_.first_step_percent, config_.second_step_percent};
  for (int k = 0; k < 2; ++k) {
    MilliAmps step = station.rated_current * pct[k] / 100;
    if (step < config_.iec_min_current) {
      step = config_.below_minimum == BelowMinimum::kPause ? 0 : config_.iec_min_current;
    }
    s.ladder[static_cast<std::size_t>(k + 1)] = step;
  }
  index_.emplace(station.id.id, slots_.size());
  slots_.push_back(std::move(s));
  return absl::OkStatus();
}

absl::Status LoadManager::set_priority(DeviceRef station, bool priority) {
  auto it = index_.find(station.id);
  if (it == index_.end()) {
    return absl::NotFoundError(str_cat("control: unknown station ", station.id));
  }
  slots_[it->second].cfg.priority = priority;
  return absl::OkStatus();
}

void LoadManager::on_meter_sample(const MeterSample& sample) {
  if (!sample_ || sample.at >= sample_->at) sample_ = sample;
}

absl::Status LoadManager::on_station_status(DeviceRef station, const StationStatus& status) {
  auto it = index_.find(station.id);
  if (it == index_.end()) {
    return absl::NotFoundError(str_cat("control: unknown station ", station.id));
  }
  if (status.measured_current && *status.measured_current < 0) {
    return absl::InvalidArgumentError(str_cat("control: station ", station.id,
                                              ": negative measured current"));
  }
  Slot& s = slots_[it->second];
  s.reported = status.state;
  s.measured = status.measured_current;
  return absl::OkStatus();
}

std::optional<StationView> LoadManager::station(DeviceRef id) const {
  auto it = index_.find(id.id);
  if (it == index_.end()) return std::nullopt;
  const Slot& s = slots_[it->second];
  StationView v;
  v.config = s.cfg;
  v.reported = s.reported;
  v.session = s.session;
  v.level = s.level;
  v.setpoint = s.setpoint;
  v.delivered_mah = s.delivered_ma_ms / kMilliSecondsPerHour;
  v.connected_at = s.connected_at;
  v.waiting_since = s.waiting_since;
  v.reduced_at = s.reduced_at;
  return v;
}

std::vector<StationView> LoadManager::stations() const {
  std::vector<StationView> out;
  out.reserve(slots_.size());
  for (const Slot& s : slots_) out.push_back(*station(s.cfg.id));
  return out;
}

bool LoadManager::fits(const Plan& plan, std::uint8_t phases, MilliAmps add,
                       MilliAmps limit) const {
  for (int p = 0; p < 3; ++p) {
    if ((phases & (1 << p)) && plan.load[static_cast<std::size_t>(p)] + add > limit) return false;
  }
  return true;
}

void LoadManager::change(Plan& plan, std::size_t i, SessionState session, Level level,
                         MilliAmps setpoint, Reason reason, std::string detail) {
  Slot& s = slots_[i];
  if (!s.touched) {
    s.touched = true;
    s.orig_session = s.session;
    s.orig_setpoint = s.setpoint;
    plan.touched.push_back(i);
  }
  // What the vehicle will draw: a decrease caps what it draws now, an increase is assumed
  // to be taken in full (the conservative prediction).
  MilliAmps new_draw = 0;
  if (session == SessionState::kCharging) {
    const bool decrease = s.session == SessionState::kCharging && setpoint <= s.setpoint;
    new_draw = decrease ? std::min(s.draw, setpoint) : setpoint;
  }
  const MilliAmps delta = new_draw - s.draw;
  for (int p = 0; p < 3; ++p) {
    if (s.cfg.phases & (1 << p)) plan.load[static_cast<std::size_t>(p)] += delta;
  }
  s.draw = new_draw;
  s.session = session;
  s.level = level;
  s.setpoint = session == SessionState::kCharging ? setpoint : 0;
  s.reason = reason;
  s.detail = std::move(detail);
}

void LoadManager::integrate(absl::Time now) {
  if (last_decide_ == absl::InfinitePast() || now <= last_decide_) return;
  const std::int64_t ms = absl::ToInt64Milliseconds(now - last_decide_);
  for (Slot& s : slots_) {
    if (s.session != SessionState::kCharging) continue;
    s.delivered_ma_ms += s.measured.value_or(s.setpoint) * ms;
  }
}

void LoadManager::process_reports(absl::Time now, Plan& plan) {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    auto src = [&s] { return str_cat("station ", s.cfg.id.id); };
    if (s.reported == StationState::kFailed) {
      if (s.failed) continue;
      s.failed = true;
      // Withdraw the authorisation so that a recovering station does not resume on its own.
      const bool had_session = s.session != SessionState::kIdle;
      if (had_session) {
        // What a failed station draws is unknown: its last draw stays in the prediction
        // until the meter shows otherwise (draw = 0 makes the change below neutral).
        s.draw = 0;
        change(plan, i, SessionState::kIdle, Level::kFull, 0, Reason::kStationFailed,
               str_cat("station reported a failure while ", session_state_name(s.session)));
      }
      s.reduced_at = absl::InfiniteFuture();
      plan.events.push_back(
          Event{now, EventKind::kStationFailed, src(),
                had_session ? "failure reported; session withdrawn, its current is released"
                            : "failure reported"});
      continue;
    }
    if (s.failed) {
      s.failed = false;
      plan.events.push_back(Event{now, EventKind::kStationRecovered, src(),
                                      str_cat("reports ", station_state_name(s.reported),
                                              " again")});
    }
    switch (s.reported) {
      case StationState::kAvailable:
        if (s.session != SessionState::kIdle) {
          plan.events.push_back(Event{
              now, EventKind::kVehicleLeft, src(),
              str_cat("session ended after ", s.delivered_ma_ms / kMilliSecondsPerHour,
                      " mAh (was ", session_state_name(s.session), ")")});
          // Not a command: the station ends the charge itself. What it drew stays in the
          // prediction until a meter sample shows it gone (the conservative choice: the
          // sample may predate the departure).
          s.draw = 0;
          s.session = SessionState::kIdle;
          s.setpoint = 0;
          s.level = Level::kFull;
          s.reduced_at = absl::InfiniteFuture();
          s.delivered_ma_ms = 0;
        }
        break;
      case StationState::kWaiting:
        if (s.session == SessionState::kIdle) {
          s.session = SessionState::kWaiting;
          s.level = Level::kFull;
          s.setpoint = 0;
          s.delivered_ma_ms = 0;
          s.connected_at = now;
          s.waiting_since = now;
          s.reduced_at = absl::InfiniteFuture();
          plan.events.push_back(
              Event{now, EventKind::kRequestQueued, src(),
                    str_cat("vehicle connected, requests charge",
                            s.cfg.priority ? " (priority station)" : "")});
        }
        break;
      case StationState::kCharging:
        if (s.session == SessionState::kIdle) {
          // Charging without a session we know (e.g. after a restart of the gateway): adopt
          // it at its rated current; the meter already sees its draw.
          s.session = SessionState::kCharging;
          s.level = Level::kFull;
          s.setpoint = s.cfg.rated_current;
          s.draw = s.measured.value_or(s.setpoint);
          s.delivered_ma_ms = 0;
          s.connected_at = now;
          s.waiting_since = now;
          s.reduced_at = absl::InfiniteFuture();
          plan.events.push_back(Event{now, EventKind::kStationAdopted, src(),
                                          str_cat("charging without a known session; adopted at ",
                                                  format_amps(s.setpoint))});
        }
        break;
      case StationState::kFailed:
        break;
    }
  }
}

void LoadManager::update_zone(absl::Time now, Decision& d) {
  const MilliAmps m = config_.max_current;
  const MilliAmps g = config_.max_charging_current;
  const MilliAmps h = m * config_.hysteresis_percent / 100;
  Zone worst = Zone::kGreen;
  std::string why;
  for (int p = 0; p < config_.installation_phases; ++p) {
    const auto pi = static_cast<std::size_t>(p);
    const MilliAmps v = sample_->phase_current[pi];
    Zone z = phase_zone_[pi];
    // A Schmitt trigger per boundary: rise above the threshold, fall to threshold - h.
    if (v > m) {
      z = Zone::kRed;
    } else if (z == Zone::kRed) {
      if (v <= g - h) z = Zone::kGreen;
      else if (v <= m - h) z = Zone::kYellow;
    } else if (v > g) {
      z = Zone::kYellow;
    } else if (z == Zone::kYellow && v <= g - h) {
      z = Zone::kGreen;
    }
    phase_zone_[pi] = z;
    if (z > worst) worst = z;
    if (!why.empty()) why += ", ";
    why += str_cat(phase_name(p), " ", format_amps(v));
  }
  if (worst != zone_) {
    d.events.push_back(Event{
        now, EventKind::kZoneChanged, "meter",
        str_cat(zone_name(zone_), " -> ", zone_name(worst), ": ", why, " (charging limit ",
                format_amps(g), ", max ", format_amps(m), ", hysteresis ", format_amps(h), ")")});
    zone_ = worst;
  }
}

void LoadManager::run_fail_safe(absl::Time now, Plan& plan) {
  const MilliAmps safe = config_.fail_safe_current;
  const MilliAmps budget =
      config_.fail_safe_budget > 0 ? config_.fail_safe_budget : config_.max_charging_current;
  std::array<MilliAmps, 3> sum{};
  for (std::size_t i : plan.shed_order) {
    Slot& s = slots_[i];
    if (s.session != SessionState::kCharging) continue;
    if (s.setpoint > safe) {
      if (s.reduced_at == absl::InfiniteFuture()) s.reduced_at = now;
      change(plan, i, SessionState::kCharging, Level::kSafe, safe, Reason::kFailSafe,
             detail_cat("total meter silent; safe minimum ", format_amps(safe)));
    }
    for (int p = 0; p < 3; ++p) {
      if (s.cfg.phases & (1 << p)) sum[static_cast<std::size_t>(p)] += s.setpoint;
    }
  }
  // Without a meter the other loads are unknown: the charges together must stay within the
  // budget; the excess is paused in stop order (normal before priority, longest connected).
  for (std::size_t i : plan.shed_order) {
    Slot& s = slots_[i];
    if (s.session != SessionState::kCharging) continue;
    bool over = false;
    for (int p = 0; p < 3; ++p) {
      if ((s.cfg.phases & (1 << p)) && sum[static_cast<std::size_t>(p)] > budget) over = true;
    }
    if (!over) continue;
    for (int p = 0; p < 3; ++p) {
      if (s.cfg.phases & (1 << p)) sum[static_cast<std::size_t>(p)] -= s.setpoint;
    }
    if (s.reduced_at == absl::InfiniteFuture()) s.reduced_at = now;
    change(plan, i, SessionState::kPaused, Level::kSafe, 0, Reason::kFailSafe,
           detail_cat("total meter silent; safe minima exceed the budget ", format_amps(budget)));
  }
}

void LoadManager::shed(absl::Time now, Plan& plan) {
  const MilliAmps target =
      config_.max_current - config_.max_current * config_.hysteresis_percent / 100;
  const std::uint8_t mask = installed_mask();
  auto over = [&](std::uint8_t phases) {
    for (int p = 0; p < 3; ++p) {
      if ((phases & mask & (1 << p)) && plan.load[static_cast<std::size_t>(p)] > target) {
        return true;
      }
    }
    return false;
  };
  auto load_text = [&]() {
    std::string t;
    for (int p = 0; p < config_.installation_phases; ++p) {
      if (!t.empty()) t += ", ";
      t += str_cat(phase_name(p), " ", format_amps(plan.load[static_cast<std::size_t>(p)]));
    }
    return t;
  };
  // Step by step: every charge on an overloaded phase to the first step, then to the second,
  // each only while the prediction is still above the target.
  for (int pass = 0; pass < 2; ++pass) {
    const Level from = pass == 0 ? Level::kFull : Level::kStep1;
    const Level to = pass == 0 ? Level::kStep1 : Level::kStep2;
    // One text per pass (the load when the pass began): hundreds of reductions in one
    // decision must not each format the three phases again.
    const std::string step_detail = str_cat("red zone (", load_text(), "); ", level_name(to));
    for (std::size_t i : plan.shed_order) {
      if (!over(mask)) return;
      Slot& s = slots_[i];
      if (s.session != SessionState::kCharging || s.level != from || !over(s.cfg.phases)) {
        continue;
      }
      const MilliAmps next = s.ladder[static_cast<std::size_t>(to)];
      if (s.reduced_at == absl::InfiniteFuture()) s.reduced_at = now;
      if (next == 0) {
        change(plan, i, SessionState::kPaused, to, 0, Reason::kBelowIecMinimum,
               detail_cat("red zone (", load_text(), "); ", level_name(to), " of ",
                       format_amps(s.cfg.rated_current), " is below the IEC 61851 minimum ",
                       format_amps(config_.iec_min_current)));
      } else if (next < s.setpoint) {
        change(plan, i, SessionState::kCharging, to, next, Reason::kRedReduction, step_detail);
      } else {
        s.level = to;  // clamped to the minimum already: nothing to send
      }
    }
  }
  // Still red with everything at the second step: stop non-priority charges that have had
  // their guaranteed minimum, the one connected longest first.
  const std::int64_t guaranteed = config_.min_guaranteed_mah * kMilliSecondsPerHour;
  for (std::size_t i : plan.shed_order) {
    if (!over(mask)) return;
    Slot& s = slots_[i];
    if (s.cfg.priority || s.session != SessionState::kCharging || !over(s.cfg.phases)) continue;
    if (s.delivered_ma_ms < guaranteed) continue;
    const std::string why =
        detail_cat("red zone after the second step (", load_text(), "); connected for ",
                absl::ToInt64Seconds(now - s.connected_at), " s, ",
                s.delivered_ma_ms / kMilliSecondsPerHour, " mAh delivered");
    change(plan, i, SessionState::kWaiting, Level::kFull, 0, Reason::kRedStop, why);
    s.waiting_since = now;
    s.reduced_at = absl::InfiniteFuture();
  }
}

void LoadManager::serve_queue(absl::Time now, Plan& plan) {
  const MilliAmps limit = config_.max_charging_current -
                          config_.max_current * config_.hysteresis_percent / 100;
  std::vector<std::size_t> queue;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].session == SessionState::kWaiting) queue.push_back(i);
  }
  if (queue.empty()) return;
  // Waiting order: priority first, then waiting longest, then id.
  sort_indices(queue, [&](std::size_t i) {
    const Slot& x = slots_[i];
    return SortKey{x.cfg.priority ? 0 : 1, time_key(x.waiting_since), x.cfg.id.id,
                   static_cast<std::uint32_t>(i)};
  });
  // Make-room cursors per reduction pass and phase mask: a candidate passed over for a mask
  // has either been reduced or does not share its phases, so it never needs a second look.
  std::array<std::array<std::size_t, 8>, 2> cursor{};
  struct Undo {
    std::size_t slot;
    SessionState session;
    Level level;
    MilliAmps setpoint;
    MilliAmps draw;
    absl::Time reduced_at;
    Reason reason;
    std::string detail;
  };
  std::vector<Undo> undo;
  const std::uint8_t all = installed_mask();
  for (std::size_t r : queue) {
    if ((plan.blocked & all) == all) break;
    Slot& req = slots_[r];
    if (req.cfg.phases & plan.blocked) continue;  // an earlier request waits on its phases
    // Not held long enough yet: it cannot start, and it does not hold back later ones.
    if (now - req.waiting_since < config_.hold_time) continue;
    const MilliAmps min_start =
        req.ladder[2] != 0 ? req.ladder[2] : (req.ladder[1] != 0 ? req.ladder[1] : req.ladder[0]);
    undo.clear();
    if (!fits(plan, req.cfg.phases, min_start, limit)) {
      // Make room: reduce running charges on its phases one step at a time (never pausing
      // them for it), normal before priority, longest connected first.
      for (int pass = 0; pass < 2 && !fits(plan, req.cfg.phases, min_start, limit); ++pass) {
        const Level from = pass == 0 ? Level::kFull : Level::kStep1;
        const Level to = pass == 0 ? Level::kStep1 : Level::kStep2;
        std::size_t& c = cursor[static_cast<std::size_t>(pass)][req.cfg.phases];
        while (c < plan.shed_order.size() && !fits(plan, req.cfg.phases, min_start, limit)) {
          const std::size_t i = plan.shed_order[c++];
          Slot& s = slots_[i];
          if (s.session != SessionState::kCharging || s.level != from ||
              !(s.cfg.phases & req.cfg.phases)) {
            continue;
          }
          const MilliAmps next = s.ladder[static_cast<std::size_t>(to)];
          if (next == 0 || next >= s.setpoint) continue;
          // change() replaces the detail, so the undo record may take it.
          undo.push_back(Undo{i, s.session, s.level, s.setpoint, s.draw, s.reduced_at, s.reason,
                              std::move(s.detail)});
          if (s.reduced_at == absl::InfiniteFuture()) s.reduced_at = now;
          change(plan, i, SessionState::kCharging, to, next, Reason::kMakeRoom,
                 req.cfg.name.empty()
                     ? detail_cat(level_name(to), " so that station ", req.cfg.id.id, " can start")
                     : detail_cat(level_name(to), " so that ", req.cfg.name, " can start"));
        }
      }
      if (!fits(plan, req.cfg.phases, min_start, limit)) {
        // Not enough even with every charge on its phases at the second step: undo, and
        // keep later requests off these phases (strict waiting order per phase).
        for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
          Slot& s = slots_[it->slot];
          const MilliAmps delta = it->draw - s.draw;
          for (int p = 0; p < 3; ++p) {
            if (s.cfg.phases & (1 << p)) plan.load[static_cast<std::size_t>(p)] += delta;
          }
          s.session = it->session;
          s.level = it->level;
          s.setpoint = it->setpoint;
          s.draw = it->draw;
          s.reduced_at = it->reduced_at;
          s.reason = it->reason;
          s.detail = std::move(it->detail);
        }
        plan.blocked |= req.cfg.phases;
        continue;
      }
    }
    for (std::size_t l = 0; l < 3; ++l) {
      const MilliAmps cur = req.ladder[l];
      if (cur == 0 || !fits(plan, req.cfg.phases, cur, limit)) continue;
      const Level level = static_cast<Level>(l);
      req.reduced_at = level == Level::kFull ? absl::InfiniteFuture() : now;
      change(plan, r, SessionState::kCharging, level, cur, Reason::kNewRequest,
             detail_cat("waited ", absl::ToInt64Seconds(now - req.waiting_since), " s",
                     req.cfg.priority ? ", priority station" : "", "; starts at ",
                     level_name(level)));
      break;
    }
  }
}

void LoadManager::restore(absl::Time now, Plan& plan) {
  const MilliAmps limit = config_.max_charging_current -
                          config_.max_current * config_.hysteresis_percent / 100;
  std::vector<std::size_t> reduced;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    if ((s.session == SessionState::kCharging && s.level != Level::kFull) ||
        s.session == SessionState::kPaused) {
      reduced.push_back(i);
    }
  }
  if (reduced.empty()) return;
  // Nothing can be raised when the smallest possible raise fits on no phase: skip the sort
  // (the common case of a full installation).
  MilliAmps smallest = -1;
  for (std::size_t i : reduced) {
    const Slot& s = slots_[i];
    for (std::size_t l = 3; l-- > 0;) {
      if (s.ladder[l] != 0 && s.ladder[l] > s.setpoint) {
        const MilliAmps step = s.ladder[l] - s.draw;
        if (smallest < 0 || step < smallest) smallest = step;
        break;
      }
    }
  }
  bool any_room = false;
  for (int p = 0; p < config_.installation_phases; ++p) {
    if (plan.load[static_cast<std::size_t>(p)] + smallest <= limit &&
        !(plan.blocked & (1 << p))) {
      any_room = true;
    }
  }
  if (smallest < 0 || !any_room) return;
  // Restore order: reduced first, then id.
  sort_indices(reduced, [&](std::size_t i) {
    const Slot& x = slots_[i];
    return SortKey{time_key(x.reduced_at), 0, x.cfg.id.id, static_cast<std::uint32_t>(i)};
  });
  const std::uint8_t all = installed_mask();
  for (std::size_t i : reduced) {
    if ((plan.blocked & all) == all) break;
    Slot& s = slots_[i];
    if (s.cfg.phases & plan.blocked) continue;
    bool raised = false;
    for (std::size_t l = 0; l < 3; ++l) {
      const MilliAmps cur = s.ladder[l];
      if (cur == 0 || cur <= s.setpoint) continue;
      if (!fits(plan, s.cfg.phases, cur - s.draw, limit)) continue;
      const Level level = static_cast<Level>(l);
      const bool was_paused = s.session == SessionState::kPaused;
      change(plan, i, SessionState::kCharging, level, cur, Reason::kRestore,
             detail_cat(was_paused ? "resumed" : "raised", " to ", level_name(level),
                     "; reduced for ", absl::ToInt64Seconds(now - s.reduced_at), " s"));
      if (level == Level::kFull) s.reduced_at = absl::InfiniteFuture();
      raised = true;
      break;
    }
    if (!raised) plan.blocked |= s.cfg.phases;  // first reduced, first restored, per phase
  }
}

void LoadManager::emit(absl::Time now, Plan& plan, Decision& d) {
  (void)now;
  std::vector<Command> decreases;
  std::vector<Command> increases;
  decreases.reserve(plan.touched.size());
  for (std::size_t i : plan.touched) {
    Slot& s = slots_[i];
    s.touched = false;
    std::optional<CommandKind> kind;
    if (s.session == SessionState::kCharging) {
      if (s.orig_session == SessionState::kCharging) {
        if (s.setpoint != s.orig_setpoint) kind = CommandKind::kSetCurrent;
      } else {
        kind = CommandKind::kStart;
      }
    } else if (s.session == SessionState::kPaused) {
      if (s.orig_session == SessionState::kCharging) kind = CommandKind::kPause;
    } else if (s.orig_session != SessionState::kIdle &&
               s.orig_session != SessionState::kWaiting) {
      kind = CommandKind::kStop;  // charging/paused -> waiting (stopped) or idle (failed)
    } else if (s.session == SessionState::kIdle && s.orig_session == SessionState::kWaiting) {
      kind = CommandKind::kStop;  // a failed station loses its pending request
    }
    if (!kind) continue;
    Command c{s.cfg.id, *kind, s.setpoint, s.reason, std::move(s.detail)};
    s.detail.clear();
    (is_decrease(*kind, s.orig_setpoint, s.setpoint) ? decreases : increases)
        .push_back(std::move(c));
  }
  d.commands = std::move(decreases);
  d.commands.reserve(d.commands.size() + increases.size());
  for (Command& c : increases) d.commands.push_back(std::move(c));
  if (!d.commands.empty()) last_command_at_ = now;
}

std::vector<Event> Decision::log_events() const {
  std::vector<Event> out;
  out.reserve(events.size() + commands.size());
  out = events;
  for (const Command& c : commands) {
    std::string source = str_cat("station ", c.station.id);
    std::string text = c.to_string();
    text.erase(0, source.size() + 2);  // to_string() starts with "station N: "
    out.push_back(Event{at, EventKind::kCommand, std::move(source), std::move(text)});
  }
  return out;
}

Decision LoadManager::decide(absl::Time now) {
  Decision d;
  d.at = now;
  if (started_ == absl::InfinitePast()) started_ = now;
  if (now < last_decide_) now = last_decide_;  // time never runs backwards here
  integrate(now);
  last_decide_ = now;

  Plan plan;
  plan.touched.reserve(16);
  if (sample_) {
    for (std::size_t p = 0; p < 3; ++p) plan.load[p] = sample_->phase_current[p];
  }
  for (Slot& s : slots_) {
    s.draw = s.session == SessionState::kCharging ? s.measured.value_or(s.setpoint) : 0;
  }
  process_reports(now, plan);
  d.events = std::move(plan.events);

  plan.shed_order.reserve(slots_.size());
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].session == SessionState::kCharging) plan.shed_order.push_back(i);
  }
  // Reduction and stop order: normal before priority, connected longest first, then id.
  sort_indices(plan.shed_order, [&](std::size_t i) {
    const Slot& x = slots_[i];
    return SortKey{x.cfg.priority ? 1 : 0, time_key(x.connected_at), x.cfg.id.id,
                   static_cast<std::uint32_t>(i)};
  });

  const bool meter_ok = sample_ ? now - sample_->at <= config_.meter_timeout
                                : now - started_ <= config_.meter_timeout;
  if (!meter_ok) {
    if (!fail_safe_) {
      fail_safe_ = true;
      d.events.push_back(Event{
          now, EventKind::kFailSafeEntered, "meter",
          sample_ ? str_cat("no meter sample since ", format_iso8601_utc(sample_->at),
                            " (timeout ", absl::FormatDuration(config_.meter_timeout), ")")
                  : str_cat("no meter sample since start (timeout ",
                            absl::FormatDuration(config_.meter_timeout), ")")});
    }
    run_fail_safe(now, plan);
    d.fail_safe = true;
    d.decided = true;
    d.predicted = {};
    for (const Slot& s : slots_) {
      for (std::size_t p = 0; p < 3; ++p) {
        if (s.cfg.phases & (1 << p)) d.predicted[p] += s.setpoint;
      }
    }
    d.zone = zone_;
    emit(now, plan, d);
    return d;
  }
  if (fail_safe_) {
    fail_safe_ = false;
    d.events.push_back(Event{now, EventKind::kFailSafeLeft, "meter",
                             str_cat("meter answers again (sample of ",
                                     format_iso8601_utc(sample_->at), ")")});
  }
  if (sample_ && sample_->at > zone_sample_at_) {
    zone_sample_at_ = sample_->at;
    update_zone(now, d);
  }
  d.zone = zone_;
  const bool fresh = sample_ && sample_->at > used_sample_at_ &&
                     sample_->at >= last_command_at_ + config_.settle_time;
  if (fresh) {
    used_sample_at_ = sample_->at;
    d.decided = true;
    if (zone_ == Zone::kRed) {
      shed(now, plan);
    } else {
      serve_queue(now, plan);
      restore(now, plan);
    }
  }
  d.predicted = plan.load;
  emit(now, plan, d);
  return d;
}

}  // namespace emscore::control
