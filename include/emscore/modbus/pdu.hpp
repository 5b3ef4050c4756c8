// emscore/modbus/pdu.hpp — Modbus protocol data units (requests and responses).
//
// A PDU is the function code plus its data, independent of the transport (RTU adds an
// address and a CRC, TCP an MBAP header). This header covers every public function code of
// the Modbus Application Protocol Specification V1.1b3 (MBAP spec below):
//   1 read coils, 2 read discrete inputs, 3 read holding registers, 4 read input registers,
//   5 write single coil, 6 write single register, 7 read exception status (serial line),
//   8 diagnostics (with its sub-functions), 11 get comm event counter, 12 get comm event log,
//   15 write multiple coils, 16 write multiple registers, 17 report server id,
//   20 read file record, 21 write file record, 22 mask write register,
//   23 read/write multiple registers, 24 read FIFO queue, 43/14 read device identification,
// and exception responses (function code | 0x80, exception code 1, 2, 3, 4, 5, 6, 8, 0x0A, 0x0B).
//
// Decoded requests and responses are views: their register and bit arrays borrow from the
// decoded span (nothing allocates). decode_request() checks the protocol's limits (MBAP spec
// §6: e.g. 1-2000 coils, 1-125 registers per read, 1-123 per write, byte count == 2 x quantity)
// and reports a violation so that a server answers with the right exception code
// (request_exception_code()). Encoders write into a caller buffer through ByteWriter or append
// to a std::vector and check the same limits, so that we never put an invalid PDU on the wire.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "emscore/core/byte_writer.hpp"

namespace emscore::modbus {

// Largest PDU: 256 bytes of RTU ADU minus address (1) and CRC (2) (MBAP spec §4.1).
inline constexpr std::size_t kMaxPduSize = 253;

enum class FunctionCode : std::uint8_t {
  kReadCoils = 0x01,
  kReadDiscreteInputs = 0x02,
  kReadHoldingRegisters = 0x03,
  kReadInputRegisters = 0x04,
  kWriteSingleCoil = 0x05,
  kWriteSingleRegister = 0x06,
  kReadExceptionStatus = 0x07,
  kDiagnostics = 0x08,
  kGetCommEventCounter = 0x0B,
  kGetCommEventLog = 0x0C,
  kWriteMultipleCoils = 0x0F,
  kWriteMultipleRegisters = 0x10,
  kReportServerId = 0x11,
  kReadFileRecord = 0x14,
  kWriteFileRecord = 0x15,
  kMaskWriteRegister = 0x16,
  kReadWriteMultipleRegisters = 0x17,
  kReadFifoQueue = 0x18,
  kEncapsulatedInterface = 0x2B,  // MEI; type 0x0E = read device identification
};

// MBAP spec §7. kNone is not on the wire: it is what a data model returns for "no error".
enum class ExceptionCode : std::uint8_t {
  kNone = 0x00,
  kIllegalFunction = 0x01,
  kIllegalDataAddress = 0x02,
  kIllegalDataValue = 0x03,
  kServerDeviceFailure = 0x04,
  kAcknowledge = 0x05,
  kServerDeviceBusy = 0x06,
  kMemoryParityError = 0x08,
  kGatewayPathUnavailable = 0x0A,
  kGatewayTargetFailedToRespond = 0x0B,
};

// "illegal data address" etc.; "unknown exception" for codes the spec does not define.
std::string_view exception_name(ExceptionCode c) noexcept;
// The function's name in the spec's words ("read holding registers"); "unknown" otherwise.
std::string_view function_name(std::uint8_t fc) noexcept;
// True for the function codes this codec decodes (the list above).
bool is_supported_function(std::uint8_t fc) noexcept;

// The protocol's quantity limits (MBAP spec §6.1-6.17).
inline constexpr std::uint16_t kMaxReadBits = 2000;        // FC 1, 2
inline constexpr std::uint16_t kMaxReadRegisters = 125;    // FC 3, 4
inline constexpr std::uint16_t kMaxWriteBits = 1968;       // FC 15
inline constexpr std::uint16_t kMaxWriteRegisters = 123;   // FC 16
inline constexpr std::uint16_t kMaxRwReadRegisters = 125;  // FC 23 read part
inline constexpr std::uint16_t kMaxRwWriteRegisters = 121; // FC 23 write part
inline constexpr std::uint16_t kMaxFifoCount = 31;         // FC 24

// Diagnostics sub-function codes (MBAP spec §6.8.1).
enum class DiagnosticSub : std::uint16_t {
  kReturnQueryData = 0x00,
  kRestartCommunications = 0x01,
  kReturnDiagnosticRegister = 0x02,
  kChangeAsciiDelimiter = 0x03,
  kForceListenOnlyMode = 0x04,
  kClearCounters = 0x0A,
  kBusMessageCount = 0x0B,
  kBusCommunicationErrorCount = 0x0C,
  kBusExceptionErrorCount = 0x0D,
  kServerMessageCount = 0x0E,
  kServerNoResponseCount = 0x0F,
  kServerNakCount = 0x10,
  kServerBusyCount = 0x11,
  kBusCharacterOverrunCount = 0x12,
  kClearOverrunCounter = 0x14,
};

// Big-endian 16-bit registers as they are on the wire (borrowed bytes).
class RegisterView {
 public:
  constexpr RegisterView() = default;
  // `wire` must have an even size: two bytes per register, high byte first.
  constexpr explicit RegisterView(std::span<const std::uint8_t> wire) noexcept : wire_(wire) {}
  constexpr std::size_t size() const noexcept { return wire_.size() / 2; }
  constexpr bool empty() const noexcept { return wire_.size() < 2; }
  constexpr std::uint16_t operator[](std::size_t i) const noexcept {
    return static_cast<std::uint16_t>((wire_[2 * i] << 8) | wire_[2 * i + 1]);
  }
  constexpr std::span<const std::uint8_t> wire() const noexcept { return wire_; }
  std::vector<std::uint16_t> to_vector() const;

