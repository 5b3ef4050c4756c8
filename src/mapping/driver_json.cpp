#include "emscore/mapping/driver_json.hpp"

#include <array>
#include <fstream>
#include <span>
#include <initializer_list>
#include <optional>
#include <sstream>

#include "boost/json.hpp"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/mapping/json_reader.hpp"

namespace emscore::mapping {
namespace json = boost::json;

namespace {

// The shared reader (json_reader.hpp): paths in errors, unknown keys refused.
using Reader = JsonReader;

absl::StatusOr<Unit> unit_from(const Reader& r, std::string_view key, Unit fallback, bool* present = nullptr) {
  const json::value* x = r.find(key);
  if (present) *present = x != nullptr;
  if (x == nullptr) return fallback;
  EMSCORE_ASSIGN_OR_RETURN(std::string s, r.string(key, true));
  auto u = parse_unit(s);
  if (!u) return r.child(key).error(str_cat("\"", s, "\" is not a unit (e.g. kWh, Wh, V, A, W, m^3)"));
  return *u;
}

absl::StatusOr<Meaning> meaning_from(const Reader& r) {
  Meaning m;
  EMSCORE_ASSIGN_OR_RETURN(m.name, r.string("name", true));
  EMSCORE_ASSIGN_OR_RETURN(std::string obis_text, r.string("obis", false));
  if (!obis_text.empty()) {
    auto code = obis::ObisCode::parse(obis_text);
    if (!code.ok()) return r.child("obis").error(to_std(code.status().message()));
    m.obis = *code;
  }
  EMSCORE_ASSIGN_OR_RETURN(m.unit, unit_from(r, "unit", Unit::kNone));
  bool has_out = false;
  EMSCORE_ASSIGN_OR_RETURN(Unit out, unit_from(r, "output_unit", Unit::kNone, &has_out));
  if (has_out) m.output_unit = out;
  EMSCORE_ASSIGN_OR_RETURN(m.scaling.factor, r.decimal("factor", Value(1, 0)));
  EMSCORE_ASSIGN_OR_RETURN(m.scaling.divisor, r.decimal("divisor", Value(1, 0)));
  if (m.scaling.divisor.mantissa == 0) return r.child("divisor").error("must not be zero");
  EMSCORE_ASSIGN_OR_RETURN(auto tariff, r.integer("tariff", false, 0, 255));
  EMSCORE_ASSIGN_OR_RETURN(auto phase, r.integer("phase", false, 0, 3));
  m.tariff = static_cast<std::uint8_t>(tariff);
  m.phase = static_cast<std::uint8_t>(phase);
  EMSCORE_ASSIGN_OR_RETURN(m.save, r.boolean("save", true));
  return m;
}

constexpr std::array<std::string_view, 9> kMeaningKeys = {
    "name", "obis", "unit", "output_unit", "factor", "divisor", "tariff", "phase", "save"};

std::vector<std::string_view> keys(std::span<const std::string_view> a,
                                   std::initializer_list<std::string_view> b) {
  std::vector<std::string_view> v(a.begin(), a.end());
  v.insert(v.end(), b);
  return v;
}

absl::Status expect_keys(const Reader& r, const std::vector<std::string_view>& known) {
  return r.expect_object(std::span<const std::string_view>(known));
}

absl::StatusOr<std::vector<ExpectedReading>> expectations(const Reader& t) {
  std::vector<ExpectedReading> out;
  EMSCORE_ASSIGN_OR_RETURN(const json::array* arr, t.array("expect", true));
  for (std::size_t i = 0; i < arr->size(); ++i) {
    Reader e((*arr)[i], str_cat(t.path(), ".expect[", i, "]"), t.origin());
    EMSCORE_RETURN_IF_ERROR(e.expect_object({"obis", "value", "unit"}));
    EMSCORE_ASSIGN_OR_RETURN(std::string code_text, e.string("obis", true));
    auto code = obis::ObisCode::parse(code_text);
    if (!code.ok()) return e.child("obis").error(to_std(code.status().message()));
    EMSCORE_ASSIGN_OR_RETURN(std::string value_text, e.string("value", true));
    EMSCORE_ASSIGN_OR_RETURN(Unit unit, unit_from(e, "unit", Unit::kNone));
    auto v = Value::parse(value_text, unit);
    if (!v.ok()) return e.child("value").error(to_std(v.status().message()));
    out.push_back(ExpectedReading{*code, *v});
  }
  return out;
}

// "68 F4 F4 68 08 ..." or "68f4f468..." -> bytes.
absl::StatusOr<std::vector<std::uint8_t>> hex_bytes(const Reader& at, std::string_view text) {
  std::vector<std::uint8_t> out;
  int high = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) return at.error(str_cat("character ", i, " ('", std::string(1, c), "') is not a hex digit"));
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) return at.error("odd number of hex digits");
  if (out.empty()) return at.error("expected the frame's bytes in hex, got nothing");
  return out;
}

