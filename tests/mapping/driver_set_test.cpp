#include "emscore/mapping/driver_set.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "mbus_frames.hpp"

namespace emscore::mapping {
namespace {

namespace fs = std::filesystem;
using testing::LoadedTelegram;

class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(fs::temp_directory_path() / ("emscore_driver_set_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string path() const { return path_.string(); }
  void write(const std::string& file, const std::string& text) const {
    std::ofstream(path_ / file) << text;
  }

 private:
  fs::path path_;
};

const std::string kShipped = std::string(EMSCORE_SOURCE_DIR) + "/drivers";

std::string mbus_driver(const std::string& id, int version) {
  return R"({"kind": "mbus", "id": ")" + id +
         R"(", "match": {"manufacturer": "KAM", "medium": 4, "version": )" + std::to_string(version) +
         R"(, "records": 28}, "fields": [{"record": 1, "name": "Energy", "unit": "kWh", "obis": "6-0:1.0.0"}]})";
}

TEST(DriverSet, LoadsTheShippedDrivers) {
  const std::string dirs[] = {kShipped};
  auto set = load_driver_dirs(dirs);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_GE(set->modbus.size(), 4u);
  EXPECT_GE(set->mbus.size(), 1u);
  ASSERT_EQ(set->modbus_files.size(), set->modbus.size());
  ASSERT_EQ(set->mbus_files.size(), set->mbus.size());
  const ModbusDriver* emu = set->modbus_by_id("emu_professional_2");
  ASSERT_NE(emu, nullptr);
  EXPECT_EQ(emu->fields[0].address, 6004);
  EXPECT_EQ(set->modbus_by_id("emu_professional_m_bus"), nullptr);  // an M-Bus driver
  EXPECT_NE(set->mbus_by_id("emu_professional_m_bus"), nullptr);
  EXPECT_EQ(set->mbus_by_id("nope"), nullptr);
}

TEST(DriverSet, MatchesTelegramsByDeviceType) {
  const std::string dirs[] = {kShipped};
  auto set = load_driver_dirs(dirs);
  ASSERT_TRUE(set.ok()) << set.status();
  LoadedTelegram emu(testing::hex_file("EMU_EMU-Professional-375-M-Bus.hex"));
  ASSERT_TRUE(emu.ok());
  const MbusDriver* d = set->mbus_match(*emu);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->id, "emu_professional_m_bus");
  auto key = mbus_match_key(*emu);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, (MbusMatch{"EMU", 0x02, 16, 32}));
  // Another meter: no driver.
  LoadedTelegram kam(testing::hex_file("kamstrup_multical_601.hex"));
  ASSERT_TRUE(kam.ok());
  EXPECT_EQ(set->mbus_match(*kam), nullptr);
  // A short header has no device type.
  auto data = std::vector<std::uint8_t>{0x2A, 0x00, 0x00, 0x00, 0x04, 0x13, 0x01, 0x00, 0x00, 0x00};
  LoadedTelegram shorty(testing::long_frame(0x7A, data));
  ASSERT_TRUE(shorty.ok());
  EXPECT_FALSE(mbus_match_key(*shorty).ok());
  EXPECT_EQ(set->mbus_match(*shorty), nullptr);
}

TEST(DriverSet, LaterFoldersAddDriversAndMatchInOrder) {
  TempDir extra("extra");
  extra.write("kamstrup_601.json", mbus_driver("kamstrup_601", 8));
  extra.write("notes.txt", "not a driver");
  const std::string dirs[] = {kShipped, extra.path()};
  auto set = load_driver_dirs(dirs);
  ASSERT_TRUE(set.ok()) << set.status();
  LoadedTelegram kam(testing::hex_file("kamstrup_multical_601.hex"));
  ASSERT_TRUE(kam.ok());
  const MbusDriver* d = set->mbus_match(*kam);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->id, "kamstrup_601");
  EXPECT_EQ(set->mbus_files.back(), extra.path() + "/kamstrup_601.json");
}

TEST(DriverSet, IdClashNamesBothFiles) {
  TempDir a("a"), b("b");
  a.write("x.json", mbus_driver("kam", 8));
  b.write("y.json", mbus_driver("kam", 9));
  const std::string dirs[] = {a.path(), b.path()};
  auto set = load_driver_dirs(dirs);
  ASSERT_FALSE(set.ok());
  const std::string msg(set.status().message());
  EXPECT_NE(msg.find(b.path() + "/y.json: driver id \"kam\" is already given by " + a.path() + "/x.json"),
            std::string::npos)
      << msg;
  // A shipped id in a user folder clashes too.
  TempDir c("c");
  c.write("emu.json", mbus_driver("emu_professional_2", 8));
  const std::string dirs2[] = {kShipped, c.path()};
  auto set2 = load_driver_dirs(dirs2);
  ASSERT_FALSE(set2.ok());
  EXPECT_NE(std::string(set2.status().message()).find("emu_professional_2.json"), std::string::npos)
      << set2.status();
}

TEST(DriverSet, TwoDriversForOneDeviceTypeAreRefused) {
  TempDir a("dup");
  a.write("one.json", mbus_driver("one", 8));
  a.write("two.json", mbus_driver("two", 8));
  const std::string dirs[] = {a.path()};
  auto set = load_driver_dirs(dirs);
  ASSERT_FALSE(set.ok());
  const std::string msg(set.status().message());
  EXPECT_NE(msg.find("two.json: driver \"two\" matches the same device type (KAM, medium 0x04, version 8, 28 records) as \"one\" of "),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("one.json"), std::string::npos) << msg;
}

TEST(DriverSet, BadFilesAndFoldersNameTheFileAndPath) {
  TempDir a("bad");
  a.write("broken.json", R"({"kind": "mbus", "id": "b", "match": {"manufacturer": "KAM", "medium": 4, "version": 8, "records": 28},
    "fields": [{"record": "one", "name": "x"}]})");
  const std::string dirs[] = {a.path()};
  auto set = load_driver_dirs(dirs);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(std::string(set.status().message()).find("broken.json: $.fields[0].record: expected an integer"),
            std::string::npos)
      << set.status();
  const std::string missing[] = {a.path() + "/nope"};
  auto none = load_driver_dirs(missing);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(std::string(none.status().message()).find("nope"), std::string::npos) << none.status();
}

}  // namespace
}  // namespace emscore::mapping
