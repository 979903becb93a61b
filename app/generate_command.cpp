#include "app/generate_command.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "app/llm.hpp"

namespace moeserve::app {

namespace {

struct generate_options {
  llm_options llm;
  std::string model;
  std::string prompt;
  std::string system;
  bool raw = false;
  generation_params gen;
  std::uint64_t seed = 0;
  bool has_seed = false;
};

int run_generate(const generate_options& o) {
  llm_options lo = o.llm;
  lo.model = o.model;
  LLM llm(lo);
  generation_params gen = o.gen;
  if (o.has_seed) gen.sampling.seed = o.seed;
  const bool chat = !o.raw && llm.model().chat() != nullptr;
  std::fprintf(stderr, "moeserve: %s, %s, %s (%.1f MiB of weights), %s prompt\n", o.model.c_str(),
               llm.backend_name().c_str(), llm.quantization_name().c_str(),
               static_cast<double>(llm.weight_bytes()) / (1 << 20), chat ? "chat" : "raw");
  const auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point first{};
  const auto on_text = [&](std::size_t, std::string_view text) {
    if (first == std::chrono::steady_clock::time_point{}) first = std::chrono::steady_clock::now();
    std::cout << text << std::flush;
  };
  std::vector<generation_output> out;
  if (chat) {
    model::chat_request request;
    if (!o.system.empty()) request.messages.push_back({.role = "system", .content = o.system});
    request.messages.push_back({.role = "user", .content = o.prompt});
    out = llm.chat(std::span(&request, 1), gen, on_text);
  } else {
    out = llm.generate(std::span(&o.prompt, 1), gen, on_text);
  }
  std::cout << std::endl;
  const auto end = std::chrono::steady_clock::now();
  if (first == std::chrono::steady_clock::time_point{}) first = end;
  const double ttft = std::chrono::duration<double>(first - start).count();
  const double decode = std::chrono::duration<double>(end - first).count();
  const auto n = out[0].token_ids.size();
  std::fprintf(stderr, "moeserve: %zu prompt tokens, %zu generated (%s); first token %.3f s, %.1f tokens/s after\n",
               out[0].prompt_token_ids.size(), n, out[0].finish_reason.c_str(), ttft,
               n > 1 && decode > 0 ? static_cast<double>(n - 1) / decode : 0.0);
  return 0;
}

}  // namespace

std::function<int()> add_generate_command(CLI::App& cli) {
  auto o = std::make_shared<generate_options>();
  auto* cmd = cli.add_subcommand("generate", "Generate text offline, streamed to the terminal");
  cmd->add_option("--model", o->model, "GGUF file or Hugging Face model directory")->required();
  cmd->add_option("--prompt", o->prompt, "The prompt (a user message unless --raw)")->required();
  cmd->add_option("--system", o->system, "A system message for chat prompts");
  cmd->add_flag("--raw", o->raw, "Send the prompt as plain text, without the chat template");
  cmd->add_option("--max-tokens", o->gen.max_tokens, "Most tokens to generate")->capture_default_str();
  cmd->add_option("--temperature", o->gen.sampling.temperature, "0 for greedy")->capture_default_str();
  cmd->add_option("--top-p", o->gen.sampling.top_p)->capture_default_str();
  cmd->add_option("--top-k", o->gen.sampling.top_k, "0: off")->capture_default_str();
  cmd->add_option("--min-p", o->gen.sampling.min_p)->capture_default_str();
  cmd->add_option("--repetition-penalty", o->gen.sampling.repetition_penalty)->capture_default_str();
  cmd->add_option("--presence-penalty", o->gen.sampling.presence_penalty)->capture_default_str();
  cmd->add_option("--frequency-penalty", o->gen.sampling.frequency_penalty)->capture_default_str();
  cmd->add_option("--seed", o->seed, "Makes sampling reproducible")->each([o](const std::string&) { o->has_seed = true; });
  cmd->add_option("--stop", o->gen.stop, "Stop string (repeatable)");
  cmd->add_flag("--ignore-eos", o->gen.ignore_eos, "Generate past the end-of-sequence token");
  cmd->add_option("--threads", o->llm.threads, "CPU threads (0: all)")->capture_default_str();
  cmd->add_option("--max-model-len", o->llm.max_model_len, "Prompt + output length cap (0: the model's)");
  cmd->add_option("--quantization", o->llm.quantization,
                  "wint8, wint4, block_wise_fp8, wint2, mix_quant or a quantization_config JSON object");
  cmd->add_option("--kv-cache-dtype", o->llm.kv_cache_dtype, "auto, int8 or fp8")
      ->check(CLI::IsMember({"auto", "int8", "fp8", "float8_e4m3fn"}))
      ->capture_default_str();
  o->llm.device = "auto";
  cmd->add_option("--load-format", o->llm.load_format, "auto, or dummy: random weights from config.json alone")
      ->check(CLI::IsMember({"auto", "dummy"}))
      ->capture_default_str();
  cmd->add_option("--device", o->llm.device, "auto (a GPU when present), cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--gpu-memory-utilization", o->llm.gpu_memory_utilization, "Share of the GPU's memory to use")
      ->check(CLI::Range(0.05, 1.0))
      ->capture_default_str();
  return [o, cmd]() -> int { return cmd->parsed() ? run_generate(*o) : -1; };
}

}  // namespace moeserve::app
