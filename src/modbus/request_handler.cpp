#include "emscore/modbus/request_handler.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <variant>

namespace emscore::modbus {
namespace {

void put16(std::span<std::uint8_t> out, std::size_t at, std::uint16_t v) noexcept {
  out[at] = static_cast<std::uint8_t>(v >> 8);
  out[at + 1] = static_cast<std::uint8_t>(v & 0xFF);
}

// Writes `n` registers big-endian. The hot path of every register read (FC 3, 4, 23): four
// registers per step, swapping the bytes of each 16-bit lane of a 64-bit word, instead of two
// byte stores per register (3x fewer instructions for 125 registers).
void put_registers_be(const std::uint16_t* regs, std::size_t n, std::uint8_t* out) noexcept {
  std::size_t i = 0;
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t kLow = 0x00FF00FF00FF00FFull;
    for (; i + 4 <= n; i += 4) {
      std::uint64_t w;
      std::memcpy(&w, regs + i, 8);
      w = ((w & kLow) << 8) | ((w >> 8) & kLow);
      std::memcpy(out + 2 * i, &w, 8);
    }
  }
  for (; i < n; ++i) {
    out[2 * i] = static_cast<std::uint8_t>(regs[i] >> 8);
    out[2 * i + 1] = static_cast<std::uint8_t>(regs[i] & 0xFF);
  }
}

bool range_ok(std::uint16_t address, std::size_t count) noexcept {
  return static_cast<std::size_t>(address) + count <= 0x10000;
}

}  // namespace

std::size_t RequestHandler::exception(std::uint8_t fc, ExceptionCode code,
                                      std::span<std::uint8_t> out) {
  ++counters_.exception_errors;
  out[0] = static_cast<std::uint8_t>(fc | 0x80);
  out[1] = static_cast<std::uint8_t>(code);
  return 2;
}

std::size_t RequestHandler::handle(std::uint8_t unit, std::span<const std::uint8_t> request,
                                   std::span<std::uint8_t> response, bool broadcast) {
  if (response.size() < kMaxPduSize || request.empty()) return 0;
  ++counters_.bus_messages;
  if (!broadcast && !model_.serves_unit(unit)) {
    if (!options_.answer_unknown_unit) return 0;
    return exception(request[0] & 0x7F, ExceptionCode::kGatewayPathUnavailable, response);
  }
  ++counters_.server_messages;
  const std::uint8_t fc = request[0];
  auto decoded = decode_request(request);
  if (listen_only_) {
    // §6.8.1 sub-function 04: only "restart communications" is acted upon.
    const auto* d = decoded.ok() ? std::get_if<DiagnosticsRequest>(&*decoded) : nullptr;
    if (d == nullptr || d->sub_function != 0x01) {
      ++counters_.no_responses;
      return 0;
    }
  }
  std::size_t n = 0;
  if (!decoded.ok()) {
    n = exception(fc & 0x7F, request_exception_code(decoded.status()), response);
  } else {
    n = dispatch(unit, *decoded, fc, response);
  }
  if (n > 0 && (response[0] & 0x80) == 0) ++counters_.comm_events;
  if (broadcast) {
    ++counters_.no_responses;
    return 0;
  }
  if (n == 0) ++counters_.no_responses;
  return n;
}

