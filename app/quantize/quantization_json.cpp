#include "app/quantize/quantization_json.hpp"

#include <algorithm>
#include <stdexcept>

namespace moeserve::app {

bool looks_like_json(std::string_view value) {
  const auto first = value.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && value[first] == '{';
}

std::string method_config_json(std::string_view method, int num_layers) {
  if (method == "wint8" || method == "wint4" || method == "block_wise_fp8") {
    return "{\"quantization\": \"" + std::string(method) + "\"}";
  }
  if (method != "wint2") {
    throw std::invalid_argument("--quantization " + std::string(method) +
                                ": name wint8, wint4, block_wise_fp8 or wint2, or give a quantization_config JSON");
  }
  const int last = std::max(0, num_layers - 1);
  std::string json =
      "{\"quantization\": \"wint2\", \"dense_quant_type\": \"wint8\", \"moe_quant_type\": \"w4w2\", "
      "\"moe_quant_config\": {\"moe_w4_quant_config\": {\"quant_type\": \"wint4\", \"quant_granularity\": "
      "\"per_channel\", \"quant_start_layer\": 0, \"quant_end_layer\": " +
      std::to_string(std::min(6, last)) + "}";
  if (last >= 7) {
    json +=
        ", \"moe_w2_quant_config\": {\"quant_type\": \"wint2\", \"quant_granularity\": \"pp_acc\", "
        "\"quant_group_size\": 64, \"quant_start_layer\": 7, \"quant_end_layer\": " +
        std::to_string(last) + "}";
  }
  return json + "}}";
}

}  // namespace moeserve::app
