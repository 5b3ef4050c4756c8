// `emscore obis CODE...` — the canonical form and meaning of OBIS codes.
#include "boost/json/object.hpp"
#include "cli.hpp"
#include "emscore/obis/obis_code.hpp"
#include "emscore/obis/registry.hpp"
#include "fmt/core.h"

namespace {

using emscore::cli::Context;

int run_obis(std::span<const std::string> args, Context& ctx) {
  if (args.empty()) return emscore::cli::fail(ctx, "obis: give one or more OBIS codes, e.g. 1-0:1.8.1");
  int status = 0;
  for (const std::string& text : args) {
    auto code = emscore::obis::ObisCode::parse(text);
    if (!code.ok()) {
      emscore::cli::fail(ctx, code.status());
      status = 2;
      continue;
    }
    const auto d = emscore::obis::describe(*code);
    const auto medium = emscore::obis::medium_of_group_a(code->a);
    if (ctx.format == emscore::cli::Format::kText) {
      fmt::print(ctx.out, "{}  {}  {}{}\n", code->to_string(),
                 emscore::obis::medium_name(medium),
                 d ? d->description : std::string("(not in the registry)"),
                 d && d->unit != emscore::Unit::kNone
                     ? fmt::format(" [{}]", emscore::unit_symbol(d->unit))
                     : std::string());
      continue;
    }
    boost::json::object o;
    o["input"] = text;
    o["code"] = code->to_string();
    o["hex"] = code->to_hex();
    o["medium"] = emscore::obis::medium_name(medium);
    if (d) {
      o["description"] = d->description;
      o["unit"] = emscore::unit_symbol(d->unit);
      o["kind"] = emscore::obis::value_kind_name(d->kind);
    } else {
      o["description"] = nullptr;
      o["unit"] = nullptr;
      o["kind"] = nullptr;
    }
    emscore::cli::print_json(ctx, o);
  }
  return status;
}

}  // namespace

EMSCORE_CLI_COMMAND("obis", "canonical form, medium, meaning and unit of OBIS codes",
                    "CODE... (e.g. 1.8.1, 1-0:1.8.1*255, 0-1:24.2.1, 0100010801FF)", run_obis);
