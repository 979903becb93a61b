#pragma once
// `moeserve serve`: the OpenAI-compatible server (REFERENCE.md "Server flags").
//
//   moeserve serve --model models/SmolLM2-135M-Instruct.Q4_1.gguf --port 8000
//
// The actor graph: HTTP sessions (Asio strands) -> a generation actor per request
// (tokenize, stream) -> the Scheduler -> the Executor (the CPU executor on its own thread).
// SIGINT/SIGTERM: new requests get 503, running ones may finish within --shutdown-timeout,
// then those left end with an error event and the server stops.
#include <CLI/CLI.hpp>
#include <functional>

namespace moeserve::app {

std::function<int()> add_serve_command(CLI::App& cli);

}  // namespace moeserve::app
