#include "emscore/modbus/pdu.hpp"

#include <string>
#include <type_traits>
#include <utility>

#include "emscore/core/byte_reader.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::modbus {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

constexpr std::string_view kModule = "modbus";

std::uint16_t be16(std::span<const std::uint8_t> p, std::size_t at) noexcept {
  return static_cast<std::uint16_t>((p[at] << 8) | p[at + 1]);
}

std::string what_of(std::uint8_t fc, std::string_view kind) {
  return str_cat(function_name(fc), " ", kind);
}

// A limit violation: InvalidArgument, server answers exception 3.
absl::Status bad_value(std::uint8_t fc, std::string_view kind, std::size_t offset,
                       std::string_view detail) {
  return decode_error(kModule, what_of(fc, kind), offset, detail);
}

absl::Status quantity_error(std::uint8_t fc, std::string_view kind, std::size_t offset,
                            std::string_view field, unsigned got, unsigned lo, unsigned hi) {
  return bad_value(fc, kind, offset, str_cat(field, " ", got, ", expected ", lo, "..", hi));
}

// Exactly `n` bytes in a PDU of fixed size.
absl::Status need_size(std::uint8_t fc, std::string_view kind, std::span<const std::uint8_t> pdu,
                       std::size_t n) {
  if (pdu.size() < n) return truncated_error(kModule, what_of(fc, kind), pdu.size(), n, 0);
  if (pdu.size() > n) {
    return bad_value(fc, kind, n, str_cat(pdu.size() - n, " trailing bytes, expected a PDU of ",
                                          n, " bytes"));
  }
  return absl::OkStatus();
}

bool is_known_diag_sub(std::uint16_t sub) noexcept {
  return sub <= 0x04 || (sub >= 0x0A && sub <= 0x12) || sub == 0x14;
}

// Walks FC 20 request sub-requests (7 bytes each) or FC 21 request/response records.
absl::Status check_file_records(std::uint8_t fc, std::string_view kind,
                                std::span<const std::uint8_t> recs, std::size_t base,
                                bool with_data) {
  std::size_t i = 0;
  while (i < recs.size()) {
    if (recs.size() - i < 7) {
      return truncated_error(kModule, what_of(fc, kind), base + i, 7, recs.size() - i);
    }
    if (recs[i] != 6) {
      return bad_value(fc, kind, base + i, str_cat("reference type ", recs[i], ", expected 6"));
    }
    const std::uint16_t record = be16(recs, i + 3);
    if (record > 0x270F) {
      return bad_value(fc, kind, base + i + 3,
                       str_cat("record number ", record, ", expected 0..9999"));
    }
    const std::size_t len = be16(recs, i + 5);
    i += 7;
    if (with_data) {
      if (recs.size() - i < 2 * len) {
        return truncated_error(kModule, what_of(fc, kind), base + i, 2 * len, recs.size() - i);
      }
      i += 2 * len;
    }
  }
  return absl::OkStatus();
}

