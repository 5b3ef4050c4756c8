#include "emscore/modbus/rtu.hpp"

#include <algorithm>
#include <cstring>

#include "emscore/core/crc.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/modbus/pdu.hpp"

namespace emscore::modbus {

// ------------------------------------------------------------------ serial format

absl::Status SerialFormat::validate() const {
  if (baud < 1200 || baud > 115200) {
    return absl::InvalidArgumentError(str_cat("modbus: baud rate ", baud, ", expected 1200..115200"));
  }
  if (data_bits != 7 && data_bits != 8) {
    return absl::InvalidArgumentError(str_cat("modbus: ", data_bits, " data bits, expected 7 or 8"));
  }
  if (stop_bits != 1 && stop_bits != 2) {
    return absl::InvalidArgumentError(str_cat("modbus: ", stop_bits, " stop bits, expected 1 or 2"));
  }
  return absl::OkStatus();
}

unsigned SerialFormat::bits_per_char() const noexcept {
  return 1u + data_bits + (parity == Parity::kNone ? 0u : 1u) + stop_bits;
}

std::chrono::nanoseconds SerialFormat::char_time() const noexcept {
  const std::uint32_t b = baud == 0 ? 1 : baud;
  return std::chrono::nanoseconds(std::int64_t{1'000'000'000} * bits_per_char() / b);
}

std::chrono::nanoseconds SerialFormat::t15() const noexcept {
  if (baud > 19200) return std::chrono::microseconds(750);
  return char_time() * 3 / 2;
}

std::chrono::nanoseconds SerialFormat::t35() const noexcept {
  if (baud > 19200) return std::chrono::microseconds(1750);
  return char_time() * 7 / 2;
}

std::chrono::nanoseconds SerialFormat::transmit_time(std::size_t bytes) const noexcept {
  return char_time() * static_cast<std::int64_t>(bytes);
}

std::string_view parity_name(Parity p) noexcept {
  switch (p) {
    case Parity::kNone: return "none";
    case Parity::kEven: return "even";
    case Parity::kOdd: return "odd";
  }
  return "?";
}

absl::StatusOr<Parity> parse_parity(std::string_view name) {
  if (name == "none" || name == "N" || name == "n") return Parity::kNone;
  if (name == "even" || name == "E" || name == "e") return Parity::kEven;
  if (name == "odd" || name == "O" || name == "o") return Parity::kOdd;
  return absl::InvalidArgumentError(str_cat("modbus: parity \"", name, "\" unknown, expected none, even or odd"));
}

// ------------------------------------------------------------------ lengths

PduLength rtu_pdu_length(std::span<const std::uint8_t> p, Side side) noexcept {
  auto known = [](std::size_t n) { return PduLength{PduLength::kKnown, n}; };
  auto need = [](std::size_t n) { return PduLength{PduLength::kNeedMore, n}; };
  constexpr PduLength unknown{PduLength::kUnknown, 0};
  if (p.empty()) return need(1);
  const std::uint8_t fc = p[0];
  auto diag = [&]() {
    if (p.size() < 3) return need(3);
    const unsigned sub = (p[1] << 8) | p[2];
    const bool fixed = sub != 0 && (sub <= 0x04 || (sub >= 0x0A && sub <= 0x12) || sub == 0x14);
    return fixed ? known(5) : unknown;
  };
  if (side == Side::kRequests) {
    switch (fc) {
      case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: return known(5);
      case 0x07: case 0x0B: case 0x0C: case 0x11: return known(1);
      case 0x08: return diag();
      case 0x0F: case 0x10: return p.size() < 6 ? need(6) : known(6u + p[5]);
      case 0x14: case 0x15: return p.size() < 2 ? need(2) : known(2u + p[1]);
      case 0x16: return known(7);
      case 0x17: return p.size() < 10 ? need(10) : known(10u + p[9]);
      case 0x18: return known(3);
      case 0x2B:
        if (p.size() < 2) return need(2);
        return p[1] == 0x0E ? known(4) : unknown;
      default: return unknown;
    }
  }
  if (fc & 0x80) return known(2);
  switch (fc) {
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x0C: case 0x11: case 0x14: case 0x15:
    case 0x17:
      return p.size() < 2 ? need(2) : known(2u + p[1]);
    case 0x05: case 0x06: case 0x0B: case 0x0F: case 0x10: return known(5);
    case 0x07: return known(2);
    case 0x08: return diag();
    case 0x16: return known(7);
    case 0x18: return p.size() < 3 ? need(3) : known(3u + ((p[1] << 8) | p[2]));
    case 0x2B: {
      if (p.size() < 2) return need(2);
      if (p[1] != 0x0E) return unknown;
      if (p.size() < 7) return need(7);
      std::size_t pos = 7;
      for (unsigned k = 0; k < p[6]; ++k) {
        if (p.size() < pos + 2) return need(pos + 2);
        pos += 2u + p[pos + 1];
        if (pos > kMaxPduSize) return known(pos);  // impossible; the framer drops it
      }
      return known(pos);
    }
    default: return unknown;
  }
}

// ------------------------------------------------------------------ ADU

absl::StatusOr<std::size_t> encode_rtu(std::uint8_t address, std::span<const std::uint8_t> pdu,
                                       std::span<std::uint8_t> out) {
  if (pdu.empty() || pdu.size() > kMaxPduSize) {
    return absl::InvalidArgumentError(str_cat("modbus: RTU PDU of ", pdu.size(),
                                              " bytes, expected 1..", kMaxPduSize));
  }
  const std::size_t n = pdu.size() + 3;
  if (out.size() < n) {
    return absl::ResourceExhaustedError(str_cat("modbus: RTU frame of ", n, " bytes, buffer of ", out.size()));
  }
  out[0] = address;
  std::memcpy(out.data() + 1, pdu.data(), pdu.size());
  const std::uint16_t crc = crc16_modbus(out.first(n - 2));
  out[n - 2] = static_cast<std::uint8_t>(crc & 0xFF);
  out[n - 1] = static_cast<std::uint8_t>(crc >> 8);
  return n;
}

absl::Status encode_rtu(std::uint8_t address, std::span<const std::uint8_t> pdu,
                        std::vector<std::uint8_t>& out) {
  std::uint8_t buf[kMaxRtuAduSize];
  EMSCORE_ASSIGN_OR_RETURN(const std::size_t n, encode_rtu(address, pdu, std::span(buf)));
  out.insert(out.end(), buf, buf + n);
  return absl::OkStatus();
}

absl::StatusOr<RtuAdu> decode_rtu(std::span<const std::uint8_t> adu) {
  if (adu.size() < 4) return truncated_error("modbus", "RTU frame", adu.size(), 4 - adu.size(), 0);
  if (adu.size() > kMaxRtuAduSize) {
    return decode_error("modbus", "RTU frame", kMaxRtuAduSize,
                        str_cat("frame of ", adu.size(), " bytes, expected at most ", kMaxRtuAduSize));
  }
  const std::size_t n = adu.size();
  const std::uint16_t got = static_cast<std::uint16_t>(adu[n - 2] | (adu[n - 1] << 8));
  const std::uint16_t want = crc16_modbus(adu.first(n - 2));
  if (got != want) {
    return decode_error("modbus", "RTU frame", n - 2, str_cat("CRC ", hex(got, 4), ", computed ", hex(want, 4)));
  }
  return RtuAdu{adu[0], adu.subspan(1, n - 3)};
}

// ------------------------------------------------------------------ framer

RtuFramer::Event RtuFramer::next() noexcept {
  for (;;) {
    const std::span<const std::uint8_t> here = w_.ahead();
    const std::size_t avail = here.size();
    auto drop_one = [&](std::string_view reason) {
      if (w_.base() == w_.cursor()) drop_reason_ = reason;
      w_.advance();
    };
    auto wait = [&]() -> Event {
      if (w_.base() != w_.cursor()) return w_.drop(drop_reason_);
      return Event{};
    };
    if (avail == 0) {
      w_.clear_silence();
      return wait();
    }
    if (avail < 2) {
      if (w_.silent()) {
        drop_one("truncated frame");
        continue;
      }
      return wait();
    }
    const PduLength len = rtu_pdu_length(here.subspan(1), side_);
    std::size_t total = 0;
    if (len.kind == PduLength::kKnown) {
      total = len.bytes + 3;
      if (total > kMaxRtuAduSize) {
        drop_one("impossible frame length");
        continue;
      }
    } else if (len.kind == PduLength::kNeedMore) {
      total = len.bytes + 3;  // at least
    }
    if (len.kind != PduLength::kUnknown) {
      if (avail < total) {
        if (w_.silent()) {
          drop_one("truncated frame");
          continue;
        }
        return wait();
      }
      if (len.kind == PduLength::kNeedMore) return wait();  // unreachable: need > avail - 1
      if (crc16_modbus(here.first(total)) != 0) {
        drop_one("CRC mismatch");
        continue;
      }
    } else {
      // Unknown length: the shortest prefix (address + fc + CRC at least) whose CRC checks.
      Crc16Modbus crc;
      crc.update(here[0]);
      crc.update(here[1]);
      const std::size_t limit = std::min(avail, kMaxRtuAduSize);
      for (std::size_t k = 2; k < limit; ++k) {
        crc.update(here[k]);
        if (k + 1 >= 4 && crc.value() == 0) {
          total = k + 1;
          break;
        }
      }
      if (total == 0) {
        if (w_.silent() || avail >= kMaxRtuAduSize) {
          drop_one("no frame with a valid CRC");
          continue;
        }
        return wait();
      }
    }
    if (w_.base() != w_.cursor()) return w_.drop(drop_reason_);
    w_.advance(total);
    Event e = w_.frame();
    e.frame = RtuAdu{e.adu[0], e.adu.subspan(1, total - 3)};
    return e;
  }
}

}  // namespace emscore::modbus
