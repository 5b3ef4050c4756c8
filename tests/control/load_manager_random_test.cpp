// Randomised scenarios (fixed seeds, so reproducible): whatever happens to the site, the
// decisions keep the rules. Complements the hand-written scenarios in load_manager_test.cpp.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "emscore/control/load_manager.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::control {
namespace {

struct Sim {
  StationConfig cfg;
  StationState state = StationState::kAvailable;
  MilliAmps setpoint = 0;
};

bool is_decrease(const Command& c, MilliAmps before) {
  return c.kind == CommandKind::kPause || c.kind == CommandKind::kStop ||
         (c.kind == CommandKind::kSetCurrent && c.current < before);
}

// How often each reason occurred over all scenarios: the scenarios must reach every rule.
std::map<Reason, int> g_reasons;

void run_scenario(std::uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  LoadManagerConfig cfg;
  cfg.max_current = pick(40, 400) * 1000;
  cfg.max_charging_current = cfg.max_current - pick(0, 30) * 1000;
  if (cfg.max_charging_current <= 0) cfg.max_charging_current = cfg.max_current;
  cfg.hysteresis_percent = pick(0, 10);
  cfg.below_minimum = pick(0, 1) ? BelowMinimum::kPause : BelowMinimum::kClamp;
  cfg.min_guaranteed_mah = pick(0, 3) * 1000;
  cfg.settle_time = absl::Seconds(pick(0, 5));
  auto made = LoadManager::create(cfg);
  ASSERT_TRUE(made.ok()) << made.status();
  LoadManager lm = *std::move(made);
  std::map<std::uint32_t, Sim> sim;
  const int n = pick(1, 24);
  for (int i = 1; i <= n; ++i) {
    const std::uint8_t masks[] = {kPhaseAll, kPhaseL1, kPhaseL2, kPhaseL3};
    StationConfig sc{DeviceRef{static_cast<std::uint32_t>(i)}, "", pick(6, 32) * 1000,
                     masks[pick(0, 3)], pick(0, 4) == 0};
    ASSERT_TRUE(lm.add_station(sc).ok());
    sim[sc.id.id] = Sim{sc};
  }
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  std::array<MilliAmps, 3> other{};
  for (int tick = 0; tick < 300; ++tick) {
    now += absl::Seconds(pick(1, 120));
    for (auto& o : other) o = std::max<MilliAmps>(0, o + pick(-20, 20) * 1000);
    for (auto& [id, s] : sim) {
      const int r = pick(0, 99);
      if (r < 4 && s.state == StationState::kAvailable) s.state = StationState::kWaiting;
      else if (r == 4) s = Sim{s.cfg};  // vehicle leaves
      else if (r == 5) s = Sim{s.cfg, StationState::kFailed};
      else if (r == 6 && s.state == StationState::kFailed) s = Sim{s.cfg};
    }
    if (pick(0, 19) != 0) {
      std::array<MilliAmps, 3> m = other;
      for (const auto& [id, s] : sim) {
        if (s.state != StationState::kCharging) continue;
        for (std::size_t p = 0; p < 3; ++p) {
          if (s.cfg.phases & (1 << p)) m[p] += s.setpoint;
        }
      }
      lm.on_meter_sample(MeterSample{now, m});
    }
    std::map<std::uint32_t, std::optional<StationView>> before;
    for (const auto& [id, s] : sim) {
      StationStatus st{s.state, std::nullopt};
      if (s.state == StationState::kCharging && pick(0, 1)) st.measured_current = s.setpoint;
      ASSERT_TRUE(lm.on_station_status(DeviceRef{id}, st).ok());
      before[id] = lm.station(DeviceRef{id});
    }
    const Decision d = lm.decide(now);
    std::set<std::uint32_t> seen;
    bool increases_started = false;
    for (const Command& c : d.commands) {
      SCOPED_TRACE(str_cat("seed ", seed, " tick ", tick, ": ", c.to_string()));
      Sim& s = sim[c.station.id];
      ++g_reasons[c.reason];
      EXPECT_TRUE(seen.insert(c.station.id).second) << "two commands for one station";
      const bool dec = is_decrease(c, before[c.station.id]->setpoint);
      if (dec) {
        EXPECT_FALSE(increases_started) << "a decrease after an increase";
      }
      increases_started = increases_started || !dec;
      if (c.kind == CommandKind::kStart || c.kind == CommandKind::kSetCurrent) {
        EXPECT_GE(c.current, cfg.iec_min_current);
        EXPECT_LE(c.current, s.cfg.rated_current);
        EXPECT_FALSE(d.fail_safe && c.current > cfg.fail_safe_current);
        if (d.zone == Zone::kRed && !d.fail_safe) {
          EXPECT_LT(c.current, before[c.station.id]->setpoint);
        }
      }
      if (c.reason == Reason::kRedStop) {
        EXPECT_FALSE(s.cfg.priority);
        EXPECT_GE(lm.station(c.station)->delivered_mah, cfg.min_guaranteed_mah);
      }
      if (c.kind == CommandKind::kStart || c.kind == CommandKind::kSetCurrent) {
        s.state = StationState::kCharging;
        s.setpoint = c.current;
      } else if (s.state != StationState::kFailed) {
        s.state = StationState::kWaiting;
        s.setpoint = 0;
      }
    }
    for (const StationView& v : lm.stations()) {
      if (v.session == SessionState::kCharging) {
        EXPECT_GE(v.setpoint, cfg.iec_min_current) << "seed " << seed;
      } else {
        EXPECT_EQ(v.setpoint, 0) << "seed " << seed;
      }
      if (v.reported == StationState::kFailed) {
        EXPECT_EQ(v.session, SessionState::kIdle);
      }
    }
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(LoadManagerRandom, RulesHoldInTwoHundredRandomSites) {
  for (std::uint32_t seed = 1; seed <= 200; ++seed) {
    run_scenario(seed);
    if (::testing::Test::HasFailure()) break;
  }
  for (int r = 0; r <= static_cast<int>(Reason::kStationFailed); ++r) {
    const auto reason = static_cast<Reason>(r);
    EXPECT_GT(g_reasons[reason], 0) << reason_name(reason) << " never happened";
  }
}

}  // namespace
}  // namespace emscore::control