std::size_t RequestHandler::dispatch(std::uint8_t unit, const Request& req, std::uint8_t fc,
                                     std::span<std::uint8_t> out) {
  auto fail = [&](ExceptionCode c) { return exception(fc, c, out); };
  if (const auto* r = std::get_if<ReadRegistersRequest>(&req)) {
    if (!range_ok(r->address, r->count)) return fail(ExceptionCode::kIllegalDataAddress);
    std::array<std::uint16_t, kMaxReadRegisters> regs;
    const std::span<std::uint16_t> s(regs.data(), r->count);
    const ExceptionCode e = r->function == FunctionCode::kReadHoldingRegisters
                                ? model_.read_holding_registers(unit, r->address, s)
                                : model_.read_input_registers(unit, r->address, s);
    if (e != ExceptionCode::kNone) return fail(e);
    out[0] = fc;
    out[1] = static_cast<std::uint8_t>(2 * r->count);
    put_registers_be(regs.data(), r->count, out.data() + 2);  // out.size() >= kMaxPduSize: handle()
    return 2u + 2u * r->count;
  }
  if (const auto* r = std::get_if<ReadBitsRequest>(&req)) {
    if (!range_ok(r->address, r->count)) return fail(ExceptionCode::kIllegalDataAddress);
    std::array<bool, kMaxReadBits> bits{};
    const std::span<bool> s(bits.data(), r->count);
    const ExceptionCode e = r->function == FunctionCode::kReadCoils
                                ? model_.read_coils(unit, r->address, s)
                                : model_.read_discrete_inputs(unit, r->address, s);
    if (e != ExceptionCode::kNone) return fail(e);
    const std::size_t bytes = (r->count + 7u) / 8u;
    out[0] = fc;
    out[1] = static_cast<std::uint8_t>(bytes);
    for (std::size_t i = 0; i < bytes; ++i) out[2 + i] = 0;
    for (std::size_t i = 0; i < r->count; ++i) {
      if (bits[i]) out[2 + i / 8] = static_cast<std::uint8_t>(out[2 + i / 8] | (1u << (i % 8)));
    }
    return 2 + bytes;
  }
  if (const auto* r = std::get_if<WriteSingleCoilRequest>(&req)) {
    const bool v[1] = {r->on};
    if (auto e = model_.write_coils(unit, r->address, v); e != ExceptionCode::kNone) return fail(e);
    out[0] = fc;
    put16(out, 1, r->address);
    put16(out, 3, r->on ? 0xFF00 : 0x0000);
    return 5;
  }
  if (const auto* r = std::get_if<WriteSingleRegisterRequest>(&req)) {
    const std::uint16_t v[1] = {r->value};
    if (auto e = model_.write_registers(unit, r->address, v); e != ExceptionCode::kNone) return fail(e);
    out[0] = fc;
    put16(out, 1, r->address);
    put16(out, 3, r->value);
    return 5;
  }
  if (const auto* r = std::get_if<WriteMultipleCoilsRequest>(&req)) {
    if (!range_ok(r->address, r->bits.size())) return fail(ExceptionCode::kIllegalDataAddress);
    std::array<bool, kMaxWriteBits> bits{};
    for (std::size_t i = 0; i < r->bits.size(); ++i) bits[i] = r->bits[i];
    const auto e = model_.write_coils(unit, r->address, std::span<const bool>(bits.data(), r->bits.size()));
    if (e != ExceptionCode::kNone) return fail(e);
    out[0] = fc;
    put16(out, 1, r->address);
    put16(out, 3, static_cast<std::uint16_t>(r->bits.size()));
    return 5;
  }
  if (const auto* r = std::get_if<WriteMultipleRegistersRequest>(&req)) {
    if (!range_ok(r->address, r->registers.size())) return fail(ExceptionCode::kIllegalDataAddress);
    std::array<std::uint16_t, kMaxWriteRegisters> regs;
    for (std::size_t i = 0; i < r->registers.size(); ++i) regs[i] = r->registers[i];
    const auto e = model_.write_registers(
        unit, r->address, std::span<const std::uint16_t>(regs.data(), r->registers.size()));
    if (e != ExceptionCode::kNone) return fail(e);
    out[0] = fc;
    put16(out, 1, r->address);
    put16(out, 3, static_cast<std::uint16_t>(r->registers.size()));
    return 5;
  }
  if (const auto* r = std::get_if<MaskWriteRegisterRequest>(&req)) {
    std::uint16_t cur[1] = {0};
    if (auto e = model_.read_holding_registers(unit, r->address, cur); e != ExceptionCode::kNone) {
      return fail(e);
    }
    // MBAP spec §6.16: Result = (Current AND And_Mask) OR (Or_Mask AND (NOT And_Mask)).
    const std::uint16_t v[1] = {static_cast<std::uint16_t>((cur[0] & r->and_mask) |
                                                           (r->or_mask & ~r->and_mask))};
    if (auto e = model_.write_registers(unit, r->address, v); e != ExceptionCode::kNone) return fail(e);
    out[0] = fc;
    put16(out, 1, r->address);
    put16(out, 3, r->and_mask);
    put16(out, 5, r->or_mask);
    return 7;
  }
  if (const auto* r = std::get_if<ReadWriteRegistersRequest>(&req)) {
    const std::size_t wn = r->write_registers.size();
    if (!range_ok(r->read_address, r->read_count) || !range_ok(r->write_address, wn)) {
      return fail(ExceptionCode::kIllegalDataAddress);
    }
    std::array<std::uint16_t, kMaxReadRegisters> regs;
    for (std::size_t i = 0; i < wn; ++i) regs[i] = r->write_registers[i];
    // §6.17: the write is performed before the read.
    if (auto e = model_.write_registers(unit, r->write_address,
                                        std::span<const std::uint16_t>(regs.data(), wn));
        e != ExceptionCode::kNone) {
      return fail(e);
    }
    const std::span<std::uint16_t> s(regs.data(), r->read_count);
    if (auto e = model_.read_holding_registers(unit, r->read_address, s); e != ExceptionCode::kNone) {
      return fail(e);
    }
    out[0] = fc;
    out[1] = static_cast<std::uint8_t>(2 * r->read_count);
    put_registers_be(regs.data(), r->read_count, out.data() + 2);
    return 2u + 2u * r->read_count;
  }
  if (const auto* r = std::get_if<ReadFifoQueueRequest>(&req)) {
    std::array<std::uint16_t, kMaxFifoCount> regs{};
    std::size_t count = 0;
    if (auto e = model_.read_fifo_queue(unit, r->address, regs, count); e != ExceptionCode::kNone) {
      return fail(e);
    }
    if (count > kMaxFifoCount) return fail(ExceptionCode::kIllegalDataValue);
    out[0] = fc;
    put16(out, 1, static_cast<std::uint16_t>(2 + 2 * count));
    put16(out, 3, static_cast<std::uint16_t>(count));
    for (std::size_t i = 0; i < count; ++i) put16(out, 5 + 2 * i, regs[i]);
    return 5 + 2 * count;
  }
  if (std::holds_alternative<ReadExceptionStatusRequest>(req)) {
    std::uint8_t status = 0;
    if (auto e = model_.read_exception_status(unit, status); e != ExceptionCode::kNone) return fail(e);
    out[0] = fc;
    out[1] = status;
    return 2;
  }
  if (const auto* r = std::get_if<DiagnosticsRequest>(&req)) return diagnostics(*r, out);
  if (std::holds_alternative<GetCommEventCounterRequest>(req)) {
    out[0] = fc;
    put16(out, 1, 0x0000);  // status: not busy
    put16(out, 3, counters_.comm_events);
    return 5;
  }
  if (std::holds_alternative<GetCommEventLogRequest>(req)) {
    // We keep no event log (§6.10 allows 0..64 events): report the counters only.
    out[0] = fc;
    out[1] = 6;
    put16(out, 2, 0x0000);
    put16(out, 4, counters_.comm_events);
    put16(out, 6, counters_.bus_messages);
    return 8;
  }
  if (std::holds_alternative<ReportServerIdRequest>(req)) {
    auto id = model_.server_id(unit);
    out[0] = fc;
    if (id.empty()) {
      out[1] = 2;
      out[2] = unit;
      out[3] = 0xFF;  // run indicator: on
      return 4;
    }
    if (id.size() > kMaxPduSize - 2) return fail(ExceptionCode::kServerDeviceFailure);
    out[1] = static_cast<std::uint8_t>(id.size());
    for (std::size_t i = 0; i < id.size(); ++i) out[2 + i] = id[i];
    return 2 + id.size();
  }
  if (const auto* r = std::get_if<ReadDeviceIdRequest>(&req)) return device_id(unit, *r, out);
  // FC 20 and 21: no data model serves files.
  return fail(ExceptionCode::kIllegalFunction);
}

