#include "emscore/mapping/read_plan.hpp"

#include <algorithm>
#include <numeric>

#include "emscore/core/strings.hpp"

namespace emscore::mapping {

absl::StatusOr<std::vector<PlannedRead>> plan_reads(const ModbusDriver& d, PlanOptions opt) {
  if (opt.max_registers < 1 || opt.max_registers > 125) {
    return absl::InvalidArgumentError(str_cat("mapping: max_registers ", opt.max_registers, ", expected 1-125"));
  }
  if (opt.max_bits < 1 || opt.max_bits > 2000) {
    return absl::InvalidArgumentError(str_cat("mapping: max_bits ", opt.max_bits, ", expected 1-2000"));
  }
  std::vector<std::size_t> order(d.fields.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto& fa = d.fields[a];
    const auto& fb = d.fields[b];
    return fa.table != fb.table ? fa.table < fb.table : fa.address < fb.address;
  });
  std::vector<PlannedRead> plan;
  for (std::size_t idx : order) {
    const ModbusField& f = d.fields[idx];
    const std::uint32_t limit = is_bit_table(f.table) ? opt.max_bits : opt.max_registers;
    if (f.width() > limit) {
      return absl::InvalidArgumentError(str_cat("mapping: field ", idx, " (", f.meaning.name, ") is ",
                                                f.width(), " registers wide, more than one read of ", limit));
    }
    const std::uint32_t end = std::uint32_t{f.address} + f.width();
    if (!plan.empty()) {
      PlannedRead& last = plan.back();
      const std::uint32_t last_end = std::uint32_t{last.start} + last.count;
      if (last.table == f.table && f.address >= last.start &&
          (f.address <= last_end || f.address - last_end <= opt.max_gap) &&
          std::max(end, last_end) - last.start <= limit) {
        last.count = static_cast<std::uint16_t>(std::max(end, last_end) - last.start);
        last.fields.push_back(idx);
        continue;
      }
    }
    plan.push_back(PlannedRead{f.table, f.address, f.width(), {idx}});
  }
  return plan;
}

}  // namespace emscore::mapping
