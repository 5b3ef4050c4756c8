#include "demo_stations.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <utility>

#include "demo_model.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::refgw {

namespace {

constexpr control::MilliAmps kIecMinimum = 6'000;
// A vehicle draws a little less than its setpoint (as real on-board chargers do).
constexpr double kFollow = 0.98;
constexpr std::uint32_t kStationChannel = 0x20000;

}  // namespace

struct DemoStations::State {
  struct Slot {
    control::StationConfig cfg;
    bool failed = false;
    bool vehicle = false;
    control::MilliAmps setpoint = 0;
    control::MilliAmps vehicle_max = 0;
    double need_kwh = 0;
    double delivered_kwh = 0;
    absl::Time leave_at = absl::InfiniteFuture();
    absl::Time next_arrival = absl::InfiniteFuture();
    std::uint32_t sessions = 0;
  };

  std::mutex mu;
  DemoClock clock;
  DemoStationOptions options;
  std::vector<Slot> slots;
  absl::Time last = absl::InfinitePast();

  int phase_count(const Slot& s) const {
    return (s.cfg.phases & 1) + ((s.cfg.phases >> 1) & 1) + ((s.cfg.phases >> 2) & 1);
  }
  control::MilliAmps draw(const Slot& s) const {
    if (!s.vehicle || s.failed || s.setpoint <= 0) return 0;
    return static_cast<control::MilliAmps>(
        std::llround(static_cast<double>(std::min(s.setpoint, s.vehicle_max)) * kFollow / 10.0) * 10);
  }
  // Uniform in [0, 1) for station i, its session n and the purpose k.
  double uniform(std::size_t i, std::uint32_t n, std::uint32_t k) const {
    return 0.5 * (demo_noise(options.seed, kStationChannel + static_cast<std::uint32_t>(i) * 16 + k, n) + 1.0);
  }
  absl::Duration between(absl::Duration lo, absl::Duration hi, double u) const {
    return lo + (hi - lo) * u;
  }

  void arrive(std::size_t i, absl::Time now) {
    Slot& s = slots[i];
    const std::uint32_t n = ++s.sessions;
    s.vehicle = true;
    s.setpoint = 0;
    s.delivered_kwh = 0;
    s.need_kwh = options.min_need_kwh + (options.max_need_kwh - options.min_need_kwh) * uniform(i, n, 0);
    // On-board chargers: 10, 16 or 32 A, never more than the station gives.
    static constexpr control::MilliAmps kChargers[] = {10'000, 16'000, 16'000, 32'000};
    const auto pick = std::min<std::size_t>(3, static_cast<std::size_t>(uniform(i, n, 1) * 4));
    s.vehicle_max = std::min(kChargers[pick], s.cfg.rated_current);
    s.leave_at = now + between(options.min_stay, options.max_stay, uniform(i, n, 2));
    s.next_arrival = absl::InfiniteFuture();
  }

  void leave(std::size_t i, absl::Time now) {
    Slot& s = slots[i];
    s.vehicle = false;
    s.setpoint = 0;
    s.leave_at = absl::InfiniteFuture();
    s.next_arrival = now + between(options.mean_idle * 0.5, options.mean_idle * 1.5,
                                   uniform(i, s.sessions, 3));
  }

  // Moves every station to `now` (earlier times are ignored).
  void advance(absl::Time now) {
    if (last == absl::InfinitePast()) {
      for (std::size_t i = 0; i < slots.size(); ++i) {
        slots[i].next_arrival = now + options.first_arrival * static_cast<double>(i + 1);
      }
      last = now;
    }
    if (now < last) return;
    const double hours = absl::ToDoubleHours(now - last);
    for (std::size_t i = 0; i < slots.size(); ++i) {
      Slot& s = slots[i];
      const control::MilliAmps ma = draw(s);
      s.delivered_kwh += static_cast<double>(ma) / 1000.0 * options.voltage * phase_count(s) * hours / 1000.0;
      if (s.vehicle && (s.delivered_kwh >= s.need_kwh || now >= s.leave_at)) leave(i, now);
      if (!s.vehicle && now >= s.next_arrival) arrive(i, now);
    }
    last = now;
  }

  Slot* find(DeviceRef id) {
    for (Slot& s : slots) {
      if (s.cfg.id == id) return &s;
    }
    return nullptr;
  }
  Slot* find(std::string_view name) {
    for (Slot& s : slots) {
      if (s.cfg.name == name) return &s;
    }
    return nullptr;
  }

  control::StationStatus status_of(const Slot& s) const {
    if (s.failed) return {control::StationState::kFailed, std::nullopt};
    if (!s.vehicle) return {control::StationState::kAvailable, control::MilliAmps{0}};
    const control::MilliAmps d = draw(s);
    if (d > 0) return {control::StationState::kCharging, d};
    return {control::StationState::kWaiting, control::MilliAmps{0}};
  }

  control::StationStatus status(DeviceRef id) {
    std::lock_guard lock(mu);
    advance(clock());
    const Slot* s = find(id);
    if (s == nullptr) return {control::StationState::kFailed, std::nullopt};
    return status_of(*s);
  }

