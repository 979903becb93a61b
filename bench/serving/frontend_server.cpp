// frontend_server: `moeserve serve` with the model replaced by the synthetic executor
// (synthetic_executor.hpp): the same flags, routes, actors, scheduler and tokenizer, so that
// bench/serving/frontend_cost.sh can measure the server's own CPU time per streamed token.
//
//   frontend_server --model models/SmolLM2-135M-Instruct.Q4_1.gguf --port 8100 --max-num-seqs 1024
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "app/serve_command.hpp"
#include "bench/serving/synthetic_executor.hpp"

int main(int argc, char** argv) {
  CLI::App cli("moeserve's server with no model: measures the front end's cost per token", "frontend_server");
  auto o = std::make_shared<moeserve::app::serve_options>();
  moeserve::app::add_serve_flags(&cli, o);
  CLI11_PARSE(cli, argc, argv);
  const moeserve::app::executor_factory synthetic = [](const moeserve::model::model_bundle& bundle,
                                                       const moeserve::app::serve_options& options,
                                                       const moeserve::quant::quantization_plan& plan) {
    // Ids 1000..1099 of a byte-level BPE vocabulary: ordinary word pieces, no special tokens.
    // The KV blocks are only the scheduler's bookkeeping here: as many as a 1 GiB FP32 cache.
    return std::unique_ptr<moeserve::model::step_executor>(std::make_unique<moeserve::bench::synthetic_executor>(
        bundle.config(), plan, options.block_size, 1 << 14, 1000, 100));
  };
  try {
    return moeserve::app::run_serve(*o, synthetic);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "frontend_server: %s\n", e.what());
    return 1;
  }
}
