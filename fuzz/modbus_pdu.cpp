// Fuzzes the PDU decoders: they must never crash or read out of bounds, and whatever they
// accept must encode back to exactly the same bytes (the decoders keep nothing implicit).
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "emscore/modbus/pdu.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> pdu(data, size);
  if (auto r = emscore::modbus::decode_request(pdu); r.ok()) {
    std::vector<std::uint8_t> out;
    if (!emscore::modbus::encode(*r, out).ok()) std::abort();
    if (out.size() != size || !std::equal(out.begin(), out.end(), data)) std::abort();
  } else {
    (void)emscore::modbus::request_exception_code(r.status());
  }
  if (auto r = emscore::modbus::decode_response(pdu); r.ok()) {
    std::vector<std::uint8_t> out;
    if (!emscore::modbus::encode(*r, out).ok()) std::abort();
    if (out.size() != size || !std::equal(out.begin(), out.end(), data)) std::abort();
    if (const auto* d = std::get_if<emscore::modbus::ReadDeviceIdResponse>(&*r)) {
      if (!d->list().ok()) std::abort();
    }
  }
  return 0;
}
