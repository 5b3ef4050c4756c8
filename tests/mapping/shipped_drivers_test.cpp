// Every driver file in drivers/ parses, validates, plans and passes its own golden tests.
#include <gtest/gtest.h>

#include <filesystem>

#include "emscore/mapping/apply.hpp"
#include "emscore/mapping/driver_json.hpp"
#include "emscore/mapping/driver_set.hpp"
#include "emscore/mapping/read_plan.hpp"
#include "emscore/mbus/frame.hpp"

namespace emscore::mapping {
namespace {

std::vector<std::filesystem::path> driver_files() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(std::string(EMSCORE_SOURCE_DIR) + "/drivers")) {
    if (e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ShippedDrivers, AtLeastFiveRealMeters) { EXPECT_GE(driver_files().size(), 5u); }

void expect_readings(const std::vector<Reading>& out, const std::vector<ExpectedReading>& expect) {
  ASSERT_EQ(out.size(), expect.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].quantity, expect[i].obis);
    EXPECT_EQ(out[i].value.unit, expect[i].value.unit) << out[i].quantity.to_string();
    EXPECT_TRUE(out[i].value == expect[i].value)
        << out[i].quantity.to_string() << ": " << out[i].value.to_string_with_unit()
        << ", expected " << expect[i].value.to_string_with_unit();
  }
}

TEST(ShippedDrivers, EachPassesItsGoldenTests) {
  int tests_run = 0;
  for (const auto& path : driver_files()) {
    SCOPED_TRACE(path.filename().string());
    auto file = load_driver_file(path.string());
    ASSERT_TRUE(file.ok()) << file.status();
    if (const auto* d = std::get_if<ModbusDriver>(&file->driver)) {
      EXPECT_EQ(d->id, path.stem().string());
      auto plan = plan_reads(*d);
      ASSERT_TRUE(plan.ok()) << plan.status();
      std::size_t covered = 0;
      for (const auto& r : *plan) covered += r.fields.size();
      EXPECT_EQ(covered, d->fields.size());
      ASSERT_FALSE(file->modbus_tests.empty()) << "a driver file carries its own golden test";
      for (const auto& t : file->modbus_tests) {
        const auto blocks = t.blocks();
        std::vector<Reading> out;
        std::vector<FieldError> errors;
        apply(*d, blocks, DeviceRef{1}, absl::UnixEpoch(), out, &errors);
        for (const auto& e : errors) ADD_FAILURE() << e.message;
        expect_readings(out, t.expect);
        ++tests_run;
      }
    } else {
      const auto& b = std::get<MbusDriver>(file->driver);
      EXPECT_EQ(b.id, path.stem().string());
      ASSERT_FALSE(file->mbus_tests.empty()) << "a driver file carries its own golden test";
      for (const auto& t : file->mbus_tests) {
        SCOPED_TRACE(t.name);
        auto frame = mbus::parse_frame(t.frame);
        ASSERT_TRUE(frame.ok()) << frame.status();
        auto telegram = mbus::parse_telegram(*frame);
        ASSERT_TRUE(telegram.ok()) << telegram.status();
        // The driver matches the frame it was written for.
        auto key = mbus_match_key(*telegram);
        ASSERT_TRUE(key.ok()) << key.status();
        EXPECT_EQ(*key, b.match);
        std::vector<Reading> out;
        std::vector<FieldError> errors;
        apply(b, *telegram, DeviceRef{1}, absl::UnixEpoch(), out, &errors);
        for (const auto& e : errors) ADD_FAILURE() << e.message;
        expect_readings(out, t.expect);
        ++tests_run;
      }
    }
  }
  EXPECT_GE(tests_run, 5);
}

}  // namespace
}  // namespace emscore::mapping