 private:
  std::span<const std::uint8_t> wire_;
};

// Bits packed eight to a byte, least significant bit first (MBAP spec §6.1), borrowed.
class BitView {
 public:
  constexpr BitView() = default;
  constexpr BitView(std::span<const std::uint8_t> packed, std::size_t count) noexcept
      : packed_(packed), count_(count) {}
  constexpr std::size_t size() const noexcept { return count_; }
  constexpr bool operator[](std::size_t i) const noexcept {
    return ((packed_[i / 8] >> (i % 8)) & 1u) != 0;
  }
  constexpr std::span<const std::uint8_t> packed() const noexcept { return packed_; }
  std::vector<bool> to_vector() const;

 private:
  std::span<const std::uint8_t> packed_;
  std::size_t count_ = 0;
};

// Packs bools LSB first into ceil(n/8) bytes appended to `out`.
void pack_bits(std::span<const bool> bits, std::vector<std::uint8_t>& out);
// Big-endian wire bytes of registers appended to `out`.
void registers_to_wire(std::span<const std::uint16_t> regs, std::vector<std::uint8_t>& out);

// ---------------------------------------------------------------- requests
struct ReadBitsRequest {  // FC 1, 2
  FunctionCode function = FunctionCode::kReadCoils;
  std::uint16_t address = 0;
  std::uint16_t count = 0;
};
struct ReadRegistersRequest {  // FC 3, 4
  FunctionCode function = FunctionCode::kReadHoldingRegisters;
  std::uint16_t address = 0;
  std::uint16_t count = 0;
};
struct WriteSingleCoilRequest {  // FC 5: value on the wire 0xFF00 (on) or 0x0000 (off)
  std::uint16_t address = 0;
  bool on = false;
};
struct WriteSingleRegisterRequest {  // FC 6
  std::uint16_t address = 0;
  std::uint16_t value = 0;
};
struct ReadExceptionStatusRequest {};  // FC 7
struct DiagnosticsRequest {            // FC 8: sub-function + data (2 bytes, or N for sub 0)
  std::uint16_t sub_function = 0;
  std::span<const std::uint8_t> data;
};
struct GetCommEventCounterRequest {};  // FC 11
struct GetCommEventLogRequest {};      // FC 12
struct WriteMultipleCoilsRequest {     // FC 15
  std::uint16_t address = 0;
  BitView bits;
};
struct WriteMultipleRegistersRequest {  // FC 16
  std::uint16_t address = 0;
  RegisterView registers;
};
struct ReportServerIdRequest {};  // FC 17
// FC 20 / FC 21: a sequence of sub-requests (reference type 6, file, record, length[, data]),
// kept as their wire bytes; file_sub_requests() walks them.
struct ReadFileRecordRequest {
  std::span<const std::uint8_t> sub_requests;
};
struct WriteFileRecordRequest {
  std::span<const std::uint8_t> sub_requests;
};
struct MaskWriteRegisterRequest {  // FC 22: result = (current AND and_mask) OR (or_mask AND NOT and_mask)
  std::uint16_t address = 0;
  std::uint16_t and_mask = 0;
  std::uint16_t or_mask = 0;
};
struct ReadWriteRegistersRequest {  // FC 23: the write is performed before the read
  std::uint16_t read_address = 0;
  std::uint16_t read_count = 0;
  std::uint16_t write_address = 0;
  RegisterView write_registers;
};
struct ReadFifoQueueRequest {  // FC 24
  std::uint16_t address = 0;
};
struct ReadDeviceIdRequest {  // FC 43 / MEI 14: read code 1 basic, 2 regular, 3 extended, 4 one object
  std::uint8_t read_code = 1;
  std::uint8_t object_id = 0;
};

using Request =
    std::variant<ReadBitsRequest, ReadRegistersRequest, WriteSingleCoilRequest,
                 WriteSingleRegisterRequest, ReadExceptionStatusRequest, DiagnosticsRequest,
                 GetCommEventCounterRequest, GetCommEventLogRequest, WriteMultipleCoilsRequest,
                 WriteMultipleRegistersRequest, ReportServerIdRequest, ReadFileRecordRequest,
                 WriteFileRecordRequest, MaskWriteRegisterRequest, ReadWriteRegistersRequest,
                 ReadFifoQueueRequest, ReadDeviceIdRequest>;

// ---------------------------------------------------------------- responses
struct ReadBitsResponse {  // FC 1, 2: byte count * 8 bits; the request says how many count
  FunctionCode function = FunctionCode::kReadCoils;
  BitView bits;
};
struct ReadRegistersResponse {  // FC 3, 4, 23
  FunctionCode function = FunctionCode::kReadHoldingRegisters;
  RegisterView registers;
};
struct WriteSingleCoilResponse {  // FC 5: echo
  std::uint16_t address = 0;
  bool on = false;
};
struct WriteSingleRegisterResponse {  // FC 6: echo
  std::uint16_t address = 0;
  std::uint16_t value = 0;
};
struct ReadExceptionStatusResponse {  // FC 7
  std::uint8_t status = 0;
};
struct DiagnosticsResponse {  // FC 8: echo of sub-function, data (counter value or echo)
  std::uint16_t sub_function = 0;
  std::span<const std::uint8_t> data;
};
struct GetCommEventCounterResponse {  // FC 11: status 0xFFFF = busy, 0 = ready
  std::uint16_t status = 0;
  std::uint16_t event_count = 0;
};
struct GetCommEventLogResponse {  // FC 12: events newest first
  std::uint16_t status = 0;
  std::uint16_t event_count = 0;
  std::uint16_t message_count = 0;
  std::span<const std::uint8_t> events;
};
struct WriteMultipleResponse {  // FC 15, 16
  FunctionCode function = FunctionCode::kWriteMultipleRegisters;
  std::uint16_t address = 0;
  std::uint16_t count = 0;
};
struct ReportServerIdResponse {  // FC 17: device specific (server id, run indicator 0x00/0xFF, ...)
  std::span<const std::uint8_t> data;
};
struct ReadFileRecordResponse {  // FC 20: sub-responses (length, type 6, data) as wire bytes
  std::span<const std::uint8_t> sub_responses;
};
struct WriteFileRecordResponse {  // FC 21: echo of the request
  std::span<const std::uint8_t> sub_requests;
};
struct MaskWriteRegisterResponse {  // FC 22: echo
  std::uint16_t address = 0;
  std::uint16_t and_mask = 0;
  std::uint16_t or_mask = 0;
};
struct ReadFifoQueueResponse {  // FC 24
  RegisterView values;
};
// One object of a device identification response (MBAP spec §6.21, table of object ids:
// 0 VendorName, 1 ProductCode, 2 MajorMinorRevision, 3 VendorUrl, 4 ProductName, 5 ModelName,
// 6 UserApplicationName, 0x80-0xFF private).
struct DeviceIdObject {
  std::uint8_t id = 0;
  std::span<const std::uint8_t> value;
  std::string_view text() const noexcept {
    return {reinterpret_cast<const char*>(value.data()), value.size()};
  }
};
struct ReadDeviceIdResponse {
  std::uint8_t read_code = 1;
  std::uint8_t conformity = 0x01;
  bool more_follows = false;
  std::uint8_t next_object_id = 0;
  std::uint8_t object_count = 0;
  std::span<const std::uint8_t> objects;  // object_count x (id, length, value)
  // The objects in order; an error if the list is malformed (decode checks it).
  absl::StatusOr<std::vector<DeviceIdObject>> list() const;
};
struct ExceptionResponse {  // function | 0x80, exception code
  std::uint8_t function = 0;
  ExceptionCode code = ExceptionCode::kIllegalFunction;
};

using Response =
    std::variant<ReadBitsResponse, ReadRegistersResponse, WriteSingleCoilResponse,
                 WriteSingleRegisterResponse, ReadExceptionStatusResponse, DiagnosticsResponse,
                 GetCommEventCounterResponse, GetCommEventLogResponse, WriteMultipleResponse,
                 ReportServerIdResponse, ReadFileRecordResponse, WriteFileRecordResponse,
                 MaskWriteRegisterResponse, ReadFifoQueueResponse, ReadDeviceIdResponse,
                 ExceptionResponse>;

// ---------------------------------------------------------------- decoding
// Decodes a request PDU (server side). Errors:
//   Unimplemented    — function code (or MEI type) this codec does not know: answer exception 1;
//   InvalidArgument  — a quantity, byte count or value outside the protocol's limits: 3;
//   OutOfRange       — the PDU is shorter than its function needs: 3.
// Every message names the offset in the PDU, what was found and what was expected.
absl::StatusOr<Request> decode_request(std::span<const std::uint8_t> pdu);
// Decodes a response PDU (client side), checking its internal consistency (byte counts).
absl::StatusOr<Response> decode_response(std::span<const std::uint8_t> pdu);

// The exception a server answers for a decode_request() error (1 or 3).
ExceptionCode request_exception_code(const absl::Status& decode_error) noexcept;

// The wire function code of a request / response.
std::uint8_t function_of(const Request& r) noexcept;
std::uint8_t function_of(const Response& r) noexcept;

// Checks that `response` answers `request`: same function, echoes equal, as many bits or
// registers as asked. An ExceptionResponse for the same function passes (the caller reports
// it); a different function or count is an InvalidArgument error.
absl::Status check_response(const Request& request, const Response& response);

// ---------------------------------------------------------------- encoding
// Encodes into `w`; InvalidArgument when a field breaks the protocol's limits (checked before
// anything is written) or the PDU would exceed 253 bytes, ResourceExhausted when the buffer
// is too small.
absl::Status encode(const Request& request, ByteWriter& w);
absl::Status encode(const Response& response, ByteWriter& w);
// Appends to `out`.
absl::Status encode(const Request& request, std::vector<std::uint8_t>& out);
absl::Status encode(const Response& response, std::vector<std::uint8_t>& out);

// Request checks without encoding (the same ones encode() runs).
absl::Status validate(const Request& request);

}  // namespace emscore::modbus
