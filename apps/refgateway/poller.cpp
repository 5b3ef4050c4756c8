#include "poller.hpp"

#include "device_reader_impl.hpp"

#include <algorithm>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/redirect_error.hpp"
#include "boost/asio/use_awaitable.hpp"

namespace emscore::refgw {
namespace asio = boost::asio;

absl::Time next_raster_time(absl::Time now, absl::Duration interval) {
  if (interval <= absl::ZeroDuration()) return now;
  const absl::Duration since_epoch = now - absl::UnixEpoch();
  const absl::Duration floor = absl::Floor(since_epoch, interval);
  return absl::UnixEpoch() + floor + interval;
}

struct Poller::State {
  explicit State(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  std::unique_ptr<DeviceReader> reader;
  ReadoutSink sink;
  std::vector<DeviceConfig> devices;
  std::vector<absl::Duration> intervals;
  std::vector<absl::Time> due;
  bool stopped = false;
  bool triggered = false;
  bool running = false;
};

Poller::Poller(asio::any_io_executor ex, const GatewayConfig& config, const BusConfig& bus,
               std::unique_ptr<DeviceReader> reader, ReadoutSink sink)
    : ex_(ex), bus_(bus), state_(std::make_shared<State>(ex)) {
  state_->reader = std::move(reader);
  state_->sink = std::move(sink);
  for (const DeviceConfig& d : config.devices) {
    if (d.bus != bus.name) continue;
    state_->devices.push_back(d);
    state_->intervals.push_back(config.interval_of(d));
  }
}

Poller::~Poller() { stop(); }

void Poller::start(bool read_at_start) {
  if (state_->running) return;
  state_->running = true;
  const absl::Time now = absl::Now();
  state_->due.clear();
  for (std::size_t i = 0; i < state_->devices.size(); ++i) {
    const bool now_ok = read_at_start && !state_->devices[i].battery;
    state_->due.push_back(now_ok ? now : next_raster_time(now, state_->intervals[i]));
  }
  state_->reader->start();
  asio::co_spawn(ex_, run(state_), asio::detached);
}

void Poller::stop() {
  if (!state_ || state_->stopped) return;
  state_->stopped = true;
  state_->timer.cancel();
  state_->reader->stop();
}

DeviceReader& Poller::reader() noexcept { return *state_->reader; }

void Poller::trigger() {
  state_->triggered = true;
  state_->timer.cancel();
}

asio::awaitable<void> Poller::run(std::shared_ptr<State> s) {
  while (!s->stopped) {
    if (s->triggered) {
      s->triggered = false;
      const absl::Time now = absl::Now();
      for (std::size_t i = 0; i < s->devices.size(); ++i)
        if (!s->devices[i].battery) s->due[i] = now;
    }
    for (std::size_t i = 0; i < s->devices.size() && !s->stopped; ++i) {
      if (s->due[i] > absl::Now()) continue;
      absl::StatusOr<Readout> r = co_await s->reader->read(s->devices[i]);
      if (s->stopped) break;
      s->due[i] = next_raster_time(absl::Now(), s->intervals[i]);
      s->sink(s->devices[i], std::move(r));
    }
    if (s->stopped) break;
    absl::Time next = absl::InfiniteFuture();
    for (absl::Time t : s->due) next = std::min(next, t);
    if (next == absl::InfiniteFuture()) next = absl::Now() + absl::Hours(1);
    const absl::Duration wait = std::max(absl::ZeroDuration(), next - absl::Now());
    s->timer.expires_after(absl::ToChronoMilliseconds(wait) + std::chrono::milliseconds(1));
    boost::system::error_code ec;
    co_await s->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

absl::StatusOr<std::unique_ptr<DeviceReader>> make_device_reader(
    asio::any_io_executor ex, const BusConfig& bus, const std::vector<const DeviceConfig*>& devices,
    const mapping::DriverSet& drivers) {
  switch (bus.type) {
    case BusType::kModbusTcp:
    case BusType::kModbusRtu: return make_modbus_reader(std::move(ex), bus, devices, drivers);
    case BusType::kMbusSerial:
    case BusType::kMbusTcp: return make_mbus_reader(std::move(ex), bus, devices, drivers);
    case BusType::kP1Serial: return make_p1_reader(std::move(ex), bus, devices);
    case BusType::kS0: return make_s0_reader(std::move(ex), bus, devices);
  }
  return absl::InvalidArgumentError("unknown bus type");
}

}  // namespace emscore::refgw
