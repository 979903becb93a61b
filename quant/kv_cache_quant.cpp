#include "quant/kv_cache_quant.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "quant/fp8_e4m3.hpp"
#include "quant/scalar.hpp"

namespace moeserve::quant {

kv_cache_format parse_kv_cache_format(std::string_view name) {
  if (name == "auto") return kv_cache_format::auto_;
  if (name == "int8") return kv_cache_format::int8;
  if (name == "fp8" || name == "float8_e4m3fn") return kv_cache_format::fp8;
  throw std::invalid_argument("kv cache dtype: unknown '" + std::string(name) + "' (auto, int8 or fp8)");
}

std::string_view to_string(kv_cache_format f) {
  switch (f) {
    case kv_cache_format::int8:
      return "int8";
    case kv_cache_format::fp8:
      return "fp8";
    case kv_cache_format::auto_:
      break;
  }
  return "auto";
}

float quantize_kv_head(kv_cache_format format, std::span<const float> x, std::span<std::uint8_t> codes) {
  if (codes.size() != x.size()) throw std::invalid_argument("quantize_kv_head: codes size differs from input");
  const float amax = abs_max(x);
  if (format == kv_cache_format::int8) {
    const float scale = amax / 127.0f;
    for (std::size_t d = 0; d < x.size(); ++d) {
      const int q = (scale == 0.0f || std::isnan(x[d])) ? 0 : round_clamp_symmetric(x[d] / scale, 127);
      codes[d] = static_cast<std::uint8_t>(static_cast<std::int8_t>(q));
    }
    return scale;
  }
  if (format == kv_cache_format::fp8) {
    const float scale = amax / e4m3_max;
    for (std::size_t d = 0; d < x.size(); ++d) codes[d] = scale == 0.0f ? std::uint8_t{0} : fp32_to_e4m3(x[d] / scale);
    return scale;
  }
  throw std::invalid_argument("quantize_kv_head: the auto (unquantized) format has no codes");
}

void dequantize_kv_head(kv_cache_format format, std::span<const std::uint8_t> codes, float scale,
                        std::span<float> out) {
  if (codes.size() != out.size()) throw std::invalid_argument("dequantize_kv_head: output size differs");
  if (format == kv_cache_format::int8) {
    for (std::size_t d = 0; d < codes.size(); ++d)
      out[d] = static_cast<float>(static_cast<std::int8_t>(codes[d])) * scale;
  } else if (format == kv_cache_format::fp8) {
    for (std::size_t d = 0; d < codes.size(); ++d) out[d] = e4m3_to_fp32(codes[d]) * scale;
  } else {
    throw std::invalid_argument("dequantize_kv_head: the auto (unquantized) format has no codes");
  }
}

void store_kv_token(kv_cache_format format, const kv_block_layout& layout, std::size_t slot,
                    std::span<const float> heads, std::span<std::uint8_t> values, std::span<float> scales) {
  if (slot >= layout.block_size) throw std::invalid_argument("store_kv_token: slot beyond the block");
  if (heads.size() != layout.num_kv_heads * layout.head_dim) throw std::invalid_argument("store_kv_token: heads size");
  if (values.size() != layout.value_count() || scales.size() != layout.scale_count()) {
    throw std::invalid_argument("store_kv_token: block arrays do not match the layout");
  }
  for (std::size_t h = 0; h < layout.num_kv_heads; ++h) {
    scales[layout.scale_offset(slot, h)] =
        quantize_kv_head(format, heads.subspan(h * layout.head_dim, layout.head_dim),
                         values.subspan(layout.value_offset(slot, h), layout.head_dim));
  }
}

}  // namespace moeserve::quant
