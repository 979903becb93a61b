#include "model/config/hf_config.hpp"

#include <simdjson.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "model/config/json_fields.hpp"
#include "model/config/quantization_config_json.hpp"

namespace moeserve::model {

namespace {

architecture architecture_of(const json_fields& f) {
  const std::string type = f.string("model_type", "");
  if (type == "llama") return architecture::llama;
  if (type == "qwen3") return architecture::qwen3;
  if (type == "qwen3_moe") return architecture::qwen3_moe;
  if (type == "ernie4_5_moe") return architecture::ernie4_5_moe;
  f.fail("model_type", type.empty() ? "is missing" : "\"" + type + "\" is not a supported architecture");
}

void read_rope(const json_fields& f, model_config& c) {
  const auto params = f.child("rope_parameters");  // newer transformers keep rope_theta here
  const double default_theta = c.arch == architecture::ernie4_5_moe ? 500000.0 : 10000.0;
  c.rope.theta = f.number("rope_theta", params ? params->number("rope_theta", default_theta) : default_theta);
  const double partial = f.number("partial_rotary_factor", 1.0);
  if (!(partial > 0 && partial <= 1)) f.fail("partial_rotary_factor", "must be in (0, 1]");
  c.rope.rotary_dims = static_cast<int>(c.head_dim * partial);
  const auto scaling = f.child("rope_scaling") ? f.child("rope_scaling") : params;
  if (!scaling) return;
  std::string type = scaling->string("rope_type", scaling->string("type", "default"));
  c.rope.scaling = type == "default" ? "none" : type;
  c.rope.factor = scaling->number("factor", 1.0);
  c.rope.low_freq_factor = scaling->number("low_freq_factor", 1.0);
  c.rope.high_freq_factor = scaling->number("high_freq_factor", 4.0);
  c.rope.original_max_position =
      to_int(*scaling, "original_max_position_embeddings", scaling->integer("original_max_position_embeddings", 0));
}

void read_qwen3_moe(const json_fields& f, model_config& c) {
  auto& m = c.moe;
  m.num_experts = to_int(f, "num_experts", f.integer("num_experts", f.integer("num_local_experts", 0)));
  m.experts_per_token = to_int(f, "num_experts_per_tok", f.integer("num_experts_per_tok", 0));
  m.expert_intermediate_size = to_int(f, "moe_intermediate_size", f.integer("moe_intermediate_size", 0));
  m.normalize_top_k = f.boolean("norm_topk_prob", false);
  const long long step = f.integer("decoder_sparse_step", 1);
  if (step < 1 || step > config_limits::max_layers) f.fail("decoder_sparse_step", "must be at least 1");
  m.moe_layers.assign(static_cast<std::size_t>(c.num_layers), false);
  for (int i = 0; i < c.num_layers; ++i)
    m.moe_layers[static_cast<std::size_t>(i)] = m.num_experts > 0 && (i + 1) % step == 0;
  for (long long i : f.integers("mlp_only_layers")) {
    if (i < 0 || i >= c.num_layers) f.fail("mlp_only_layers", "names a layer out of range");
    m.moe_layers[static_cast<std::size_t>(i)] = false;
  }
}

void read_ernie_moe(const json_fields& f, model_config& c) {
  auto& m = c.moe;
  m.num_experts = to_int(f, "moe_num_experts", f.integer("moe_num_experts", 64));
  m.experts_per_token = to_int(f, "moe_k", f.integer("moe_k", 6));
  m.expert_intermediate_size = to_int(f, "moe_intermediate_size", f.integer("moe_intermediate_size", 1536));
  m.shared_experts = to_int(f, "moe_num_shared_experts", f.integer("moe_num_shared_experts", 2));
  m.shared_intermediate_size = m.expert_intermediate_size * m.shared_experts;  // one MLP of all shared experts
  m.normalize_top_k = true;
  m.norm_min = f.number("moe_norm_min", 1e-12);
  const long long start = f.integer("moe_layer_start_index", 1);
  long long end = f.integer("moe_layer_end_index", -1);
  if (end == -1) end = c.num_layers - 1;
  const long long interval = f.integer("moe_layer_interval", 1);
  if (interval < 1 || interval > config_limits::max_layers) f.fail("moe_layer_interval", "must be at least 1");
  m.moe_layers.assign(static_cast<std::size_t>(c.num_layers), false);
  for (int i = 0; i < c.num_layers; ++i) {
    m.moe_layers[static_cast<std::size_t>(i)] = m.num_experts > 0 && (i + 1) % interval == 0 && i >= start && i <= end;
  }
}

}  // namespace

model_config parse_hf_config(std::string_view json, std::string_view source) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (const auto err = parser.parse(padded).get(doc); err) {
    throw config_error(std::string(source) + ": not valid JSON (" + simdjson::error_message(err) + ")");
  }
  simdjson::dom::object root;
  if (doc.get(root) != simdjson::SUCCESS) throw config_error(std::string(source) + ": not a JSON object");
  const json_fields f(root, source);

