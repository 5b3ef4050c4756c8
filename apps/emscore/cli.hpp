// apps/emscore/cli.hpp — the subcommand registry of the `emscore` tool.
//
// A module's file registers its commands at static-initialisation time:
//   EMSCORE_CLI_COMMAND("obis", "describe OBIS codes", run_obis);
// A handler gets its arguments (after the command name) and a Context. It prints its result
// to ctx.out (JSON by default, text with --format text), errors to ctx.err, and returns the
// exit status: 0 success, 1 failure at run time (device, I/O), 2 bad input or usage.
#pragma once

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "boost/json/value.hpp"

namespace emscore::cli {

enum class Format { kJson, kText };

struct Context {
  Format format = Format::kJson;
  std::FILE* out = stdout;
  std::FILE* err = stderr;
  std::FILE* in = stdin;
};

using Handler = int (*)(std::span<const std::string> args, Context& ctx);

struct Command {
  std::string_view name;     // may contain a space for two-word commands: "mbus decode"
  std::string_view summary;  // one line for `emscore --help`
  std::string_view usage;    // shown by `emscore <name> --help`
  Handler run;
};

bool register_command(const Command& c);
const std::vector<Command>& commands();

// Prints a JSON value on one line to ctx.out.
void print_json(Context& ctx, const boost::json::value& v);
// Prints "emscore: <message>" to ctx.err and returns `exit_status`.
int fail(Context& ctx, std::string_view message, int exit_status = 2);
int fail(Context& ctx, const absl::Status& status, int exit_status = 2);
// Reads all of ctx.in.
std::string read_all(std::FILE* f);

}  // namespace emscore::cli

#define EMSCORE_CLI_CONCAT2(a, b) a##b
#define EMSCORE_CLI_CONCAT(a, b) EMSCORE_CLI_CONCAT2(a, b)
#define EMSCORE_CLI_COMMAND(name, summary, usage, fn)                              \
  [[maybe_unused]] static const bool EMSCORE_CLI_CONCAT(emscore_cli_reg_, __LINE__) = \
      ::emscore::cli::register_command(::emscore::cli::Command{name, summary, usage, fn})
