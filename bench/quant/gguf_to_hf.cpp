#include "bench/quant/gguf_to_hf.hpp"

#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/arch/model_files.hpp"
#include "model/io/dequantize.hpp"
#include "model/io/safetensors_writer.hpp"

namespace moeserve::bench {
namespace {

// The Hugging Face name of a GGUF llama tensor ("" for none).
std::string hf_name(std::string_view g) {
  if (g == "token_embd.weight") return "model.embed_tokens.weight";
  if (g == "output_norm.weight") return "model.norm.weight";
  if (g == "output.weight") return "lm_head.weight";
  if (!g.starts_with("blk.")) return "";
  const auto dot = g.find('.', 4);
  const std::string layer(g.substr(4, dot - 4));
  const std::string_view part = g.substr(dot + 1);
  static const std::pair<std::string_view, std::string_view> parts[] = {
      {"attn_norm.weight", "input_layernorm.weight"},   {"attn_q.weight", "self_attn.q_proj.weight"},
      {"attn_k.weight", "self_attn.k_proj.weight"},     {"attn_v.weight", "self_attn.v_proj.weight"},
      {"attn_output.weight", "self_attn.o_proj.weight"}, {"ffn_norm.weight", "post_attention_layernorm.weight"},
      {"ffn_gate.weight", "mlp.gate_proj.weight"},      {"ffn_up.weight", "mlp.up_proj.weight"},
      {"ffn_down.weight", "mlp.down_proj.weight"}};
  for (const auto& [from, to] : parts) {
    if (part == from) return "model.layers." + layer + "." + std::string(to);
  }
  return "";
}

// Rows of q or k back into rotate-half order (see the header), in place.
void unpermute_rows(std::vector<float>& w, std::int64_t heads, std::int64_t cols) {
  const std::int64_t rows = static_cast<std::int64_t>(w.size()) / cols, d = rows / heads;
  std::vector<float> out(w.size());
  for (std::int64_t h = 0; h < heads; ++h)
    for (std::int64_t i = 0; i < d / 2; ++i)
      for (std::int64_t j = 0; j < 2; ++j) {
        const auto from = w.begin() + (h * d + 2 * i + j) * cols;
        std::copy(from, from + cols, out.begin() + (h * d + j * (d / 2) + i) * cols);
      }
  w = std::move(out);
}

}  // namespace

void convert_gguf_to_hf(const std::filesystem::path& gguf, const std::filesystem::path& directory,
                        const std::filesystem::path& tokenizer_json) {
  const model::model_files files(gguf);
  const model::model_config& c = files.config();
  if (files.gguf() == nullptr || c.arch != model::architecture::llama) {
    throw std::invalid_argument(gguf.string() + ": only llama GGUF models are converted");
  }
  model::safetensors_writer w;
  for (const model::tensor_view& t : files.gguf()->tensors()) {
    const std::string name = hf_name(t.name);
    if (name.empty()) throw std::invalid_argument(gguf.string() + ": unexpected tensor " + std::string(t.name));
    const std::int64_t heads = t.name.ends_with("attn_q.weight")   ? c.num_heads
                               : t.name.ends_with("attn_k.weight") ? c.num_kv_heads
                                                                   : 0;
    const model::tensor_view* view = &t;
    w.add(name, model::dtype::f32, {t.dims().begin(), t.dims().end()}, [view, heads](std::span<std::byte> out) {
      std::vector<float> v = model::dequantize(*view);
      if (heads > 0) unpermute_rows(v, heads, view->row_length());
      std::memcpy(out.data(), v.data(), out.size());
    });
  }
  w.set_metadata("format", "pt");
  w.write_checkpoint(directory, std::uint64_t{1} << 40);

  std::ofstream config(directory / "config.json", std::ios::trunc);
  config << "{\n  \"architectures\": [\"LlamaForCausalLM\"],\n  \"model_type\": \"llama\",\n"
         << "  \"vocab_size\": " << c.vocab_size << ",\n  \"hidden_size\": " << c.hidden_size
         << ",\n  \"intermediate_size\": " << c.intermediate_size << ",\n  \"num_hidden_layers\": " << c.num_layers
         << ",\n  \"num_attention_heads\": " << c.num_heads << ",\n  \"num_key_value_heads\": " << c.num_kv_heads
         << ",\n  \"head_dim\": " << c.head_dim << ",\n  \"max_position_embeddings\": " << c.max_position_embeddings
         << ",\n  \"rms_norm_eps\": " << c.rms_norm_eps << ",\n  \"rope_theta\": " << c.rope.theta
         << ",\n  \"hidden_act\": \"silu\",\n  \"attention_bias\": false,\n  \"tie_word_embeddings\": "
         << (c.tie_word_embeddings ? "true" : "false");
  if (c.bos_token_id) config << ",\n  \"bos_token_id\": " << *c.bos_token_id;
  if (!c.eos_token_ids.empty()) config << ",\n  \"eos_token_id\": " << c.eos_token_ids.front();
  config << ",\n  \"torch_dtype\": \"float32\"\n}\n";
  config.close();
  if (!config) throw std::runtime_error((directory / "config.json").string() + ": write failed");
  if (!tokenizer_json.empty()) {
    std::filesystem::copy_file(tokenizer_json, directory / "tokenizer.json",
                               std::filesystem::copy_options::overwrite_existing);
  }
}

}  // namespace moeserve::bench
