#pragma once
// quantization_config as JSON, for `moeserve quantize`: the config.json entry written for
// a method named on the command line (reading a JSON value is model/config's
// parse_quantization_config, the same reader the loader uses).
//
// method_config_json:
//   wint8, wint4, block_wise_fp8  {"quantization": "<method>"}
//   wint2                          FastDeploy's recipe for a model of `num_layers` layers:
//     {"quantization": "wint2", "dense_quant_type": "wint8", "moe_quant_type": "w4w2",
//      "moe_quant_config": {
//        "moe_w4_quant_config": {"quant_type": "wint4", "quant_granularity": "per_channel",
//                                "quant_start_layer": 0, "quant_end_layer": 6},
//        "moe_w2_quant_config": {"quant_type": "wint2", "quant_granularity": "pp_acc",
//                                "quant_group_size": 64, "quant_start_layer": 7,
//                                "quant_end_layer": num_layers - 1}}}
//     (the w4 range ends at min(6, num_layers - 1); the w2 entry is left out when the model
//      has 7 layers or fewer, which then has no WINT2 layer -- as FastDeploy's recipe says)
//   anything else                  std::invalid_argument (mix_quant needs a JSON config)
//
// Threading: pure functions.
#include <string>
#include <string_view>

#include "quant/quantization_plan.hpp"

namespace moeserve::app {

// True when `value` is a JSON object (after leading spaces), not a method name.
bool looks_like_json(std::string_view value);

std::string method_config_json(std::string_view method, int num_layers);

}  // namespace moeserve::app
