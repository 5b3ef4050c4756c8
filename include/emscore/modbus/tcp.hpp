// emscore/modbus/tcp.hpp — Modbus TCP framing: the MBAP header (sans-I/O).
//
// Modbus Messaging on TCP/IP Implementation Guide V1.0b §3.1.3: every ADU is
//   transaction id (2) | protocol id (2, always 0) | length (2) | unit id (1) | PDU
// with `length` counting the unit id and the PDU (2..254). The transaction id pairs a
// response with its request; a client may have several requests in flight on one
// connection. The unit id addresses a device behind a gateway (0xFF or 0 for the server
// itself).
//
// TcpFramer splits a byte stream into ADUs. A TCP stream cannot be resynchronised after a
// bad header (there is no start marker), so a header error is final: the connection must be
// closed, which is what the guide recommends (§4.4.1.2).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace emscore::modbus {

inline constexpr std::size_t kMbapHeaderSize = 7;
inline constexpr std::size_t kMaxTcpAduSize = 260;  // 7 + 253

struct MbapHeader {
  std::uint16_t transaction_id = 0;
  std::uint16_t protocol_id = 0;
  std::uint16_t length = 0;  // unit id + PDU
  std::uint8_t unit_id = 0;
};

// Decodes and checks a 7-byte header: protocol id 0, length 2..254.
absl::StatusOr<MbapHeader> decode_mbap(std::span<const std::uint8_t> header);

struct TcpAdu {
  std::uint16_t transaction_id = 0;
  std::uint8_t unit_id = 0;
  std::span<const std::uint8_t> pdu;  // borrows from the decoded bytes
};
// Decodes exactly one ADU (header length must match the span).
absl::StatusOr<TcpAdu> decode_tcp(std::span<const std::uint8_t> adu);

// Writes header + PDU; returns the ADU size.
absl::StatusOr<std::size_t> encode_tcp(std::uint16_t transaction_id, std::uint8_t unit_id,
                                       std::span<const std::uint8_t> pdu,
                                       std::span<std::uint8_t> out);
absl::Status encode_tcp(std::uint16_t transaction_id, std::uint8_t unit_id,
                        std::span<const std::uint8_t> pdu, std::vector<std::uint8_t>& out);

// Incremental ADU splitter for a TCP byte stream.
class TcpFramer {
 public:
  struct Event {
    enum Kind : std::uint8_t { kNeedMore, kFrame, kError } kind = kNeedMore;
    TcpAdu frame;                       // kFrame
    std::span<const std::uint8_t> adu;  // kFrame: the whole ADU
    absl::Status error;                 // kError: what was wrong, with the stream offset
  };

  // Takes as many bytes as fit; returns how many.
  std::size_t feed(std::span<const std::uint8_t> bytes) noexcept;
  // Next whole ADU, kNeedMore, or kError (sticky: close the connection).
  Event next();
  std::size_t buffered() const noexcept { return end_ - head_; }
  bool failed() const noexcept { return failed_; }
  // Free space for a read straight into the framer (then commit(n)): saves a copy.
  std::span<std::uint8_t> prepare() noexcept;
  void commit(std::size_t n) noexcept { end_ += n; }

 private:
  void compact() noexcept;
  std::array<std::uint8_t, 8 * kMaxTcpAduSize> buf_{};
  std::size_t head_ = 0;
  std::size_t end_ = 0;
  std::uint64_t consumed_ = 0;
  bool failed_ = false;
};

}  // namespace emscore::modbus
