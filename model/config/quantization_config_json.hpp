#pragma once
// quantization_config as JSON: the object a model's config.json carries under
// "quantization_config" (FastDeploy keys, or HF FP8's quant_method / weight_block_size),
// and the JSON form of the --quantization flag
// ('{"quantization":"mix_quant","dense_quant_type":"wint8","moe_quant_type":"wint4"}').
//
// Keys read (quant/quantization_plan.hpp says what each means): quantization,
// dense_quant_type, moe_quant_type, kv_cache_quant_type, is_channel_wise, has_zero_point,
// moe_quant_config.{moe_w4_quant_config, moe_w2_quant_config}.{quant_type,
// quant_granularity, quant_group_size, quant_start_layer, quant_end_layer} (also accepted
// at the top level), quant_method, weight_block_size. Unknown keys are ignored; a key of
// the wrong type is a config_error naming it.
//
// Threading: pure functions.
#include <string_view>

#include "model/config/json_fields.hpp"
#include "model/config/model_config.hpp"
#include "quant/quantization_plan.hpp"

namespace moeserve::model {

quant::quantization_config read_quantization_config(const json_fields& object);
// A JSON text holding one quantization_config object.
quant::quantization_config parse_quantization_config(std::string_view json, std::string_view source);

// The plan to serve `config`'s model with: `flag` is --quantization ("" when absent; a
// method name, or a JSON object, which stands for the quantization_config of a checkpoint
// that has none), `kv` is --kv-cache-dtype. Throws config_error for bad JSON and
// std::invalid_argument (from quant::resolve_quantization) for an inconsistent request.
quant::quantization_plan resolve_model_quantization(std::string_view flag, const model_config& config,
                                                    quant::kv_cache_format kv = quant::kv_cache_format::auto_);

}  // namespace moeserve::model
