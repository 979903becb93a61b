#pragma once
// kv_cache: the CPU backend's paged KV storage, FP32. For each layer, keys and values of
// num_blocks * block_size slots; a slot holds kv_heads x head_dim values:
//
//   keys:   [layer][slot][kv_head][head_dim]      slot = block * block_size + offset
//   values: the same
#include <cstdint>
#include <vector>

#include "model/backend/backend.hpp"

namespace moeserve::cpu {

class kv_cache {
 public:
  kv_cache() = default;
  explicit kv_cache(const model::kv_cache_spec& spec)
      : spec_(spec), slots_(std::int64_t{spec.num_blocks} * spec.block_size) {
    const auto n = static_cast<std::size_t>(std::int64_t{spec.layers} * slots_ * slot_values());
    keys_.assign(n, 0.0f);
    values_.assign(n, 0.0f);
  }

  const model::kv_cache_spec& spec() const { return spec_; }
  bool empty() const { return keys_.empty(); }
  std::int64_t slot_values() const { return std::int64_t{spec_.kv_heads} * spec_.head_dim; }
  float* key(int layer, std::int64_t slot) { return keys_.data() + offset(layer, slot); }
  float* value(int layer, std::int64_t slot) { return values_.data() + offset(layer, slot); }
  std::size_t bytes() const { return (keys_.size() + values_.size()) * sizeof(float); }

 private:
  std::size_t offset(int layer, std::int64_t slot) const {
    return static_cast<std::size_t>((std::int64_t{layer} * slots_ + slot) * slot_values());
  }
  model::kv_cache_spec spec_;
  std::int64_t slots_ = 0;
  std::vector<float> keys_, values_;
};

}  // namespace moeserve::cpu
