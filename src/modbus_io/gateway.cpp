#include "emscore/modbus_io/gateway.hpp"

namespace emscore::modbus_io {

void Gateway::route(std::uint8_t first, std::uint8_t last, Client& line) {
  for (unsigned u = first; u <= last; ++u) routes_[static_cast<std::uint8_t>(u)] = &line;
}

AsyncHandler Gateway::handler() {
  return [this](std::uint8_t unit, std::vector<std::uint8_t> pdu) { return forward(unit, std::move(pdu)); };
}

asio::awaitable<std::vector<std::uint8_t>> Gateway::forward(std::uint8_t unit,
                                                            std::vector<std::uint8_t> pdu) {
  const std::uint8_t fc = pdu.empty() ? 0 : static_cast<std::uint8_t>(pdu[0] & 0x7F);
  auto exception = [&](ExceptionCode c) {
    return std::vector<std::uint8_t>{static_cast<std::uint8_t>(fc | 0x80), static_cast<std::uint8_t>(c)};
  };
  auto it = routes_.find(unit);
  if (it == routes_.end() || unit == 0) {
    ++no_path_;
    co_return exception(ExceptionCode::kGatewayPathUnavailable);
  }
  // A request our codec cannot decode never goes on the bus: answer it here.
  if (auto req = modbus::decode_request(pdu); !req.ok()) {
    co_return exception(modbus::request_exception_code(req.status()));
  }
  auto r = co_await it->second->transact(unit, pdu);
  if (!r.ok()) {
    ++no_answer_;
    co_return exception(ExceptionCode::kGatewayTargetFailedToRespond);
  }
  ++forwarded_;
  auto b = r->bytes();
  co_return std::vector<std::uint8_t>(b.begin(), b.end());
}

}  // namespace emscore::modbus_io