enum class Numbering { kPdu, kOneBased, kModicon };

std::optional<Numbering> parse_numbering(std::string_view s) {
  if (s == "pdu") return Numbering::kPdu;
  if (s == "one_based") return Numbering::kOneBased;
  if (s == "modicon") return Numbering::kModicon;
  return std::nullopt;
}

// Turns an address as the driver writes it into (table, PDU address).
//   pdu:       the address on the wire, 0-65535
//   one_based: register n is address n-1, 1-65536
//   modicon:   the table in the leading digit, 5 or 6 digits: 00001/000001 coil 0,
//              10001 discrete input 0, 30001 input register 0, 40001 holding register 0
absl::StatusOr<std::pair<Table, std::uint16_t>> locate(const Reader& at, Numbering n, std::int64_t number,
                                                       Table table, bool table_given) {
  switch (n) {
    case Numbering::kPdu:
      if (number > 65535) return at.error(str_cat(number, " is out of range, expected 0-65535"));
      return std::pair{table, static_cast<std::uint16_t>(number)};
    case Numbering::kOneBased:
      if (number < 1 || number > 65536) return at.error(str_cat(number, " is out of range, expected 1-65536"));
      return std::pair{table, static_cast<std::uint16_t>(number - 1)};
    case Numbering::kModicon: {
      const std::int64_t scale = number >= 100000 ? 100000 : 10000;
      const std::int64_t prefix = number / scale;
      const std::int64_t offset = number % scale - 1;
      std::optional<Table> implied;
      if (prefix == 0) implied = Table::kCoil;
      if (prefix == 1) implied = Table::kDiscreteInput;
      if (prefix == 3) implied = Table::kInputRegister;
      if (prefix == 4) implied = Table::kHoldingRegister;
      if (!implied || offset < 0 || offset > 65535) {
        return at.error(str_cat(number, " is not a Modicon register number (0xxxx coil, 1xxxx discrete input, "
                                        "3xxxx input, 4xxxx holding, counting from 1)"));
      }
      if (table_given && *implied != table) {
        return at.error(str_cat(number, " is a ", table_name(*implied), " register but the table is ",
                                table_name(table)));
      }
      return std::pair{*implied, static_cast<std::uint16_t>(offset)};
    }
  }
  return at.error("unknown numbering");
}

