// Fuzzes ByteReader/ByteWriter and the BCD and Value codecs: the input drives a sequence of
// reads of random widths and orders; nothing may read out of bounds, and what a writer
// writes must read back the same.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "emscore/core/bcd.hpp"
#include "emscore/core/byte_reader.hpp"
#include "emscore/core/byte_writer.hpp"
#include "emscore/core/value.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  emscore::ByteReader ops(std::span<const std::uint8_t>(data, size), "fuzz");
  emscore::ByteReader r(std::span<const std::uint8_t>(data, size), "fuzz");
  while (ops.remaining() > 0 && r.ok()) {
    const std::uint8_t op = ops.u8();
    const std::size_t n = (op & 0x0F) % 10;
    const auto e = (op & 0x10) ? emscore::Endian::kBig : emscore::Endian::kLittle;
    switch (op >> 5) {
      case 0: (void)r.uint_n(n, e); break;
      case 1: (void)r.int_n(n, e); break;
      case 2: (void)r.read<float>(e); break;
      case 3: (void)r.read<double>(e); break;
      case 4: {
        auto b = r.take(n);
        if (!b.empty()) {
          auto v = emscore::decode_bcd(b);
          if (v.ok()) {
            std::array<std::uint8_t, 9> out{};
            std::span<std::uint8_t> o(out.data(), b.size());
            if (emscore::encode_bcd(*v, o).ok()) {
              auto back = emscore::decode_bcd(o);
              if (!back.ok() || *back != *v) std::abort();
            }
          }
        }
        break;
      }
      case 5: (void)r.skip(n); break;
      case 6: {
        const std::uint64_t v = r.uint_n(8, e);
        std::array<std::uint8_t, 8> out{};
        emscore::ByteWriter w(out);
        w.uint_n(v, 8, e);
        emscore::ByteReader back(w.written());
        if (back.uint_n(8, e) != v && r.ok()) std::abort();
        break;
      }
      default: {
        auto t = r.take(n);
        auto v = emscore::Value::parse(std::string_view(reinterpret_cast<const char*>(t.data()), t.size()));
        if (v.ok()) {
          auto again = emscore::Value::parse(v->to_string());
          // Exact round trip: the same representation when the text has no positive
          // exponent, the same number otherwise ("1e3" prints as "1000").
          if (v->exponent <= 0 && (!again.ok() || !again->identical(*v))) std::abort();
          if (again.ok() && !(*again == *v)) std::abort();
        }
        break;
      }
    }
  }
  (void)r.status();
  return 0;
}
