#include "cpu/kv_cache.hpp"

#include <array>
#include <cstring>
#include <span>

#include "quant/fp8_e4m3.hpp"

namespace moeserve::cpu {

namespace {

// int8 code -> value (before the scale); e4m3 codes use quant::e4m3_values().
const std::array<float, 256>& int8_values() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = static_cast<float>(static_cast<std::int8_t>(c));
    return t;
  }();
  return table;
}

}  // namespace

kv_cache::kv_cache(const model::kv_cache_spec& spec)
    : spec_(spec), slots_(std::int64_t{spec.num_blocks} * spec.block_size) {
  const auto n = static_cast<std::size_t>(std::int64_t{spec.layers} * slots_ * slot_values());
  if (!quantized()) {
    keys_.assign(n, 0.0f);
    values_.assign(n, 0.0f);
    return;
  }
  const auto scales = static_cast<std::size_t>(std::int64_t{spec.layers} * slots_ * spec.kv_heads);
  key_codes_.assign(n, 0);
  value_codes_.assign(n, 0);
  key_scales_.assign(scales, 0.0f);
  value_scales_.assign(scales, 0.0f);
}

std::size_t kv_cache::bytes() const {
  return (keys_.size() + values_.size() + key_scales_.size() + value_scales_.size()) * sizeof(float) +
         key_codes_.size() + value_codes_.size();
}

void kv_cache::store(int layer, std::int64_t slot, const float* k, const float* v) {
  const auto n = static_cast<std::size_t>(slot_values());
  if (!quantized()) {
    std::memcpy(key(layer, slot), k, n * sizeof(float));
    std::memcpy(value(layer, slot), v, n * sizeof(float));
    return;
  }
  const auto d = static_cast<std::size_t>(spec_.head_dim);
  for (int h = 0; h < spec_.kv_heads; ++h) {
    const std::size_t at = offset(layer, slot) + static_cast<std::size_t>(h) * d, s = scale_offset(layer, slot) + static_cast<std::size_t>(h);
    key_scales_[s] = quant::quantize_kv_head(spec_.format, {k + h * d, d}, {key_codes_.data() + at, d});
    value_scales_[s] = quant::quantize_kv_head(spec_.format, {v + h * d, d}, {value_codes_.data() + at, d});
  }
}

void kv_cache::load(const std::vector<std::uint8_t>& codes, const std::vector<float>& scales, int layer,
                    std::int64_t first_slot, int count, int head, float* out) const {
  const std::int64_t d = spec_.head_dim;
  const float* table = (spec_.format == quant::kv_cache_format::fp8 ? quant::e4m3_values() : int8_values()).data();
  for (int i = 0; i < count; ++i) {
    const std::uint8_t* c = codes.data() + offset(layer, first_slot + i) + static_cast<std::size_t>(head * d);
    const float s = scales[scale_offset(layer, first_slot + i) + static_cast<std::size_t>(head)];
    float* o = out + i * d;
    for (std::int64_t j = 0; j < d; ++j) o[j] = table[c[j]] * s;  // = quant::dequantize_kv_head
  }
}

void kv_cache::load_keys(int layer, std::int64_t first_slot, int count, int head, float* out) const {
  load(key_codes_, key_scales_, layer, first_slot, count, head, out);
}

void kv_cache::load_values(int layer, std::int64_t first_slot, int count, int head, float* out) const {
  load(value_codes_, value_scales_, layer, first_slot, count, head, out);
}

}  // namespace moeserve::cpu
