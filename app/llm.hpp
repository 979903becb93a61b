#pragma once
// moeserve::LLM: offline generation without a server, as FastDeploy's LLM.generate:
//
//   moeserve::LLM llm({.model = "models/SmolLM2-135M-Instruct.Q4_1.gguf"});
//   moeserve::generation_params p;
//   p.sampling.temperature = 0.7f;
//   p.max_tokens = 64;
//   for (const auto& out : llm.generate(std::vector<std::string>{"The capital of France is"}, p)) std::cout << out.text;
//
// All prompts of a call run through the serving engine's own scheduler (engine/scheduler:
// continuous batching, chunked prefill of up to `prefill_chunk` tokens per step, prefix
// caching, preemption when the KV blocks run out) and the executor `device` names, as the
// server does.
// `chat` renders each conversation with the model's template first. A callback, when given, receives each
// sequence's text as it is produced (never a broken UTF-8 character, never part of a stop
// string).
//
// Threading: one call at a time per LLM object.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/runner/sampling_params.hpp"
#include "model/bundle/model_bundle.hpp"

namespace moeserve {

struct llm_options {
  std::filesystem::path model;  // a GGUF file or a Hugging Face model directory
  int threads = 0;              // CPU threads; 0: one per hardware thread
  int block_size = 64;          // KV cache block size, in tokens
  int prefill_chunk = 512;      // most tokens in one step (--max-num-batched-tokens)
  int max_num_seqs = 64;        // sequences in one step at most
  int max_model_len = 0;        // prompt + output cap; 0: the model's max_position_embeddings
  std::int64_t kv_cache_bytes = std::int64_t{512} << 20;  // KV cache size (FP32 on the CPU, or int8/fp8 codes)
  // --quantization: "" (as the checkpoint is), wint8, wint4, block_wise_fp8, wint2,
  // mix_quant, or a quantization_config JSON object (model/config/quantization_config_json.hpp).
  std::string quantization;
  std::string kv_cache_dtype = "auto";  // --kv-cache-dtype: auto, int8, fp8
  std::string device = "cpu";           // cpu, cuda, cuda:N or auto (app/executor_factory.hpp)
  double gpu_memory_utilization = 0.9;  // on a GPU: share of its memory the executor may take
  std::string load_format = "auto";     // dummy: random weights from config.json alone
  // No tokenizer (--skip-tokenizer-init): only generate_tokens and score work, outputs
  // carry token ids and no text.
  bool skip_tokenizer_init = false;
};

struct generation_params {
  model::sampling_params sampling;
  int max_tokens = 256;            // generated tokens at most
  std::vector<std::string> stop;   // stop strings (excluded from the text)
  std::vector<int> stop_token_ids; // besides the model's end-of-sequence ids
  bool ignore_eos = false;         // keep going past the model's end-of-sequence ids
  bool skip_special_tokens = true;
};

struct generation_output {
  std::vector<int> prompt_token_ids;
  std::vector<int> token_ids;  // generated, the stop token included
  std::string text;            // generated text
  std::string finish_reason;   // "stop" (stop id or string) or "length"
};

// Teacher-forced scoring of a token sequence: at each position i < n-1, the model's
// argmax after tokens[0..i] and the log-probability it gives to tokens[i + 1].
struct score_result {
  std::vector<int> argmax;
  std::vector<float> next_token_logprob;
};

// (sequence index, new text) as it is produced.
using text_callback = std::function<void(std::size_t, std::string_view)>;

class LLM {
 public:
  explicit LLM(const llm_options& options);
  ~LLM();
  LLM(const LLM&) = delete;
  LLM& operator=(const LLM&) = delete;

  // Throws std::invalid_argument for bad parameters, or a prompt that leaves no room for
  // output within max_model_len.
  std::vector<generation_output> generate(std::span<const std::string> prompts, const generation_params& params,
                                          const text_callback& on_text = {});
  std::vector<generation_output> generate_tokens(std::span<const std::vector<int>> prompts,
                                                 const generation_params& params, const text_callback& on_text = {});
  std::vector<generation_output> chat(std::span<const model::chat_request> conversations,
                                      const generation_params& params, const text_callback& on_text = {});
  score_result score(std::span<const int> tokens);

  const model::model_bundle& model() const;
  // Engine counters since construction: preemptions, and prompt tokens reused from the
  // prefix cache.
  std::int64_t preemptions() const;
  std::int64_t prefix_cache_hit_tokens() const;
  int max_model_len() const;
  std::string backend_name() const;
  // The quantization plan's name (W8A16C16, W4A16C8, ..., W16A16C16 when nothing is).
  std::string quantization_name() const;
  // Bytes of all weights as the backend keeps them (quantized, ggml blocks, FP32 or BF16),
  // and of the KV cache.
  std::size_t weight_bytes() const;
  std::size_t kv_cache_bytes() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace moeserve
