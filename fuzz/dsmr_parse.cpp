// Fuzzes the P1 path end to end: the framer on the input fed whole and fed in pieces (the
// events must be identical: the chunking property), then the parser on every telegram and on
// the raw input. Nothing may crash, read out of bounds or disagree; every group's text must
// lie inside the telegram; a number's fast reader must agree with Value::parse.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "emscore/dsmr/framer.hpp"
#include "emscore/dsmr/telegram.hpp"

namespace {

struct Ev {
  int kind;
  std::uint64_t offset, length;
  std::string bytes;
  int crc;
  bool operator==(const Ev&) const = default;
};

std::vector<Ev> frame(std::span<const std::uint8_t> in, std::size_t piece) {
  emscore::dsmr::FramerOptions opts;
  opts.max_telegram_bytes = 512;  // small, so that the overflow path is reached too
  emscore::dsmr::TelegramFramer f(opts);
  std::vector<Ev> out;
  auto cb = [&](const emscore::dsmr::FrameEvent& e) {
    out.push_back(Ev{static_cast<int>(e.kind), e.offset, e.length,
                     std::string(e.telegram.begin(), e.telegram.end()), static_cast<int>(e.crc)});
  };
  for (std::size_t i = 0; i < in.size(); i += piece) {
    f.feed(in.subspan(i, std::min(piece, in.size() - i)), cb);
  }
  f.finish(cb);
  return out;
}

void check(const emscore::dsmr::Telegram& t, std::span<const std::uint8_t> in) {
  const char* lo = reinterpret_cast<const char*>(in.data());
  const char* hi = lo + in.size();
  for (const auto& o : t.objects) {
    if (o.first_group + o.group_count > t.all_groups.size()) std::abort();
    for (const auto& g : t.groups(o)) {
      if (!g.raw.empty() && (g.raw.data() < lo || g.raw.data() + g.raw.size() > hi)) std::abort();
      if (g.kind == emscore::dsmr::GroupKind::kNumber) {
        auto ref = emscore::Value::parse(g.number_text());
        if (!ref.ok() || ref->mantissa != g.value.mantissa || ref->exponent != g.value.exponent) {
          std::abort();
        }
      }
    }
  }
  (void)t.number(emscore::obis::ObisCode(1, 0, 1, 8, 1));
  for (const auto& i : t.issues) (void)emscore::dsmr::describe(i);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  const auto whole = frame(in, size == 0 ? 1 : size);
  const std::size_t piece = size == 0 ? 1 : 1 + data[0] % 17;
  if (frame(in, piece) != whole) std::abort();
  emscore::dsmr::TelegramParser parser;
  for (const Ev& e : whole) {
    if (e.kind != static_cast<int>(emscore::dsmr::FrameEvent::Kind::kTelegram)) continue;
    const std::span<const std::uint8_t> tb(reinterpret_cast<const std::uint8_t*>(e.bytes.data()),
                                           e.bytes.size());
    auto t = parser.parse(tb, static_cast<emscore::dsmr::CrcStatus>(e.crc));
    if (!t.ok()) std::abort();  // the framer only yields '/'..'!' telegrams
    check(*t, tb);
  }
  auto t = parser.parse(in);
  if (t.ok()) check(*t, in);
  return 0;
}
