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
#include <memory>
#include <string>
#include <vector>

#include "model/runner/step_executor.hpp"
#include "model/bundle/model_bundle.hpp"
#include "quant/quantization_plan.hpp"

namespace moeserve::app {

// The flags of `moeserve serve`.
struct serve_options {
  std::string model;
  std::string host = "127.0.0.1";
  int port = 8000;
  int metrics_port = 0;
  std::vector<std::string> served_model_name;
  std::string api_key;
  int max_model_len = 0;
  int max_num_seqs = 64;
  int max_num_batched_tokens = 2048;
  int block_size = 64;
  int max_queued_requests = 256;
  int threads = 0;
  int io_threads = 2;
  double shutdown_timeout = 30;
  double kv_cache_gib = 1.0;            // the CPU's KV cache
  std::string device = "auto";          // auto | cpu | cuda | cuda:N (app/executor_factory.hpp)
  double gpu_memory_utilization = 0.9;  // share of a GPU's memory the executor may take
  int tensor_parallel_size = 1;         // only 1 is implemented: another value is refused
  bool use_cudagraph = false;           // not implemented yet: refused when set
  std::string load_format = "auto";     // auto | dummy (random weights from config.json)
  std::string quantization;             // "" | wint8 | wint4 | block_wise_fp8 | wint2 | mix_quant | JSON
  std::string kv_cache_dtype = "auto";  // auto | int8 | fp8
  bool enable_prefix_caching = true;
  bool enable_chunked_prefill = true;
  std::string config;     // read before parsing (config_file.hpp); kept for --help
  std::string log_level = "info";
  std::vector<std::string> ignored;
};

// Makes the engine's executor for the model with the resolved quantization plan: the one
// --device names for `moeserve serve` (app/executor_factory.hpp); the front-end benchmark
// (bench/serving) passes one that skips the model. The executor sizes its KV cache; the
// scheduler's block pool is built from its num_blocks().
using executor_factory = std::function<std::unique_ptr<model::step_executor>(
    const model::model_bundle& bundle, const serve_options& options, const quant::quantization_plan& plan)>;

// The flags that are accepted but whose feature is not implemented: a one-line message
// for the first such flag set, empty when none is.
std::string unimplemented_serve_flag(const serve_options& o);

// The quantization plan of --quantization / --kv-cache-dtype for `config`'s model (throws
// std::invalid_argument / config_error for a bad or conflicting request).
quant::quantization_plan serve_quantization(const serve_options& o, const model::model_config& config);

// Declares the serve flags on `cmd`, writing into `o` when parsed.
void add_serve_flags(CLI::App* cmd, const std::shared_ptr<serve_options>& o);
// Runs the server until SIGINT/SIGTERM and the drain; returns the exit status.
int run_serve(const serve_options& o, const executor_factory& make_executor);
// The `serve` subcommand on the executor --device names; the returned function runs it
// when it was the parsed subcommand (-1 otherwise).
std::function<int()> add_serve_command(CLI::App& cli);

}  // namespace moeserve::app
