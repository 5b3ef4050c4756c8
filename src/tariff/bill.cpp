#include "emscore/tariff/bill.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <utility>

#include "emscore/core/status.hpp"

namespace emscore::tariff {
namespace {

// Powers of ten and the magnitudes that may be multiplied by them without overflow.
struct Pow10 {
  absl::int128 p[39];
  absl::int128 limit[39];
  Pow10() {
    p[0] = 1;
    for (int i = 1; i < 39; ++i) p[i] = p[i - 1] * 10;
    for (int i = 0; i < 39; ++i) limit[i] = absl::Int128Max() / p[i];
  }
};
const Pow10& pow10() {
  static const Pow10 t;
  return t;
}

// No single interval may contribute more than this to a sum (2^100 ~ 1.3e30 units), so that
// even 2^26 such intervals cannot overflow an int128 sum.
const absl::int128 kMaxTerm = absl::int128(1) << 100;
constexpr std::int64_t kMaxIntervalMs = 100LL * 366 * 86400 * 1000;

absl::int128 abs128(absl::int128 v) { return v < 0 ? -v : v; }

// v * 10^exp re-expressed at target_exp (rounded half away from zero when digits drop).
// false when the result is beyond kMaxTerm.
inline bool to_fixed(const Pow10& t, absl::int128 v, int exp, int target_exp, absl::int128* out) {
  const int k = exp - target_exp;
  if (k >= 0) {
    if (v == 0) {
      *out = 0;
      return true;
    }
    if (k > 38 || abs128(v) > t.limit[k]) return false;
    *out = v * t.p[k];
  } else {
    *out = round_off_digits(v, -k);
  }
  return abs128(*out) <= kMaxTerm;
}

// a * b, false on overflow.
inline bool mul128(absl::int128 a, std::int64_t b, absl::int128* out) {
  if (a >= absl::int128(INT64_MIN) && a <= absl::int128(INT64_MAX)) {  // fits: no division
    *out = a * b;
    return true;
  }
  if (a != 0 && b != 0 && abs128(a) > absl::Int128Max() / abs128(absl::int128(b))) return false;
  *out = a * b;
  return true;
}

// round(n / d), half away from zero, d > 0.
absl::int128 div_round(absl::int128 n, absl::int128 d) {
  const absl::int128 mag = abs128(n);
  absl::int128 q = mag / d;
  if ((mag % d) * 2 >= d) q += 1;
  return n < 0 ? -q : q;
}

absl::Status overflow_error(std::size_t index) {
  return absl::OutOfRangeError(
      str_cat("tariff: interval ", index, ": consumption or cost too large to sum exactly"));
}

void add_cells(std::vector<BillBuilder::Cell>& into, std::span<const BillBuilder::Cell> from) {
  for (std::size_t i = 0; i < from.size(); ++i) {
    into[i].quantity += from[i].quantity;
    into[i].cost += from[i].cost;
  }
}

absl::StatusOr<Breakdown> make_breakdown(const Site& site, Medium m,
                                         std::span<const BillBuilder::Cell> slots) {
  Breakdown b;
  const Unit unit = billing_unit(m);
  absl::int128 q = 0;
  absl::int128 c = 0;
  for (std::size_t s = 0; s < slots.size(); ++s) {
    q += slots[s].quantity;
    c += slots[s].cost;
    if (s == 0) {
      b.unpriced = decimal_from_i128(slots[0].quantity, kExactQuantityExponent, unit);
      continue;
    }
    EMSCORE_ASSIGN_OR_RETURN(Money cost, round_to_minor(site.currency, slots[s].cost));
    b.by_tariff.push_back(
        Amount{decimal_from_i128(slots[s].quantity, kExactQuantityExponent, unit), cost});
  }
  EMSCORE_ASSIGN_OR_RETURN(Money total_cost, round_to_minor(site.currency, c));
  b.total = Amount{decimal_from_i128(q, kExactQuantityExponent, unit), total_cost};
  if (m == Medium::kGas && site.gas_kwh_per_m3.mantissa != 0) {
    absl::int128 kwh;
    if (!mul128(q, site.gas_kwh_per_m3.mantissa, &kwh)) {
      return absl::OutOfRangeError("tariff: gas kWh-equivalent overflows");
    }
    b.kwh_equivalent = decimal_from_i128(kwh, kExactQuantityExponent + site.gas_kwh_per_m3.exponent,
                                         Unit::kKiloWattHour);
  }
  return b;
}

}  // namespace

absl::StatusOr<BillPeriod> BillPeriod::parse(std::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(str_cat(
        "tariff: period \"", text, "\" is not YYYY (year), YYYY-MM (month) or YYYY-MM-DD (day)"));
  };
  auto number = [](std::string_view s, int* out) {
    if (s.empty() || s.size() > 4) return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  };
  int y = 0, mo = 1, d = 1;
  if (text.size() == 4) {
    if (!number(text, &y)) return bad();
    return year(absl::CivilYear(y));
  }
  if ((text.size() == 7 || text.size() == 10) && text[4] == '-' && number(text.substr(0, 4), &y) &&
      number(text.substr(5, 2), &mo) && mo >= 1 && mo <= 12) {
    if (text.size() == 7) return month(absl::CivilMonth(y, mo));
    if (text[7] == '-' && number(text.substr(8, 2), &d)) {
      const absl::CivilDay day(y, mo, d);
      if (day.day() == d && day.month() == mo) return BillPeriod::day(day);
    }
  }
  return bad();
}

