#include "bench/quant/random_moe.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "model/io/safetensors_writer.hpp"

namespace moeserve::bench {
namespace {

// Standard normal values from a seeded engine (Box-Muller on the engine's raw bits).
void fill_normal(std::span<std::byte> out, std::uint64_t seed, float std_dev) {
  std::mt19937_64 rng(seed);
  const std::size_t n = out.size() / sizeof(float);
  std::vector<float> v(n);
  const auto uniform = [&rng] { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; };
  for (std::size_t i = 0; i < n; i += 2) {
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double a = 2.0 * 3.14159265358979323846 * uniform();
    v[i] = static_cast<float>(r * std::cos(a)) * std_dev;
    if (i + 1 < n) v[i + 1] = static_cast<float>(r * std::sin(a)) * std_dev;
  }
  std::memcpy(out.data(), v.data(), out.size());
}

void fill_ones(std::span<std::byte> out) {
  const float one = 1.0f;
  for (std::size_t i = 0; i + 4 <= out.size(); i += 4) std::memcpy(out.data() + i, &one, 4);
}

}  // namespace

void write_random_moe(const std::filesystem::path& directory, const random_moe_spec& s) {
  model::safetensors_writer w;
  std::uint64_t stream = s.seed * 1000003u;
  const auto normal = [&](const std::string& name, std::int64_t rows, std::int64_t cols, float std_dev) {
    const std::uint64_t seed = ++stream;
    w.add(name, model::dtype::f32, {rows, cols},
          [seed, std_dev](std::span<std::byte> out) { fill_normal(out, seed, std_dev); });
  };
  const auto linear = [&](const std::string& name, std::int64_t n, std::int64_t k) {
    normal(name, n, k, 1.0f / std::sqrt(static_cast<float>(k)));
  };
  const auto ones = [&](const std::string& name, std::int64_t n) {
    w.add(name, model::dtype::f32, {n}, [](std::span<std::byte> out) { fill_ones(out); });
  };
  const std::int64_t h = s.hidden_size, q = std::int64_t{s.num_heads} * s.head_dim,
                     kv = std::int64_t{s.num_kv_heads} * s.head_dim, f = s.moe_intermediate_size;
  normal("model.embed_tokens.weight", s.vocab_size, h, s.embedding_std);
  ones("model.norm.weight", h);
  for (int l = 0; l < s.num_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    ones(p + "input_layernorm.weight", h);
    ones(p + "post_attention_layernorm.weight", h);
    ones(p + "self_attn.q_norm.weight", s.head_dim);
    ones(p + "self_attn.k_norm.weight", s.head_dim);
    linear(p + "self_attn.q_proj.weight", q, h);
    linear(p + "self_attn.k_proj.weight", kv, h);
    linear(p + "self_attn.v_proj.weight", kv, h);
    linear(p + "self_attn.o_proj.weight", h, q);
    linear(p + "mlp.gate.weight", s.num_experts, h);
    for (int e = 0; e < s.num_experts; ++e) {
      const std::string x = p + "mlp.experts." + std::to_string(e) + ".";
      linear(x + "gate_proj.weight", f, h);
      linear(x + "up_proj.weight", f, h);
      linear(x + "down_proj.weight", h, f);
    }
  }
  w.set_metadata("format", "pt");
  w.write_checkpoint(directory, std::uint64_t{1} << 40);

  std::ofstream config(directory / "config.json", std::ios::trunc);
  config << "{\n  \"architectures\": [\"Qwen3MoeForCausalLM\"],\n  \"model_type\": \"qwen3_moe\",\n"
         << "  \"vocab_size\": " << s.vocab_size << ",\n  \"hidden_size\": " << s.hidden_size
         << ",\n  \"intermediate_size\": " << s.moe_intermediate_size * 2
         << ",\n  \"moe_intermediate_size\": " << s.moe_intermediate_size
         << ",\n  \"num_hidden_layers\": " << s.num_layers << ",\n  \"num_attention_heads\": " << s.num_heads
         << ",\n  \"num_key_value_heads\": " << s.num_kv_heads << ",\n  \"head_dim\": " << s.head_dim
         << ",\n  \"num_experts\": " << s.num_experts << ",\n  \"num_experts_per_tok\": " << s.experts_per_token
         << ",\n  \"norm_topk_prob\": true,\n  \"decoder_sparse_step\": 1,\n  \"mlp_only_layers\": [],\n"
         << "  \"max_position_embeddings\": " << s.max_position_embeddings
         << ",\n  \"rms_norm_eps\": 1e-06,\n  \"rope_theta\": 1000000.0,\n  \"hidden_act\": \"silu\",\n"
         << "  \"attention_bias\": false,\n  \"tie_word_embeddings\": true,\n  \"bos_token_id\": 1,\n"
         << "  \"eos_token_id\": 2,\n  \"torch_dtype\": \"float32\"\n}\n";
  config.close();
  if (!config) throw std::runtime_error((directory / "config.json").string() + ": write failed");
}

}  // namespace moeserve::bench
