#include "cpu/attention.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu/vec_kernels.hpp"

namespace moeserve::cpu {

void paged_attention(thread_pool& pool, kv_cache& cache, const model::step_batch& batch,
                     const model::attention_params& p, const float* q, const float* k, const float* v, float* out) {
  const std::int64_t kv_dim = cache.slot_values(), q_dim = std::int64_t{p.num_heads} * p.head_dim;
  const int n = batch.token_count();
  for (int t = 0; t < n; ++t) cache.store(p.layer, batch.slots[static_cast<std::size_t>(t)], k + t * kv_dim, v + t * kv_dim);
  const bool quantized = cache.quantized();
  // The sequence of each token.
  std::vector<int> owner(static_cast<std::size_t>(n));
  for (std::size_t s = 0; s < batch.sequences.size(); ++s) {
    const auto& seq = batch.sequences[s];
    std::fill_n(owner.begin() + seq.first_token, seq.token_count, static_cast<int>(s));
  }
  const int group = p.num_heads / p.num_kv_heads;
  const int block_size = cache.spec().block_size;
  pool.parallel_for(std::int64_t{n} * p.num_heads, [&](std::int64_t begin, std::int64_t end) {
    thread_local std::vector<float> scores, block;
    if (quantized) block.resize(static_cast<std::size_t>(block_size) * static_cast<std::size_t>(p.head_dim));
    for (std::int64_t job = begin; job < end; ++job) {
      // Later tokens of a prefill attend to more keys: take tokens alternately from the
      // front and the back (0, n-1, 1, n-2, ...) so that each thread's share mixes both.
      const auto rank = static_cast<int>(job / p.num_heads);
      const int t = rank % 2 == 0 ? rank / 2 : n - 1 - rank / 2;
      const int h = static_cast<int>(job % p.num_heads);
      const auto& table = batch.sequences[static_cast<std::size_t>(owner[static_cast<std::size_t>(t)])].block_table;
      const int context = batch.positions[static_cast<std::size_t>(t)] + 1;
      const float* qh = q + t * q_dim + std::int64_t{h} * p.head_dim;
      const std::int64_t kv_offset = std::int64_t{h / group} * p.head_dim;
      scores.resize(static_cast<std::size_t>(context));
      // Block by block: the slots of a block are consecutive in the cache.
      const std::int64_t stride = cache.slot_values();
      // A quantized cache: the block's keys (values) of this KV head dequantized first.
      for (int j0 = 0; j0 < context; j0 += block_size) {
        const std::int64_t base = std::int64_t{table[static_cast<std::size_t>(j0 / block_size)]} * block_size;
        const int count = std::min(block_size, context - j0);
        if (quantized) {
          cache.load_keys(p.layer, base, count, h / group, block.data());
          kernels::dot_strided(qh, block.data(), p.head_dim, count, p.head_dim, p.scale, scores.data() + j0);
        } else {
          kernels::dot_strided(qh, cache.key(p.layer, base) + kv_offset, stride, count, p.head_dim, p.scale,
                               scores.data() + j0);
        }
      }
      const float max = *std::max_element(scores.begin(), scores.end());
      float sum = 0;
      for (auto& s : scores) sum += (s = std::exp(s - max));
      float* o = out + t * q_dim + std::int64_t{h} * p.head_dim;
      std::fill_n(o, p.head_dim, 0.0f);
      for (int j0 = 0; j0 < context; j0 += block_size) {
        const std::int64_t base = std::int64_t{table[static_cast<std::size_t>(j0 / block_size)]} * block_size;
        const int count = std::min(block_size, context - j0);
        if (quantized) {
          cache.load_values(p.layer, base, count, h / group, block.data());
          kernels::axpy_strided(scores.data() + j0, block.data(), p.head_dim, count, p.head_dim, o);
        } else {
          kernels::axpy_strided(scores.data() + j0, cache.value(p.layer, base) + kv_offset, stride, count, p.head_dim, o);
        }
      }
      const float inv = 1.0f / sum;
      for (int d = 0; d < p.head_dim; ++d) o[d] *= inv;
    }
  });
}

}  // namespace moeserve::cpu