std::string BillPeriod::to_string() const {
  switch (granularity) {
    case Granularity::kDay:
      return absl::FormatCivilTime(first_day);
    case Granularity::kMonth:
      return absl::FormatCivilTime(absl::CivilMonth(first_day));
    case Granularity::kYear:
      return absl::FormatCivilTime(absl::CivilYear(first_day));
  }
  return "";
}

absl::CivilDay BillPeriod::end_day() const noexcept {
  switch (granularity) {
    case Granularity::kDay:
      return first_day + 1;
    case Granularity::kMonth:
      return absl::CivilDay(absl::CivilMonth(first_day) + 1);
    case Granularity::kYear:
      return absl::CivilDay(absl::CivilYear(first_day) + 1);
  }
  return first_day + 1;
}

std::vector<absl::Time> period_boundaries(const BillPeriod& period, const absl::TimeZone& tz) {
  std::vector<absl::Time> b;
  const absl::Time end = civil_instant(tz, absl::CivilSecond(period.end_day()));
  switch (period.granularity) {
    case Granularity::kDay:
      // Absolute hours from the start of the civil day: 23, 24 or 25 of them.
      for (absl::Time t = civil_instant(tz, absl::CivilSecond(period.first_day)); t < end;
           t += absl::Hours(1)) {
        b.push_back(t);
      }
      break;
    case Granularity::kMonth:
      for (absl::CivilDay d = period.first_day; d < period.end_day(); ++d) {
        b.push_back(civil_instant(tz, absl::CivilSecond(d)));
      }
      break;
    case Granularity::kYear:
      for (absl::CivilMonth m(period.first_day); m < absl::CivilMonth(period.end_day()); ++m) {
        b.push_back(civil_instant(tz, absl::CivilSecond(m)));
      }
      break;
  }
  b.push_back(end);
  return b;
}

absl::StatusOr<BillBuilder> BillBuilder::create(const Site& site, BillPeriod period) {
  EMSCORE_RETURN_IF_ERROR(site.validate());
  BillBuilder bb;
  bb.site_ = &site;
  bb.period_ = period;
  const std::vector<absl::Time> bounds = period_boundaries(period, site.time_zone);
  for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
    const auto ci = site.time_zone.At(bounds[i]);
    bb.buckets_.push_back(Bucket{bounds[i], bounds[i + 1], ci.cs, ci.offset});
  }
  for (Medium m : kMedia) {
    const auto i = static_cast<std::size_t>(m);
    EMSCORE_ASSIGN_OR_RETURN(bb.timelines_[i],
                             Timeline::compile(site.plan(m), site.time_zone, bounds));
    bb.slots_[i] = site.plan(m).tariffs.size() + 1;
  }
  std::size_t n = 0;
  for (const Device& d : site.devices) {
    bb.device_base_.push_back(n);
    n += bb.timelines_[static_cast<std::size_t>(d.medium)].segments().size();
  }
  bb.acc_.assign(n, 0);
  pow10();  // build the table before the hot loop
  return bb;
}