absl::Status check_device_objects(std::span<const std::uint8_t> objs, std::size_t count,
                                  std::size_t base) {
  std::size_t i = 0;
  for (std::size_t k = 0; k < count; ++k) {
    if (objs.size() - i < 2) {
      return truncated_error(kModule, "read device identification response", base + i, 2,
                             objs.size() - i);
    }
    const std::size_t len = objs[i + 1];
    if (objs.size() - i - 2 < len) {
      return truncated_error(kModule, "read device identification response", base + i + 2, len,
                             objs.size() - i - 2);
    }
    i += 2 + len;
  }
  if (i != objs.size()) {
    return decode_error(kModule, "read device identification response", base + i,
                        str_cat(objs.size() - i, " bytes after ", count, " objects"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view exception_name(ExceptionCode c) noexcept {
  switch (c) {
    case ExceptionCode::kNone: return "no exception";
    case ExceptionCode::kIllegalFunction: return "illegal function";
    case ExceptionCode::kIllegalDataAddress: return "illegal data address";
    case ExceptionCode::kIllegalDataValue: return "illegal data value";
    case ExceptionCode::kServerDeviceFailure: return "server device failure";
    case ExceptionCode::kAcknowledge: return "acknowledge";
    case ExceptionCode::kServerDeviceBusy: return "server device busy";
    case ExceptionCode::kMemoryParityError: return "memory parity error";
    case ExceptionCode::kGatewayPathUnavailable: return "gateway path unavailable";
    case ExceptionCode::kGatewayTargetFailedToRespond:
      return "gateway target device failed to respond";
  }
  return "unknown exception";
}

std::string_view function_name(std::uint8_t fc) noexcept {
  switch (fc) {
    case 0x01: return "read coils";
    case 0x02: return "read discrete inputs";
    case 0x03: return "read holding registers";
    case 0x04: return "read input registers";
    case 0x05: return "write single coil";
    case 0x06: return "write single register";
    case 0x07: return "read exception status";
    case 0x08: return "diagnostics";
    case 0x0B: return "get comm event counter";
    case 0x0C: return "get comm event log";
    case 0x0F: return "write multiple coils";
    case 0x10: return "write multiple registers";
    case 0x11: return "report server id";
    case 0x14: return "read file record";
    case 0x15: return "write file record";
    case 0x16: return "mask write register";
    case 0x17: return "read/write multiple registers";
    case 0x18: return "read FIFO queue";
    case 0x2B: return "read device identification";
    default: return "unknown function";
  }
}

bool is_supported_function(std::uint8_t fc) noexcept {
  return function_name(fc) != "unknown function";
}

std::vector<std::uint16_t> RegisterView::to_vector() const {
  std::vector<std::uint16_t> v(size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = (*this)[i];
  return v;
}

std::vector<bool> BitView::to_vector() const {
  std::vector<bool> v(size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = (*this)[i];
  return v;
}

void pack_bits(std::span<const bool> bits, std::vector<std::uint8_t>& out) {
  const std::size_t start = out.size();
  out.resize(start + (bits.size() + 7) / 8, 0);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i]) out[start + i / 8] = static_cast<std::uint8_t>(out[start + i / 8] | (1u << (i % 8)));
  }
}

void registers_to_wire(std::span<const std::uint16_t> regs, std::vector<std::uint8_t>& out) {
  out.reserve(out.size() + 2 * regs.size());
  for (std::uint16_t r : regs) {
    out.push_back(static_cast<std::uint8_t>(r >> 8));
    out.push_back(static_cast<std::uint8_t>(r & 0xFF));
  }
}

absl::StatusOr<std::vector<DeviceIdObject>> ReadDeviceIdResponse::list() const {
  EMSCORE_RETURN_IF_ERROR(check_device_objects(objects, object_count, 7));
  std::vector<DeviceIdObject> v;
  std::size_t i = 0;
  for (std::size_t k = 0; k < object_count; ++k) {
    const std::size_t len = objects[i + 1];
    v.push_back(DeviceIdObject{objects[i], objects.subspan(i + 2, len)});
    i += 2 + len;
  }
  return v;
}

// ------------------------------------------------------------------ decode requests

absl::StatusOr<Request> decode_request(std::span<const std::uint8_t> pdu) {
  if (pdu.empty()) return truncated_error(kModule, "request", 0, 1, 0);
  if (pdu.size() > kMaxPduSize) {
    return decode_error(kModule, "request", kMaxPduSize,
                        str_cat("PDU of ", pdu.size(), " bytes, expected at most ", kMaxPduSize));
  }
  const std::uint8_t fc = pdu[0];
  constexpr std::string_view k = "request";
  switch (fc) {
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04: {
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 5));
      const std::uint16_t addr = be16(pdu, 1);
      const std::uint16_t count = be16(pdu, 3);
      const bool bits = fc <= 0x02;
      const std::uint16_t max = bits ? kMaxReadBits : kMaxReadRegisters;
      if (count < 1 || count > max) return quantity_error(fc, k, 3, "quantity", count, 1, max);
      if (bits) return ReadBitsRequest{static_cast<FunctionCode>(fc), addr, count};
      return ReadRegistersRequest{static_cast<FunctionCode>(fc), addr, count};
    }
    case 0x05: {
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 5));
      const std::uint16_t v = be16(pdu, 3);
      if (v != 0xFF00 && v != 0x0000) {
        return bad_value(fc, k, 3, str_cat("output value ", hex(v, 4), ", expected 0xFF00 or 0x0000"));
      }
      return WriteSingleCoilRequest{be16(pdu, 1), v == 0xFF00};
    }
    case 0x06:
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 5));
      return WriteSingleRegisterRequest{be16(pdu, 1), be16(pdu, 3)};
    case 0x07:
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 1));
      return ReadExceptionStatusRequest{};
    case 0x08: {
      if (pdu.size() < 3) return truncated_error(kModule, what_of(fc, k), pdu.size(), 3 - pdu.size(), 0);
      const std::uint16_t sub = be16(pdu, 1);
      const auto data = pdu.subspan(3);
      // Sub-function 0 echoes any data; the other defined sub-functions carry one 16-bit
      // field (§6.8.1). Unknown sub-functions decode with their data as sent: the server
      // answers them with exception 1.
      if (sub != 0 && is_known_diag_sub(sub) && data.size() != 2) {
        return bad_value(fc, k, 3, str_cat("sub-function ", sub, " with ", data.size(),
                                           " data bytes, expected 2"));
      }
      return DiagnosticsRequest{sub, data};
    }
    case 0x0B:
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 1));
      return GetCommEventCounterRequest{};
    case 0x0C:
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 1));
      return GetCommEventLogRequest{};
    case 0x0F:
    case 0x10: {
      if (pdu.size() < 6) return truncated_error(kModule, what_of(fc, k), pdu.size(), 6 - pdu.size(), 0);
      const std::uint16_t addr = be16(pdu, 1);
      const std::uint16_t count = be16(pdu, 3);
      const std::uint8_t bc = pdu[5];
      const bool bits = fc == 0x0F;
      const std::uint16_t max = bits ? kMaxWriteBits : kMaxWriteRegisters;
      if (count < 1 || count > max) return quantity_error(fc, k, 3, "quantity", count, 1, max);
      const unsigned want = bits ? (count + 7u) / 8u : 2u * count;
      if (bc != want) {
        return bad_value(fc, k, 5, str_cat("byte count ", bc, ", expected ", want, " for ", count,
                                           bits ? " coils" : " registers"));
      }
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 6u + bc));
      if (bits) return WriteMultipleCoilsRequest{addr, BitView(pdu.subspan(6, bc), count)};
      return WriteMultipleRegistersRequest{addr, RegisterView(pdu.subspan(6, bc))};
    }
    case 0x11:
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 1));
      return ReportServerIdRequest{};
    case 0x14:
    case 0x15: {
      if (pdu.size() < 2) return truncated_error(kModule, what_of(fc, k), 1, 1, 0);
      const std::uint8_t bc = pdu[1];
      const bool read = fc == 0x14;
      const unsigned lo = read ? 0x07 : 0x09;
      const unsigned hi = read ? 0xF5 : 0xFB;
      if (bc < lo || bc > hi || (read && bc % 7 != 0)) {
        return bad_value(fc, k, 1, str_cat("byte count ", bc, ", expected ", lo, "..", hi,
                                           read ? " in steps of 7" : ""));
      }
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 2u + bc));
      EMSCORE_RETURN_IF_ERROR(check_file_records(fc, k, pdu.subspan(2), 2, !read));
      if (read) return ReadFileRecordRequest{pdu.subspan(2)};
      return WriteFileRecordRequest{pdu.subspan(2)};
    }
    case 0x16:
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 7));
      return MaskWriteRegisterRequest{be16(pdu, 1), be16(pdu, 3), be16(pdu, 5)};
    case 0x17: {
      if (pdu.size() < 10) return truncated_error(kModule, what_of(fc, k), pdu.size(), 10 - pdu.size(), 0);
      const std::uint16_t rc = be16(pdu, 3);
      const std::uint16_t wc = be16(pdu, 7);
      const std::uint8_t bc = pdu[9];
      if (rc < 1 || rc > kMaxRwReadRegisters) {
        return quantity_error(fc, k, 3, "quantity to read", rc, 1, kMaxRwReadRegisters);
      }
      if (wc < 1 || wc > kMaxRwWriteRegisters) {
        return quantity_error(fc, k, 7, "quantity to write", wc, 1, kMaxRwWriteRegisters);
      }
      if (bc != 2u * wc) {
        return bad_value(fc, k, 9, str_cat("write byte count ", bc, ", expected ", 2u * wc));
      }
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 10u + bc));
      return ReadWriteRegistersRequest{be16(pdu, 1), rc, be16(pdu, 5),
                                       RegisterView(pdu.subspan(10, bc))};
    }
    case 0x18:
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 3));
      return ReadFifoQueueRequest{be16(pdu, 1)};
    case 0x2B: {
      if (pdu.size() < 2) return truncated_error(kModule, what_of(fc, k), 1, 1, 0);
      if (pdu[1] != 0x0E) {
        return absl::UnimplementedError(str_cat("modbus: encapsulated interface request at offset 1: MEI type ",
                                                hex(pdu[1]), ", expected 0x0E (read device identification)"));
      }
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 4));
      const std::uint8_t code = pdu[2];
      if (code < 1 || code > 4) return quantity_error(fc, k, 2, "read device id code", code, 1, 4);
      return ReadDeviceIdRequest{code, pdu[3]};
    }
    default:
      return absl::UnimplementedError(str_cat("modbus: request at offset 0: function code ",
                                              hex(fc), " is not supported"));
  }
}

