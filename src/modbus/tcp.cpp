#include "emscore/modbus/tcp.hpp"

#include <algorithm>
#include <cstring>

#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/modbus/pdu.hpp"

namespace emscore::modbus {
namespace {
std::uint16_t be16(std::span<const std::uint8_t> p, std::size_t at) noexcept {
  return static_cast<std::uint16_t>((p[at] << 8) | p[at + 1]);
}

absl::Status check_header(const MbapHeader& h, std::uint64_t base) {
  if (h.protocol_id != 0) {
    return decode_error("modbus", "MBAP header", base + 2,
                        str_cat("protocol id ", h.protocol_id, ", expected 0"));
  }
  if (h.length < 2 || h.length > kMaxPduSize + 1) {
    return decode_error("modbus", "MBAP header", base + 4,
                        str_cat("length ", h.length, ", expected 2..", kMaxPduSize + 1));
  }
  return absl::OkStatus();
}

MbapHeader read_header(std::span<const std::uint8_t> p) noexcept {
  return MbapHeader{be16(p, 0), be16(p, 2), be16(p, 4), p[6]};
}
}  // namespace

absl::StatusOr<MbapHeader> decode_mbap(std::span<const std::uint8_t> header) {
  if (header.size() < kMbapHeaderSize) {
    return truncated_error("modbus", "MBAP header", 0, kMbapHeaderSize, header.size());
  }
  const MbapHeader h = read_header(header);
  EMSCORE_RETURN_IF_ERROR(check_header(h, 0));
  return h;
}

absl::StatusOr<TcpAdu> decode_tcp(std::span<const std::uint8_t> adu) {
  EMSCORE_ASSIGN_OR_RETURN(const MbapHeader h, decode_mbap(adu));
  const std::size_t want = 6u + h.length;
  if (adu.size() < want) return truncated_error("modbus", "TCP ADU", adu.size(), want - adu.size(), 0);
  if (adu.size() > want) {
    return decode_error("modbus", "TCP ADU", want,
                        str_cat(adu.size() - want, " bytes beyond the MBAP length ", h.length));
  }
  return TcpAdu{h.transaction_id, h.unit_id, adu.subspan(kMbapHeaderSize)};
}

absl::StatusOr<std::size_t> encode_tcp(std::uint16_t tid, std::uint8_t unit,
                                       std::span<const std::uint8_t> pdu,
                                       std::span<std::uint8_t> out) {
  if (pdu.empty() || pdu.size() > kMaxPduSize) {
    return absl::InvalidArgumentError(str_cat("modbus: TCP PDU of ", pdu.size(), " bytes, expected 1..", kMaxPduSize));
  }
  const std::size_t n = kMbapHeaderSize + pdu.size();
  if (out.size() < n) {
    return absl::ResourceExhaustedError(str_cat("modbus: TCP ADU of ", n, " bytes, buffer of ", out.size()));
  }
  const std::size_t len = pdu.size() + 1;
  out[0] = static_cast<std::uint8_t>(tid >> 8);
  out[1] = static_cast<std::uint8_t>(tid & 0xFF);
  out[2] = 0;
  out[3] = 0;
  out[4] = static_cast<std::uint8_t>(len >> 8);
  out[5] = static_cast<std::uint8_t>(len & 0xFF);
  out[6] = unit;
  std::memcpy(out.data() + kMbapHeaderSize, pdu.data(), pdu.size());
  return n;
}

absl::Status encode_tcp(std::uint16_t tid, std::uint8_t unit, std::span<const std::uint8_t> pdu,
                        std::vector<std::uint8_t>& out) {
  std::uint8_t buf[kMaxTcpAduSize];
  EMSCORE_ASSIGN_OR_RETURN(const std::size_t n, encode_tcp(tid, unit, pdu, std::span(buf)));
  out.insert(out.end(), buf, buf + n);
  return absl::OkStatus();
}

void TcpFramer::compact() noexcept {
  if (head_ == 0) return;
  std::memmove(buf_.data(), buf_.data() + head_, end_ - head_);
  consumed_ += head_;
  end_ -= head_;
  head_ = 0;
}

std::span<std::uint8_t> TcpFramer::prepare() noexcept {
  compact();
  return std::span<std::uint8_t>(buf_.data() + end_, buf_.size() - end_);
}

std::size_t TcpFramer::feed(std::span<const std::uint8_t> bytes) noexcept {
  auto room = prepare();
  const std::size_t n = std::min(room.size(), bytes.size());
  if (n > 0) std::memcpy(room.data(), bytes.data(), n);
  commit(n);
  return n;
}

TcpFramer::Event TcpFramer::next() {
  Event e;
  if (failed_) {
    e.kind = Event::kError;
    e.error = absl::FailedPreconditionError("modbus: TCP stream already failed");
    return e;
  }
  const std::size_t avail = end_ - head_;
  if (avail < kMbapHeaderSize) return e;
  const std::span<const std::uint8_t> here(buf_.data() + head_, avail);
  const MbapHeader h = read_header(here);
  if (absl::Status s = check_header(h, consumed_ + head_); !s.ok()) {
    failed_ = true;
    e.kind = Event::kError;
    e.error = std::move(s);
    return e;
  }
  const std::size_t total = 6u + h.length;
  if (avail < total) return e;
  e.kind = Event::kFrame;
  e.adu = here.first(total);
  e.frame = TcpAdu{h.transaction_id, h.unit_id, here.subspan(kMbapHeaderSize, total - kMbapHeaderSize)};
  head_ += total;
  return e;
}

}  // namespace emscore::modbus