absl::StatusOr<DriverFile> modbus_from(const Reader& root) {
  EMSCORE_RETURN_IF_ERROR(expect_keys(root, {"kind", "id", "manufacturer", "model", "description",
                                             "source", "numbering", "defaults", "fields", "tests"}));
  ModbusDriver d;
  EMSCORE_ASSIGN_OR_RETURN(d.id, root.string("id", true));
  EMSCORE_ASSIGN_OR_RETURN(d.manufacturer, root.string("manufacturer", false));
  EMSCORE_ASSIGN_OR_RETURN(d.model, root.string("model", false));
  EMSCORE_ASSIGN_OR_RETURN(d.description, root.string("description", false));
  EMSCORE_ASSIGN_OR_RETURN(d.source, root.string("source", false));
  EMSCORE_ASSIGN_OR_RETURN(std::string numbering_text, root.string("numbering", false, "pdu"));
  const auto numbering = parse_numbering(numbering_text);
  if (!numbering) {
    return root.child("numbering").error(str_cat("\"", numbering_text,
        "\", expected \"pdu\" (0-based addresses), \"one_based\" or \"modicon\" (30001 = input register 0)"));
  }
  // Defaults for every field.
  std::string def_table = "holding", def_type = "uint16", def_order = "ABCD";
  if (root.find("defaults") != nullptr) {
    Reader defs = root.child("defaults");
    EMSCORE_RETURN_IF_ERROR(defs.expect_object({"table", "type", "order"}));
    EMSCORE_ASSIGN_OR_RETURN(def_table, defs.string("table", false, def_table));
    EMSCORE_ASSIGN_OR_RETURN(def_type, defs.string("type", false, def_type));
    EMSCORE_ASSIGN_OR_RETURN(def_order, defs.string("order", false, def_order));
    if (!parse_table(def_table)) {
      return defs.child("table").error(str_cat("\"", def_table, "\", expected coil, discrete_input, holding or input"));
    }
    if (!modbus::parse_value_type(def_type).ok()) {
      return defs.child("type").error(str_cat("\"", def_type, "\" is not a value type (expected uint16, int16, "
                                              "uint32, int32, uint64, int64, float32, float64)"));
    }
    if (!modbus::parse_word_order(def_order).ok()) {
      return defs.child("order").error(str_cat("\"", def_order, "\", expected ABCD, CDAB, BADC or DCBA"));
    }
  }
  EMSCORE_ASSIGN_OR_RETURN(const json::array* fields, root.array("fields", true));
  for (std::size_t i = 0; i < fields->size(); ++i) {
    Reader f((*fields)[i], str_cat(root.path(), ".fields[", i, "]"), root.origin());
    EMSCORE_RETURN_IF_ERROR(expect_keys(f, keys(kMeaningKeys, {"address", "table", "type", "order"})));
    ModbusField mf;
    EMSCORE_ASSIGN_OR_RETURN(mf.meaning, meaning_from(f));
    EMSCORE_ASSIGN_OR_RETURN(std::string table, f.string("table", false, def_table));
    auto t = parse_table(table);
    if (!t) return f.child("table").error(str_cat("\"", table, "\", expected coil, discrete_input, holding or input"));
    const bool table_given = f.find("table") != nullptr;
    EMSCORE_ASSIGN_OR_RETURN(auto addr, f.integer("address", true, 0, 465536));
    EMSCORE_ASSIGN_OR_RETURN(auto located, locate(f.child("address"), *numbering, addr, *t, table_given));
    mf.table = located.first;
    mf.address = located.second;
    EMSCORE_ASSIGN_OR_RETURN(std::string type, f.string("type", false, def_type));
    auto vt = modbus::parse_value_type(type);
    if (!vt.ok()) {
      return f.child("type").error(str_cat("\"", type, "\" is not a value type (expected uint16, int16, "
                                           "uint32, int32, uint64, int64, float32, float64)"));
    }
    mf.type = is_bit_table(mf.table) ? modbus::ValueType::kU16 : *vt;
    EMSCORE_ASSIGN_OR_RETURN(std::string order, f.string("order", false, def_order));
    auto wo = modbus::parse_word_order(order);
    if (!wo.ok()) return f.child("order").error(str_cat("\"", order, "\", expected ABCD, CDAB, BADC or DCBA"));
    mf.order = *wo;
    d.fields.push_back(std::move(mf));
  }
  auto valid = validate(d);
  if (!valid.ok()) return root.error(to_std(valid.message()));

  DriverFile file{d, {}, {}};
  EMSCORE_ASSIGN_OR_RETURN(const json::array* tests, root.array("tests", false));
  if (tests != nullptr) {
    for (std::size_t i = 0; i < tests->size(); ++i) {
      Reader t((*tests)[i], str_cat(root.path(), ".tests[", i, "]"), root.origin());
      EMSCORE_RETURN_IF_ERROR(t.expect_object({"name", "blocks", "expect"}));
      ModbusGoldenTest g;
      EMSCORE_ASSIGN_OR_RETURN(g.name, t.string("name", false, str_cat("test ", i)));
      EMSCORE_ASSIGN_OR_RETURN(const json::array* blocks, t.array("blocks", true));
      for (std::size_t b = 0; b < blocks->size(); ++b) {
        Reader br((*blocks)[b], str_cat(t.path(), ".blocks[", b, "]"), root.origin());
        EMSCORE_RETURN_IF_ERROR(br.expect_object({"table", "start", "values"}));
        EMSCORE_ASSIGN_OR_RETURN(std::string table, br.string("table", true));
        auto tt = parse_table(table);
        if (!tt) return br.child("table").error(str_cat("\"", table, "\", expected coil, discrete_input, holding or input"));
        EMSCORE_ASSIGN_OR_RETURN(auto start_number, br.integer("start", true, 0, 465536));
        EMSCORE_ASSIGN_OR_RETURN(auto start, locate(br.child("start"), *numbering, start_number, *tt, true));
        EMSCORE_ASSIGN_OR_RETURN(const json::array* vals, br.array("values", true));
        std::vector<std::uint16_t> regs;
        for (std::size_t k = 0; k < vals->size(); ++k) {
          const json::value& x = (*vals)[k];
          if (!(x.is_int64() && x.as_int64() >= 0 && x.as_int64() <= 65535) &&
              !(x.is_uint64() && x.as_uint64() <= 65535)) {
            return Reader(x, str_cat(br.path(), ".values[", k, "]"), root.origin())
                .error("expected a register value 0-65535");
          }
          regs.push_back(static_cast<std::uint16_t>(x.to_number<std::uint64_t>()));
        }
        g.tables.push_back(start.first);
        g.starts.push_back(start.second);
        g.values.push_back(std::move(regs));
      }
      EMSCORE_ASSIGN_OR_RETURN(g.expect, expectations(t));
      file.modbus_tests.push_back(std::move(g));
    }
  }
  return file;
}

