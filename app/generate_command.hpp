#pragma once
// `moeserve generate`: offline generation from the command line, streamed to stdout.
//
//   moeserve generate --model models/SmolLM2-135M-Instruct.Q4_1.gguf --prompt "What is 2+2?"
//
// The prompt is a chat user message rendered with the model's template unless --raw (or
// the model has no template); statistics (tokens, time to first token, tokens/s) go to
// stderr.
#include <CLI/CLI.hpp>

namespace moeserve::app {

// Adds the subcommand to `cli`; the returned function runs it (exit status).
std::function<int()> add_generate_command(CLI::App& cli);

}  // namespace moeserve::app