  absl::Status apply(const control::Command& c) {
    std::lock_guard lock(mu);
    advance(clock());
    Slot* s = find(c.station);
    if (s == nullptr) return absl::NotFoundError(str_cat("demo station ", c.station.id, ": no such station"));
    const std::string& name = s->cfg.name;
    if (s->failed) return absl::UnavailableError(str_cat("demo station ", name, ": station failed"));
    auto check_current = [&]() -> absl::Status {
      if (c.current < kIecMinimum || c.current > s->cfg.rated_current) {
        return absl::InvalidArgumentError(
            str_cat("demo station ", name, ": setpoint ", control::format_amps(c.current),
                    " refused (expected ", control::format_amps(kIecMinimum), " .. ",
                    control::format_amps(s->cfg.rated_current), ")"));
      }
      return absl::OkStatus();
    };
    switch (c.kind) {
      case control::CommandKind::kStart:
        if (!s->vehicle) return absl::FailedPreconditionError(str_cat("demo station ", name, ": no vehicle connected"));
        if (auto st = check_current(); !st.ok()) return st;
        s->setpoint = c.current;
        return absl::OkStatus();
      case control::CommandKind::kSetCurrent:
        if (!s->vehicle || s->setpoint <= 0)
          return absl::FailedPreconditionError(str_cat("demo station ", name, ": not charging"));
        if (auto st = check_current(); !st.ok()) return st;
        s->setpoint = c.current;
        return absl::OkStatus();
      case control::CommandKind::kPause:
      case control::CommandKind::kStop:
        s->setpoint = 0;  // the vehicle stays and asks again (state B)
        return absl::OkStatus();
    }
    return absl::InvalidArgumentError(str_cat("demo station ", name, ": unknown command"));
  }
};

namespace {

class DemoStationLink final : public StationLink {
 public:
  DemoStationLink(std::shared_ptr<DemoStations::State> state, DeviceRef id)
      : state_(std::move(state)), id_(id) {}
  control::StationStatus status() override { return state_->status(id_); }
  absl::Status apply(const control::Command& command) override {
    if (command.station != id_) {
      control::Command c = command;
      c.station = id_;
      return state_->apply(c);
    }
    return state_->apply(command);
  }

 private:
  std::shared_ptr<DemoStations::State> state_;
  DeviceRef id_;
};

}  // namespace

DemoStations::DemoStations(std::vector<control::StationConfig> stations, DemoClock clock,
                           DemoStationOptions options)
    : state_(std::make_shared<State>()) {
  state_->clock = clock ? std::move(clock) : DemoClock([] { return absl::Now(); });
  state_->options = options;
  for (auto& cfg : stations) {
    State::Slot s;
    s.cfg = std::move(cfg);
    state_->slots.push_back(std::move(s));
  }
}

DemoStations::~DemoStations() = default;

std::shared_ptr<StationLink> DemoStations::link(std::string_view name) const {
  std::lock_guard lock(state_->mu);
  const State::Slot* s = state_->find(name);
  if (s == nullptr) return nullptr;
  return std::make_shared<DemoStationLink>(state_, s->cfg.id);
}

control::StationStatus DemoStations::status(DeviceRef id) { return state_->status(id); }

absl::Status DemoStations::apply(const control::Command& command) { return state_->apply(command); }

std::array<double, 3> DemoStations::phase_currents() {
  std::lock_guard lock(state_->mu);
  state_->advance(state_->clock());
  std::array<double, 3> out{};
  for (const auto& s : state_->slots) {
    const double a = static_cast<double>(state_->draw(s)) / 1000.0;
    for (int p = 0; p < 3; ++p) {
      if (s.cfg.phases & (1 << p)) out[p] += a;
    }
  }
  return out;
}

absl::Status DemoStations::set_failed(std::string_view name, bool failed) {
  std::lock_guard lock(state_->mu);
  State::Slot* s = state_->find(name);
  if (s == nullptr) return absl::NotFoundError(str_cat("demo station \"", name, "\": no such station"));
  state_->advance(state_->clock());
  s->failed = failed;
  if (failed) s->setpoint = 0;  // a failed station drops its authorisation
  return absl::OkStatus();
}

absl::Status DemoStations::plug_in(std::string_view name) {
  std::lock_guard lock(state_->mu);
  State::Slot* s = state_->find(name);
  if (s == nullptr) return absl::NotFoundError(str_cat("demo station \"", name, "\": no such station"));
  state_->advance(state_->clock());
  if (s->vehicle) return absl::FailedPreconditionError(str_cat("demo station \"", name, "\": a vehicle is already connected"));
  state_->arrive(static_cast<std::size_t>(s - state_->slots.data()), state_->last);
  return absl::OkStatus();
}

absl::Status DemoStations::unplug(std::string_view name) {
  std::lock_guard lock(state_->mu);
  State::Slot* s = state_->find(name);
  if (s == nullptr) return absl::NotFoundError(str_cat("demo station \"", name, "\": no such station"));
  state_->advance(state_->clock());
  if (!s->vehicle) return absl::FailedPreconditionError(str_cat("demo station \"", name, "\": no vehicle connected"));
  state_->leave(static_cast<std::size_t>(s - state_->slots.data()), state_->last);
  return absl::OkStatus();
}

std::vector<DemoStations::View> DemoStations::view() {
  std::lock_guard lock(state_->mu);
  state_->advance(state_->clock());
  std::vector<View> out;
  for (const auto& s : state_->slots) {
    out.push_back(View{s.cfg.name, s.cfg.id, state_->status_of(s), s.vehicle, s.setpoint,
                       s.vehicle_max, s.delivered_kwh, s.need_kwh, s.sessions});
  }
  return out;
}

}  // namespace emscore::refgw
