#include "emscore/tariff/tariff.hpp"

#include <gtest/gtest.h>

namespace emscore::tariff {
namespace {

TEST(Medium, NamesAndBillingUnits) {
  for (Medium m : kMedia) EXPECT_EQ(parse_medium(medium_name(m)), m);
  EXPECT_FALSE(parse_medium("heat").has_value());
  EXPECT_EQ(billing_unit(Medium::kElectricity), Unit::kKiloWattHour);
  EXPECT_EQ(billing_unit(Medium::kGas), Unit::kCubicMetre);
  EXPECT_EQ(billing_unit(Medium::kWater), Unit::kCubicMetre);
}

TEST(Tariff, SinglePriceNeedsNoDate) {
  const Tariff t{"Day", "#FF8800", {PricePoint{std::nullopt, Value(2155, -4)}}};
  ASSERT_TRUE(t.validate().ok());
  ASSERT_NE(t.price_on(absl::CivilDay(1990, 1, 1)), nullptr);
  EXPECT_EQ(t.price_on(absl::CivilDay(2090, 1, 1))->to_string(), "0.2155");
  EXPECT_TRUE(t.change_days().empty());
}

TEST(Tariff, PicksThePriceByDate) {
  // Given out of order on purpose: the order of the list does not matter.
  const Tariff t{"T1",
                 "",
                 {PricePoint{absl::CivilDay(2020, 3, 16), Value(2200, -4)},
                  PricePoint{absl::CivilDay(2020, 1, 1), Value(2000, -4)},
                  PricePoint{absl::CivilDay(2021, 1, 1), Value(2500, -4)}}};
  ASSERT_TRUE(t.validate().ok());
  EXPECT_EQ(t.price_on(absl::CivilDay(2019, 12, 31)), nullptr);  // before the first price
  EXPECT_EQ(t.price_on(absl::CivilDay(2020, 1, 1))->to_string(), "0.2000");
  EXPECT_EQ(t.price_on(absl::CivilDay(2020, 3, 15))->to_string(), "0.2000");
  EXPECT_EQ(t.price_on(absl::CivilDay(2020, 3, 16))->to_string(), "0.2200");
  EXPECT_EQ(t.price_on(absl::CivilDay(2020, 12, 31))->to_string(), "0.2200");
  EXPECT_EQ(t.price_on(absl::CivilDay(2024, 2, 29))->to_string(), "0.2500");
  const auto days = t.change_days();
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days.front(), absl::CivilDay(2020, 1, 1));
  EXPECT_EQ(days.back(), absl::CivilDay(2021, 1, 1));
}

TEST(Tariff, UndatedPriceAppliesBeforeTheFirstDatedOne) {
  const Tariff t{"T1",
                 "",
                 {PricePoint{std::nullopt, Value(1, -1)},
                  PricePoint{absl::CivilDay(2020, 6, 1), Value(2, -1)}}};
  ASSERT_TRUE(t.validate().ok());
  EXPECT_EQ(t.price_on(absl::CivilDay(2020, 5, 31))->to_string(), "0.1");
  EXPECT_EQ(t.price_on(absl::CivilDay(2020, 6, 1))->to_string(), "0.2");
}

TEST(Tariff, ValidateSaysWhatIsWrong) {
  EXPECT_FALSE((Tariff{"", "", {PricePoint{std::nullopt, Value(1, 0)}}}).validate().ok());
  EXPECT_FALSE((Tariff{"T", "", {}}).validate().ok());
  const auto bad_colour = Tariff{"T", "orange", {PricePoint{std::nullopt, Value(1, 0)}}}.validate();
  EXPECT_NE(bad_colour.message().find("#RRGGBB"), absl::string_view::npos);
  EXPECT_FALSE((Tariff{"T", "#12345G", {PricePoint{std::nullopt, Value(1, 0)}}}).validate().ok());
  EXPECT_FALSE(
      (Tariff{
           "T", "", {PricePoint{std::nullopt, Value(1, 0)}, PricePoint{std::nullopt, Value(2, 0)}}})
          .validate()
          .ok());
  const auto same_day = Tariff{"T",
                               "",
                               {PricePoint{absl::CivilDay(2020, 1, 1), Value(1, 0)},
                                PricePoint{absl::CivilDay(2020, 1, 1), Value(2, 0)}}}
                            .validate();
  EXPECT_NE(same_day.message().find("2020-01-01"), absl::string_view::npos);
}

}  // namespace
}  // namespace emscore::tariff
