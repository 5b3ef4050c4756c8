#include "emscore/dsmr_io/p1_reader.hpp"

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/experimental/awaitable_operators.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::dsmr_io {

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
}

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

asio::awaitable<absl::StatusOr<ReceivedTelegram>> P1Reader::read_telegram() {
  using namespace asio::experimental::awaitable_operators;
  if (!port_.is_open()) {
    co_return absl::FailedPreconditionError("dsmr_io: read on a closed P1 reader");
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  while (ready_.empty()) {
    timer_.expires_at(deadline);
    auto result = co_await (port_.async_read_some(asio::buffer(buffer_), kNoThrow) ||
                            timer_.async_wait(kNoThrow));
    if (result.index() == 1) {
      co_return absl::DeadlineExceededError(
          str_cat("dsmr_io: no complete telegram from ", device_, " within ",
                  options_.timeout.count(), " ms (", stats_.bytes,
                  " bytes so far; check baud rate and the P1 data-request line)"));
    }
    auto [ec, n] = std::get<0>(result);
    if (ec) {
      co_return absl::UnavailableError(
          str_cat("dsmr_io: reading ", device_, ": ", ec.message()));
    }
    stats_.bytes += n;
    if (seven_bit_) {
      for (std::size_t k = 0; k < n; ++k) buffer_[k] &= 0x7F;
    }
    framer_.feed(std::span<const std::uint8_t>(buffer_.data(), n),
                 [this](const dsmr::FrameEvent& e) { on_event(e); });
  }
  ReceivedTelegram t = std::move(ready_.front());
  ready_.pop_front();
  co_return t;
}

}  // namespace emscore::dsmr_io
