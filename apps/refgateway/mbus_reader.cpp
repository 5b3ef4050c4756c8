// M-Bus devices on a serial level converter or a serial-to-TCP converter: REQ_UD2 readout
// (by primary or secondary address), then the device's driver, a matching driver ("auto"),
// or the default VIF -> OBIS mapping.
#include <optional>

#include "device_reader_impl.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/mbus/frame.hpp"
#include "emscore/mbus/request.hpp"
#include "emscore/mbus/telegram.hpp"
#include "emscore/mapping/mbus_default.hpp"
#include "emscore/mbus_io/master.hpp"

namespace emscore::refgw {
namespace asio = boost::asio;

namespace {

class MbusReader final : public DeviceReader {
 public:
  MbusReader(asio::any_io_executor ex, const BusConfig& bus, const mapping::DriverSet& drivers)
      : ex_(std::move(ex)), bus_(bus), drivers_(drivers) {}

  void stop() override {
    if (master_) master_->link().close();
  }

  asio::awaitable<absl::StatusOr<Readout>> read(const DeviceConfig& device) override {
    if (!master_) {
      auto st = co_await open();
      if (!st.ok()) co_return st;
    }
    absl::StatusOr<std::vector<mbus_io::Telegram>> telegrams;
    if (device.secondary) {
      char digits[9];
      std::snprintf(digits, sizeof digits, "%08llu", static_cast<unsigned long long>(*device.secondary));
      auto address = mbus::SecondaryAddress::parse(str_cat(digits, "FFFFFFFF"));
      if (!address.ok()) co_return address.status();
      telegrams = co_await master_->read_secondary(*address);
    } else {
      telegrams = co_await master_->read(static_cast<std::uint8_t>(device.address));
    }
    if (!telegrams.ok()) {
      if (telegrams.status().code() == absl::StatusCode::kUnavailable ||
          telegrams.status().code() == absl::StatusCode::kAborted) {
        master_->link().close();  // the link failed: reopen on the next read
        master_.reset();
      }
      co_return absl::Status(telegrams.status().code(),
                             str_cat(device.name, " (", bus_.name, " ",
                                     device.secondary ? "secondary" : "primary", " address ",
                                     device.secondary ? *device.secondary : device.address,
                                     "): ", telegrams.status().message()));
    }
    Readout out;
    out.at = now_ms();
    std::uint32_t base = 0;  // indices continue across the telegrams of a readout
    for (std::size_t t = 0; t < telegrams->size(); ++t) {
      const mbus_io::Telegram& bytes = (*telegrams)[t];
      auto frame = mbus::parse_frame(bytes);
      if (!frame.ok()) co_return frame.status();
      auto telegram = mbus::parse_telegram(*frame);
      if (!telegram.ok()) co_return telegram.status();
      const mapping::MbusDriver* driver = nullptr;
      if (device.driver == "auto") {
        driver = drivers_.mbus_match(*telegram);
      } else if (device.driver != "default") {
        driver = drivers_.mbus_by_id(device.driver);
      }
      std::vector<Reading> readings;
      std::vector<LatestValue> values;
      if (driver != nullptr) {
        std::vector<mapping::FieldError> errors;
        std::vector<std::uint32_t> fields;
        mapping::apply(*driver, *telegram, device.ref, out.at, readings, &errors, &fields);
        values = latest_from_fields(*driver, readings, fields);
        for (const auto& e : errors) out.warnings.push_back(e.message);
      } else {
        mapping::mbus_default_readings(*telegram, device.ref, out.at, readings);
        values = latest_in_order(readings);
      }
      std::uint32_t top = base;
      for (LatestValue& v : values) {
        v.index += base;
        top = std::max(top, v.index + 1);
        out.values.push_back(std::move(v));
      }
      base = top;
    }
    if (out.values.empty())
      co_return absl::DataLossError(str_cat(device.name, ": the telegram has no value the ",
                                            device.driver == "auto" ? "default mapping" : device.driver,
                                            " driver knows"));
    co_return out;
  }

 private:
  asio::awaitable<absl::Status> open() {
    mbus_io::MasterOptions opt;
    opt.timeout = bus_.timeout;
    opt.retries = bus_.retries;
    if (bus_.type == BusType::kMbusSerial) {
      opt.baud = bus_.serial.baud;
      auto link = mbus_io::Link::open_serial(ex_, bus_.serial.device, bus_.serial.baud);
      if (!link.ok())
        co_return absl::Status(link.status().code(), str_cat("bus ", bus_.name, ": ", link.status().message()));
      master_.emplace(std::move(*link), opt);
    } else {
      auto link = co_await mbus_io::Link::connect_tcp(bus_.host, bus_.port, bus_.timeout);
      if (!link.ok())
        co_return absl::Status(link.status().code(),
                               str_cat("bus ", bus_.name, ": cannot connect to ", bus_.host, ":",
                                       bus_.port, ": ", link.status().message()));
      master_.emplace(std::move(*link), opt);
    }
    co_return absl::OkStatus();
  }

  asio::any_io_executor ex_;
  BusConfig bus_;
  const mapping::DriverSet& drivers_;
  std::optional<mbus_io::Master> master_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DeviceReader>> make_mbus_reader(
    asio::any_io_executor ex, const BusConfig& bus, const std::vector<const DeviceConfig*>& devices,
    const mapping::DriverSet& drivers) {
  for (const DeviceConfig* d : devices) {
    if (d->driver == "auto" || d->driver == "default") continue;
    if (drivers.mbus_by_id(d->driver) == nullptr) {
      std::string known;
      for (const auto& m : drivers.mbus) known += str_cat(known.empty() ? "" : ", ", m.id);
      return absl::InvalidArgumentError(
          str_cat("device ", d->name, ": no M-Bus driver \"", d->driver, "\" (known: ",
                  known.empty() ? "none" : known, "; or \"auto\" / \"default\")"));
    }
  }
  return std::make_unique<MbusReader>(std::move(ex), bus, drivers);
}

}  // namespace emscore::refgw