absl::StatusOr<DriverFile> mbus_from(const Reader& root) {
  EMSCORE_RETURN_IF_ERROR(expect_keys(root, {"kind", "id", "description", "source", "match", "fields", "tests"}));
  MbusDriver d;
  EMSCORE_ASSIGN_OR_RETURN(d.id, root.string("id", true));
  EMSCORE_ASSIGN_OR_RETURN(d.description, root.string("description", false));
  EMSCORE_ASSIGN_OR_RETURN(d.source, root.string("source", false));
  if (root.find("match") == nullptr) return root.error("missing \"match\"");
  Reader m = root.child("match");
  EMSCORE_RETURN_IF_ERROR(m.expect_object({"manufacturer", "medium", "version", "records"}));
  EMSCORE_ASSIGN_OR_RETURN(d.match.manufacturer, m.string("manufacturer", true));
  EMSCORE_ASSIGN_OR_RETURN(auto medium, m.integer("medium", true, 0, 255));
  EMSCORE_ASSIGN_OR_RETURN(auto version, m.integer("version", true, 0, 255));
  EMSCORE_ASSIGN_OR_RETURN(auto records, m.integer("records", true, 1, 10000));
  d.match.medium = static_cast<std::uint8_t>(medium);
  d.match.version = static_cast<std::uint8_t>(version);
  d.match.records = static_cast<std::uint32_t>(records);
  EMSCORE_ASSIGN_OR_RETURN(const json::array* fields, root.array("fields", true));
  for (std::size_t i = 0; i < fields->size(); ++i) {
    Reader f((*fields)[i], str_cat(root.path(), ".fields[", i, "]"), root.origin());
    EMSCORE_RETURN_IF_ERROR(expect_keys(f, keys(kMeaningKeys, {"record", "storage"})));
    MbusField mf;
    EMSCORE_ASSIGN_OR_RETURN(mf.meaning, meaning_from(f));
    EMSCORE_ASSIGN_OR_RETURN(auto rec, f.integer("record", true, 0, 9999));
    mf.record = static_cast<std::uint32_t>(rec);
    EMSCORE_ASSIGN_OR_RETURN(auto storage, f.integer("storage", false, 0, (std::int64_t{1} << 41) - 1));
    mf.storage = static_cast<std::uint64_t>(storage);
    d.fields.push_back(std::move(mf));
  }
  auto valid = validate(d);
  if (!valid.ok()) return root.error(to_std(valid.message()));
  DriverFile file{d, {}, {}};
  EMSCORE_ASSIGN_OR_RETURN(const json::array* tests, root.array("tests", false));
  if (tests != nullptr) {
    for (std::size_t i = 0; i < tests->size(); ++i) {
      Reader t((*tests)[i], str_cat(root.path(), ".tests[", i, "]"), root.origin());
      EMSCORE_RETURN_IF_ERROR(t.expect_object({"name", "frame", "expect"}));
      MbusGoldenTest g;
      EMSCORE_ASSIGN_OR_RETURN(g.name, t.string("name", false, str_cat("test ", i)));
      EMSCORE_ASSIGN_OR_RETURN(g.frame_hex, t.string("frame", true));
      EMSCORE_ASSIGN_OR_RETURN(g.frame, hex_bytes(t.child("frame"), g.frame_hex));
      EMSCORE_ASSIGN_OR_RETURN(g.expect, expectations(t));
      file.mbus_tests.push_back(std::move(g));
    }
  }
  return file;
}

