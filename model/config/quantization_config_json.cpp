#include "model/config/quantization_config_json.hpp"

#include <limits>
#include <string>

namespace moeserve::model {

namespace {

quant::moe_layer_quant_config read_moe_part(const json_fields& f) {
  quant::moe_layer_quant_config c;
  c.quant_type = f.string("quant_type", "");
  c.quant_granularity = f.string("quant_granularity", "");
  c.quant_group_size = to_int(f, "quant_group_size", f.integer("quant_group_size", 0));
  c.quant_start_layer = to_int(f, "quant_start_layer", f.integer("quant_start_layer", 0));
  c.quant_end_layer = to_int(f, "quant_end_layer", f.integer("quant_end_layer", std::numeric_limits<int>::max() / 2));
  return c;
}

std::optional<bool> optional_bool(const json_fields& f, std::string_view key) {
  if (!f.has(key)) return std::nullopt;
  return f.boolean(key, false);
}

}  // namespace

quant::quantization_config read_quantization_config(const json_fields& f) {
  quant::quantization_config c;
  c.quantization = f.string("quantization", "");
  c.dense_quant_type = f.string("dense_quant_type", "");
  c.moe_quant_type = f.string("moe_quant_type", "");
  c.kv_cache_quant_type = f.string("kv_cache_quant_type", "");
  c.is_channel_wise = optional_bool(f, "is_channel_wise");
  c.has_zero_point = optional_bool(f, "has_zero_point");
  const auto nested = f.child("moe_quant_config");
  for (const auto* where : {nested ? &*nested : nullptr, &f}) {
    if (!where) continue;
    if (!c.moe_w4_quant_config)
      if (const auto w4 = where->child("moe_w4_quant_config")) c.moe_w4_quant_config = read_moe_part(*w4);
    if (!c.moe_w2_quant_config)
      if (const auto w2 = where->child("moe_w2_quant_config")) c.moe_w2_quant_config = read_moe_part(*w2);
  }
  c.quant_method = f.string("quant_method", "");
  for (const long long v : f.integers("weight_block_size")) c.weight_block_size.push_back(to_int(f, "weight_block_size", v));
  return c;
}

quant::quantization_config parse_quantization_config(std::string_view json, std::string_view source) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (const auto err = parser.parse(padded).get(doc); err)
    throw config_error(std::string(source) + ": not valid JSON (" + simdjson::error_message(err) + ")");
  simdjson::dom::object root;
  if (doc.get(root) != simdjson::SUCCESS) throw config_error(std::string(source) + ": not a JSON object");
  return read_quantization_config(json_fields(root, source));
}

quant::quantization_plan resolve_model_quantization(std::string_view flag, const model_config& config,
                                                    quant::kv_cache_format kv) {
  const auto first = flag.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && flag[first] == '{') {
    if (config.quantization)
      throw std::invalid_argument(
          "--quantization: the checkpoint already has a quantization_config; pass a method name, not a JSON object");
    return quant::resolve_quantization("", parse_quantization_config(flag, "--quantization"), kv);
  }
  return quant::resolve_quantization(flag, config.quantization, kv);
}

}  // namespace moeserve::model
