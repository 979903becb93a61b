// moeserve: the command line. Subcommands: generate (offline generation), serve (the
// OpenAI-compatible server); the quantizer joins here when it is built.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "app/generate_command.hpp"
#include "app/serve_command.hpp"

int main(int argc, char** argv) {
  CLI::App cli("moeserve: an actor-model LLM serving runtime", "moeserve");
  cli.require_subcommand(1);
  const auto generate = moeserve::app::add_generate_command(cli);
  const auto serve = moeserve::app::add_serve_command(cli);
  CLI11_PARSE(cli, argc, argv);
  try {
    if (const int rc = generate(); rc >= 0) return rc;
    if (const int rc = serve(); rc >= 0) return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moeserve: %s\n", e.what());
    return 1;
  }
  return 0;
}
