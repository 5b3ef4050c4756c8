// emscore — the SDK's command-line tool. `emscore --help` lists the subcommands.
#include <string>
#include <vector>

#include "cli.hpp"
#include "fmt/core.h"

namespace {

void print_help(std::FILE* f) {
  fmt::print(f,
             "usage: emscore [--format json|text] <command> [args...]\n"
             "       emscore <command> --help\n\ncommands:\n");
  for (const auto& c : emscore::cli::commands()) fmt::print(f, "  {:<16} {}\n", c.name, c.summary);
  fmt::print(f, "\nOutput is JSON by default; errors go to stderr with a non-zero exit status.\n");
}

}  // namespace

int main(int argc, char** argv) {
  emscore::cli::Context ctx;
  std::vector<std::string> args(argv + 1, argv + argc);
  // Global options before the command.
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format" && i + 1 < args.size()) {
      const std::string& f = args[++i];
      if (f == "json") {
        ctx.format = emscore::cli::Format::kJson;
      } else if (f == "text") {
        ctx.format = emscore::cli::Format::kText;
      } else {
        return emscore::cli::fail(ctx, "--format takes json or text, got '" + f + "'");
      }
    } else if (a.rfind("--format=", 0) == 0) {
      const std::string f = a.substr(9);
      if (f != "json" && f != "text") {
        return emscore::cli::fail(ctx, "--format takes json or text, got '" + f + "'");
      }
      ctx.format = f == "json" ? emscore::cli::Format::kJson : emscore::cli::Format::kText;
    } else if (a == "--help" || a == "-h" || a == "help") {
      print_help(stdout);
      return 0;
    } else {
      break;
    }
  }
  if (i >= args.size()) {
    print_help(stderr);
    return 2;
  }
  // Longest command name that matches the next one or two words ("mbus decode" before "mbus").
  const emscore::cli::Command* found = nullptr;
  std::size_t words = 0;
  for (const auto& c : emscore::cli::commands()) {
    const std::string one = args[i];
    const std::string two = i + 1 < args.size() ? one + " " + args[i + 1] : std::string();
    if (c.name == two && words < 2) {
      found = &c;
      words = 2;
    } else if (c.name == one && words < 1) {
      found = &c;
      words = 1;
    }
  }
  if (found == nullptr) {
    std::string known;
    for (const auto& c : emscore::cli::commands()) known += std::string(known.empty() ? "" : ", ") + std::string(c.name);
    return emscore::cli::fail(ctx, "unknown command '" + args[i] + "' (known: " + known + ")");
  }
  std::vector<std::string> rest(args.begin() + static_cast<long>(i + words), args.end());
  for (const auto& r : rest) {
    if (r == "--help" || r == "-h") {
      fmt::print("usage: emscore {} {}\n{}\n", found->name, found->usage, found->summary);
      return 0;
    }
  }
  return found->run(rest, ctx);
}
