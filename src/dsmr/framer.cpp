#include "emscore/dsmr/framer.hpp"

#include <algorithm>
#include <cstring>

#include "emscore/core/crc.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::dsmr {
namespace {

constexpr int hex_value(std::uint8_t c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// One step of CRC-16/ARC with core's table (crc.hpp), kept in a register by the scan loop.
inline std::uint16_t crc_step(std::uint16_t reg, std::uint8_t b) noexcept {
  return static_cast<std::uint16_t>((reg >> 8) ^ detail::kCrc16A001Table[(reg ^ b) & 0xFFu]);
}

constexpr bool is_blank(std::uint8_t c) noexcept {
  return c == '\r' || c == '\n' || c == ' ' || c == '\t' || c == 0;
}

std::string printable(std::uint8_t c) {
  if (c >= 0x20 && c < 0x7F) return str_cat("'", static_cast<char>(c), "'");
  return hex(c);
}

}  // namespace

std::optional<std::uint16_t> crc_with_crlf_restored(std::span<const std::uint8_t> body) noexcept {
  std::uint16_t reg = 0;
  bool bare = false;
  std::uint8_t previous = 0;
  for (std::uint8_t b : body) {
    if (b == '\n' && previous != '\r') {
      reg = crc_step(reg, '\r');
      bare = true;
    }
    reg = crc_step(reg, b);
    previous = b;
  }
  if (!bare) return std::nullopt;
  return reg;
}

TelegramFramer::TelegramFramer(FramerOptions options) : options_(options) {
  if (options_.max_telegram_bytes < 8) options_.max_telegram_bytes = 8;
}

void TelegramFramer::reset() {
  state_ = State::kHunt;
  offset_ = 0;
  start_ = 0;
  buffer_.clear();
  crc_ = 0;
  crc_value_ = 0;
  crc_digits_ = 0;
  noise_start_ = 0;
  noise_length_ = 0;
  noise_significant_ = false;
}

void TelegramFramer::start_telegram(std::uint64_t at) {
  if (buffer_.capacity() < options_.max_telegram_bytes) {
    buffer_.reserve(options_.max_telegram_bytes);
  }
  buffer_.clear();
  buffer_.push_back('/');
  crc_ = crc_step(0, '/');
  crc_value_ = 0;
  crc_digits_ = 0;
  start_ = at;
  state_ = State::kBody;
}

void TelegramFramer::flush_noise(Callback on_event) {
  if (noise_length_ > 0 && noise_significant_) {
    FrameEvent ev;
    ev.kind = FrameEvent::Kind::kNoise;
    ev.offset = noise_start_;
    ev.length = noise_length_;
    on_event(ev);
  }
  noise_length_ = 0;
  noise_significant_ = false;
}

void TelegramFramer::deliver(Callback on_event, bool have_crc) {
  FrameEvent ev;
  ev.kind = FrameEvent::Kind::kTelegram;
  ev.offset = start_;
  ev.length = buffer_.size();
  ev.telegram = std::span<const std::uint8_t>(buffer_.data(), buffer_.size());
  ev.crc_computed = crc_;
  if (!have_crc) {
    ev.crc = CrcStatus::kAbsent;
  } else {
    ev.crc_sent = crc_value_;
    if (crc_value_ == crc_) {
      ev.crc = CrcStatus::kOk;
    } else if (const auto restored = crc_with_crlf_restored(std::span<const std::uint8_t>(
                   buffer_.data(), buffer_.size() - static_cast<std::size_t>(crc_digits_)));
               restored && *restored == crc_value_) {
      ev.crc = CrcStatus::kOk;
      ev.crc_after_crlf_restore = true;
    } else {
      ev.crc = CrcStatus::kMismatch;
      const std::uint64_t at = start_ + buffer_.size() - static_cast<std::uint64_t>(crc_digits_);
      ev.error = absl::DataLossError(str_cat("dsmr: telegram at offset ", start_,
                                             ": CRC at offset ", at, " is ",
                                             hex(crc_value_, 4), ", computed ", hex(crc_, 4)));
    }
  }
  on_event(ev);
  state_ = State::kHunt;
  buffer_.clear();
}

void TelegramFramer::abandon(Callback on_event, std::uint64_t end, absl::Status why) {
  FrameEvent ev;
  ev.kind = FrameEvent::Kind::kError;
  ev.offset = start_;
  ev.length = end - start_;
  ev.error = std::move(why);
  on_event(ev);
  state_ = State::kHunt;
  buffer_.clear();
}

void TelegramFramer::feed(std::span<const std::uint8_t> bytes, Callback on_event) {
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  while (i < n) {
    switch (state_) {
      case State::kHunt: {
        // Skip to the next '/', counting what is skipped as noise.
        const void* hit = std::memchr(bytes.data() + i, '/', n - i);
        const std::size_t stop =
            hit ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(hit) - bytes.data())
                : n;
        if (stop > i) {
          if (noise_length_ == 0) noise_start_ = offset_;
          for (std::size_t k = i; k < stop && !noise_significant_; ++k) {
            if (!is_blank(bytes[k])) noise_significant_ = true;
          }
          noise_length_ += stop - i;
          offset_ += stop - i;
          i = stop;
        }
        if (i < n) {  // at '/'
          flush_noise(on_event);
          start_telegram(offset_);
          ++offset_;
          ++i;
        }
        break;
      }
      case State::kBody: {
        // The run up to the next '!' or '/' (one pass: the CRC is updated while scanning; on
        // overflow the CRC no longer matters).
        std::size_t k = i;
        {
          std::uint16_t reg = crc_;
          const std::size_t limit = std::min(n, i + (options_.max_telegram_bytes + 1));
          while (k < limit) {
            const std::uint8_t b = bytes[k];
            if (b == '!' || b == '/') break;
            reg = crc_step(reg, b);
            ++k;
          }
          if (k == limit && limit < n) {
            while (k < n && bytes[k] != '!' && bytes[k] != '/') ++k;
          }
          crc_ = reg;
        }
        const std::size_t run = k - i;
        if (buffer_.size() + run + (k < n ? 1 : 0) > options_.max_telegram_bytes) {
          const std::size_t room = options_.max_telegram_bytes - buffer_.size();
          const std::uint64_t end = offset_ + room;
          abandon(on_event, end,
                  absl::ResourceExhaustedError(str_cat(
                      "dsmr: telegram at offset ", start_, ": no '!' within ",
                      options_.max_telegram_bytes, " bytes (at offset ", end,
                      "), expected the end of the telegram; resynchronising on the next '/'")));
          // The bytes up to the limit belong to the dropped telegram; the rest is hunted.
          offset_ = end;
          i += room;
          break;
        }
        if (run > 0) {
          const auto chunk = bytes.subspan(i, run);
          buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
          offset_ += run;
          i = k;
        }
        if (i < n) {
          const std::uint8_t b = bytes[i];
          if (b == '/') {
            abandon(on_event, offset_,
                    absl::DataLossError(str_cat(
                        "dsmr: telegram at offset ", start_, ": truncated, a new '/' at offset ",
                        offset_, " before the end '!'")));
            break;  // hunt sees the '/'
          }
          // '!'
          buffer_.push_back(b);
          crc_ = crc_step(crc_, b);
          ++offset_;
          ++i;
          state_ = State::kCrc;
        }
        break;
      }
      case State::kCrc: {
        const std::uint8_t b = bytes[i];
        const int v = hex_value(b);
        if (v >= 0) {
          crc_value_ = static_cast<std::uint16_t>((crc_value_ << 4) | v);
          ++crc_digits_;
          buffer_.push_back(b);
          ++offset_;
          ++i;
          if (crc_digits_ == 4) deliver(on_event, true);
          break;
        }
        if (b == '\r' || b == '\n') {
          // No CRC (DSMR 2.2/3) or an unpadded one ("!B9F": a leading zero left out, seen on
          // some heat meters); both end the telegram here. The line end itself is left to the
          // hunt state, which does not count it as noise.
          deliver(on_event, crc_digits_ > 0);
          break;
        }
        if (b == '/' && crc_digits_ == 0) {
          deliver(on_event, false);  // "!" directly followed by the next telegram
          break;
        }
        if (b == '/') {
          abandon(on_event, offset_,
                  absl::DataLossError(str_cat("dsmr: telegram at offset ", start_,
                                              ": CRC truncated at offset ", offset_, " after ",
                                              crc_digits_, " hex digits, expected 4")));
          break;
        }
        abandon(on_event, offset_ + 1,
                absl::InvalidArgumentError(str_cat(
                    "dsmr: telegram at offset ", start_, ": CRC character ", printable(b),
                    " at offset ", offset_, ", expected a hex digit or CR LF")));
        ++offset_;
        ++i;
        break;
      }
    }
  }
}

void TelegramFramer::finish(Callback on_event) {
  switch (state_) {
    case State::kHunt:
      break;
    case State::kBody:
      abandon(on_event, offset_,
              absl::OutOfRangeError(str_cat("dsmr: telegram at offset ", start_,
                                            ": truncated, the stream ended at offset ", offset_,
                                            " before the end '!'")));
      break;
    case State::kCrc:
      if (crc_digits_ == 0) {
        deliver(on_event, false);
      } else {
        abandon(on_event, offset_,
                absl::OutOfRangeError(str_cat("dsmr: telegram at offset ", start_,
                                              ": CRC truncated at offset ", offset_, " after ",
                                              crc_digits_, " hex digits, expected 4")));
      }
      break;
  }
  flush_noise(on_event);
  reset();
}

}  // namespace emscore::dsmr