ExceptionCode request_exception_code(const absl::Status& s) noexcept {
  if (s.ok()) return ExceptionCode::kNone;
  if (s.code() == absl::StatusCode::kUnimplemented) return ExceptionCode::kIllegalFunction;
  return ExceptionCode::kIllegalDataValue;
}

// ------------------------------------------------------------------ decode responses

absl::StatusOr<Response> decode_response(std::span<const std::uint8_t> pdu) {
  if (pdu.empty()) return truncated_error(kModule, "response", 0, 1, 0);
  if (pdu.size() > kMaxPduSize) {
    return decode_error(kModule, "response", kMaxPduSize,
                        str_cat("PDU of ", pdu.size(), " bytes, expected at most ", kMaxPduSize));
  }
  const std::uint8_t fc = pdu[0];
  constexpr std::string_view k = "response";
  if (fc & 0x80) {
    EMSCORE_RETURN_IF_ERROR(need_size(fc & 0x7F, "exception response", pdu, 2));
    return ExceptionResponse{static_cast<std::uint8_t>(fc & 0x7F),
                             static_cast<ExceptionCode>(pdu[1])};
  }
  // Byte-counted responses: count at offset 1 and exactly that many bytes after it.
  auto counted = [&](std::size_t min, std::size_t max) -> absl::StatusOr<std::span<const std::uint8_t>> {
    if (pdu.size() < 2) return truncated_error(kModule, what_of(fc, k), 1, 1, 0);
    const std::uint8_t bc = pdu[1];
    if (bc < min || bc > max) {
      return bad_value(fc, k, 1, str_cat("byte count ", bc, ", expected ", min, "..", max));
    }
    EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 2u + bc));
    return pdu.subspan(2, bc);
  };
  switch (fc) {
    case 0x01:
    case 0x02: {
      EMSCORE_ASSIGN_OR_RETURN(auto data, counted(1, (kMaxReadBits + 7) / 8));
      return ReadBitsResponse{static_cast<FunctionCode>(fc), BitView(data, data.size() * 8)};
    }
    case 0x03:
    case 0x04:
    case 0x17: {
      EMSCORE_ASSIGN_OR_RETURN(auto data, counted(2, 2 * kMaxReadRegisters));
      if (data.size() % 2 != 0) {
        return bad_value(fc, k, 1, str_cat("byte count ", data.size(), ", expected an even number"));
      }
      return ReadRegistersResponse{static_cast<FunctionCode>(fc), RegisterView(data)};
    }
    case 0x05: {
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 5));
      const std::uint16_t v = be16(pdu, 3);
      if (v != 0xFF00 && v != 0x0000) {
        return bad_value(fc, k, 3, str_cat("output value ", hex(v, 4), ", expected 0xFF00 or 0x0000"));
      }
      return WriteSingleCoilResponse{be16(pdu, 1), v == 0xFF00};
    }
    case 0x06:
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 5));
      return WriteSingleRegisterResponse{be16(pdu, 1), be16(pdu, 3)};
    case 0x07:
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 2));
      return ReadExceptionStatusResponse{pdu[1]};
    case 0x08: {
      if (pdu.size() < 3) return truncated_error(kModule, what_of(fc, k), pdu.size(), 3 - pdu.size(), 0);
      const std::uint16_t sub = be16(pdu, 1);
      const auto data = pdu.subspan(3);
      if (sub == static_cast<std::uint16_t>(DiagnosticSub::kForceListenOnlyMode)) {
        // §6.8.1 sub-function 04: "no response is returned".
        return bad_value(fc, k, 1, "sub-function 4 (force listen only mode) has no response");
      }
      if (sub != 0 && is_known_diag_sub(sub) && data.size() != 2) {
        return bad_value(fc, k, 3, str_cat("sub-function ", sub, " with ", data.size(),
                                           " data bytes, expected 2"));
      }
      return DiagnosticsResponse{sub, data};
    }
    case 0x0B:
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 5));
      return GetCommEventCounterResponse{be16(pdu, 1), be16(pdu, 3)};
    case 0x0C: {
      EMSCORE_ASSIGN_OR_RETURN(auto data, counted(6, 6 + 64));
      return GetCommEventLogResponse{be16(data, 0), be16(data, 2), be16(data, 4), data.subspan(6)};
    }
    case 0x0F:
    case 0x10: {
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 5));
      const std::uint16_t count = be16(pdu, 3);
      const std::uint16_t max = fc == 0x0F ? kMaxWriteBits : kMaxWriteRegisters;
      if (count < 1 || count > max) return quantity_error(fc, k, 3, "quantity", count, 1, max);
      return WriteMultipleResponse{static_cast<FunctionCode>(fc), be16(pdu, 1), count};
    }
    case 0x11: {
      EMSCORE_ASSIGN_OR_RETURN(auto data, counted(1, kMaxPduSize - 2));
      return ReportServerIdResponse{data};
    }
    case 0x14: {
      EMSCORE_ASSIGN_OR_RETURN(auto data, counted(0x07, 0xF5));
      // Sub-responses: file response length (1 + 2n), reference type 6, n registers.
      std::size_t i = 0;
      while (i < data.size()) {
        const std::size_t len = data[i];
        if (len < 1 || len % 2 != 1) {
          return bad_value(fc, k, 2 + i, str_cat("file response length ", len, ", expected an odd number"));
        }
        if (data.size() - i - 1 < len) {
          return truncated_error(kModule, what_of(fc, k), 3 + i, len, data.size() - i - 1);
        }
        if (data[i + 1] != 6) {
          return bad_value(fc, k, 3 + i, str_cat("reference type ", data[i + 1], ", expected 6"));
        }
        i += 1 + len;
      }
      return ReadFileRecordResponse{data};
    }
    case 0x15: {
      EMSCORE_ASSIGN_OR_RETURN(auto data, counted(0x09, 0xFB));
      EMSCORE_RETURN_IF_ERROR(check_file_records(fc, k, data, 2, true));
      return WriteFileRecordResponse{data};
    }
    case 0x16:
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 7));
      return MaskWriteRegisterResponse{be16(pdu, 1), be16(pdu, 3), be16(pdu, 5)};
    case 0x18: {
      if (pdu.size() < 5) return truncated_error(kModule, what_of(fc, k), pdu.size(), 5 - pdu.size(), 0);
      const std::uint16_t bc = be16(pdu, 1);
      const std::uint16_t n = be16(pdu, 3);
      if (n > kMaxFifoCount) return quantity_error(fc, k, 3, "FIFO count", n, 0, kMaxFifoCount);
      if (bc != 2u + 2u * n) {
        return bad_value(fc, k, 1, str_cat("byte count ", bc, ", expected ", 2u + 2u * n,
                                           " for ", n, " registers"));
      }
      EMSCORE_RETURN_IF_ERROR(need_size(fc, k, pdu, 3u + bc));
      return ReadFifoQueueResponse{RegisterView(pdu.subspan(5, 2u * n))};
    }
    case 0x2B: {
      if (pdu.size() < 2) return truncated_error(kModule, what_of(fc, k), 1, 1, 0);
      if (pdu[1] != 0x0E) {
        return bad_value(fc, k, 1, str_cat("MEI type ", hex(pdu[1]), ", expected 0x0E"));
      }
      if (pdu.size() < 7) return truncated_error(kModule, what_of(fc, k), pdu.size(), 7 - pdu.size(), 0);
      ReadDeviceIdResponse r;
      r.read_code = pdu[2];
      if (r.read_code < 1 || r.read_code > 4) {
        return quantity_error(fc, k, 2, "read device id code", r.read_code, 1, 4);
      }
      r.conformity = pdu[3];
      if (pdu[4] != 0x00 && pdu[4] != 0xFF) {
        return bad_value(fc, k, 4, str_cat("more follows ", hex(pdu[4]), ", expected 0x00 or 0xFF"));
      }
      r.more_follows = pdu[4] == 0xFF;
      r.next_object_id = pdu[5];
      r.object_count = pdu[6];
      r.objects = pdu.subspan(7);
      EMSCORE_RETURN_IF_ERROR(check_device_objects(r.objects, r.object_count, 7));
      return r;
    }
    default:
      return absl::UnimplementedError(str_cat("modbus: response at offset 0: function code ",
                                              hex(fc), " is not supported"));
  }
}

