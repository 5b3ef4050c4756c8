#include "emscore/metering/energy_registers.hpp"

#include <gtest/gtest.h>

#include <random>

namespace emscore::metering {
namespace {

WindowEnergy window(double p_w, double q_var, double seconds = 0.2) {
  WindowEnergy e;
  e.duration_s = seconds;
  const double s = std::hypot(p_w, q_var);
  for (std::size_t k = 0; k < 3; ++k) {
    e.active_wh[k] = p_w / 3 * seconds / 3600;
    e.reactive_varh[k] = q_var / 3 * seconds / 3600;
    e.apparent_vah[k] = s / 3 * seconds / 3600;
  }
  e.system_active_wh = p_w * seconds / 3600;
  e.system_reactive_varh = q_var * seconds / 3600;
  e.system_apparent_vah = s * seconds / 3600;
  return e;
}

using K = EnergyKind;
using D = Direction;

TEST(EnergyRegisters, ImportExportByTheSignOfPAndQ) {
  EnergyRegisters r;
  r.add(window(3600, 1800, 1.0));  // 1 Wh, 0.5 varh: quadrant I
  r.add(window(-7200, 0, 1.0));    // -2 Wh, Q = 0: quadrant II
  EXPECT_EQ(r.raw_total(K::kActive, D::kImport), 1'000'000);
  EXPECT_EQ(r.raw_total(K::kActive, D::kExport), 2'000'000);
  EXPECT_EQ(r.raw_total(K::kReactive, D::kImport), 500'000);
  EXPECT_EQ(r.raw_total(K::kReactive, D::kExport), 0);
  EXPECT_EQ(r.raw_total(K::kActive, D::kImport, Scope::kL2), 333'333);
  EXPECT_EQ(r.raw_quadrant(K::kActive, Quadrant::kII), 2'000'000);
  EXPECT_EQ(r.total(K::kActive, D::kExport).to_string_with_unit(), "0.002 kWh");
  EXPECT_EQ(r.total(K::kActive, D::kExport, Scope::kSystem, 6).to_string(), "0.002000");
  EXPECT_EQ(r.total(K::kReactive, D::kImport, Scope::kSystem, 4).to_string_with_unit(),
            "0.0005 kvarh");
}

// Property: per-quadrant registers sum exactly to the import/export totals, tariffs to the
// totals, and partial registers follow start/pause/reset, for any sequence of windows.
TEST(EnergyRegisters, QuadrantsAndTariffsSumToTheTotals) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> pq(-20000, 20000);
  EnergyRegisters r;
  for (int k = 0; k < 20000; ++k) {
    if (k % 1000 == 0) r.set_tariff(k % 2000 == 0 ? Tariff::kT1 : Tariff::kT2);
    r.add(window(pq(rng), pq(rng)));
  }
  auto qsum = [&](K kind, Quadrant a, Quadrant b) {
    return r.raw_quadrant(kind, a) + r.raw_quadrant(kind, b);
  };
  EXPECT_EQ(r.raw_total(K::kActive, D::kImport), qsum(K::kActive, Quadrant::kI, Quadrant::kIV));
  EXPECT_EQ(r.raw_total(K::kActive, D::kExport), qsum(K::kActive, Quadrant::kII, Quadrant::kIII));
  EXPECT_EQ(r.raw_total(K::kReactive, D::kImport), qsum(K::kReactive, Quadrant::kI, Quadrant::kII));
  EXPECT_EQ(r.raw_total(K::kReactive, D::kExport),
            qsum(K::kReactive, Quadrant::kIII, Quadrant::kIV));
  EXPECT_EQ(r.raw_total(K::kApparent, D::kImport), qsum(K::kApparent, Quadrant::kI, Quadrant::kIV));
  EXPECT_EQ(r.raw_total(K::kApparent, D::kExport),
            qsum(K::kApparent, Quadrant::kII, Quadrant::kIII));
  for (K kind : {K::kActive, K::kReactive, K::kApparent}) {
    for (D d : {D::kImport, D::kExport}) {
      EXPECT_EQ(r.raw_total(kind, d), r.raw_tariff(Tariff::kT1, kind, d) +
                                          r.raw_tariff(Tariff::kT2, kind, d));
      EXPECT_EQ(r.raw_total(kind, d), r.raw_partial(kind, d));
      EXPECT_GT(r.raw_tariff(Tariff::kT2, kind, d), 0);
    }
  }
  EXPECT_EQ(r.run_ns(RunHours::kOn), 20000LL * 200'000'000);
  EXPECT_EQ(r.run_ns(RunHours::kImport) + r.run_ns(RunHours::kExport), r.run_ns(RunHours::kOn));
}

TEST(EnergyRegisters, PartialCountersStartPauseReset) {
  EnergyRegisters r;
  r.add(window(3600, 0, 1.0));
  r.pause_partial();
  EXPECT_FALSE(r.partial_running());
  r.add(window(3600, 0, 1.0));
  EXPECT_EQ(r.raw_partial(K::kActive, D::kImport), 1'000'000);
  EXPECT_EQ(r.raw_total(K::kActive, D::kImport), 2'000'000);
  EXPECT_EQ(r.run_ns(RunHours::kImport, true), 1'000'000'000);
  r.start_partial();
  r.add(window(3600, 0, 1.0));
  EXPECT_EQ(r.raw_partial(K::kActive, D::kImport), 2'000'000);
  r.reset_partial();
  EXPECT_EQ(r.raw_partial(K::kActive, D::kImport), 0);
  EXPECT_EQ(r.run_ns(RunHours::kOn, true), 0);
  EXPECT_TRUE(r.partial_running());
  EXPECT_EQ(r.raw_total(K::kActive, D::kImport), 3'000'000);
}

TEST(EnergyRegisters, RunHoursCountImportExportAndOnTime) {
  EnergyRegisters r;
  for (int k = 0; k < 3600; ++k) r.add(window(1000, 0, 1.0));   // 1 h importing
  for (int k = 0; k < 1800; ++k) r.add(window(-1000, 0, 1.0));  // 30 min exporting
  for (int k = 0; k < 900; ++k) r.add(window(0, 0, 1.0));       // 15 min no load
  EXPECT_EQ(r.run_hours(RunHours::kImport).to_string_with_unit(), "1.00 h");
  EXPECT_EQ(r.run_hours(RunHours::kExport).to_string_with_unit(), "0.50 h");
  EXPECT_EQ(r.run_hours(RunHours::kOn).to_string_with_unit(), "1.75 h");
  EXPECT_EQ(r.total(K::kActive, D::kImport).to_string_with_unit(), "1.000 kWh");
}

// A year at 10 kA (three phases of 10 kA at 277 V, PF 0.8 inductive) in one-second
// windows: every register equals the exact sum of its increments to the µWh.
TEST(EnergyRegisters, AYearAtTenKiloAmpereLosesNothing) {
  const double s = 3 * 277.0 * 10000.0, p = 0.8 * s, q = 0.6 * s;
  const WindowEnergy w = window(p, q, 1.0);
  EnergyRegisters r;
  const std::int64_t seconds = 365LL * 24 * 3600;
  for (std::int64_t k = 0; k < seconds; ++k) r.add(w);
  auto exact = [&](double wh) {
    return static_cast<long double>(wh) * 1e6L * static_cast<long double>(seconds);
  };
  EXPECT_LE(std::fabs(r.raw_total(K::kActive, D::kImport) - exact(w.system_active_wh)), 1.0L);
  EXPECT_LE(std::fabs(r.raw_total(K::kReactive, D::kImport) - exact(w.system_reactive_varh)),
            1.0L);
  EXPECT_LE(std::fabs(r.raw_total(K::kApparent, D::kImport) - exact(w.system_apparent_vah)),
            1.0L);
  EXPECT_LE(std::fabs(r.raw_total(K::kActive, D::kImport, Scope::kL3) - exact(w.active_wh[2])),
            1.0L);
  EXPECT_EQ(r.run_ns(RunHours::kImport), seconds * 1'000'000'000LL);
  EXPECT_EQ(r.run_hours(RunHours::kOn).to_string_with_unit(), "8760.00 h");
  // 0.8 * 3 * 277 V * 10 kA * 8760 h, in kWh with 3 decimals.
  EXPECT_EQ(r.total(K::kActive, D::kImport).to_string_with_unit(), "58236480.000 kWh");
}

TEST(EnergyRegisters, StateRoundTripsForPersistence) {
  EnergyRegisters r;
  r.add(window(1234.5, -321.0, 0.2));
  r.set_tariff(Tariff::kT2);
  EnergyRegisters back(r.state());
  const WindowEnergy w = window(777.7, 55.5, 0.2);
  r.add(w);
  back.add(w);
  EXPECT_EQ(r.raw_total(K::kActive, D::kImport), back.raw_total(K::kActive, D::kImport));
  EXPECT_EQ(back.tariff(), Tariff::kT2);
  EXPECT_EQ(r.raw_tariff(Tariff::kT2, K::kActive, D::kImport),
            back.raw_tariff(Tariff::kT2, K::kActive, D::kImport));
}

}  // namespace
}  // namespace emscore::metering
