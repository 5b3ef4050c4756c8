// `emscore dsmr parse` as a user runs it: the JSON the issue specifies, on real vectors.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <vector>

#include "boost/json.hpp"

namespace {

namespace json = boost::json;

struct CliRun {
  int exit_status = -1;
  std::string out;
};

// For a single-quoted bash -c argument.
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out;
}

CliRun run(const std::string& args) {
  const std::string cmd =
      "bash -c '" + std::string(EMSCORE_CLI) + " " + escape(args) + " 2>/dev/null'";
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::vector<json::object> lines(const std::string& out) {
  std::vector<json::object> v;
  std::size_t pos = 0;
  while (pos < out.size()) {
    const std::size_t eol = out.find('\n', pos);
    v.push_back(json::parse(out.substr(pos, eol - pos)).as_object());
    if (eol == std::string::npos) break;
    pos = eol + 1;
  }
  return v;
}

std::string vec(const std::string& rel) {
  return std::string(EMSCORE_VECTORS_DIR) + "/dsmr/" + rel;
}

const json::object* find(const json::object& t, const std::string& obis) {
  for (const auto& o : t.at("objects").as_array()) {
    if (o.at("obis").as_string() == obis) return &o.as_object();
  }
  return nullptr;
}

TEST(DsmrCli, ParseDsmr5) {
  const CliRun r = run("dsmr parse " + vec("ndokter_dsmr_parser/telegram_v5.txt"));
  ASSERT_EQ(r.exit_status, 0);
  const auto t = lines(r.out);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].at("header").as_string(), "ISk5\\2MT382-1000");
  EXPECT_EQ(t[0].at("crc").as_string(), "ok");
  EXPECT_EQ(t[0].at("objects").as_array().size(), 37u);
  const json::object* e = find(t[0], "1-0:1.8.1");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(json::serialize(e->at("values")), R"([{"value":"4.426","unit":"kWh"}])");
  const json::object* gas = find(t[0], "0-1:24.2.1");
  ASSERT_NE(gas, nullptr);
  EXPECT_EQ(gas->at("timestamp").as_string(), "2017-01-02T15:10:05Z");
  EXPECT_EQ(json::serialize(gas->at("values")), R"([{"value":"0.107","unit":"m3"}])");
  EXPECT_EQ(find(t[0], "0-0:1.0.0")->at("timestamp").as_string(), "2017-01-02T18:20:02Z");
  EXPECT_EQ(json::serialize(find(t[0], "1-0:99.97.0")->at("values")),
            R"([{"value":"0","unit":null},{"value":"0-0:96.7.19","unit":null}])");
  EXPECT_EQ(find(t[0], "0-0:96.1.1")->at("values").as_array()[0].at("text").as_string(),
            "K8EG004046395507");
}

TEST(DsmrCli, StdinStreamLegacyAndMismatch) {
  // DSMR 2.2 (no CRC) and a telegram with a wrong CRC, on stdin.
  const CliRun r = run("dsmr parse - < " + vec("ndokter_dsmr_parser/telegram_v2_2.txt") +
                    " && true; cat " + vec("ndokter_dsmr_parser/telegram_v2_2.txt") + " " +
                    vec("nielsbasjes_dsmr-tools/TestDsmrParserOnSpecification50__testParseTestcaseFrom50Specification.txt") +
                    " | " + EMSCORE_CLI + " dsmr parse");
  const auto t = lines(r.out);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].at("crc").as_string(), "absent");
  const json::object* gas = find(t[0], "0-1:24.3.0");
  ASSERT_NE(gas, nullptr);
  EXPECT_EQ(gas->at("timestamp").as_string(), "2016-11-07T18:00:00Z");
  EXPECT_EQ(json::serialize(gas->at("values").as_array().back()),
            R"({"value":"1.001","unit":"m3"})");
  EXPECT_EQ(t[2].at("crc").as_string(), "mismatch");
}

TEST(DsmrCli, NonUtf8BytesGiveValidJson) {
  // A text group with a Latin-1 byte (0xE9) and a number padded with spaces.
  const CliRun r = run(std::string("dsmr parse < <(printf '/ABC5 meter\\r\\n\\r\\n") +
                       "0-0:96.13.0(caf\\351)\\r\\n1-0:99.1.0( 13 )\\r\\n!\\r\\n')");
  ASSERT_EQ(r.exit_status, 0) << r.out;
  const auto t = lines(r.out);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(find(t[0], "0-0:96.13.0")->at("values").as_array()[0].at("value").as_string(),
            "caf\xC3\xA9");
  EXPECT_EQ(find(t[0], "1-0:99.1.0")->at("values").as_array()[0].at("value").as_string(), "13");
}

TEST(DsmrCli, SmartyKey) {
  const std::string frame =
      vec("esphome-libs_dsmr_parser/encrypted/luxembourg_smarty_sagemcom_t210_d_r.encrypted.bin");
  CliRun r = run("dsmr parse --key AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA " + frame);
  ASSERT_EQ(r.exit_status, 0);
  auto t = lines(r.out);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].at("crc").as_string(), "ok");
  EXPECT_EQ(json::serialize(find(t[0], "1-0:1.8.0")->at("values")),
            R"([{"value":"6545766","unit":"Wh"}])");
  // A wrong key: no output, exit status 2.
  r = run("dsmr parse --key BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB " + frame);
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_TRUE(r.out.empty());
  // Not telegrams at all.
  r = run("dsmr parse /dev/null");
  EXPECT_EQ(r.exit_status, 2);
}

}  // namespace
