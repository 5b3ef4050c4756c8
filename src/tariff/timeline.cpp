#include "emscore/tariff/timeline.hpp"

#include <algorithm>

#include "emscore/core/status.hpp"

namespace emscore::tariff {
namespace {

// What applies from a civil minute of a day on.
struct Step {
  int minute;  // minute of the civil day
  int tariff;
  int rule;
  Value price;
};

bool same_value(const Segment& a, const Step& b) {
  return a.tariff == b.tariff && a.rule == b.rule && a.price.identical(b.price);
}

// The day's program: the steps of the first-match rule scan at every minute where some rule
// that applies on `day` starts or stops holding.
std::vector<Step> day_program(const TariffPlan& plan, absl::CivilDay day) {
  std::vector<int> applying;
  std::vector<int> breaks = {0};
  for (std::size_t i = 0; i < plan.rules.size(); ++i) {
    const CostRule& r = plan.rules[i];
    if (!r.applies_on(day)) continue;
    applying.push_back(static_cast<int>(i));
    breaks.push_back(r.window.first_minute);
    if (r.window.last_minute < 1439) breaks.push_back(r.window.last_minute + 1);
  }
  std::sort(breaks.begin(), breaks.end());
  breaks.erase(std::unique(breaks.begin(), breaks.end()), breaks.end());
  std::vector<Step> steps;
  for (int m : breaks) {
    Step s{m, -1, -1, Value()};
    for (int i : applying) {
      const CostRule& r = plan.rules[static_cast<std::size_t>(i)];
      if (!r.window.contains(m)) continue;
      s.rule = i;
      const Value* price = plan.tariffs[static_cast<std::size_t>(r.tariff)].price_on(day);
      if (price != nullptr) {
        s.tariff = r.tariff;
        s.price = *price;
      }
      break;
    }
    if (!steps.empty() && steps.back().tariff == s.tariff && steps.back().rule == s.rule &&
        steps.back().price.identical(s.price)) {
      continue;
    }
    steps.push_back(s);
  }
  return steps;
}

int minute_of(absl::CivilSecond cs) { return cs.hour() * 60 + cs.minute(); }

}  // namespace

absl::Time civil_instant(const absl::TimeZone& tz, absl::CivilSecond cs) noexcept {
  const absl::TimeZone::TimeInfo ti = tz.At(cs);
  switch (ti.kind) {
    case absl::TimeZone::TimeInfo::SKIPPED:
      return ti.trans;
    case absl::TimeZone::TimeInfo::UNIQUE:
    case absl::TimeZone::TimeInfo::REPEATED:
      return ti.pre;
  }
  return ti.pre;
}

absl::StatusOr<Timeline> Timeline::compile(const TariffPlan& plan, const absl::TimeZone& tz,
                                           std::span<const absl::Time> boundaries) {
  EMSCORE_RETURN_IF_ERROR(plan.validate());
  if (boundaries.size() < 2) {
    return absl::InvalidArgumentError("tariff: a timeline needs at least two boundaries");
  }
  for (std::size_t i = 0; i < boundaries.size(); ++i) {
    if (boundaries[i] == absl::InfinitePast() || boundaries[i] == absl::InfiniteFuture() ||
        (i > 0 && !(boundaries[i - 1] < boundaries[i]))) {
      return absl::InvalidArgumentError(
          str_cat("tariff: timeline boundary ", i, " is infinite or not after the previous"));
    }
  }
  const absl::Time from = boundaries.front();
  const absl::Time to = boundaries.back();
  const absl::TimeZone utc = absl::UTCTimeZone();

  // 1. Rule/price segments over [from, to), piece by piece of constant UTC offset.
  std::vector<Segment> raw;
  auto emit = [&raw](absl::Time at, const Step& s) {
    if (!raw.empty() && same_value(raw.back(), s)) return;
    raw.push_back(Segment{at, s.tariff, s.rule, s.price, -1});
  };
  absl::CivilDay cached_day;
  std::vector<Step> cached;
  bool have_cache = false;
  auto program = [&](absl::CivilDay d) -> const std::vector<Step>& {
    if (!have_cache || cached_day != d) {
      cached = day_program(plan, d);
      cached_day = d;
      have_cache = true;
    }
    return cached;
  };

  absl::Time a = from;
  while (a < to) {
    const absl::TimeZone::CivilInfo ci = tz.At(a);
    const absl::Duration off = absl::Seconds(ci.offset);
    absl::Time b = to;
    absl::TimeZone::CivilTransition tr;
    if (tz.NextTransition(a, &tr)) {
      // tr.from is on the clock of the offset in force before the transition.
      const absl::Time tt = absl::FromCivil(tr.from, utc) - off;
      if (tt > a && tt < b) b = tt;
    }
    const absl::CivilSecond ca = ci.cs;
    const absl::CivilSecond cb = absl::ToCivilSecond(b + off, utc);
    {  // what holds at the start of the piece
      const auto& steps = program(absl::CivilDay(ca));
      const int m = minute_of(ca);
      const Step* cur = &steps.front();
      for (const Step& s : steps) {
        if (s.minute <= m) cur = &s;
      }
      emit(a, *cur);
    }
    for (absl::CivilDay d = absl::CivilDay(ca); d <= absl::CivilDay(cb); ++d) {
      for (const Step& s : program(d)) {
        const absl::CivilSecond c = absl::CivilSecond(d) + s.minute * 60;
        if (c > ca && c < cb) emit(absl::FromCivil(c, utc) - off, s);
      }
    }
    a = b;
  }

  // 2. Cut by the bucket boundaries; add the two sentinels.
  Timeline t;
  t.segments_.reserve(raw.size() + boundaries.size() + 2);
  t.segments_.push_back(Segment{absl::InfinitePast(), -1, -1, Value(), -1});
  std::size_t ri = 0;
  for (std::size_t k = 0; k + 1 < boundaries.size(); ++k) {
    // The raw segment in force at boundaries[k].
    while (ri + 1 < raw.size() && raw[ri + 1].start <= boundaries[k]) ++ri;
    Segment s = raw[ri];
    s.start = boundaries[k];
    s.bucket = static_cast<int>(k);
    t.segments_.push_back(s);
    while (ri + 1 < raw.size() && raw[ri + 1].start < boundaries[k + 1]) {
      ++ri;
      Segment n = raw[ri];
      n.bucket = static_cast<int>(k);
      t.segments_.push_back(n);
    }
  }
  t.segments_.push_back(Segment{to, -1, -1, Value(), -1});
  return t;
}

std::size_t Timeline::index_at(absl::Time t) const noexcept {
  // segments_[0].start is InfinitePast, so the result is at least 0.
  auto it = std::upper_bound(segments_.begin(), segments_.end(), t,
                             [](absl::Time x, const Segment& s) { return x < s.start; });
  return static_cast<std::size_t>(it - segments_.begin()) - 1;
}

std::vector<absl::Time> Timeline::switch_instants() const {
  std::vector<absl::Time> out;
  for (std::size_t i = 2; i + 1 < segments_.size(); ++i) {
    const Segment& p = segments_[i - 1];
    const Segment& s = segments_[i];
    if (p.tariff != s.tariff || p.rule != s.rule || !p.price.identical(s.price)) {
      out.push_back(s.start);
    }
  }
  return out;
}

}  // namespace emscore::tariff
