// A P1 port: the meter pushes a telegram every 1 s (DSMR 5) or 10 s (DSMR 2.2-4). The port is
// read continuously; a readout takes the newest telegram's numbers, so the raster decides what
// is stored and the line never backs up.
#include <memory>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "device_reader_impl.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/dsmr/readings.hpp"
#include "emscore/dsmr/telegram.hpp"
#include "emscore/dsmr_io/p1_reader.hpp"

namespace emscore::refgw {
namespace asio = boost::asio;

namespace {

struct Shared {
  bool stopped = false;
  std::optional<Readout> latest;  // of the newest telegram with a good (or absent) CRC
  absl::Time latest_received = absl::InfinitePast();
  std::string last_error;
};

class P1DeviceReader final : public DeviceReader {
 public:
  P1DeviceReader(asio::any_io_executor ex, const BusConfig& bus, const DeviceConfig& device)
      : ex_(std::move(ex)), bus_(bus), device_(device), shared_(std::make_shared<Shared>()) {}

  void start() override {
    asio::co_spawn(ex_, loop(ex_, bus_, device_, shared_), asio::detached);
  }
  void stop() override { shared_->stopped = true; }

  asio::awaitable<absl::StatusOr<Readout>> read(const DeviceConfig& device) override {
    // The first telegram may still be on its way (DSMR 2.2-4 send every 10 s): wait for one
    // up to the line's own period plus margin.
    const absl::Duration max_age = absl::Seconds(bus_.dsmr_version == 5 ? 5 : 25);
    asio::steady_timer timer(ex_);
    for (int i = 0; i < 50 && !fresh(max_age); ++i) {
      timer.expires_after(std::chrono::milliseconds(100) * (bus_.dsmr_version == 5 ? 1 : 5));
      co_await timer.async_wait(asio::use_awaitable);
    }
    if (!fresh(max_age)) {
      co_return absl::DeadlineExceededError(str_cat(
          device.name, " (P1 on ", bus_.serial.device, "): no telegram for ",
          shared_->latest_received == absl::InfinitePast()
              ? std::string("ever")
              : absl::FormatDuration(absl::Now() - shared_->latest_received),
          shared_->last_error.empty() ? "" : str_cat(" (", shared_->last_error, ")")));
    }
    co_return *shared_->latest;
  }

 private:
  bool fresh(absl::Duration max_age) const {
    return shared_->latest && absl::Now() - shared_->latest_received <= max_age;
  }

  static asio::awaitable<void> loop(asio::any_io_executor ex, BusConfig bus, DeviceConfig device,
                                    std::shared_ptr<Shared> shared) {
    dsmr::TelegramParser parser;
    asio::steady_timer pause(ex);
    while (!shared->stopped) {
      dsmr_io::P1Reader reader(ex);
      dsmr_io::SerialSettings settings =
          bus.dsmr_version == 5 ? dsmr_io::SerialSettings::dsmr5() : dsmr_io::SerialSettings::dsmr22();
      settings.baud = bus.serial.baud;
      if (auto st = reader.open(bus.serial.device, settings); !st.ok()) {
        shared->last_error = std::string(st.message());
        pause.expires_after(std::chrono::seconds(2));
        co_await pause.async_wait(asio::use_awaitable);
        continue;
      }
      while (!shared->stopped) {
        auto t = co_await reader.async_read_telegram(asio::use_awaitable);
        if (!t.ok()) {
          shared->last_error = std::string(t.status().message());
          if (t.status().code() == absl::StatusCode::kDeadlineExceeded) continue;
          break;  // the port failed: reopen
        }
        auto parsed = parser.parse(t->bytes, t->crc);
        if (!parsed.ok()) {
          shared->last_error = std::string(parsed.status().message());
          continue;
        }
        Readout r;
        r.at = now_ms();
        const std::vector<Reading> readings = dsmr::readings_of(*parsed, device.ref, r.at);
        r.values = latest_in_order(readings);
        for (const dsmr::Issue& issue : parsed->issues) r.warnings.push_back(dsmr::describe(issue));
        shared->latest = std::move(r);
        shared->latest_received = absl::Now();
        shared->last_error.clear();
      }
      reader.close();
      if (!shared->stopped) {
        pause.expires_after(std::chrono::seconds(1));
        co_await pause.async_wait(asio::use_awaitable);
      }
    }
  }

  asio::any_io_executor ex_;
  BusConfig bus_;
  DeviceConfig device_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace

std::vector<LatestValue> latest_in_order(std::span<const Reading> readings) {
  std::vector<LatestValue> out;
  out.reserve(readings.size());
  for (std::size_t i = 0; i < readings.size(); ++i)
    out.push_back(LatestValue{readings[i], static_cast<std::uint32_t>(i),
                              readings[i].quantity.to_string(), true});
  return out;
}

absl::StatusOr<std::unique_ptr<DeviceReader>> make_p1_reader(
    asio::any_io_executor ex, const BusConfig& bus, const std::vector<const DeviceConfig*>& devices) {
  if (devices.size() != 1)
    return absl::InvalidArgumentError(str_cat("bus ", bus.name, ": a P1 port carries exactly one meter, ",
                                              devices.size(), " devices are configured on it"));
  return std::make_unique<P1DeviceReader>(std::move(ex), bus, *devices.front());
}

}  // namespace emscore::refgw
