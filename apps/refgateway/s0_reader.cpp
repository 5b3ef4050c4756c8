// S0 pulse inputs (EN 62053-31) as virtual meters: every input is sampled every 10 ms, the
// library's S0Meter debounces and counts, a readout takes the counter as a Reading.
//
// Inputs: "gpio:<file>" reads a sysfs GPIO value file ("0"/"1"; 1 = contact closed) each
// sample, opened once and re-read from offset 0 (one pread per input and sample; reopened
// after an error); "sim:<pulses per hour>" is a simulated meter closing its contact for 50 ms
// at that rate (the demo's pulse counters).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/redirect_error.hpp"
#include "device_reader_impl.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/metering/s0_input.hpp"
#include "emscore/obis/medium.hpp"

namespace emscore::refgw {
namespace asio = boost::asio;

namespace {

constexpr std::int64_t kSampleNs = 10'000'000;  // 10 ms: S0 pulses last >= 30 ms
constexpr std::int64_t kSimPulseNs = 50'000'000;

// An open file descriptor, closed with its owner.
class Fd {
 public:
  Fd() = default;
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

struct Input {
  DeviceConfig device;
  metering::S0Meter meter;
  std::string gpio_path;      // gpio: source
  Fd gpio;                    // open while readable
  std::int64_t sim_period_ns = 0;  // sim: source
  std::string error;          // last read error of a gpio file
};

// The level of a GPIO value file: true = contact closed ('1'); false with `error` set when
// the file cannot be opened or read, or holds something else than 0/1.
bool read_level(Input& in, bool* closed) {
  if (in.gpio.get() < 0) {
    const int fd = ::open(in.gpio_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      in.error = str_cat("cannot open ", in.gpio_path, ": ", std::strerror(errno));
      return false;
    }
    in.gpio.reset(fd);
  }
  char c = 0;
  const ssize_t n = ::pread(in.gpio.get(), &c, 1, 0);
  if (n != 1 || (c != '0' && c != '1')) {
    in.error = n < 0 ? str_cat("cannot read ", in.gpio_path, ": ", std::strerror(errno))
                     : str_cat("cannot read a level (0/1) from ", in.gpio_path);
    in.gpio.reset();  // opened again at the next sample (the file may have been replaced)
    return false;
  }
  in.error.clear();
  *closed = c == '1';
  return true;
}

struct Shared {
  std::vector<Input> inputs;
  bool stopped = false;
};

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class S0Reader final : public DeviceReader {
 public:
  S0Reader(asio::any_io_executor ex, std::shared_ptr<Shared> shared)
      : ex_(std::move(ex)), shared_(std::move(shared)) {}

  void start() override { asio::co_spawn(ex_, sample(ex_, shared_), asio::detached); }
  void stop() override { shared_->stopped = true; }

  asio::awaitable<absl::StatusOr<Readout>> read(const DeviceConfig& device) override {
    for (Input& in : shared_->inputs) {
      if (in.device.serial != device.serial) continue;
      if (!in.error.empty())
        co_return absl::UnavailableError(str_cat(device.name, ": ", in.error));
      Readout out;
      out.at = now_ms();
      auto r = in.meter.reading(out.at);
      if (!r.ok()) co_return r.status();
      const std::vector<Reading> readings{*r};
      out.values = latest_in_order(readings);
      co_return out;
    }
    co_return absl::NotFoundError(str_cat(device.name, ": not an S0 input of this bus"));
  }

  void seed(const DeviceConfig& device, const Value& last) override {
    for (Input& in : shared_->inputs)
      if (in.device.serial == device.serial) (void)in.meter.set_reading(last);
  }

 private:
  static asio::awaitable<void> sample(asio::any_io_executor ex, std::shared_ptr<Shared> s) {
    asio::steady_timer timer(ex);
    auto next = std::chrono::steady_clock::now();
    while (!s->stopped) {
      const std::int64_t now = steady_ns();
      for (Input& in : s->inputs) {
        bool closed = false;
        if (in.sim_period_ns > 0) {
          closed = now % in.sim_period_ns < kSimPulseNs;
        } else if (!read_level(in, &closed)) {
          continue;
        }
        in.meter.update(closed, now);
      }
      next += std::chrono::nanoseconds(kSampleNs);
      timer.expires_at(next);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  asio::any_io_executor ex_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DeviceReader>> make_s0_reader(
    asio::any_io_executor ex, const BusConfig& bus, const std::vector<const DeviceConfig*>& devices) {
  auto shared = std::make_shared<Shared>();
  for (const DeviceConfig* d : devices) {
    if (!d->s0) return absl::InvalidArgumentError(str_cat("device ", d->name, ": an S0 device needs \"input\""));
    const S0Source& src = *d->s0;
    metering::S0Config cfg;
    cfg.pulses_per_unit = src.pulses_per_unit;
    const auto unit = parse_unit(src.unit);
    if (!unit) return absl::InvalidArgumentError(str_cat("device ", d->name, ": unknown unit ", src.unit));
    cfg.unit = *unit;
    cfg.start = Value(0, 0, *unit);
    cfg.code = src.code;
    cfg.medium = obis::medium_of_group_a(src.code.a);
    cfg.device = d->ref;
    auto meter = metering::S0Meter::create(cfg);
    if (!meter.ok())
      return absl::InvalidArgumentError(str_cat("device ", d->name, " (bus ", bus.name, "): ", meter.status().message()));
    Input in{*d, std::move(*meter), {}, {}, 0, {}};
    if (src.input.starts_with("sim:")) {
      const std::string_view rate = std::string_view(src.input).substr(4);
      std::uint64_t per_hour = 0;
      auto [p, ec] = std::from_chars(rate.data(), rate.data() + rate.size(), per_hour);
      if (ec != std::errc() || p != rate.data() + rate.size() || per_hour == 0 || per_hour > 36'000)
        return absl::InvalidArgumentError(str_cat("device ", d->name, ": input \"", src.input,
                                                  "\", expected sim:<pulses per hour 1-36000>"));
      in.sim_period_ns = static_cast<std::int64_t>(3'600'000'000'000LL / per_hour);
    } else {
      in.gpio_path = src.input.substr(5);
    }
    shared->inputs.push_back(std::move(in));
  }
  return std::make_unique<S0Reader>(std::move(ex), std::move(shared));
}

}  // namespace emscore::refgw
