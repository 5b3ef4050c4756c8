// libFuzzer: the application-layer decoder on arbitrary frames and on arbitrary user data
// behind every response CI field; all records, meanings, values and their text forms.
#include <cstddef>
#include <cstdint>
#include <span>

#include "emscore/mbus/data.hpp"
#include "emscore/mbus/frame.hpp"
#include "emscore/mbus/telegram.hpp"

namespace {

void walk(const emscore::mbus::Telegram& t) {
  using namespace emscore::mbus;
  if (t.fixed) {
    (void)fixed_counter(*t.fixed, 1);
    (void)fixed_counter(*t.fixed, 2);
  }
  RecordReader rd = t.reader();
  Record r;
  while (rd.next(r)) {
    const RecordMeaning m = describe_record(r);
    auto v = decode_value(r, m);
    if (v.ok()) {
      (void)value_string(*v, r);
      (void)unit_string(m);
      (void)quantity_string(r, m);
    }
  }
  (void)rd.status();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> in(data, size);
  if (auto f = emscore::mbus::parse_frame(in); f.ok()) {
    if (auto t = emscore::mbus::parse_telegram(*f); t.ok()) walk(*t);
  }
  if (size >= 1) {
    if (auto t = emscore::mbus::parse_application(data[0], in.subspan(1)); t.ok()) walk(*t);
  }
  return 0;
}
