#include "device_table.hpp"

#include <gtest/gtest.h>

namespace emscore::refgw {
namespace {

GatewayConfig two_devices() {
  auto c = parse_config(R"({
    "buses": [{"name": "tcp", "type": "modbus_tcp", "host": "127.0.0.1"}],
    "devices": [{"name": "A", "serial": "111", "bus": "tcp", "driver": "eastron_sdm630"},
                {"name": "B", "serial": "222", "bus": "tcp", "address": 2, "driver": "eastron_sdm230"}]
  })");
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

TEST(DeviceTable, LooksUpBySerialRefAndUnit) {
  DeviceTable t(two_devices());
  ASSERT_EQ(t.devices().size(), 2u);
  ASSERT_NE(t.by_serial("222"), nullptr);
  EXPECT_EQ(t.by_serial("222")->config.name, "B");
  EXPECT_EQ(t.by_serial("222")->bus_type, "modbus_tcp");
  EXPECT_EQ(t.by_serial("333"), nullptr);
  EXPECT_EQ(t.by_ref(device_ref_for_serial("111"))->config.serial, "111");
  EXPECT_EQ(t.by_unit(2)->config.serial, "222");
  EXPECT_EQ(t.by_unit(9), nullptr);
}

TEST(DeviceTable, RecordsSuccessesAndFailures) {
  DeviceTable t(two_devices());
  const DeviceRef a = device_ref_for_serial("111");
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  EXPECT_FALSE(t.by_ref(a)->status.online());
  std::vector<LatestValue> v;
  v.push_back(LatestValue{Reading{a, obis::ObisCode(1, 0, 1, 8, 0), Value(18047, -2, Unit::kKiloWattHour), t0,
                                  Quality::kMeasured},
                          3, "Energy", true});
  t.record_success(a, t0, v);
  EXPECT_TRUE(t.by_ref(a)->status.online());
  EXPECT_EQ(t.by_ref(a)->status.readouts, 1u);
  ASSERT_EQ(t.by_ref(a)->latest.size(), 1u);
  EXPECT_EQ(t.by_ref(a)->latest[0].index, 3u);
  t.record_failure(a, t0 + absl::Seconds(60), "timeout");
  EXPECT_FALSE(t.by_ref(a)->status.online());
  EXPECT_EQ(t.by_ref(a)->status.failures, 1u);
  EXPECT_EQ(t.by_ref(a)->status.last_error, "timeout");
  // The newest values stay until the next success.
  EXPECT_EQ(t.by_ref(a)->latest.size(), 1u);
  t.set_next_due(a, t0 + absl::Minutes(15));
  EXPECT_EQ(t.by_ref(a)->status.next_due, t0 + absl::Minutes(15));
  // Unknown refs are ignored, not a crash.
  t.record_failure(DeviceRef{12345}, t0, "x");
}

}  // namespace
}  // namespace emscore::refgw