// ------------------------------------------------------------------ helpers

std::uint8_t function_of(const Request& r) noexcept {
  return std::visit(
      Overloaded{
          [](const ReadBitsRequest& x) { return static_cast<std::uint8_t>(x.function); },
          [](const ReadRegistersRequest& x) { return static_cast<std::uint8_t>(x.function); },
          [](const WriteSingleCoilRequest&) -> std::uint8_t { return 0x05; },
          [](const WriteSingleRegisterRequest&) -> std::uint8_t { return 0x06; },
          [](const ReadExceptionStatusRequest&) -> std::uint8_t { return 0x07; },
          [](const DiagnosticsRequest&) -> std::uint8_t { return 0x08; },
          [](const GetCommEventCounterRequest&) -> std::uint8_t { return 0x0B; },
          [](const GetCommEventLogRequest&) -> std::uint8_t { return 0x0C; },
          [](const WriteMultipleCoilsRequest&) -> std::uint8_t { return 0x0F; },
          [](const WriteMultipleRegistersRequest&) -> std::uint8_t { return 0x10; },
          [](const ReportServerIdRequest&) -> std::uint8_t { return 0x11; },
          [](const ReadFileRecordRequest&) -> std::uint8_t { return 0x14; },
          [](const WriteFileRecordRequest&) -> std::uint8_t { return 0x15; },
          [](const MaskWriteRegisterRequest&) -> std::uint8_t { return 0x16; },
          [](const ReadWriteRegistersRequest&) -> std::uint8_t { return 0x17; },
          [](const ReadFifoQueueRequest&) -> std::uint8_t { return 0x18; },
          [](const ReadDeviceIdRequest&) -> std::uint8_t { return 0x2B; },
      },
      r);
}

