#include "store_worker.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "boost/asio/io_context.hpp"

namespace emscore::refgw {
namespace {

TEST(StoreWorker, IngestsOffThreadAndAnswersOnTheIoExecutor) {
  auto dir = std::filesystem::temp_directory_path() / ("emscore-sw-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  boost::asio::io_context io;
  auto w = StoreWorker::open((dir / "p.db").string(), io.get_executor());
  ASSERT_TRUE(w.ok()) << w.status();
  const DeviceRef dev{7};
  const obis::ObisCode code(1, 0, 1, 8, 0);
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  const auto io_thread = std::this_thread::get_id();
  int done = 0;
  for (int i = 0; i < 5; ++i) {
    std::vector<Reading> batch{Reading{dev, code, Value(1000 + i, -1, Unit::kKiloWattHour),
                                       t0 + absl::Minutes(15 * i), Quality::kMeasured}};
    (*w)->ingest(std::move(batch), [&](absl::StatusOr<profile::IngestReport> r) {
      EXPECT_TRUE(std::this_thread::get_id() == io_thread);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(r->accepted, 1u);
      ++done;
    });
  }
  std::vector<profile::Sample> got;
  (*w)->query(profile::SeriesKey{dev, code}, t0, t0 + absl::Hours(2),
              [&](absl::StatusOr<std::vector<profile::Sample>> s) {
                ASSERT_TRUE(s.ok()) << s.status();
                got = *s;
              });
  (*w)->drain();
  io.run();
  EXPECT_EQ(done, 5);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[4].value, Value(1004, -1, Unit::kKiloWattHour));
}

}  // namespace
}  // namespace emscore::refgw
