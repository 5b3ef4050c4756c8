// Fuzzes the server's request path: RequestHandler over an in-memory model. Every response
// it produces must be a valid response PDU that answers the request (or an exception).
#include <array>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "emscore/modbus/memory_model.hpp"
#include "emscore/modbus/pdu.hpp"
#include "emscore/modbus/request_handler.hpp"

namespace {
emscore::modbus::MemoryDataModel& model() {
  static emscore::modbus::MemoryDataModel m = [] {
    emscore::modbus::MemoryDataModel x;
    auto& b = x.add_unit(1);
    for (std::size_t i = 0; i < 65536; i += 7) b.holding[i] = static_cast<std::uint16_t>(i);
    b.fifo = {1, 2, 3};
    return x;
  }();
  return m;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static emscore::modbus::RequestHandler handler(model());
  const std::uint8_t unit = data[0] & 1;  // unit 1 served, unit 0 not
  const std::span<const std::uint8_t> req(data + 1, size - 1);
  std::array<std::uint8_t, emscore::modbus::kMaxPduSize> out{};
  const std::size_t n = handler.handle(unit, req, out);
  if (n > out.size()) std::abort();
  if (n == 0) return 0;
  auto resp = emscore::modbus::decode_response(std::span(out.data(), n));
  if (!resp.ok()) std::abort();
  if (auto rq = emscore::modbus::decode_request(req); rq.ok()) {
    if (!emscore::modbus::check_response(*rq, *resp).ok()) std::abort();
  } else if (!std::holds_alternative<emscore::modbus::ExceptionResponse>(*resp)) {
    std::abort();
  }
  return 0;
}
