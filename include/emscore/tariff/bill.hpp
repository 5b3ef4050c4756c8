// emscore/tariff/bill.hpp — the bill of consumptions for a day, a month or a year.
//
// Facts from seed 003 (§8.2.2): costs are shown per tariff and per period — a day by hour,
// a month by day, a year by month — for the whole site ("Grand total", per medium and
// overall), per load and measure group ("Partials") and per device ("Details"); devices
// marked "exclude from totals" appear only in their own details.
//
// How a bill is computed:
//  - the period is cut into buckets in the site's civil time: the hours of a civil day (23 on
//    a spring-forward day, 25 on a fall-back day, labelled with their UTC offset), the days
//    of a month, the months of a year;
//  - each medium's plan is compiled once into a Timeline over the period, cut at the bucket
//    boundaries; every interval is then priced by looking up its segment (cursor, then binary
//    search), never by scanning rules;
//  - an interval that spans a switch instant (or a bucket boundary, or the period's edge) is
//    split in proportion to time at millisecond resolution; the parts are computed with six
//    more decimals than the consumption and the last part takes the remainder, so the parts
//    add up exactly to the interval's consumption; parts outside the period are dropped;
//  - consumption is converted exactly to the medium's billing unit (Wh -> kWh, l -> m³);
//    quantities are summed exactly at 10^-12 billing units and costs at 10^-18 currency
//    units (see money.hpp), and every figure is rounded once at the end: money to the minor
//    unit half away from zero, quantities only if they would not fit a Value.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "emscore/core/value.hpp"
#include "emscore/tariff/interval.hpp"
#include "emscore/tariff/money.hpp"
#include "emscore/tariff/site.hpp"
#include "emscore/tariff/timeline.hpp"

namespace emscore::tariff {

// The exponent at which quantities are summed (10^-12 kWh or m³).
inline constexpr int kExactQuantityExponent = -12;

enum class Granularity : std::uint8_t { kDay, kMonth, kYear };  // by hour, by day, by month

struct BillPeriod {
  Granularity granularity = Granularity::kMonth;
  absl::CivilDay first_day;  // the first day of the day, month or year

  static BillPeriod day(absl::CivilDay d) noexcept { return {Granularity::kDay, d}; }
  static BillPeriod month(absl::CivilMonth m) noexcept {
    return {Granularity::kMonth, absl::CivilDay(m)};
  }
  static BillPeriod year(absl::CivilYear y) noexcept {
    return {Granularity::kYear, absl::CivilDay(y)};
  }
  // "2020-03-29" a day, "2020-03" a month, "2020" a year.
  static absl::StatusOr<BillPeriod> parse(std::string_view text);
  std::string to_string() const;  // the form parse() reads
  // The civil day after the period.
  absl::CivilDay end_day() const noexcept;
};

// A quantity (in the medium's billing unit) and its cost.
struct Amount {
  Value quantity;
  Money cost;
};

struct Breakdown {
  std::vector<Amount> by_tariff;        // index = tariff index of the medium's plan
  Value unpriced;                       // consumption at times no rule (or no price) covered
  Amount total;                         // all consumption (priced and unpriced) and all cost
  std::optional<Value> kwh_equivalent;  // gas with a conversion factor: total m³ x factor
};

struct Bucket {
  absl::Time start;
  absl::Time end;
  absl::CivilSecond local_start;  // civil time at start
  int utc_offset_seconds = 0;     // offset at start: tells the two 02:00 hours of a 25 h day apart
};

struct MediumBill {
  Medium medium = Medium::kElectricity;
  Breakdown total;                   // devices not excluded from totals
  std::vector<Breakdown> by_bucket;  // the same, per bucket
};

struct PartBill {
  std::string name;  // device id, load name or group name
  Medium medium = Medium::kElectricity;
  bool excluded_from_totals = false;  // devices only
  Breakdown amounts;
};

struct Bill {
  Currency currency;
  BillPeriod period;
  std::vector<Bucket> buckets;
  std::array<MediumBill, kMediumCount> media;  // indexed by Medium
  std::vector<PartBill> devices;               // every device of the site, in site order
  std::vector<PartBill> loads;                 // per (load, medium) of devices not excluded, sorted
  std::vector<PartBill> groups;  // per (group, medium) of devices not excluded, sorted
  Money total_cost;              // all media, devices not excluded
  std::size_t intervals = 0;     // intervals added

