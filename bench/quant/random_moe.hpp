#pragma once
// random_moe: writes a random-weight Qwen3-MoE checkpoint (Hugging Face layout: config.json
// + model.safetensors, F32) -- a MoE model big enough for the quantization accuracy table
// (bench/quant/quant_accuracy) and small enough for tests (tests/app/quantizer_test).
//
// Weights are deterministic for a seed (std::mt19937_64 + Box-Muller, so the same on every
// standard library): linear weights N(0, 1/K) (unit gain, so every layer matters), the
// router N(0, 1/K), embeddings N(0, embedding_std^2) (tied to the LM head, so the logits
// have a spread of about sqrt(hidden) * embedding_std), norms 1. Every layer is a MoE layer
// (decoder_sparse_step 1, no mlp_only_layers).
//
// Threading: one call at a time per directory.
#include <cstdint>
#include <filesystem>

namespace moeserve::bench {

struct random_moe_spec {
  int vocab_size = 320;
  int hidden_size = 128;
  int num_layers = 2;
  int num_heads = 4;
  int num_kv_heads = 2;
  int head_dim = 32;
  int num_experts = 4;
  int experts_per_token = 2;
  int moe_intermediate_size = 128;
  int max_position_embeddings = 4096;
  float embedding_std = 0.1f;
  std::uint64_t seed = 1;
};

// Writes `directory`/config.json and model.safetensors (the directory is created).
void write_random_moe(const std::filesystem::path& directory, const random_moe_spec& spec);

}  // namespace moeserve::bench
