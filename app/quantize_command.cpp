#include "app/quantize_command.hpp"

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "app/quantize/checkpoint_quantizer.hpp"

namespace moeserve::app {
namespace {

struct quantize_flags {
  std::string model;
  std::string quantization;
  std::string output;
  int threads = 0;
  std::uint64_t max_shard_mb = 5 * 1024;
};

int run_quantize(const quantize_flags& f) {
  quantize_options o;
  o.model = f.model;
  o.quantization = f.quantization;
  o.output = f.output;
  o.threads = f.threads;
  o.max_shard_bytes = f.max_shard_mb << 20;
  o.on_progress = [](std::string_view line) { std::fprintf(stderr, "moeserve quantize: %.*s\n", static_cast<int>(line.size()), line.data()); };
  const auto start = std::chrono::steady_clock::now();
  const quantize_summary s = quantize_checkpoint(o);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr,
               "moeserve quantize: %s: %d weights quantized, %d tensors copied, %.1f MiB -> %.1f MiB in %.1f s; "
               "wrote %s\n",
               s.plan_name.c_str(), s.quantized_weights, s.copied_tensors, static_cast<double>(s.input_bytes) / (1 << 20),
               static_cast<double>(s.output_bytes) / (1 << 20), seconds, f.output.c_str());
  return 0;
}

}  // namespace

std::function<int()> add_quantize_command(CLI::App& cli) {
  auto f = std::make_shared<quantize_flags>();
  auto* cmd = cli.add_subcommand("quantize", "Quantize a Hugging Face checkpoint offline (wint8, wint4, fp8, wint2)");
  cmd->add_option("--model", f->model, "Hugging Face model directory (F32/BF16/F16 safetensors)")->required();
  cmd->add_option("--quantization", f->quantization,
                  "wint8 | wint4 | block_wise_fp8 | wint2 | a quantization_config JSON (inline or a .json file)")
      ->required();
  cmd->add_option("--output", f->output, "The directory to write (must not exist, or be empty)")->required();
  cmd->add_option("--threads", f->threads, "Threads encoding WINT2 (0: all)")->capture_default_str();
  cmd->add_option("--max-shard-mb", f->max_shard_mb, "Shard the weights above this many MiB per file")
      ->capture_default_str();
  return [f, cmd]() -> int { return cmd->parsed() ? run_quantize(*f) : -1; };
}

}  // namespace moeserve::app