void BillBuilder::rebind() noexcept {
  // The hot-path pointers point into this object; after a copy or move they must be re-aimed.
  if (cur_device_ < site_->devices.size()) {
    tl_ = &timelines_[static_cast<std::size_t>(site_->devices[cur_device_].medium)];
    dev_acc_ = acc_.data() + device_base_[cur_device_];
  }
}

absl::Status BillBuilder::add(std::span<const ConsumptionInterval> intervals) {
  rebind();
  for (const ConsumptionInterval& iv : intervals) {
    // Fast path, inline: same device and unit as before, the whole interval inside the
    // current or the next segment, a magnitude that cannot overflow.
    if (iv.device == cur_device_ && iv.consumption.unit == cur_unit_ &&
        iv.consumption.exponent == cur_exp_ && factor_ != 0 && iv.start < iv.end &&
        iv.consumption.mantissa <= limit_ && iv.consumption.mantissa >= -limit_) {
      const std::span<const Segment> segs = tl_->segments();
      std::size_t cur = cur_;
      if (segs[cur].start <= iv.start) {
        if (!(iv.start < tl_->end_of(cur)) && cur + 1 < segs.size() &&
            iv.start < tl_->end_of(cur + 1)) {
          ++cur;
        }
        if (iv.start < tl_->end_of(cur) && iv.end <= tl_->end_of(cur)) {
          cur_ = cur;
          dev_acc_[cur] += absl::int128(iv.consumption.mantissa) * factor_;
          ++intervals_;
          continue;
        }
      }
    }
    absl::Status s = add_one(iv);
    if (!s.ok()) return with_context(s, str_cat("interval ", intervals_));
    ++intervals_;
  }
  return absl::OkStatus();
}

absl::Status BillBuilder::add_raster(std::uint32_t device, absl::Time start, absl::Duration step,
                                     std::span<const Value> values) {
  if (step <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("tariff: raster step must be positive");
  }
  rebind();
  std::size_t i = 0;
  while (i < values.size()) {
    const absl::Time t0 = start + step * static_cast<std::int64_t>(i);
    absl::Status s = add_one(ConsumptionInterval{device, t0, t0 + step, values[i]});
    if (!s.ok()) return with_context(s, str_cat("interval ", intervals_));
    ++intervals_;
    ++i;
    if (factor_ == 0 || i == values.size()) continue;
    // How many of the following values lie wholly inside the current segment.
    const absl::Time next = t0 + step;
    const absl::Time seg_end = tl_->end_of(cur_);
    if (!(next < seg_end)) continue;
    std::size_t n = values.size() - i;
    if (seg_end != absl::InfiniteFuture()) {
      absl::Duration rem;
      const std::int64_t fit = absl::IDivDuration(seg_end - next, step, &rem);
      n = std::min(n, static_cast<std::size_t>(std::max<std::int64_t>(fit, 0)));
    }
    absl::int128 sum = 0;
    std::size_t k = 0;
    for (; k < n; ++k) {
      const Value& v = values[i + k];
      if (v.unit != cur_unit_ || v.exponent != cur_exp_ || v.mantissa > limit_ ||
          v.mantissa < -limit_) {
        break;
      }
      sum += v.mantissa;
    }
    // |sum| <= n * limit_, and n < 2^27 for any sane raster; checked all the same.
    absl::int128 scaled;
    if (!mul128(sum, factor_, &scaled)) return overflow_error(intervals_);
    dev_acc_[cur_] += scaled;
    intervals_ += k;
    i += k;
  }
  return absl::OkStatus();
}

bool BillBuilder::select_device(std::uint32_t device) {
  if (device >= site_->devices.size()) return false;
  cur_device_ = device;
  dev_ = &site_->devices[device];
  const auto mi = static_cast<std::size_t>(dev_->medium);
  tl_ = &timelines_[mi];
  dev_acc_ = acc_.data() + device_base_[device];
  if (cur_ >= tl_->segments().size()) cur_ = 0;
  unit_ok_ = false;
  cur_unit_ = Unit::kNone;
  cur_exp_ = INT32_MIN;  // forces the unit to be looked at again
  return true;
}

