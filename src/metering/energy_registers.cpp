#include "emscore/metering/energy_registers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace emscore::metering {
namespace {

constexpr double kMicro = static_cast<double>(kMicroPerUnit);

// Registers saturate instead of wrapping (9.2e18 µWh is 1000 years at 10 kA; only corrupted
// input gets there).
void sat_add(std::int64_t& r, std::int64_t n) {
  if (n > 0 && r > std::numeric_limits<std::int64_t>::max() - n) {
    r = std::numeric_limits<std::int64_t>::max();
  } else {
    r += n;
  }
}

Unit kilo_unit(EnergyKind k) {
  switch (k) {
    case EnergyKind::kActive: return Unit::kKiloWattHour;
    case EnergyKind::kReactive: return Unit::kKiloVarHour;
    case EnergyKind::kApparent: return Unit::kKiloVoltAmpereHour;
  }
  return Unit::kKiloWattHour;
}

}  // namespace

EnergyRegisters::Increments EnergyRegisters::add(const WindowEnergy& e) noexcept {
  Increments inc;
  // Quantizes one signed stream of a scope and kind into its import or export register.
  auto stream = [this](std::size_t scope, EnergyKind kind, double amount, bool import) {
    const std::size_t k = idx(kind), d = import ? 0 : 1;
    QuantaCarry q;
    q.set_carry(s_.carry[scope][k][d]);
    const std::int64_t n = q.take(std::abs(amount) * kMicro);
    s_.carry[scope][k][d] = q.carry();
    sat_add(s_.total[scope][k][d], n);
    return n;
  };
  for (std::size_t p = 0; p < 3; ++p) {
    const bool imp = e.active_wh[p] >= 0;
    stream(p + 1, EnergyKind::kActive, e.active_wh[p], imp);
    stream(p + 1, EnergyKind::kReactive, e.reactive_varh[p], e.reactive_varh[p] >= 0);
    stream(p + 1, EnergyKind::kApparent, e.apparent_vah[p], imp);
  }
  const double p = e.system_active_wh, q = e.system_reactive_varh;
  const Quadrant quad = quadrant_of(p, q);
  inc.quadrant = quad;
  const bool p_imp = p >= 0, q_imp = q >= 0;
  const std::int64_t na = stream(0, EnergyKind::kActive, p, p_imp);
  const std::int64_t nr = stream(0, EnergyKind::kReactive, q, q_imp);
  const std::int64_t ns = stream(0, EnergyKind::kApparent, e.system_apparent_vah, p_imp);
  const std::size_t da = p_imp ? 0 : 1, dr = q_imp ? 0 : 1;
  const std::size_t ka = idx(EnergyKind::kActive), kr = idx(EnergyKind::kReactive),
                    ks = idx(EnergyKind::kApparent);
  inc.system[ka][da] = na;
  inc.system[kr][dr] = nr;
  inc.system[ks][da] = ns;
  const std::size_t t = idx(s_.tariff_now);
  sat_add(s_.tariff[t][ka][da], na);
  sat_add(s_.tariff[t][kr][dr], nr);
  sat_add(s_.tariff[t][ks][da], ns);
  sat_add(s_.quadrant[ka][idx(quad)], na);
  sat_add(s_.quadrant[kr][idx(quad)], nr);
  sat_add(s_.quadrant[ks][idx(quad)], ns);

  QuantaCarry tq;
  tq.set_carry(s_.time_carry);
  const std::int64_t dt = tq.take(e.duration_s * 1e9);
  s_.time_carry = tq.carry();
  inc.duration_ns = dt;
  sat_add(s_.run_ns[idx(RunHours::kOn)], dt);
  if (s_.partial_running) {
    sat_add(s_.partial[ka][da], na);
    sat_add(s_.partial[kr][dr], nr);
    sat_add(s_.partial[ks][da], ns);
    sat_add(s_.partial_run_ns[idx(RunHours::kOn)], dt);
  }
  // Run hours count the time the load imports (exports) energy: a window that registered
  // whole quanta in that direction. A phase below the start-up current registers nothing.
  if (p > 0) {
    sat_add(s_.run_ns[idx(RunHours::kImport)], dt);
    if (s_.partial_running) sat_add(s_.partial_run_ns[idx(RunHours::kImport)], dt);
  } else if (p < 0) {
    sat_add(s_.run_ns[idx(RunHours::kExport)], dt);
    if (s_.partial_running) sat_add(s_.partial_run_ns[idx(RunHours::kExport)], dt);
  }
  return inc;
}

void EnergyRegisters::reset_partial() noexcept {
  s_.partial = {};
  s_.partial_run_ns = {};
}

Value EnergyRegisters::to_value(std::int64_t micro, EnergyKind k, int decimals) {
  decimals = std::clamp(decimals, 0, 9);
  // micro is in µWh = 10^-9 kWh.
  const std::int64_t div = pow10_i64(9 - decimals);
  return Value(micro / div, -decimals, kilo_unit(k));
}

Value EnergyRegisters::run_hours(RunHours r, bool partial) const {
  // 1 h = 3.6e12 ns; two decimals: one unit = 36e9 ns.
  return Value(run_ns(r, partial) / 36'000'000'000, -2, Unit::kHour);
}

}  // namespace emscore::metering
