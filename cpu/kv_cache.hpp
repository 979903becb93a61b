#pragma once
// kv_cache: the CPU backend's paged KV storage. For each layer, keys and values of
// num_blocks * block_size slots; a slot holds kv_heads x head_dim values:
//
//   auto (FP32):  keys:   [layer][slot][kv_head][head_dim] float   slot = block * block_size + offset
//                 values: the same
//   int8 / fp8:   codes:  [layer][slot][kv_head][head_dim] uint8   (int8 or e4m3fn codes)
//                 scales: [layer][slot][kv_head]           float   one per token per KV head
//                 for keys and for values: within one layer, a block's slots are exactly
//                 quant::kv_block_layout's values[block_size][kv_heads][head_dim] and
//                 scales[block_size][kv_heads] (quant/kv_cache_quant.hpp)
//
// A token's K and V are quantized when stored (store()) and never requantized; attention
// dequantizes one block's keys/values of one KV head at a time (load_keys/load_values).
// Threading: store() from one thread per step, before attention reads; the loads from any
// number of threads.
#include <cstdint>
#include <vector>

#include "model/backend/backend.hpp"
#include "quant/kv_cache_quant.hpp"

namespace moeserve::cpu {

class kv_cache {
 public:
  kv_cache() = default;
  explicit kv_cache(const model::kv_cache_spec& spec);

  const model::kv_cache_spec& spec() const { return spec_; }
  bool quantized() const { return spec_.format != quant::kv_cache_format::auto_; }
  bool empty() const { return slots_ == 0; }
  std::int64_t slot_values() const { return std::int64_t{spec_.kv_heads} * spec_.head_dim; }
  std::size_t bytes() const;

  // FP32 cache only: the slot's kv_heads x head_dim values.
  float* key(int layer, std::int64_t slot) { return keys_.data() + offset(layer, slot); }
  float* value(int layer, std::int64_t slot) { return values_.data() + offset(layer, slot); }

  // Writes one token's K and V (slot_values() floats each), quantizing them if the cache is.
  void store(int layer, std::int64_t slot, const float* k, const float* v);

  // `count` consecutive slots from `first_slot` of KV head `head`, as floats at out[i * head_dim]
  // (dequantized). Quantized cache only (an FP32 cache is read in place through key/value).
  void load_keys(int layer, std::int64_t first_slot, int count, int head, float* out) const;
  void load_values(int layer, std::int64_t first_slot, int count, int head, float* out) const;

 private:
  std::size_t offset(int layer, std::int64_t slot) const {
    return static_cast<std::size_t>((std::int64_t{layer} * slots_ + slot) * slot_values());
  }
  std::size_t scale_offset(int layer, std::int64_t slot) const {
    return static_cast<std::size_t>((std::int64_t{layer} * slots_ + slot) * spec_.kv_heads);
  }
  void load(const std::vector<std::uint8_t>& codes, const std::vector<float>& scales, int layer,
            std::int64_t first_slot, int count, int head, float* out) const;

  model::kv_cache_spec spec_;
  std::int64_t slots_ = 0;
  std::vector<float> keys_, values_;                // auto
  std::vector<std::uint8_t> key_codes_, value_codes_;  // int8 / fp8
  std::vector<float> key_scales_, value_scales_;
};

}  // namespace moeserve::cpu