absl::Status BillBuilder::add_one(const ConsumptionInterval& iv) {
  if (iv.device != cur_device_ && !select_device(iv.device)) {
    return absl::InvalidArgumentError(str_cat("tariff: device index ", iv.device,
                                              " not on the site (", site_->devices.size(),
                                              " devices)"));
  }
  const Value& q = iv.consumption;
  if (q.unit != cur_unit_ || q.exponent != cur_exp_) {
    cur_unit_ = q.unit;
    cur_exp_ = q.exponent;
    const auto scale = unit_scale(q.unit, billing_unit(dev_->medium));
    unit_ok_ = scale.has_value();
    cur_scale_ = scale.value_or(0);
    const int k = q.exponent + cur_scale_ - kExactQuantityExponent;
    factor_ = 0;
    if (unit_ok_ && k >= 0 && k <= 18) {
      factor_ = pow10_i64(k);
      const absl::int128 lim = kMaxTerm / factor_;
      limit_ = lim > absl::int128(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(lim);
    }
  }
  if (!unit_ok_) {
    return mismatch_error("tariff", str_cat("unit of device \"", dev_->id, "\""),
                          unit_symbol(q.unit),
                          str_cat("a unit of ", unit_symbol(billing_unit(dev_->medium))));
  }
  if (!(iv.start < iv.end)) {
    return absl::InvalidArgumentError(
        str_cat("tariff: interval of device \"", dev_->id, "\" does not end after it starts"));
  }
  const std::span<const Segment> segs = tl_->segments();
  std::size_t cur = cur_;
  if (!(segs[cur].start <= iv.start && iv.start < tl_->end_of(cur))) {
    if (cur + 1 < segs.size() && segs[cur + 1].start <= iv.start &&
        iv.start < tl_->end_of(cur + 1)) {
      ++cur;
    } else {
      cur = tl_->index_at(iv.start);
    }
  }
  cur_ = cur;
  // The common case: the whole interval in one segment, a plain exact add.
  if (iv.end <= tl_->end_of(cur) && factor_ != 0 && q.mantissa <= limit_ && q.mantissa >= -limit_) {
    dev_acc_[cur] += absl::int128(q.mantissa) * factor_;
    return absl::OkStatus();
  }
  return add_split(iv, cur, q.exponent + cur_scale_);
}

absl::Status BillBuilder::add_split(const ConsumptionInterval& iv, std::size_t cur, int qe) {
  const Pow10& t = pow10();
  absl::int128 v;
  if (iv.end <= tl_->end_of(cur)) {  // one segment, but an unusual exponent or magnitude
    if (!to_fixed(t, iv.consumption.mantissa, qe, kExactQuantityExponent, &v)) {
      return overflow_error(intervals_);
    }
    dev_acc_[cur] += v;
    return absl::OkStatus();
  }
  // Split in proportion to time; the cumulative rounding makes the parts add up exactly.
  const std::int64_t total_ms = absl::ToInt64Milliseconds(iv.end - iv.start);
  if (total_ms > kMaxIntervalMs) {
    return absl::InvalidArgumentError(
        str_cat("tariff: interval of device \"", dev_->id, "\" lasts over 100 years"));
  }
  if (total_ms <= 0) {  // shorter than a millisecond: it belongs where it starts
    if (!to_fixed(t, iv.consumption.mantissa, qe, kExactQuantityExponent, &v)) {
      return overflow_error(intervals_);
    }
    dev_acc_[cur] += v;
    return absl::OkStatus();
  }
  const absl::int128 q6 = absl::int128(iv.consumption.mantissa) * 1000000;
  const int e6 = qe - 6;
  absl::int128 done = 0;
  std::size_t j = cur;
  while (true) {
    const absl::Time seg_end = tl_->end_of(j);
    const bool last = iv.end <= seg_end;
    const absl::int128 cum =
        last ? q6 : div_round(q6 * absl::ToInt64Milliseconds(seg_end - iv.start), total_ms);
    if (!to_fixed(t, cum - done, e6, kExactQuantityExponent, &v)) {
      return overflow_error(intervals_);
    }
    dev_acc_[j] += v;
    done = cum;
    if (last) break;
    ++j;
  }
  cur_ = j;
  return absl::OkStatus();
}

absl::StatusOr<Bill> BillBuilder::finish() const {
  const Site& site = *site_;
  const std::size_t nb = buckets_.size();
  Bill bill;
  bill.currency = site.currency;
  bill.period = period_;
  bill.buckets = buckets_;
  bill.intervals = intervals_;

  // Per medium: [bucket][slot] sums over devices not excluded.
  std::array<std::vector<Cell>, kMediumCount> medium_cells;
  for (std::size_t m = 0; m < kMediumCount; ++m) medium_cells[m].assign(nb * slots_[m], Cell{});
  std::map<std::pair<std::string, int>, std::vector<Cell>> loads, groups;
  absl::int128 total_cost = 0;

  for (std::size_t d = 0; d < site.devices.size(); ++d) {
    const Device& dev = site.devices[d];
    const auto mi = static_cast<std::size_t>(dev.medium);
    const std::size_t slots = slots_[mi];
    // Quantity per segment -> quantity and cost per (bucket, slot).
    std::vector<Cell> dev_cells(nb * slots);
    const std::span<const Segment> segs = timelines_[mi].segments();
    for (std::size_t j = 0; j < segs.size(); ++j) {
      const Segment& seg = segs[j];
      const absl::int128 q = acc_[device_base_[d] + j];
      if (seg.bucket < 0 || q == 0) continue;
      Cell& cell = dev_cells[static_cast<std::size_t>(seg.bucket) * slots +
                             static_cast<std::size_t>(seg.tariff + 1)];
      cell.quantity += q;
      if (seg.tariff < 0) continue;
      absl::int128 p, c;
      if (!mul128(q, seg.price.mantissa, &p) ||
          !to_fixed(pow10(), p, kExactQuantityExponent + seg.price.exponent, kExactMoneyExponent,
                    &c)) {
        return absl::OutOfRangeError(
            str_cat("tariff: cost of device \"", dev.id, "\" too large to sum exactly"));
      }
      cell.cost += c;
    }
    const std::span<const Cell> cells(dev_cells);
    std::vector<Cell> per_slot(slots);
    for (std::size_t b = 0; b < nb; ++b) add_cells(per_slot, cells.subspan(b * slots, slots));
    EMSCORE_ASSIGN_OR_RETURN(Breakdown bd, make_breakdown(site, dev.medium, per_slot));
    bill.devices.push_back(PartBill{dev.id, dev.medium, dev.exclude_from_totals, std::move(bd)});
    if (dev.exclude_from_totals) continue;
    add_cells(medium_cells[mi], cells);
    for (auto [map, key] : {std::pair{&loads, &dev.load}, std::pair{&groups, &dev.group}}) {
      if (key->empty()) continue;
      auto& v = (*map)[{*key, static_cast<int>(mi)}];
      if (v.empty()) v.assign(slots, Cell{});
      add_cells(v, per_slot);
    }
  }
  for (Medium m : kMedia) {
    const auto mi = static_cast<std::size_t>(m);
    const std::size_t slots = slots_[mi];
    MediumBill& mb = bill.media[mi];
    mb.medium = m;
    std::vector<Cell> per_slot(slots);
    for (std::size_t b = 0; b < nb; ++b) {
      const std::span<const Cell> row(medium_cells[mi].data() + b * slots, slots);
      add_cells(per_slot, row);
      EMSCORE_ASSIGN_OR_RETURN(Breakdown bd, make_breakdown(site, m, row));
      mb.by_bucket.push_back(std::move(bd));
    }
    for (const Cell& c : per_slot) total_cost += c.cost;
    EMSCORE_ASSIGN_OR_RETURN(mb.total, make_breakdown(site, m, per_slot));
  }
  for (auto [map, out] : {std::pair{&loads, &bill.loads}, std::pair{&groups, &bill.groups}}) {
    for (const auto& [key, cells] : *map) {
      const auto m = static_cast<Medium>(key.second);
      EMSCORE_ASSIGN_OR_RETURN(Breakdown bd, make_breakdown(site, m, cells));
      out->push_back(PartBill{key.first, m, false, std::move(bd)});
    }
  }
  EMSCORE_ASSIGN_OR_RETURN(bill.total_cost, round_to_minor(site.currency, total_cost));
  return bill;
}

absl::StatusOr<Bill> compute_bill(const Site& site, BillPeriod period,
                                  std::span<const ConsumptionInterval> intervals) {
  EMSCORE_ASSIGN_OR_RETURN(BillBuilder b, BillBuilder::create(site, period));
  EMSCORE_RETURN_IF_ERROR(b.add(intervals));
  return b.finish();
}

}  // namespace emscore::tariff
