// moeserve: the command line. Subcommands: generate (offline generation), serve (the
// OpenAI-compatible server), quantize (offline quantization of a checkpoint).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "app/config_file.hpp"
#include "app/generate_command.hpp"
#include "app/quantize_command.hpp"
#include "app/serve_command.hpp"

int main(int argc, char** argv) {
  CLI::App cli("moeserve: an actor-model LLM serving runtime", "moeserve");
  cli.require_subcommand(1);
  const auto generate = moeserve::app::add_generate_command(cli);
  const auto serve = moeserve::app::add_serve_command(cli);
  const auto quantize = moeserve::app::add_quantize_command(cli);
  try {
    auto args = moeserve::app::expand_config_files(cli, "serve", argc, argv);
    args.erase(args.begin());  // CLI11 takes the arguments without the program, last first
    std::reverse(args.begin(), args.end());
    cli.parse(args);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  } catch (const moeserve::app::config_file_error& e) {
    std::fprintf(stderr, "moeserve: %s\n", e.what());
    return 2;
  }
  try {
    if (const int rc = generate(); rc >= 0) return rc;
    if (const int rc = serve(); rc >= 0) return rc;
    if (const int rc = quantize(); rc >= 0) return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moeserve: %s\n", e.what());
    return 1;
  }
  return 0;
}