  const MediumBill& medium(Medium m) const noexcept { return media[static_cast<std::size_t>(m)]; }
};

// Accumulates intervals into a bill. The site must outlive the builder. Intervals may come
// in any order and in any number of add() calls; pricing is fastest when each device's
// intervals come in time order.
class BillBuilder {
 public:
  static absl::StatusOr<BillBuilder> create(const Site& site, BillPeriod period);

  // Errors (and adds nothing more) on an unknown device, an interval that does not end after
  // it starts or lasts over 100 years, or a unit that is not one of the device's medium.
  absl::Status add(std::span<const ConsumptionInterval> intervals);
  // A raster: values[i] is the consumption of `device` over [start + i*step, start +
  // (i+1)*step). The same result as add() with those intervals, but runs of values inside one
  // timeline segment are summed first and multiplied once (what a load profile of 15-minute
  // readouts looks like). step must be positive.
  absl::Status add_raster(std::uint32_t device, absl::Time start, absl::Duration step,
                          std::span<const Value> values);
  absl::StatusOr<Bill> finish() const;

  const Timeline& timeline(Medium m) const noexcept {
    return timelines_[static_cast<std::size_t>(m)];
  }
  std::span<const Bucket> buckets() const noexcept { return buckets_; }

  struct Cell {
    absl::int128 quantity = 0;  // 10^kExactQuantityExponent billing units
    absl::int128 cost = 0;      // 10^kExactMoneyExponent currency units
  };

 private:
  BillBuilder() = default;
  absl::Status add_one(const ConsumptionInterval& iv);
  absl::Status add_split(const ConsumptionInterval& iv, std::size_t cur, int qe);
  bool select_device(std::uint32_t device);
  void rebind() noexcept;

  const Site* site_ = nullptr;
  BillPeriod period_;
  std::vector<Bucket> buckets_;
  std::array<Timeline, kMediumCount> timelines_;
  std::array<std::size_t, kMediumCount> slots_{};  // tariffs + 1 (slot 0 = unpriced)
  // Quantity per device and timeline segment, exact at 10^kExactQuantityExponent. The price
  // is constant over a segment, so cost = sum over segments of quantity x price, computed
  // once in finish(): the per-interval work is a lookup and an add.
  std::vector<std::size_t> device_base_;  // first accumulator of each device
  std::vector<absl::int128> acc_;
  std::size_t intervals_ = 0;
  // Hot-path state: the device, medium and segment of the previous interval.
  std::uint32_t cur_device_ = UINT32_MAX;
  const Device* dev_ = nullptr;
  const Timeline* tl_ = nullptr;
  absl::int128* dev_acc_ = nullptr;
  std::size_t cur_ = 0;
  Unit cur_unit_ = Unit::kNone;
  int cur_exp_ = 0;
  int cur_scale_ = 0;  // exponent shift from the interval's unit to the billing unit
  bool unit_ok_ = false;
  std::int64_t factor_ = 0;  // 10^(qe - kExactQuantityExponent) when that is in 0..18
  std::int64_t limit_ = 0;   // largest |mantissa| that may be multiplied by factor_
};

// One-shot form: create, add, finish.
absl::StatusOr<Bill> compute_bill(const Site& site, BillPeriod period,
                                  std::span<const ConsumptionInterval> intervals);

// The bucket boundaries of a period in a zone (buckets + 1 instants).
std::vector<absl::Time> period_boundaries(const BillPeriod& period, const absl::TimeZone& tz);

}  // namespace emscore::tariff
