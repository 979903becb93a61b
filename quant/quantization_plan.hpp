#pragma once
// The quantization plan: which weight format every linear layer gets, the KV cache format,
// and the W{w}A{a}C{c} name -- resolved from the `--quantization` flag and/or the model's
// `quantization_config` (FastDeploy keys, or HF FP8 `quant_method: "fp8"`).
//
// quantization_config holds the keys as plain values; model/config reads the JSON into it
// (absent string keys stay empty, absent objects stay nullopt). resolve_quantization()
// validates it and builds the plan; every error is std::invalid_argument whose message
// names the offending key (or flag).
//
// Resolution (method = the flag when given, else config.quantization, else HF quant_method):
//   ""/none           -> nothing quantized                               W16A16C16
//   wint8 | wint4     -> every dense and MoE linear: that format (wint4 per channel, or
//                        group-wise when the config's moe_w4/dense group size says so)
//   block_wise_fp8    -> every dense and MoE linear: 128x128 FP8 (also HF "fp8" with
//                        weight_block_size [128, 128]; other block sizes are refused)
//   wint2 | mix_quant -> dense (attention, dense MLP, shared experts) = dense_quant_type
//                        (default wint8); MoE experts = moe_quant_type:
//                          "w4w2": layers in moe_w4_quant_config's [start, end] -> its
//                                  quant_type (absent: wint4 on the layers before
//                                  moe_w2's start, or 0-6 when both are absent);
//                                  in moe_w2_quant_config's -> wint2;
//                                  in neither -> none (kept as loaded)
//                          "wint8"/"wint4"/"wint2"/"block_wise_fp8": all MoE layers
//                        wint2 without a config = FastDeploy's recipe: dense WINT8, MoE
//                        layers 0-6 WINT4 per channel, later MoE layers WINT2.
//                        mix_quant needs dense_quant_type or moe_quant_type.
//   router, embedding, lm_head: never quantized (always none).
//   A flag that names a different method than the config's `quantization` is refused
//   (a checkpoint's stored format cannot be overridden), except mix_quant.
// KV cache: the --kv-cache-dtype flag when not auto, else kv_cache_quant_type
//   ("", "none", "bf16", "auto" -> auto; "int8"; "fp8"/"float8_e4m3fn").
// Only symmetric weights are implemented: has_zero_point: true is refused.
//
// Threading: plain values.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quant/kv_cache_quant.hpp"

namespace moeserve::quant {

enum class weight_format { none, wint8, wint4, block_wise_fp8, wint2 };
enum class layer_kind { attention, dense_mlp, shared_expert, moe_expert, router, embedding, lm_head };

std::string_view to_string(weight_format f);
std::string_view to_string(layer_kind k);
// "none", "wint8", "wint4", "block_wise_fp8", "wint2"; std::invalid_argument naming `key`.
weight_format parse_weight_format(std::string_view name, std::string_view key);

// A weight format with its granularity. group_size: wint8 0 (per channel); wint4 0 (per
// channel), 64 or 128; block_wise_fp8 128; wint2 64; none 0.
struct weight_scheme {
  weight_format format = weight_format::none;
  int group_size = 0;
  bool operator==(const weight_scheme&) const = default;
};

// moe_w4_quant_config / moe_w2_quant_config.
struct moe_layer_quant_config {
  std::string quant_type;         // "wint4", "wint8", "wint2"
  std::string quant_granularity;  // "per_channel", "group", "pp_acc" (wint2); "" = per_channel
  int quant_group_size = 0;       // 0 = absent
  int quant_start_layer = 0;
  int quant_end_layer = 0;  // inclusive
};

struct quantization_config {
  std::string quantization;             // FastDeploy method name ("wint2", "mix_quant", ...)
  std::string dense_quant_type;         // "" = absent
  std::string moe_quant_type;           // "w4w2", "wint4", ...
  std::string kv_cache_quant_type;      // "", "int8", "fp8"
  std::optional<bool> is_channel_wise;  // recorded; our wint8/wint4 defaults are channel-wise
  std::optional<bool> has_zero_point;   // true is refused (symmetric formats only)
  std::optional<moe_layer_quant_config> moe_w4_quant_config;
  std::optional<moe_layer_quant_config> moe_w2_quant_config;
  std::string quant_method;            // HF: "fp8"
  std::vector<int> weight_block_size;  // HF: [128, 128]
};

class quantization_plan {
 public:
  quantization_plan() = default;  // nothing quantized

  weight_scheme scheme_for(layer_kind kind, int layer_index) const;
  weight_format format_for(layer_kind kind, int layer_index) const { return scheme_for(kind, layer_index).format; }
  kv_cache_format kv_cache() const { return kv_cache_; }
  const std::string& method() const { return method_; }  // "" when nothing is quantized
  bool quantizes_anything() const;
  // FastDeploy style: W{w}A{a}C{c} with 16 = BF16, 8/4/2 = INT, fp8 = e4m3; a mixed plan
  // lists its distinct weight formats, widest first, separated by '/': the WINT2 recipe is
  // "W8/4/2A16C16", uniform block_wise_fp8 is "Wfp8Afp8C16".
  std::string name() const;
  // The name of the plan as applied to a model whose layer i is MoE when moe_layers[i]
  // (dense layers and shared experts take the dense format): formats no layer of that model
  // receives are left out. The WINT2 recipe is "W8/4/2A16C16" on a model with MoE layers past
  // 6, "W8/4A16C16" with MoE layers 0-6 only, "W8A16C16" on a dense model.
  std::string name_for(const std::vector<bool>& moe_layers) const;

 private:
  friend quantization_plan resolve_quantization(std::string_view, const std::optional<quantization_config>&,
                                                kv_cache_format);
  struct moe_range {
    int first = 0;
    int last = 0;  // inclusive
    weight_scheme scheme;
  };
  std::string name_of(std::vector<weight_format> used) const;

  std::string method_;
  weight_scheme dense_;
  weight_scheme moe_default_;  // layers outside every range
  std::vector<moe_range> moe_ranges_;
  kv_cache_format kv_cache_ = kv_cache_format::auto_;
};

// flag: the --quantization value ("" when absent): wint8|wint4|block_wise_fp8|wint2|mix_quant.
// kv_flag: the --kv-cache-dtype value.
quantization_plan resolve_quantization(std::string_view flag, const std::optional<quantization_config>& config,
                                       kv_cache_format kv_flag = kv_cache_format::auto_);

}  // namespace moeserve::quant
