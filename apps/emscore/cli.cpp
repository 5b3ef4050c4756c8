#include "cli.hpp"

#include <algorithm>

#include "boost/json/serialize.hpp"
#include "emscore/core/strings.hpp"
#include "fmt/core.h"

namespace emscore::cli {

static std::vector<Command>& registry() {
  static std::vector<Command> r;
  return r;
}

bool register_command(const Command& c) {
  registry().push_back(c);
  std::sort(registry().begin(), registry().end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
  return true;
}

const std::vector<Command>& commands() { return registry(); }

void print_json(Context& ctx, const boost::json::value& v) {
  fmt::print(ctx.out, "{}\n", boost::json::serialize(v));
}

int fail(Context& ctx, std::string_view message, int exit_status) {
  fmt::print(ctx.err, "emscore: {}\n", message);
  return exit_status;
}

int fail(Context& ctx, const absl::Status& status, int exit_status) {
  return fail(ctx, emscore::to_std(status.message()), exit_status);
}

std::string read_all(std::FILE* f) {
  std::string s;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

}  // namespace emscore::cli