std::size_t RequestHandler::diagnostics(const DiagnosticsRequest& r, std::span<std::uint8_t> out) {
  auto echo = [&](std::uint16_t value) -> std::size_t {
    out[0] = 0x08;
    put16(out, 1, r.sub_function);
    put16(out, 3, value);
    return 5;
  };
  const std::uint16_t data =
      r.data.size() >= 2 ? static_cast<std::uint16_t>((r.data[0] << 8) | r.data[1]) : 0;
  switch (r.sub_function) {
    case 0x00:  // return query data: echo
      out[0] = 0x08;
      put16(out, 1, 0);
      for (std::size_t i = 0; i < r.data.size(); ++i) out[3 + i] = r.data[i];
      return 3 + r.data.size();
    case 0x01:  // restart communications: leave listen-only, clear counters; data 0000 or FF00
      if (data != 0x0000 && data != 0xFF00) return exception(0x08, ExceptionCode::kIllegalDataValue, out);
      listen_only_ = false;
      counters_ = Counters{};
      return echo(data);
    case 0x02: return echo(0);  // diagnostic register: no device-specific bits
    case 0x03:                  // ASCII delimiter: meaningless for RTU/TCP, acknowledged
      return echo(data);
    case 0x04:
      listen_only_ = true;
      return 0;
    case 0x0A:
      counters_ = Counters{};
      return echo(data);
    case 0x0B: return echo(counters_.bus_messages);
    case 0x0C: return echo(counters_.bus_communication_errors);
    case 0x0D: return echo(counters_.exception_errors);
    case 0x0E: return echo(counters_.server_messages);
    case 0x0F: return echo(counters_.no_responses);
    case 0x10: return echo(counters_.naks);
    case 0x11: return echo(counters_.busy);
    case 0x12: return echo(counters_.character_overruns);
    case 0x14:
      counters_.character_overruns = 0;
      return echo(data);
    default: return exception(0x08, ExceptionCode::kIllegalFunction, out);
  }
}

