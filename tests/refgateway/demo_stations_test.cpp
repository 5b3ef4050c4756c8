#include "demo_stations.hpp"

#include <gtest/gtest.h>

#include "emscore/control/load_manager.hpp"

namespace emscore::refgw {
namespace {

using control::CommandKind;
using control::StationState;

struct Fixture {
  absl::Time now = absl::FromUnixSeconds(1'795'000'000);
  DemoStations stations{
      {{DeviceRef{1}, "Bay 1", 16'000, control::kPhaseAll, false},
       {DeviceRef{2}, "Bay 2", 32'000, control::kPhaseL2, false}},
      [this] { return now; },
      [] {
        DemoStationOptions o;
        o.first_arrival = absl::Seconds(5);
        return o;
      }()};

  control::Command cmd(DeviceRef id, CommandKind k, control::MilliAmps ma = 0) {
    control::Command c;
    c.station = id;
    c.kind = k;
    c.current = ma;
    return c;
  }
};

TEST(DemoStations, VehiclesArriveSoonAfterTheFirstLook) {
  Fixture f;
  EXPECT_EQ(f.stations.status(DeviceRef{1}).state, StationState::kAvailable);
  f.now += absl::Seconds(5);
  EXPECT_EQ(f.stations.status(DeviceRef{1}).state, StationState::kWaiting);
  EXPECT_EQ(f.stations.status(DeviceRef{2}).state, StationState::kAvailable);  // second at 10 s
  f.now += absl::Seconds(5);
  EXPECT_EQ(f.stations.status(DeviceRef{2}).state, StationState::kWaiting);
}

TEST(DemoStations, ChargesAtTheSetpointAndShowsInThePhaseCurrents) {
  Fixture f;
  (void)f.stations.status(DeviceRef{1});
  f.now += absl::Seconds(10);
  ASSERT_TRUE(f.stations.apply(f.cmd(DeviceRef{1}, CommandKind::kStart, 10'000)).ok());
  auto st = f.stations.status(DeviceRef{1});
  EXPECT_EQ(st.state, StationState::kCharging);
  ASSERT_TRUE(st.measured_current.has_value());
  EXPECT_LE(*st.measured_current, 10'000);
  EXPECT_GE(*st.measured_current, 9'500);
  auto a = f.stations.phase_currents();
  EXPECT_NEAR(a[0], static_cast<double>(*st.measured_current) / 1000.0, 1e-9);
  EXPECT_NEAR(a[1], a[0], 1e-9);  // three-phase station
  EXPECT_NEAR(a[2], a[0], 1e-9);

  // Single-phase station on L2 only.
  ASSERT_TRUE(f.stations.apply(f.cmd(DeviceRef{2}, CommandKind::kStart, 8'000)).ok());
  a = f.stations.phase_currents();
  EXPECT_GT(a[1], a[0] + 7.0);

  ASSERT_TRUE(f.stations.apply(f.cmd(DeviceRef{1}, CommandKind::kSetCurrent, 6'000)).ok());
  EXPECT_LE(*f.stations.status(DeviceRef{1}).measured_current, 6'000);

  ASSERT_TRUE(f.stations.apply(f.cmd(DeviceRef{1}, CommandKind::kPause)).ok());
  EXPECT_EQ(f.stations.status(DeviceRef{1}).state, StationState::kWaiting);  // still plugged in
  EXPECT_EQ(f.stations.phase_currents()[0], 0.0);
}

TEST(DemoStations, RefusesWhatAStationCannotDo) {
  Fixture f;
  (void)f.stations.status(DeviceRef{1});
  // No vehicle yet.
  auto st = f.stations.apply(f.cmd(DeviceRef{1}, CommandKind::kStart, 10'000));
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("Bay 1"), std::string_view::npos) << st;
  f.now += absl::Seconds(5);
  // Below the IEC 61851 minimum, above the rating.
  EXPECT_EQ(f.stations.apply(f.cmd(DeviceRef{1}, CommandKind::kStart, 5'000)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(f.stations.apply(f.cmd(DeviceRef{1}, CommandKind::kStart, 16'001)).code(),
            absl::StatusCode::kInvalidArgument);
  // Set current without a running charge.
  EXPECT_EQ(f.stations.apply(f.cmd(DeviceRef{1}, CommandKind::kSetCurrent, 10'000)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(f.stations.apply(f.cmd(DeviceRef{9}, CommandKind::kStart, 10'000)).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(f.stations.status(DeviceRef{9}).state, StationState::kFailed);
  // A failed station reports so, refuses commands and draws nothing.
  ASSERT_TRUE(f.stations.apply(f.cmd(DeviceRef{1}, CommandKind::kStart, 16'000)).ok());
  ASSERT_TRUE(f.stations.set_failed("Bay 1", true).ok());
  EXPECT_EQ(f.stations.status(DeviceRef{1}).state, StationState::kFailed);
  EXPECT_EQ(f.stations.apply(f.cmd(DeviceRef{1}, CommandKind::kStart, 16'000)).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(f.stations.phase_currents()[0], 0.0);
  ASSERT_TRUE(f.stations.set_failed("Bay 1", false).ok());
  EXPECT_EQ(f.stations.status(DeviceRef{1}).state, StationState::kWaiting);
  EXPECT_FALSE(f.stations.set_failed("Bay 7", true).ok());
}

TEST(DemoStations, VehicleLeavesWhenFullOrAfterItsStayAndANewOneComes) {
  Fixture f;
  (void)f.stations.status(DeviceRef{1});
  f.now += absl::Seconds(5);
  ASSERT_TRUE(f.stations.apply(f.cmd(DeviceRef{1}, CommandKind::kStart, 16'000)).ok());
  const auto v0 = f.stations.view();
  ASSERT_EQ(v0.size(), 2u);
  EXPECT_TRUE(v0[0].vehicle);
  EXPECT_EQ(v0[0].sessions, 1u);
  // Charge minute by minute until the vehicle is gone (at most its longest stay, 45 min).
  int minutes = 0;
  while (f.stations.status(DeviceRef{1}).state != StationState::kAvailable && minutes < 60) {
    f.now += absl::Minutes(1);
    ++minutes;
  }
  EXPECT_LE(minutes, 46);
  const auto v1 = f.stations.view();
  EXPECT_FALSE(v1[0].vehicle);
  EXPECT_GT(v1[0].delivered_kwh, 0.0);
  // The next one arrives within 1.5 * mean_idle (4 min).
  f.now += absl::Minutes(6);
  EXPECT_EQ(f.stations.status(DeviceRef{1}).state, StationState::kWaiting);
  EXPECT_EQ(f.stations.view()[0].sessions, 2u);
}

TEST(DemoStations, LinksByNameDriveTheSameStations) {
  Fixture f;
  EXPECT_EQ(f.stations.link("Bay 9"), nullptr);
  std::shared_ptr<StationLink> link = f.stations.link("Bay 1");
  ASSERT_NE(link, nullptr);
  ASSERT_TRUE(f.stations.plug_in("Bay 1").ok());
  EXPECT_FALSE(f.stations.plug_in("Bay 1").ok());  // already there
  EXPECT_EQ(link->status().state, StationState::kWaiting);
  control::Command c;
  c.station = DeviceRef{1};
  c.kind = CommandKind::kStart;
  c.current = 12'000;
  ASSERT_TRUE(link->apply(c).ok());
  EXPECT_EQ(f.stations.status(DeviceRef{1}).state, StationState::kCharging);
  ASSERT_TRUE(f.stations.unplug("Bay 1").ok());
  EXPECT_EQ(link->status().state, StationState::kAvailable);
}

TEST(DemoStations, TheLoadManagerCanDriveThem) {
  // The loop the gateway's control runner closes: status -> decision -> commands.
  Fixture f;
  auto lm = control::LoadManager::create([] {
    control::LoadManagerConfig c;
    c.max_current = 40'000;
    c.max_charging_current = 30'000;
    c.settle_time = absl::ZeroDuration();
    return c;
  }());
  ASSERT_TRUE(lm.ok()) << lm.status();
  ASSERT_TRUE(lm->add_station({DeviceRef{1}, "Bay 1", 16'000, control::kPhaseAll, false}).ok());
  ASSERT_TRUE(lm->add_station({DeviceRef{2}, "Bay 2", 32'000, control::kPhaseL2, false}).ok());
  int charging = 0;
  for (int s = 0; s < 30; ++s) {
    f.now += absl::Seconds(1);
    const auto a = f.stations.phase_currents();
    control::MeterSample sample;
    sample.at = f.now;
    for (int p = 0; p < 3; ++p) sample.phase_current[p] = static_cast<control::MilliAmps>(5'000 + a[p] * 1000);
    lm->on_meter_sample(sample);
    for (DeviceRef id : {DeviceRef{1}, DeviceRef{2}})
      ASSERT_TRUE(lm->on_station_status(id, f.stations.status(id)).ok());
    for (const control::Command& c : lm->decide(f.now).commands)
      EXPECT_TRUE(f.stations.apply(c).ok()) << c.to_string();
    charging = 0;
    for (DeviceRef id : {DeviceRef{1}, DeviceRef{2}})
      charging += f.stations.status(id).state == StationState::kCharging;
  }
  EXPECT_GE(charging, 1);
}

}  // namespace
}  // namespace emscore::refgw