json::object meaning_to_json(const Meaning& m) {
  json::object o;
  o["name"] = m.name;
  if (m.obis) o["obis"] = m.obis->to_string();
  o["unit"] = std::string(unit_symbol(m.unit));
  if (m.output_unit) o["output_unit"] = std::string(unit_symbol(*m.output_unit));
  o["factor"] = m.scaling.factor.to_string();
  o["divisor"] = m.scaling.divisor.to_string();
  o["tariff"] = m.tariff;
  o["phase"] = m.phase;
  o["save"] = m.save;
  return o;
}

}  // namespace

std::vector<RegisterBlock> ModbusGoldenTest::blocks() const {
  std::vector<RegisterBlock> out;
  for (std::size_t i = 0; i < values.size(); ++i) out.push_back(RegisterBlock{tables[i], starts[i], values[i]});
  return out;
}

absl::StatusOr<DriverFile> parse_driver_file(std::string_view text, std::string_view origin) {
  EMSCORE_ASSIGN_OR_RETURN(const json::value root_value, parse_json_text(text, origin));
  Reader root(root_value, "$", origin);
  if (!root_value.is_object()) return root.error("expected an object");
  EMSCORE_ASSIGN_OR_RETURN(std::string kind, root.string("kind", true));
  if (kind == "modbus") return modbus_from(root);
  if (kind == "mbus") return mbus_from(root);
  return root.child("kind").error(str_cat("\"", kind, "\", expected \"modbus\" or \"mbus\""));
}

absl::StatusOr<DriverFile> load_driver_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(str_cat("mapping: cannot open ", path));
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_driver_file(ss.str(), path);
}

json::value driver_to_json(const Driver& d) {
  json::object o;
  if (const auto* m = std::get_if<ModbusDriver>(&d)) {
    o["kind"] = "modbus";
    o["id"] = m->id;
    o["manufacturer"] = m->manufacturer;
    o["model"] = m->model;
    o["description"] = m->description;
    o["source"] = m->source;
    o["numbering"] = "pdu";
    json::array fields;
    for (const ModbusField& f : m->fields) {
      json::object fo = meaning_to_json(f.meaning);
      fo["address"] = f.address;
      fo["table"] = std::string(table_name(f.table));
      fo["type"] = std::string(modbus::value_type_name(f.type));
      fo["order"] = std::string(modbus::word_order_name(f.order));
      fields.push_back(std::move(fo));
    }
    o["fields"] = std::move(fields);
  } else {
    const auto& b = std::get<MbusDriver>(d);
    o["kind"] = "mbus";
    o["id"] = b.id;
    o["description"] = b.description;
    o["source"] = b.source;
    o["match"] = {{"manufacturer", b.match.manufacturer},
                  {"medium", b.match.medium},
                  {"version", b.match.version},
                  {"records", b.match.records}};
    json::array fields;
    for (const MbusField& f : b.fields) {
      json::object fo = meaning_to_json(f.meaning);
      fo["record"] = f.record;
      fo["storage"] = f.storage;
      fields.push_back(std::move(fo));
    }
    o["fields"] = std::move(fields);
  }
  return o;
}

std::string driver_to_json_text(const Driver& d) { return json::serialize(driver_to_json(d)); }

}  // namespace emscore::mapping
