// Decodes one RSP_UD long frame (a Kamstrup Multical 601 heat meter, from libmbus's test
// frames) and prints every record as exact value, unit and quantity. No hardware needed.
#include <cstdio>
#include <vector>

#include "emscore/mbus/data.hpp"
#include "emscore/mbus/frame.hpp"
#include "emscore/mbus/telegram.hpp"

int main() {
  namespace mbus = emscore::mbus;
  const std::vector<std::uint8_t> bytes = {
      0x68, 0x2E, 0x2E, 0x68, 0x08, 0x11, 0x72, 0x17, 0x58, 0x85, 0x06, 0x2D, 0x2C, 0x08,
      0x04, 0x04, 0x00, 0x00, 0x00, 0x0C, 0x78, 0x17, 0x58, 0x85, 0x06, 0x04, 0x06, 0xE7,
      0x91, 0x00, 0x00, 0x04, 0x14, 0x2C, 0xDB, 0x00, 0x00, 0x04, 0x59, 0xB9, 0x27, 0x00,
      0x00, 0x04, 0x6D, 0x1A, 0x2F, 0x65, 0x11, 0x1F, 0x00, 0x16};
  // The checksum byte is computed here so that the example stays correct if edited.
  std::vector<std::uint8_t> frame = bytes;
  unsigned sum = 0;
  for (std::size_t i = 4; i + 2 < frame.size(); ++i) sum += frame[i];
  frame[frame.size() - 2] = static_cast<std::uint8_t>(sum);

  auto f = mbus::parse_frame(frame);
  if (!f.ok()) {
    std::fprintf(stderr, "%s\n", std::string(f.status().message()).c_str());
    return 1;
  }
  auto t = mbus::parse_telegram(*f);
  if (!t.ok()) return 1;
  std::printf("meter %s %s v%u, %s, access %u\n", t->header.id_string().c_str(),
              mbus::manufacturer_string(t->header.manufacturer).c_str(), t->header.version,
              std::string(mbus::medium_name(t->header.medium)).c_str(), t->header.access_number);
  mbus::RecordReader rd = t->reader();
  mbus::Record r;
  int n = 0;
  while (rd.next(r)) {
    const mbus::RecordMeaning m = mbus::describe_record(r);
    auto v = mbus::decode_value(r, m);
    if (!v.ok()) return 1;
    std::printf("  %-22s %-14s %s  (storage %llu)\n", mbus::quantity_string(r, m).c_str(),
                mbus::value_string(*v, r).c_str(), mbus::unit_string(m).c_str(),
                static_cast<unsigned long long>(r.storage));
    ++n;
  }
  if (!rd.ok()) {
    std::fprintf(stderr, "%s\n", std::string(rd.status().message()).c_str());
    return 1;
  }
  std::printf("%d records%s\n", n, rd.more_records_follow() ? ", more follow" : "");
  return n == 6 ? 0 : 1;
}
