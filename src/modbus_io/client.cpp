#include "emscore/modbus_io/client.hpp"

#include <algorithm>

#include "absl/strings/cord.h"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::modbus_io {
namespace {

constexpr char kExceptionPayload[] = "emscore.modbus.exception";

std::string describe(const modbus::Request& r, std::uint8_t unit) {
  std::uint16_t address = 0;
  bool has_address = true;
  std::visit(
      [&](const auto& x) {
        if constexpr (requires { x.address; }) {
          address = x.address;
        } else if constexpr (requires { x.read_address; }) {
          address = x.read_address;
        } else {
          has_address = false;
        }
      },
      r);
  std::string s = str_cat("modbus: unit ", unit, " ", modbus::function_name(modbus::function_of(r)));
  if (has_address) s += str_cat(" at ", address);
  return s;
}

absl::Status exception_status(const modbus::Request& r, std::uint8_t unit, ExceptionCode code) {
  absl::Status s(code == ExceptionCode::kGatewayTargetFailedToRespond ||
                         code == ExceptionCode::kGatewayPathUnavailable ||
                         code == ExceptionCode::kServerDeviceBusy
                     ? absl::StatusCode::kUnavailable
                     : absl::StatusCode::kFailedPrecondition,
                 str_cat(describe(r, unit), ": exception ", hex(static_cast<std::uint8_t>(code)),
                         " (", modbus::exception_name(code), ")"));
  s.SetPayload(kExceptionPayload, absl::Cord(std::string(1, static_cast<char>(code))));
  return s;
}

}  // namespace

std::optional<ExceptionCode> exception_of(const absl::Status& status) {
  auto p = status.GetPayload(kExceptionPayload);
  if (!p || p->size() != 1) return std::nullopt;
  return static_cast<ExceptionCode>(static_cast<std::uint8_t>(std::string(*p)[0]));
}

asio::awaitable<absl::StatusOr<ResponsePdu>> call(Client& c, std::uint8_t unit,
                                                  const modbus::Request& request) {
  std::vector<std::uint8_t> pdu;
  if (absl::Status s = modbus::encode(request, pdu); !s.ok()) co_return s;
  auto r = co_await c.transact(unit, pdu);
  if (!r.ok()) co_return with_context(r.status(), describe(request, unit));
  if (r->bytes().empty()) co_return r;  // broadcast
  if (r->is_exception()) co_return exception_status(request, unit, r->exception());
  co_return r;
}

asio::awaitable<absl::StatusOr<std::vector<std::uint16_t>>> read_registers(
    Client& c, std::uint8_t unit, std::uint16_t address, std::uint16_t count, bool holding) {
  const modbus::Request req = modbus::ReadRegistersRequest{
      holding ? modbus::FunctionCode::kReadHoldingRegisters : modbus::FunctionCode::kReadInputRegisters,
      address, count};
  auto r = co_await call(c, unit, req);
  if (!r.ok()) co_return r.status();
  auto resp = r->response();
  if (!resp.ok()) co_return resp.status();
  co_return std::get<modbus::ReadRegistersResponse>(*resp).registers.to_vector();
}

asio::awaitable<absl::StatusOr<std::vector<bool>>> read_bits(Client& c, std::uint8_t unit,
                                                             std::uint16_t address,
                                                             std::uint16_t count, bool coils) {
  const modbus::Request req = modbus::ReadBitsRequest{
      coils ? modbus::FunctionCode::kReadCoils : modbus::FunctionCode::kReadDiscreteInputs, address,
      count};
  auto r = co_await call(c, unit, req);
  if (!r.ok()) co_return r.status();
  auto resp = r->response();
  if (!resp.ok()) co_return resp.status();
  auto bits = std::get<modbus::ReadBitsResponse>(*resp).bits.to_vector();
  bits.resize(count);
  co_return bits;
}

asio::awaitable<absl::Status> write_registers(Client& c, std::uint8_t unit, std::uint16_t address,
                                              std::span<const std::uint16_t> values) {
  if (values.size() == 1) {
    auto r = co_await call(c, unit, modbus::WriteSingleRegisterRequest{address, values[0]});
    co_return r.status();
  }
  std::vector<std::uint8_t> wire;
  modbus::registers_to_wire(values, wire);
  auto r = co_await call(c, unit, modbus::WriteMultipleRegistersRequest{address, modbus::RegisterView(wire)});
  co_return r.status();
}

asio::awaitable<absl::Status> write_coils(Client& c, std::uint8_t unit, std::uint16_t address,
                                          std::span<const bool> values) {
  if (values.size() == 1) {
    auto r = co_await call(c, unit, modbus::WriteSingleCoilRequest{address, values[0]});
    co_return r.status();
  }
  std::vector<std::uint8_t> packed;
  modbus::pack_bits(values, packed);
  auto r = co_await call(c, unit,
                         modbus::WriteMultipleCoilsRequest{address, modbus::BitView(packed, values.size())});
  co_return r.status();
}

asio::awaitable<absl::StatusOr<std::vector<modbus::RegisterValue>>> read_values(
    Client& c, std::uint8_t unit, std::uint16_t address, std::size_t count, modbus::ValueType type,
    modbus::WordOrder order, bool holding) {
  const std::size_t per = modbus::register_count(type);
  const std::size_t total = per * count;
  if (address + total > 0x10000) {
    co_return absl::InvalidArgumentError(str_cat("modbus: ", count, " ", modbus::value_type_name(type),
                                                 " at ", address, " run past register 65535"));
  }
  std::vector<std::uint16_t> regs;
  regs.reserve(total);
  // Whole values per read: at most 125 registers rounded down to a multiple of `per`.
  const std::size_t chunk = (modbus::kMaxReadRegisters / per) * per;
  for (std::size_t done = 0; done < total;) {
    const auto n = static_cast<std::uint16_t>(std::min(chunk, total - done));
    auto r = co_await read_registers(c, unit, static_cast<std::uint16_t>(address + done), n, holding);
    if (!r.ok()) co_return r.status();
    regs.insert(regs.end(), r->begin(), r->end());
    done += n;
  }
  std::vector<modbus::RegisterValue> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto v = modbus::decode_value(std::span(regs).subspan(i * per, per), type, order);
    if (!v.ok()) co_return v.status();
    out.push_back(*v);
  }
  co_return out;
}

}  // namespace emscore::modbus_io
