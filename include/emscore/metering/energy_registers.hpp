// emscore/metering/energy_registers.hpp — the energy and run-hour registers of a meter.
//
// Registers (data sheet of the analyser, "available measurements"):
//   active, reactive and apparent energy, imported and exported, total, per phase and system;
//   system partial counters with start/pause/reset;
//   system energy by tariff (t1, t2), switched by set_tariff() (see tariff_switch.hpp);
//   system active, reactive and apparent energy per quadrant I-IV;
//   run hours: time with active import (kWh+), with active export (kWh-), and total ON time
//   (every window the meter measured), total and partial.
//
// Directions: active and apparent energy are imported while P >= 0 (quadrants I, IV),
// reactive energy while Q >= 0 (quadrants I, II). The system registers use the net system
// P and Q of each window (what a polyphase meter registers), the phase registers the
// phase's own; so the sum of the phase registers may exceed the system register when one
// phase imports while another exports.
//
// Exactness: each window's energy is turned into whole micro-units (µWh, µvarh, µVAh) once,
// per stream (scope x kind x direction) with a carried remainder (accumulator.hpp), and the
// same integer is added to every register it belongs to. Hence, exactly and forever:
//   active import  = quadrant I + IV active,    active export  = II + III,
//   reactive import = quadrant I + II reactive, reactive export = III + IV,
//   apparent import = quadrant I + IV apparent, apparent export = II + III,
//   import = t1 + t2 (when both started at zero).
// An int64 of µWh holds 9.2 TWh: 1000 years of a 10 kA, 480 V three-phase load.
#pragma once

#include <array>
#include <cstdint>

#include "emscore/core/value.hpp"
#include "emscore/metering/accumulator.hpp"
#include "emscore/metering/analyzer.hpp"
#include "emscore/metering/quadrant.hpp"

namespace emscore::metering {

enum class EnergyKind : std::uint8_t { kActive = 0, kReactive = 1, kApparent = 2 };
enum class Direction : std::uint8_t { kImport = 0, kExport = 1 };
enum class Scope : std::uint8_t { kSystem = 0, kL1 = 1, kL2 = 2, kL3 = 3 };
enum class Tariff : std::uint8_t { kT1 = 0, kT2 = 1 };
enum class RunHours : std::uint8_t { kImport = 0, kExport = 1, kOn = 2 };

inline constexpr std::int64_t kMicroPerUnit = 1'000'000;  // register quanta per Wh/varh/VAh

class EnergyRegisters {
 public:
  // Everything a meter must persist to survive a power cycle: plain integers and carries.
  struct State {
    std::array<std::array<std::array<std::int64_t, 2>, 3>, 4> total{};   // [scope][kind][dir]
    std::array<std::array<std::array<double, 2>, 3>, 4> carry{};        // of the streams
    std::array<std::array<std::int64_t, 2>, 3> partial{};               // [kind][dir]
    std::array<std::array<std::array<std::int64_t, 2>, 3>, 2> tariff{}; // [tariff][kind][dir]
    std::array<std::array<std::int64_t, 4>, 3> quadrant{};              // [kind][quadrant]
    std::array<std::int64_t, 3> run_ns{};                               // [RunHours]
    std::array<std::int64_t, 3> partial_run_ns{};
    double time_carry = 0;
    Tariff tariff_now = Tariff::kT1;
    bool partial_running = true;
  };

  // The whole quanta one window added to the system registers (e.g. to drive pulse outputs).
  struct Increments {
    std::array<std::array<std::int64_t, 2>, 3> system{};  // [kind][dir], µ-units
    Quadrant quadrant = Quadrant::kI;
    std::int64_t duration_ns = 0;
  };

  EnergyRegisters() = default;
  explicit EnergyRegisters(const State& s) : s_(s) {}

  Increments add(const WindowEnergy& e) noexcept;

  // Register contents in µWh / µvarh / µVAh (run hours in ns).
  std::int64_t raw_total(EnergyKind k, Direction d, Scope s = Scope::kSystem) const noexcept {
    return s_.total[idx(s)][idx(k)][idx(d)];
  }
  std::int64_t raw_partial(EnergyKind k, Direction d) const noexcept {
    return s_.partial[idx(k)][idx(d)];
  }
  std::int64_t raw_tariff(Tariff t, EnergyKind k, Direction d) const noexcept {
    return s_.tariff[idx(t)][idx(k)][idx(d)];
  }
  std::int64_t raw_quadrant(EnergyKind k, Quadrant q) const noexcept {
    return s_.quadrant[idx(k)][idx(q)];
  }
  std::int64_t run_ns(RunHours r, bool partial = false) const noexcept {
    return partial ? s_.partial_run_ns[idx(r)] : s_.run_ns[idx(r)];
  }

  // As exact Values in kWh / kvarh / kVAh, truncated (never rounded up: a meter does not
  // show energy it has not counted yet) to `decimals` (0..9; the data sheet's resolution is
  // 3, 0.001 kWh).
  Value total(EnergyKind k, Direction d, Scope s = Scope::kSystem, int decimals = 3) const {
    return to_value(raw_total(k, d, s), k, decimals);
  }
  Value partial(EnergyKind k, Direction d, int decimals = 3) const {
    return to_value(raw_partial(k, d), k, decimals);
  }
  Value by_tariff(Tariff t, EnergyKind k, Direction d, int decimals = 3) const {
    return to_value(raw_tariff(t, k, d), k, decimals);
  }
  Value by_quadrant(EnergyKind k, Quadrant q, int decimals = 3) const {
    return to_value(raw_quadrant(k, q), k, decimals);
  }
  // Hours with 2 decimals, truncated (the data sheet shows hh:mm).
  Value run_hours(RunHours r, bool partial = false) const;

  static Value to_value(std::int64_t micro, EnergyKind k, int decimals = 3);

  void set_tariff(Tariff t) noexcept { s_.tariff_now = t; }
  Tariff tariff() const noexcept { return s_.tariff_now; }

  // Partial counters (energy and run hours): run by default; pause keeps the contents,
  // reset zeroes them without changing running/paused.
  void start_partial() noexcept { s_.partial_running = true; }
  void pause_partial() noexcept { s_.partial_running = false; }
  void reset_partial() noexcept;
  bool partial_running() const noexcept { return s_.partial_running; }

  const State& state() const noexcept { return s_; }

 private:
  template <class E>
  static constexpr std::size_t idx(E e) noexcept {
    return static_cast<std::size_t>(e);
  }
  State s_;
};

}  // namespace emscore::metering
