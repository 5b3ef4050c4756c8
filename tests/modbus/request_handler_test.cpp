#include "emscore/modbus/request_handler.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "emscore/modbus/memory_model.hpp"
#include "test_util.hpp"

namespace emscore::modbus {
namespace {

using testing::from_hex;
using testing::to_hex;

class Handler : public ::testing::Test {
 protected:
  Handler() : handler_(model_) {
    auto& b = model_.add_unit(1);
    for (std::size_t i = 0; i < 200; ++i) b.holding[i] = static_cast<std::uint16_t>(i * 3);
    b.input[0x08] = 0x000A;
    b.coils[0x13] = true;
    b.coils[0x15] = true;
    b.discrete_inputs[0xC4] = true;
  }
  std::string run(std::string_view req_hex, std::uint8_t unit = 1, bool broadcast = false) {
    const auto req = from_hex(req_hex);
    std::array<std::uint8_t, kMaxPduSize> out{};
    const std::size_t n = handler_.handle(unit, req, out, broadcast);
    return to_hex(std::vector<std::uint8_t>(out.begin(), out.begin() + static_cast<long>(n)));
  }
  MemoryDataModel model_;
  RequestHandler handler_;
};

// Register reads are written four at a time (put_registers_be): every count from 1 to 125,
// at odd and even addresses, must come out big-endian, high byte first, with nothing after.
TEST_F(Handler, RegisterReadsBigEndianForEveryCount) {
  auto& b = *model_.bank(1);
  for (std::size_t i = 0; i < 300; ++i) b.holding[1000 + i] = static_cast<std::uint16_t>(0x0102 * (i + 1));
  for (std::size_t start : {std::size_t{1000}, std::size_t{1001}}) {
    for (std::size_t count = 1; count <= kMaxReadRegisters; ++count) {
      const std::uint8_t req[] = {0x03, static_cast<std::uint8_t>(start >> 8), static_cast<std::uint8_t>(start & 0xFF),
                                  0x00, static_cast<std::uint8_t>(count)};
      std::array<std::uint8_t, kMaxPduSize> out{};
      out.fill(0xEE);
      ASSERT_EQ(handler_.handle(1, req, out), 2u + 2u * count);
      ASSERT_EQ(out[1], 2 * count);
      for (std::size_t i = 0; i < count; ++i) {
        const std::uint16_t v = b.holding[start + i];
        ASSERT_EQ(out[2 + 2 * i], v >> 8) << start << " " << count << " " << i;
        ASSERT_EQ(out[3 + 2 * i], v & 0xFF) << start << " " << count << " " << i;
      }
      if (2u + 2u * count < out.size()) {
        EXPECT_EQ(out[2 + 2 * count], 0xEE);
      }
    }
  }
  // FC 23 answers its read part the same way.
  EXPECT_EQ(run("17 03E8 0005 0000 0001 02 0000"), "170A0102020403060408050A");
}

TEST_F(Handler, ReadsEveryTable) {
  EXPECT_EQ(run("03 0001 0003"), "0306000300060009");
  EXPECT_EQ(run("04 0008 0001"), "0402000A");
  EXPECT_EQ(run("01 0013 0003"), "010105");
  EXPECT_EQ(run("02 00C4 0001"), "020101");
  std::string max = run("03 0000 007D");
  EXPECT_EQ(max.size(), 2u * (2 + 250));
}

TEST_F(Handler, Writes) {
  EXPECT_EQ(run("06 0001 0003"), "0600010003");
  EXPECT_EQ(model_.bank(1)->holding[1], 3);
  EXPECT_EQ(run("10 0001 0002 04 000A 0102"), "1000010002");
  EXPECT_EQ(model_.bank(1)->holding[2], 0x0102);
  EXPECT_EQ(run("05 00AC FF00"), "0500ACFF00");
  EXPECT_TRUE(model_.bank(1)->coils[0xAC]);
  EXPECT_EQ(run("0F 0013 000A 02 CD 01"), "0F0013000A");
  EXPECT_TRUE(model_.bank(1)->coils[0x13 + 0]);
  EXPECT_FALSE(model_.bank(1)->coils[0x13 + 1]);
  EXPECT_TRUE(model_.bank(1)->coils[0x13 + 8]);
  // §6.16 example: current 0x0012, AND 0x00F2, OR 0x0025 -> 0x0017.
  model_.bank(1)->holding[4] = 0x0012;
  EXPECT_EQ(run("16 0004 00F2 0025"), "16000400F20025");
  EXPECT_EQ(model_.bank(1)->holding[4], 0x0017);
  // FC 23 writes before it reads.
  EXPECT_EQ(run("17 0010 0002 0010 0001 02 ABCD"), "1704ABCD0033");
}

TEST_F(Handler, Exceptions) {
  EXPECT_EQ(run("03 0000 007E"), "8303");          // quantity
  EXPECT_EQ(run("03 FFFF 0002"), "8302");          // address + quantity > 65536
  EXPECT_EQ(run("01 FFF0 0020"), "8102");
  EXPECT_EQ(run("42 0000"), "C201");               // unknown function
  EXPECT_EQ(run("03 00"), "8303");                 // truncated
  EXPECT_EQ(run("05 0000 1234"), "8503");
  EXPECT_EQ(run("14 07 06 0001 0002 0003"), "9401");  // no files
  EXPECT_EQ(run("08 0099 0000"), "8801");          // unknown diagnostics sub-function
  EXPECT_GE(handler_.counters().exception_errors, 8);
}

TEST_F(Handler, UnknownUnitAndBroadcast) {
  EXPECT_EQ(run("03 0000 0001", 9), "");  // RTU style: another device's request
  RequestHandler tcp(model_, RequestHandler::Options{true});
  std::array<std::uint8_t, kMaxPduSize> out{};
  const auto req = from_hex("03 0000 0001");
  ASSERT_EQ(tcp.handle(9, req, out), 2u);
  EXPECT_EQ(out[0], 0x83);
  EXPECT_EQ(out[1], 0x0A);
  // A broadcast write is executed and not answered.
  EXPECT_EQ(run("06 0007 0063", 1, true), "");
  EXPECT_EQ(model_.bank(1)->holding[7], 0x63);
}

TEST_F(Handler, Diagnostics) {
  EXPECT_EQ(run("08 0000 A537"), "0800" "00A537");
  run("03 0000 0001");
  EXPECT_EQ(run("08 000B 0000"), "08000B0003");  // 3 messages including this one
  EXPECT_EQ(run("08 000E 0000"), "08000E0004");
  EXPECT_EQ(run("08 000A 0000"), "08000A0000");  // clear
  EXPECT_EQ(run("08 000B 0000"), "08000B0001");
  EXPECT_EQ(run("07"), "0700");
  EXPECT_EQ(run("0B"), "0B00000003");
  EXPECT_EQ(run("0C"), "0C06000000040004");
  EXPECT_EQ(run("11"), "110201FF");
  // Listen only: nothing is answered until restart communications.
  EXPECT_EQ(run("08 0004 0000"), "");
  EXPECT_TRUE(handler_.listen_only());
  EXPECT_EQ(run("03 0000 0001"), "");
  EXPECT_EQ(run("08 0001 0000"), "0800010000");
  EXPECT_FALSE(handler_.listen_only());
  EXPECT_EQ(run("03 0000 0001"), "03020000");
}

TEST_F(Handler, DeviceIdentification) {
  // Basic stream: objects 0, 1, 2.
  auto r = run("2B 0E 01 00");
  EXPECT_EQ(r.substr(0, 14), "2B0E0181000003");
  const auto r_bytes = from_hex(r);
  auto d = decode_response(r_bytes);
  ASSERT_TRUE(d.ok());
  auto objs = std::get<ReadDeviceIdResponse>(*d).list();
  ASSERT_TRUE(objs.ok());
  ASSERT_EQ(objs->size(), 3u);
  EXPECT_EQ((*objs)[0].text(), "emscore");
  // Individual access.
  model_.set_device_id_object(4, "Test meter");
  const auto one_bytes = from_hex(run("2B 0E 04 04"));
  auto one = decode_response(one_bytes);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*std::get<ReadDeviceIdResponse>(*one).list())[0].text(), "Test meter");
  EXPECT_EQ(std::get<ReadDeviceIdResponse>(*one).conformity, 0x82);
  EXPECT_EQ(run("2B 0E 04 05"), "AB02");
  EXPECT_EQ(run("2B 0E 05 00"), "AB03");
  // A long regular stream is split with "more follows".
  for (std::uint8_t id = 3; id <= 6; ++id) model_.set_device_id_object(id, std::string(100, 'x'));
  const auto first_bytes = from_hex(run("2B 0E 02 00"));
  auto first = decode_response(first_bytes);
  ASSERT_TRUE(first.ok());
  const auto& f = std::get<ReadDeviceIdResponse>(*first);
  EXPECT_TRUE(f.more_follows);
  const auto rest_bytes = from_hex(run("2B 0E 02 " + to_hex({f.next_object_id})));
  auto rest = decode_response(rest_bytes);
  ASSERT_TRUE(rest.ok());
  EXPECT_FALSE(std::get<ReadDeviceIdResponse>(*rest).more_follows);
  EXPECT_EQ(f.object_count + std::get<ReadDeviceIdResponse>(*rest).object_count, 7);
}

TEST_F(Handler, FifoQueue) {
  model_.bank(1)->fifo = {0x01B8, 0x1284};
  EXPECT_EQ(run("18 04DE"), "1800060002" "01B81284");
  model_.bank(1)->fifo.assign(40, 1);
  const auto fifo_bytes = from_hex(run("18 04DE"));
  auto r = decode_response(fifo_bytes);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<ReadFifoQueueResponse>(*r).values.size(), 31u);
}

TEST_F(Handler, TinyOutputBufferIsRefused) {
  std::array<std::uint8_t, 10> small{};
  const auto req = from_hex("03 0000 0001");
  EXPECT_EQ(handler_.handle(1, req, small), 0u);
}

}  // namespace
}  // namespace emscore::modbus