std::uint8_t function_of(const Response& r) noexcept {
  return std::visit(
      Overloaded{
          [](const ReadBitsResponse& x) { return static_cast<std::uint8_t>(x.function); },
          [](const ReadRegistersResponse& x) { return static_cast<std::uint8_t>(x.function); },
          [](const WriteSingleCoilResponse&) -> std::uint8_t { return 0x05; },
          [](const WriteSingleRegisterResponse&) -> std::uint8_t { return 0x06; },
          [](const ReadExceptionStatusResponse&) -> std::uint8_t { return 0x07; },
          [](const DiagnosticsResponse&) -> std::uint8_t { return 0x08; },
          [](const GetCommEventCounterResponse&) -> std::uint8_t { return 0x0B; },
          [](const GetCommEventLogResponse&) -> std::uint8_t { return 0x0C; },
          [](const WriteMultipleResponse& x) { return static_cast<std::uint8_t>(x.function); },
          [](const ReportServerIdResponse&) -> std::uint8_t { return 0x11; },
          [](const ReadFileRecordResponse&) -> std::uint8_t { return 0x14; },
          [](const WriteFileRecordResponse&) -> std::uint8_t { return 0x15; },
          [](const MaskWriteRegisterResponse&) -> std::uint8_t { return 0x16; },
          [](const ReadFifoQueueResponse&) -> std::uint8_t { return 0x18; },
          [](const ReadDeviceIdResponse&) -> std::uint8_t { return 0x2B; },
          [](const ExceptionResponse& x) { return static_cast<std::uint8_t>(x.function | 0x80); },
      },
      r);
}

