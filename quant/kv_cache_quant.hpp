#pragma once
// Quantized KV cache (`--kv-cache-dtype int8|fp8`, the C8 of W{w}A{a}C8): one FP32 scale
// per token per KV head, computed when the token is appended and never changed, so a
// block is never requantized (our choice; FastDeploy's static per-channel cache scales
// need calibration data, which online serving does not have).
//
// One head vector x[head_dim] of one token (K or V):
//   int8: scale = amax|x| / 127, q = clamp(round_half_away(x / scale), -127, 127),
//         stored as two's-complement bytes
//   fp8:  scale = amax|x| / 448, q = e4m3fn(x / scale)             (see fp8_e4m3.hpp)
//   all-zero vector: scale 0, every code 0 (decodes to 0)
//   x_hat = value(q) * scale
//
// Paged cache block (block_size token slots), one such pair for K and one for V:
//
//   values[block_size][num_kv_heads][head_dim]   uint8 (int8 or e4m3fn codes)
//   scales[block_size][num_kv_heads]             float32
//
//   value of (slot, head, d) at (slot * num_kv_heads + head) * head_dim + d
//   scale of (slot, head)    at  slot * num_kv_heads + head
//
// Error bound per element: int8 |x - x_hat| <= scale/2; fp8 <= 2^-4 |x| + 2^-10 scale.
// Non-finite inputs give unspecified (memory-safe) codes.
// Threading: pure functions; kv_block_layout is a plain value.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace moeserve::quant {

// The KV cache element format; auto_ = the model's dtype (BF16/FP32, not quantized).
enum class kv_cache_format { auto_, int8, fp8 };

// "auto", "int8", "fp8" (also "float8_e4m3fn"); std::invalid_argument otherwise.
kv_cache_format parse_kv_cache_format(std::string_view name);
std::string_view to_string(kv_cache_format f);

// Quantizes one head vector into `codes` (x.size() bytes); returns its scale. Throws
// std::invalid_argument for auto_ or a size mismatch.
float quantize_kv_head(kv_cache_format format, std::span<const float> x, std::span<std::uint8_t> codes);

// x_hat[d] = value(codes[d]) * scale.
void dequantize_kv_head(kv_cache_format format, std::span<const std::uint8_t> codes, float scale, std::span<float> out);

struct kv_block_layout {
  std::size_t block_size = 0;
  std::size_t num_kv_heads = 0;
  std::size_t head_dim = 0;

  std::size_t value_count() const { return block_size * num_kv_heads * head_dim; }  // bytes per K (or V)
  std::size_t scale_count() const { return block_size * num_kv_heads; }             // floats per K (or V)
  std::size_t value_offset(std::size_t slot, std::size_t head) const { return (slot * num_kv_heads + head) * head_dim; }
  std::size_t scale_offset(std::size_t slot, std::size_t head) const { return slot * num_kv_heads + head; }
};

// Appends token `slot`'s K or V (num_kv_heads * head_dim floats, head-major) into a block.
void store_kv_token(kv_cache_format format, const kv_block_layout& layout, std::size_t slot,
                    std::span<const float> heads, std::span<std::uint8_t> values, std::span<float> scales);

}  // namespace moeserve::quant
