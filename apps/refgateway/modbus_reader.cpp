// Modbus TCP and RTU devices: the driver's planned reads, then mapping::apply.
#include <map>

#include "boost/asio/use_awaitable.hpp"
#include "device_reader_impl.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/mapping/apply.hpp"
#include "emscore/mapping/read_plan.hpp"
#include "emscore/modbus_io/rtu_client.hpp"
#include "emscore/modbus_io/tcp_client.hpp"

namespace emscore::refgw {
namespace asio = boost::asio;

namespace {

struct Plan {
  const mapping::ModbusDriver* driver = nullptr;
  std::vector<mapping::PlannedRead> reads;
};

class ModbusReader final : public DeviceReader {
 public:
  ModbusReader(asio::any_io_executor ex, const BusConfig& bus, std::map<std::string, Plan> plans)
      : ex_(std::move(ex)), bus_(bus), plans_(std::move(plans)) {}

  void stop() override {
    if (tcp_) tcp_->close();
    if (rtu_) rtu_->close();
  }

  asio::awaitable<absl::StatusOr<Readout>> read(const DeviceConfig& device) override {
    auto client = co_await connected();
    if (!client.ok()) co_return client.status();
    const Plan& plan = plans_.at(device.serial);
    const auto unit = static_cast<std::uint8_t>(device.address);
    // The answers, kept alive while the blocks borrow them.
    std::vector<std::vector<std::uint16_t>> data;
    data.reserve(plan.reads.size());
    std::vector<mapping::RegisterBlock> blocks;
    for (const mapping::PlannedRead& r : plan.reads) {
      std::vector<std::uint16_t> values;
      if (mapping::is_bit_table(r.table)) {
        auto bits = co_await modbus_io::read_bits(**client, unit, r.start, r.count,
                                                  r.table == mapping::Table::kCoil);
        if (!bits.ok()) co_return failed(device, bits.status());
        values.assign(bits->begin(), bits->end());
      } else {
        auto regs = co_await modbus_io::read_registers(
            **client, unit, r.start, r.count, r.table == mapping::Table::kHoldingRegister);
        if (!regs.ok()) co_return failed(device, regs.status());
        values = std::move(*regs);
      }
      data.push_back(std::move(values));
      blocks.push_back(mapping::RegisterBlock{r.table, r.start, data.back()});
    }
    Readout out;
    out.at = now_ms();
    std::vector<Reading> readings;
    std::vector<mapping::FieldError> errors;
    std::vector<std::uint32_t> fields;
    mapping::apply(*plan.driver, blocks, device.ref, out.at, readings, &errors, &fields);
    out.values = latest_from_fields(*plan.driver, readings, fields);
    for (const auto& e : errors) out.warnings.push_back(e.message);
    co_return out;
  }

 private:
  // A transport failure drops the connection so that the next read reconnects; a Modbus
  // exception (the device answered) keeps it.
  absl::Status failed(const DeviceConfig& device, const absl::Status& s) {
    if (!modbus_io::exception_of(s)) {
      if (tcp_) tcp_->close();
    }
    return absl::Status(s.code(), str_cat(device.name, " (", bus_.name, " unit ", device.address,
                                          "): ", s.message()));
  }

  asio::awaitable<absl::StatusOr<modbus_io::Client*>> connected() {
    modbus_io::ClientOptions opt{bus_.timeout, bus_.retries};
    if (bus_.type == BusType::kModbusTcp) {
      if (!tcp_) tcp_ = std::make_unique<modbus_io::TcpClient>(ex_, opt);
      if (!tcp_->is_open()) {
        auto st = co_await tcp_->connect(bus_.host, bus_.port);
        if (!st.ok())
          co_return absl::Status(st.code(), str_cat("bus ", bus_.name, ": cannot connect to ",
                                                    bus_.host, ":", bus_.port, ": ", st.message()));
      }
      co_return tcp_.get();
    }
    if (!rtu_) {
      modbus_io::RtuClientOptions ro;
      ro.client = opt;
      ro.format.baud = bus_.serial.baud;
      ro.format.data_bits = static_cast<std::uint8_t>(bus_.serial.data_bits);
      ro.format.parity = bus_.serial.parity == 'E'   ? modbus::Parity::kEven
                         : bus_.serial.parity == 'O' ? modbus::Parity::kOdd
                                                     : modbus::Parity::kNone;
      ro.format.stop_bits = static_cast<std::uint8_t>(bus_.serial.stop_bits);
      auto client = std::make_unique<modbus_io::RtuClient>(ex_, ro);
      auto st = client->open_serial(bus_.serial.device);
      if (!st.ok())
        co_return absl::Status(st.code(), str_cat("bus ", bus_.name, ": ", st.message()));
      rtu_ = std::move(client);
    }
    co_return rtu_.get();
  }

  asio::any_io_executor ex_;
  BusConfig bus_;
  std::map<std::string, Plan> plans_;
  std::unique_ptr<modbus_io::TcpClient> tcp_;
  std::unique_ptr<modbus_io::RtuClient> rtu_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DeviceReader>> make_modbus_reader(
    asio::any_io_executor ex, const BusConfig& bus, const std::vector<const DeviceConfig*>& devices,
    const mapping::DriverSet& drivers) {
  std::map<std::string, Plan> plans;
  for (const DeviceConfig* d : devices) {
    const mapping::ModbusDriver* driver = drivers.modbus_by_id(d->driver);
    if (driver == nullptr) {
      std::string known;
      for (const auto& m : drivers.modbus) known += str_cat(known.empty() ? "" : ", ", m.id);
      return absl::InvalidArgumentError(str_cat("device ", d->name, ": no Modbus driver \"",
                                                d->driver, "\" (known: ", known, ")"));
    }
    auto reads = mapping::plan_reads(*driver);
    if (!reads.ok())
      return absl::InvalidArgumentError(str_cat("device ", d->name, ": driver ", driver->id,
                                                ": ", reads.status().message()));
    plans[d->serial] = Plan{driver, std::move(*reads)};
  }
  return std::make_unique<ModbusReader>(std::move(ex), bus, std::move(plans));
}

}  // namespace emscore::refgw