absl::Status check_response(const Request& request, const Response& response) {
  const std::uint8_t want = function_of(request);
  if (const auto* ex = std::get_if<ExceptionResponse>(&response)) {
    if (ex->function != want) {
      return mismatch_error(kModule, "exception response function", hex(ex->function), hex(want));
    }
    return absl::OkStatus();
  }
  const std::uint8_t got = function_of(response);
  if (got != want) return mismatch_error(kModule, "response function code", hex(got), hex(want));
  auto count_error = [&](std::size_t g, std::size_t w, std::string_view what) {
    return mismatch_error(kModule, str_cat(function_name(want), " response ", what),
                          str_cat(g), str_cat(w));
  };
  if (const auto* rq = std::get_if<ReadBitsRequest>(&request)) {
    const auto& rs = std::get<ReadBitsResponse>(response);
    const std::size_t bytes = (rq->count + 7u) / 8u;
    if (rs.bits.packed().size() != bytes) return count_error(rs.bits.packed().size(), bytes, "byte count");
  } else if (const auto* rr = std::get_if<ReadRegistersRequest>(&request)) {
    const auto& rs = std::get<ReadRegistersResponse>(response);
    if (rs.registers.size() != rr->count) return count_error(rs.registers.size(), rr->count, "register count");
  } else if (const auto* rw = std::get_if<ReadWriteRegistersRequest>(&request)) {
    const auto& rs = std::get<ReadRegistersResponse>(response);
    if (rs.registers.size() != rw->read_count) {
      return count_error(rs.registers.size(), rw->read_count, "register count");
    }
  } else if (const auto* wc = std::get_if<WriteSingleCoilRequest>(&request)) {
    const auto& rs = std::get<WriteSingleCoilResponse>(response);
    if (rs.address != wc->address || rs.on != wc->on) return count_error(rs.address, wc->address, "echo address");
  } else if (const auto* wr = std::get_if<WriteSingleRegisterRequest>(&request)) {
    const auto& rs = std::get<WriteSingleRegisterResponse>(response);
    if (rs.address != wr->address) return count_error(rs.address, wr->address, "echo address");
    if (rs.value != wr->value) return count_error(rs.value, wr->value, "echo value");
  } else if (const auto* mc = std::get_if<WriteMultipleCoilsRequest>(&request)) {
    const auto& rs = std::get<WriteMultipleResponse>(response);
    if (rs.address != mc->address) return count_error(rs.address, mc->address, "address");
    if (rs.count != mc->bits.size()) return count_error(rs.count, mc->bits.size(), "quantity");
  } else if (const auto* mr = std::get_if<WriteMultipleRegistersRequest>(&request)) {
    const auto& rs = std::get<WriteMultipleResponse>(response);
    if (rs.address != mr->address) return count_error(rs.address, mr->address, "address");
    if (rs.count != mr->registers.size()) return count_error(rs.count, mr->registers.size(), "quantity");
  } else if (const auto* mw = std::get_if<MaskWriteRegisterRequest>(&request)) {
    const auto& rs = std::get<MaskWriteRegisterResponse>(response);
    if (rs.address != mw->address || rs.and_mask != mw->and_mask || rs.or_mask != mw->or_mask) {
      return count_error(rs.address, mw->address, "echo");
    }
  } else if (const auto* dq = std::get_if<DiagnosticsRequest>(&request)) {
    const auto& rs = std::get<DiagnosticsResponse>(response);
    if (rs.sub_function != dq->sub_function) return count_error(rs.sub_function, dq->sub_function, "sub-function");
  } else if (const auto* di = std::get_if<ReadDeviceIdRequest>(&request)) {
    const auto& rs = std::get<ReadDeviceIdResponse>(response);
    if (rs.read_code != di->read_code) return count_error(rs.read_code, di->read_code, "read device id code");
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------------ encode

absl::Status validate(const Request& request) {
  auto q = [](std::uint8_t fc, unsigned got, unsigned max, std::string_view field = "quantity") {
    return quantity_error(fc, "request", 3, field, got, 1, max);
  };
  return std::visit(
      Overloaded{
          [&](const ReadBitsRequest& x) -> absl::Status {
            const auto fc = static_cast<std::uint8_t>(x.function);
            if (fc != 1 && fc != 2) return bad_value(fc, "request", 0, "expected function 1 or 2");
            if (x.count < 1 || x.count > kMaxReadBits) return q(fc, x.count, kMaxReadBits);
            return absl::OkStatus();
          },
          [&](const ReadRegistersRequest& x) -> absl::Status {
            const auto fc = static_cast<std::uint8_t>(x.function);
            if (fc != 3 && fc != 4) return bad_value(fc, "request", 0, "expected function 3 or 4");
            if (x.count < 1 || x.count > kMaxReadRegisters) return q(fc, x.count, kMaxReadRegisters);
            return absl::OkStatus();
          },
          [&](const DiagnosticsRequest& x) -> absl::Status {
            if (x.data.size() > kMaxPduSize - 3) return q(8, static_cast<unsigned>(x.data.size()), kMaxPduSize - 3, "data bytes");
            if (x.sub_function != 0 && is_known_diag_sub(x.sub_function) && x.data.size() != 2) {
              return bad_value(8, "request", 3, "expected 2 data bytes");
            }
            return absl::OkStatus();
          },
          [&](const WriteMultipleCoilsRequest& x) -> absl::Status {
            if (x.bits.size() < 1 || x.bits.size() > kMaxWriteBits) return q(0x0F, static_cast<unsigned>(x.bits.size()), kMaxWriteBits);
            if (x.bits.packed().size() != (x.bits.size() + 7) / 8) return bad_value(0x0F, "request", 5, "packed bytes do not match the bit count");
            return absl::OkStatus();
          },
          [&](const WriteMultipleRegistersRequest& x) -> absl::Status {
            if (x.registers.size() < 1 || x.registers.size() > kMaxWriteRegisters) {
              return q(0x10, static_cast<unsigned>(x.registers.size()), kMaxWriteRegisters);
            }
            if (x.registers.wire().size() % 2) return bad_value(0x10, "request", 5, "odd number of register bytes");
            return absl::OkStatus();
          },
          [&](const ReadFileRecordRequest& x) -> absl::Status {
            if (x.sub_requests.size() < 7 || x.sub_requests.size() > 0xF5 || x.sub_requests.size() % 7) {
              return bad_value(0x14, "request", 1, "expected 7..245 bytes of sub-requests in steps of 7");
            }
            return check_file_records(0x14, "request", x.sub_requests, 2, false);
          },
          [&](const WriteFileRecordRequest& x) -> absl::Status {
            if (x.sub_requests.size() < 9 || x.sub_requests.size() > 0xFB) {
              return bad_value(0x15, "request", 1, "expected 9..251 bytes of sub-requests");
            }
            return check_file_records(0x15, "request", x.sub_requests, 2, true);
          },
          [&](const ReadWriteRegistersRequest& x) -> absl::Status {
            if (x.read_count < 1 || x.read_count > kMaxRwReadRegisters) {
              return q(0x17, x.read_count, kMaxRwReadRegisters, "quantity to read");
            }
            const auto wc = x.write_registers.size();
            if (wc < 1 || wc > kMaxRwWriteRegisters) {
              return q(0x17, static_cast<unsigned>(wc), kMaxRwWriteRegisters, "quantity to write");
            }
            return absl::OkStatus();
          },
          [&](const ReadDeviceIdRequest& x) -> absl::Status {
            if (x.read_code < 1 || x.read_code > 4) return q(0x2B, x.read_code, 4, "read device id code");
            return absl::OkStatus();
          },
          [](const auto&) -> absl::Status { return absl::OkStatus(); },
      },
      request);
}

absl::Status encode(const Request& request, ByteWriter& w) {
  EMSCORE_RETURN_IF_ERROR(validate(request));
  const std::size_t start = w.size();
  w.u8(function_of(request));
  std::visit(Overloaded{
                 [&](const ReadBitsRequest& x) { w.u16be(x.address); w.u16be(x.count); },
                 [&](const ReadRegistersRequest& x) { w.u16be(x.address); w.u16be(x.count); },
                 [&](const WriteSingleCoilRequest& x) { w.u16be(x.address); w.u16be(x.on ? 0xFF00 : 0x0000); },
                 [&](const WriteSingleRegisterRequest& x) { w.u16be(x.address); w.u16be(x.value); },
                 [&](const DiagnosticsRequest& x) { w.u16be(x.sub_function); w.bytes(x.data); },
                 [&](const WriteMultipleCoilsRequest& x) {
                   w.u16be(x.address);
                   w.u16be(static_cast<std::uint16_t>(x.bits.size()));
                   w.u8(static_cast<std::uint8_t>(x.bits.packed().size()));
                   w.bytes(x.bits.packed());
                 },
                 [&](const WriteMultipleRegistersRequest& x) {
                   w.u16be(x.address);
                   w.u16be(static_cast<std::uint16_t>(x.registers.size()));
                   w.u8(static_cast<std::uint8_t>(x.registers.wire().size()));
                   w.bytes(x.registers.wire());
                 },
                 [&](const ReadFileRecordRequest& x) {
                   w.u8(static_cast<std::uint8_t>(x.sub_requests.size()));
                   w.bytes(x.sub_requests);
                 },
                 [&](const WriteFileRecordRequest& x) {
                   w.u8(static_cast<std::uint8_t>(x.sub_requests.size()));
                   w.bytes(x.sub_requests);
                 },
                 [&](const MaskWriteRegisterRequest& x) {
                   w.u16be(x.address); w.u16be(x.and_mask); w.u16be(x.or_mask);
                 },
                 [&](const ReadWriteRegistersRequest& x) {
                   w.u16be(x.read_address);
                   w.u16be(x.read_count);
                   w.u16be(x.write_address);
                   w.u16be(static_cast<std::uint16_t>(x.write_registers.size()));
                   w.u8(static_cast<std::uint8_t>(x.write_registers.wire().size()));
                   w.bytes(x.write_registers.wire());
                 },
                 [&](const ReadFifoQueueRequest& x) { w.u16be(x.address); },
                 [&](const ReadDeviceIdRequest& x) { w.u8(0x0E); w.u8(x.read_code); w.u8(x.object_id); },
                 [](const auto&) {},
             },
             request);
  if (w.ok() && w.size() - start > kMaxPduSize) {
    return absl::InvalidArgumentError(str_cat("modbus: ", function_name(function_of(request)),
                                              " request of ", w.size() - start,
                                              " bytes, expected at most ", kMaxPduSize));
  }
  return w.status();
}

absl::Status encode(const Response& response, ByteWriter& w) {
  const std::size_t start = w.size();
  const std::uint8_t fc = function_of(response);
  auto counted = [&](std::span<const std::uint8_t> data) {
    w.u8(static_cast<std::uint8_t>(data.size()));
    w.bytes(data);
  };
  absl::Status s = absl::OkStatus();
  w.u8(fc);
  std::visit(Overloaded{
                 [&](const ReadBitsResponse& x) { counted(x.bits.packed()); },
                 [&](const ReadRegistersResponse& x) { counted(x.registers.wire()); },
                 [&](const WriteSingleCoilResponse& x) { w.u16be(x.address); w.u16be(x.on ? 0xFF00 : 0x0000); },
                 [&](const WriteSingleRegisterResponse& x) { w.u16be(x.address); w.u16be(x.value); },
                 [&](const ReadExceptionStatusResponse& x) { w.u8(x.status); },
                 [&](const DiagnosticsResponse& x) { w.u16be(x.sub_function); w.bytes(x.data); },
                 [&](const GetCommEventCounterResponse& x) { w.u16be(x.status); w.u16be(x.event_count); },
                 [&](const GetCommEventLogResponse& x) {
                   w.u8(static_cast<std::uint8_t>(6 + x.events.size()));
                   w.u16be(x.status);
                   w.u16be(x.event_count);
                   w.u16be(x.message_count);
                   w.bytes(x.events);
                 },
                 [&](const WriteMultipleResponse& x) { w.u16be(x.address); w.u16be(x.count); },
                 [&](const ReportServerIdResponse& x) { counted(x.data); },
                 [&](const ReadFileRecordResponse& x) { counted(x.sub_responses); },
                 [&](const WriteFileRecordResponse& x) { counted(x.sub_requests); },
                 [&](const MaskWriteRegisterResponse& x) {
                   w.u16be(x.address); w.u16be(x.and_mask); w.u16be(x.or_mask);
                 },
                 [&](const ReadFifoQueueResponse& x) {
                   if (x.values.size() > kMaxFifoCount) {
                     s = quantity_error(0x18, "response", 3, "FIFO count",
                                        static_cast<unsigned>(x.values.size()), 0, kMaxFifoCount);
                     return;
                   }
                   w.u16be(static_cast<std::uint16_t>(2 + x.values.wire().size()));
                   w.u16be(static_cast<std::uint16_t>(x.values.size()));
                   w.bytes(x.values.wire());
                 },
                 [&](const ReadDeviceIdResponse& x) {
                   w.u8(0x0E);
                   w.u8(x.read_code);
                   w.u8(x.conformity);
                   w.u8(x.more_follows ? 0xFF : 0x00);
                   w.u8(x.next_object_id);
                   w.u8(x.object_count);
                   w.bytes(x.objects);
                 },
                 [&](const ExceptionResponse& x) { w.u8(static_cast<std::uint8_t>(x.code)); },
             },
             response);
  EMSCORE_RETURN_IF_ERROR(s);
  if (w.ok() && w.size() - start > kMaxPduSize) {
    return absl::InvalidArgumentError(str_cat("modbus: ", function_name(fc & 0x7F), " response of ",
                                              w.size() - start, " bytes, expected at most ",
                                              kMaxPduSize));
  }
  return w.status();
}

absl::Status encode(const Request& request, std::vector<std::uint8_t>& out) {
  std::uint8_t buf[kMaxPduSize + 260];
  ByteWriter w(buf, "modbus");
  EMSCORE_RETURN_IF_ERROR(encode(request, w));
  out.insert(out.end(), w.written().begin(), w.written().end());
  return absl::OkStatus();
}

absl::Status encode(const Response& response, std::vector<std::uint8_t>& out) {
  std::uint8_t buf[kMaxPduSize + 260];
  ByteWriter w(buf, "modbus");
  EMSCORE_RETURN_IF_ERROR(encode(response, w));
  out.insert(out.end(), w.written().begin(), w.written().end());
  return absl::OkStatus();
}

}  // namespace emscore::modbus
