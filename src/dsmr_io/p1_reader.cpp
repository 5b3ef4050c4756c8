#include "emscore/dsmr_io/p1_reader.hpp"

#include "emscore/core/strings.hpp"

namespace emscore::dsmr_io {

P1Reader::P1Reader(asio::any_io_executor executor, ReaderOptions options)
    : options_(options), port_(executor), timer_(executor), framer_(options.framer) {
  buffer_.resize(4096);
}

absl::Status P1Reader::open(const std::string& device, const SerialSettings& s) {
  boost::system::error_code ec;
  if (port_.is_open()) port_.close(ec);
  port_.open(device, ec);
  if (ec) {
    return absl::UnavailableError(
        str_cat("dsmr_io: cannot open ", device, ": ", ec.message()));
  }
  using SP = asio::serial_port;
  SP::parity::type parity = SP::parity::none;
  if (s.parity == SerialSettings::Parity::kEven) parity = SP::parity::even;
  if (s.parity == SerialSettings::Parity::kOdd) parity = SP::parity::odd;
  std::string_view failed;
  auto set = [&](const auto& option, std::string_view name) {
    if (ec) return;
    port_.set_option(option, ec);
    if (ec) failed = name;
  };
  set(SP::baud_rate(s.baud), "baud rate");
  set(SP::character_size(s.data_bits), "data bits");
  // DSMR 2.2/3.0 send 7E1. A line that cannot do 7 data bits (a pseudo-terminal, some USB
  // adapters) is read as 8N1 and the parity bit is stripped here instead.
  seven_bit_ = s.data_bits == 7;
  if (ec && seven_bit_) {
    ec.clear();
    failed = {};
    set(SP::character_size(8), "data bits");
    parity = SP::parity::none;
  }
  set(SP::parity(parity), "parity");
  set(SP::stop_bits(s.stop_bits == 2 ? SP::stop_bits::two : SP::stop_bits::one), "stop bits");
  set(SP::flow_control(SP::flow_control::none), "flow control");
  if (ec) {
    boost::system::error_code ignored;
    port_.close(ignored);
    return absl::InvalidArgumentError(str_cat("dsmr_io: cannot set the ", failed, " (", s.baud,
                                              " baud ", s.data_bits, " data bits) on ", device,
                                              ": ", ec.message()));
  }
  device_ = device;
  framer_.reset();
  ready_.clear();
  smarty_buffer_.clear();
  stats_ = {};
  return absl::OkStatus();
}

void P1Reader::close() {
  boost::system::error_code ec;
  timer_.cancel();
  port_.close(ec);
}

void P1Reader::on_event(const dsmr::FrameEvent& e) {
  switch (e.kind) {
    case dsmr::FrameEvent::Kind::kTelegram:
      if (e.crc == dsmr::CrcStatus::kMismatch) {
        ++stats_.crc_mismatches;
        if (!options_.deliver_crc_mismatch) return;
      }
      ++stats_.telegrams;
      ready_.push_back(ReceivedTelegram{
          std::vector<std::uint8_t>(e.telegram.begin(), e.telegram.end()), e.crc, e.offset});
      return;
    case dsmr::FrameEvent::Kind::kNoise:
      stats_.noise_bytes += e.length;
      return;
    case dsmr::FrameEvent::Kind::kError:
      ++stats_.framing_errors;
      return;
  }
}

absl::Status P1Reader::feed_smarty(std::span<const std::uint8_t> bytes) {
  smarty_buffer_.insert(smarty_buffer_.end(), bytes.begin(), bytes.end());
  std::size_t pos = 0;
  absl::Status failure;
  while (pos < smarty_buffer_.size()) {
    if (smarty_buffer_[pos] != 0xDB) {
      ++stats_.noise_bytes;
      ++pos;
      continue;
    }
    const std::span<const std::uint8_t> rest(smarty_buffer_.data() + pos,
                                             smarty_buffer_.size() - pos);
    auto header = dsmr::read_smarty_header(rest);
    if (!header.ok()) {
      if (header.status().code() == absl::StatusCode::kOutOfRange) break;  // need more bytes
      ++stats_.noise_bytes;
      ++pos;  // a 0xDB that does not start a frame
      continue;
    }
    if (header->frame_length > options_.framer.max_telegram_bytes + 64) {
      ++stats_.noise_bytes;
      ++pos;  // an implausible length: not a frame
      continue;
    }
    if (rest.size() < header->frame_length) break;
    plaintext_.clear();
    auto info = dsmr::decrypt_smarty(rest, *options_.smarty_key, options_.smarty_auth_key,
                                     plaintext_);
    pos += header->frame_length;
    if (!info.ok()) {
      ++stats_.smarty_failures;
      if (failure.ok()) failure = info.status();
      continue;
    }
    ++stats_.smarty_frames;
    framer_.feed(plaintext_, [this](const dsmr::FrameEvent& e) { on_event(e); });
    // Each frame holds one whole telegram: end it there (a telegram cut by a lost frame must
    // not swallow the next one).
    framer_.finish([this](const dsmr::FrameEvent& e) { on_event(e); });
  }
  smarty_buffer_.erase(smarty_buffer_.begin(),
                       smarty_buffer_.begin() + static_cast<std::ptrdiff_t>(pos));
  // A wrong key fails every frame: say so rather than time out. Telegrams decrypted before
  // the failure stay queued for the next read.
  if (!failure.ok() && ready_.empty()) return failure;
  return absl::OkStatus();
}

bool P1Reader::take_ready(absl::StatusOr<ReceivedTelegram>& result) {
  if (ready_.empty()) return false;
  result = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

bool P1Reader::start_read(absl::StatusOr<ReceivedTelegram>& result) {
  if (!port_.is_open()) {
    result = absl::FailedPreconditionError("dsmr_io: read on a closed P1 reader");
    return false;
  }
  if (take_ready(result)) return false;
  // The deadline: when it passes, the outstanding read is cancelled and the read completes
  // with DeadlineExceeded. A stale timer (an earlier read's) is recognised by its generation.
  timed_out_ = false;
  const std::uint64_t generation = ++generation_;
  timer_.expires_after(options_.timeout);
  timer_.async_wait([this, generation](boost::system::error_code ec) {
    if (ec || generation != generation_) return;
    timed_out_ = true;
    boost::system::error_code ignored;
    port_.cancel(ignored);
  });
  return true;
}

bool P1Reader::on_read(boost::system::error_code ec, std::size_t n,
                       absl::StatusOr<ReceivedTelegram>& result) {
  if (!ec) {
    stats_.bytes += n;
    if (seven_bit_) {
      for (std::size_t k = 0; k < n; ++k) buffer_[k] &= 0x7F;
    }
    const std::span<const std::uint8_t> got(buffer_.data(), n);
    if (options_.smarty_key) {
      if (absl::Status s = feed_smarty(got); !s.ok()) {
        ++generation_;
        timer_.cancel();
        result = std::move(s);
        return true;
      }
    } else {
      framer_.feed(got, [this](const dsmr::FrameEvent& e) { on_event(e); });
    }
    if (take_ready(result)) {
      ++generation_;
      timer_.cancel();
      return true;
    }
  }
  if (timed_out_) {
    result = absl::DeadlineExceededError(
        str_cat("dsmr_io: no complete telegram from ", device_, " within ",
                options_.timeout.count(), " ms (", stats_.bytes,
                " bytes so far; check baud rate and the P1 data-request line)"));
    return true;
  }
  if (ec) {
    ++generation_;
    timer_.cancel();
    result = absl::UnavailableError(str_cat("dsmr_io: reading ", device_, ": ", ec.message()));
    return true;
  }
  return false;
}

}  // namespace emscore::dsmr_io