  model_config c;
  c.arch = architecture_of(f);
  const bool moe = c.arch == architecture::qwen3_moe || c.arch == architecture::ernie4_5_moe;
  c.vocab_size = to_int(f, "vocab_size", f.required_integer("vocab_size"));
  c.hidden_size = to_int(f, "hidden_size", f.required_integer("hidden_size"));
  c.num_layers = to_int(f, "num_hidden_layers", f.required_integer("num_hidden_layers"));
  if (c.num_layers < 1 || c.num_layers > config_limits::max_layers) f.fail("num_hidden_layers", "is out of range");
  c.num_heads = to_int(f, "num_attention_heads", f.required_integer("num_attention_heads"));
  c.num_kv_heads = to_int(f, "num_key_value_heads", f.integer("num_key_value_heads", c.num_heads));
  if (c.num_heads <= 0) f.fail("num_attention_heads", "must be positive");
  c.head_dim = to_int(f, "head_dim", f.integer("head_dim", c.hidden_size / c.num_heads));
  c.intermediate_size = to_int(f, "intermediate_size", f.integer("intermediate_size", 0));
  c.rms_norm_eps = f.number("rms_norm_eps", c.arch == architecture::ernie4_5_moe ? 1e-5 : 1e-6);
  c.max_position_embeddings = to_int(f, "max_position_embeddings", f.integer("max_position_embeddings", 2048));
  c.tie_word_embeddings = f.boolean("tie_word_embeddings", c.arch == architecture::ernie4_5_moe);
  c.qk_norm = c.arch == architecture::qwen3 || c.arch == architecture::qwen3_moe;
  c.attention_bias = f.boolean("attention_bias", false) || f.boolean("use_bias", false) || f.boolean("qkv_bias", false);
  if (f.string("hidden_act", "silu") != "silu") f.fail("hidden_act", "is not silu, the only activation supported");
  read_rope(f, c);
  if (c.arch == architecture::qwen3_moe) read_qwen3_moe(f, c);
  if (c.arch == architecture::ernie4_5_moe) read_ernie_moe(f, c);
  if (!moe) c.moe = {};

  if (f.has("bos_token_id")) c.bos_token_id = to_int(f, "bos_token_id", f.integers("bos_token_id").front());
  for (long long id : f.integers("eos_token_id")) c.eos_token_ids.push_back(to_int(f, "eos_token_id", id));
  if (const auto q = f.child("quantization_config")) c.quantization = read_quantization_config(*q);
  if (f.has("pad_token_id")) c.pad_token_id = to_int(f, "pad_token_id", f.integers("pad_token_id").front());
  try {
    c.validate();
  } catch (const config_error& e) {
    throw config_error(std::string(source) + ": " + e.what());
  }
  return c;
}

model_config load_hf_config(const std::filesystem::path& config_json) {
  std::ifstream in(config_json, std::ios::binary);
  if (!in) throw config_error(config_json.string() + ": cannot be opened");
  in.seekg(0, std::ios::end);
  const auto size = static_cast<long long>(in.tellg());
  if (size < 0 || size > (16 << 20)) throw config_error(config_json.string() + ": not a config file (size)");
  in.seekg(0);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), size);
  return parse_hf_config(text, config_json.string());
}

}  // namespace moeserve::model