std::size_t RequestHandler::device_id(std::uint8_t unit, const ReadDeviceIdRequest& r,
                                      std::span<std::uint8_t> out) {
  // MBAP spec §6.21. Categories: basic 0x00-0x02, regular 0x03-0x7F, extended 0x80-0xFF.
  bool has_regular = false;
  for (unsigned id = 3; id <= 6; ++id) has_regular = has_regular || !model_.device_id_object(unit, static_cast<std::uint8_t>(id)).empty();
  out[0] = 0x2B;
  out[1] = 0x0E;
  out[2] = r.read_code;
  out[3] = has_regular ? 0x82 : 0x81;  // stream and individual access supported
  out[4] = 0x00;
  out[5] = 0x00;
  out[6] = 0;
  std::size_t pos = 7;
  if (r.read_code == 4) {
    const auto v = model_.device_id_object(unit, r.object_id);
    if (v.empty()) return exception(0x2B, ExceptionCode::kIllegalDataAddress, out);
    const std::size_t len = std::min<std::size_t>(v.size(), kMaxPduSize - 9);
    out[pos++] = r.object_id;
    out[pos++] = static_cast<std::uint8_t>(len);
    for (std::size_t i = 0; i < len; ++i) out[pos++] = static_cast<std::uint8_t>(v[i]);
    out[6] = 1;
    return pos;
  }
  const unsigned first = r.read_code == 1 ? 0x00 : r.read_code == 2 ? 0x03 : 0x80;
  const unsigned last = r.read_code == 1 ? 0x02 : r.read_code == 2 ? 0x7F : 0xFF;
  // A stream starts at object_id; an id outside the category restarts at its first object
  // ("the server responds as if object 0 were pointed out"), and basic objects come first.
  unsigned start = r.object_id;
  if (start > last || (start < first && start > 0x02)) start = 0;
  unsigned count = 0;
  for (unsigned id = start; id <= last; ++id) {
    const auto v = model_.device_id_object(unit, static_cast<std::uint8_t>(id));
    if (v.empty()) continue;
    const std::size_t len = std::min<std::size_t>(v.size(), kMaxPduSize - 9);
    if (pos + 2 + len > kMaxPduSize) {
      out[4] = 0xFF;  // more follows
      out[5] = static_cast<std::uint8_t>(id);
      break;
    }
    out[pos++] = static_cast<std::uint8_t>(id);
    out[pos++] = static_cast<std::uint8_t>(len);
    for (std::size_t i = 0; i < len; ++i) out[pos++] = static_cast<std::uint8_t>(v[i]);
    ++count;
  }
  if (count == 0 && out[4] == 0) return exception(0x2B, ExceptionCode::kIllegalDataAddress, out);
  out[6] = static_cast<std::uint8_t>(count);
  return pos;
}

}  // namespace emscore::modbus
