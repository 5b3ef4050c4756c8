// Driver files from people: any bytes must give a driver or an error naming the path, never a
// crash. A driver that parses must export and re-import to the same JSON, plan its reads, and
// run its golden tests (apply, and encode for Modbus drivers) without crashing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emscore/mapping/apply.hpp"
#include "emscore/mapping/driver_json.hpp"
#include "emscore/mapping/encode.hpp"
#include "emscore/mapping/read_plan.hpp"
#include "emscore/mbus/frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mapping = emscore::mapping;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = mapping::parse_driver_file(text, "fuzz.json");
  if (!file.ok()) {
    if (file.status().message().find("fuzz.json") == std::string_view::npos) __builtin_trap();
    return 0;
  }
  const std::string once = mapping::driver_to_json_text(file->driver);
  auto again = mapping::parse_driver_file(once, "again.json");
  if (!again.ok() || mapping::driver_to_json_text(again->driver) != once) __builtin_trap();
  std::vector<emscore::Reading> out;
  if (const auto* d = std::get_if<mapping::ModbusDriver>(&file->driver)) {
    auto plan = mapping::plan_reads(*d);
    if (plan.ok()) {
      std::size_t covered = 0;
      for (const auto& r : *plan) covered += r.fields.size();
      if (covered != d->fields.size()) __builtin_trap();
    }
    for (const auto& t : file->modbus_tests) {
      const auto blocks = t.blocks();
      std::vector<mapping::FieldError> errors;
      mapping::apply(*d, blocks, {1}, absl::UnixEpoch(), out, &errors);
      emscore::modbus::MemoryDataModel model;
      (void)mapping::encode(*d, out, model, 1);
    }
  } else {
    const auto& b = std::get<mapping::MbusDriver>(file->driver);
    for (const auto& t : file->mbus_tests) {
      auto frame = emscore::mbus::parse_frame(t.frame);
      if (!frame.ok()) continue;
      auto telegram = emscore::mbus::parse_telegram(*frame);
      if (!telegram.ok()) continue;
      std::vector<mapping::FieldError> errors;
      mapping::apply(b, *telegram, {1}, absl::UnixEpoch(), out, &errors);
    }
  }
  return 0;
}
