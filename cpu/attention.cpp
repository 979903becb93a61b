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
  // A job is one token and `heads` query heads of one KV head: all `group` of them for a
  // quantized cache, whose blocks are then dequantized once for the group instead of once
  // per query head; one head otherwise (more, smaller jobs; nothing to share).
  const int heads = quantized ? group : 1;
  const int jobs_per_token = p.num_heads / heads;
  pool.parallel_for(std::int64_t{n} * jobs_per_token, [&](std::int64_t begin, std::int64_t end) {
    thread_local std::vector<float> scores, block, sums;
    if (quantized) block.resize(static_cast<std::size_t>(block_size) * static_cast<std::size_t>(p.head_dim));
    for (std::int64_t job = begin; job < end; ++job) {
      // Later tokens of a prefill attend to more keys: take tokens alternately from the
      // front and the back (0, n-1, 1, n-2, ...) so that each thread's share mixes both.
      const auto rank = static_cast<int>(job / jobs_per_token);
      const int t = rank % 2 == 0 ? rank / 2 : n - 1 - rank / 2;
      const int h0 = static_cast<int>(job % jobs_per_token) * heads;
      const int kv_head = h0 / group;
      const auto& table = batch.sequences[static_cast<std::size_t>(owner[static_cast<std::size_t>(t)])].block_table;
      const int context = batch.positions[static_cast<std::size_t>(t)] + 1;
      const std::int64_t kv_offset = std::int64_t{kv_head} * p.head_dim;
      // scores[i * context + j]: query head h0 + i against key j.
      scores.resize(static_cast<std::size_t>(heads) * static_cast<std::size_t>(context));
      // Block by block: the keys (values) of the block holding key j0, for this KV head, as
      // rows of head_dim floats `stride` apart -- in place in an FP32 cache (stride
      // slot_values), or dequantized into `block` (stride head_dim).
      struct block_rows {
        const float* rows;
        std::int64_t stride;
        int count;
      };
      const auto rows_of = [&](bool want_keys, int j0) {
        const std::int64_t base = std::int64_t{table[static_cast<std::size_t>(j0 / block_size)]} * block_size;
        const int count = std::min(block_size, context - j0);
        if (!quantized)
          return block_rows{(want_keys ? cache.key(p.layer, base) : cache.value(p.layer, base)) + kv_offset,
                            cache.slot_values(), count};
        if (want_keys) {
          cache.load_keys(p.layer, base, count, kv_head, block.data());
        } else {
          cache.load_values(p.layer, base, count, kv_head, block.data());
        }
        return block_rows{block.data(), p.head_dim, count};
      };
      for (int j0 = 0; j0 < context; j0 += block_size) {
        const block_rows keys = rows_of(true, j0);
        for (int i = 0; i < heads; ++i) {
          const float* qh = q + t * q_dim + std::int64_t{h0 + i} * p.head_dim;
          kernels::dot_strided(qh, keys.rows, keys.stride, keys.count, p.head_dim, p.scale,
                               scores.data() + std::size_t(i) * context + j0);
        }
      }
      sums.resize(static_cast<std::size_t>(heads));
      for (int i = 0; i < heads; ++i) {
        float* row = scores.data() + std::size_t(i) * context;
        const float max = *std::max_element(row, row + context);
        float sum = 0;
        for (int j = 0; j < context; ++j) sum += (row[j] = std::exp(row[j] - max));
        sums[static_cast<std::size_t>(i)] = sum;
        std::fill_n(out + t * q_dim + std::int64_t{h0 + i} * p.head_dim, p.head_dim, 0.0f);
      }
      for (int j0 = 0; j0 < context; j0 += block_size) {
        const block_rows values = rows_of(false, j0);
        for (int i = 0; i < heads; ++i) {
          kernels::axpy_strided(scores.data() + std::size_t(i) * context + j0, values.rows, values.stride, values.count,
                                p.head_dim, out + t * q_dim + std::int64_t{h0 + i} * p.head_dim);
        }
      }
      for (int i = 0; i < heads; ++i) {
        float* o = out + t * q_dim + std::int64_t{h0 + i} * p.head_dim;
        const float inv = 1.0f / sums[static_cast<std::size_t>(i)];
        for (int d = 0; d < p.head_dim; ++d) o[d] *= inv;
      }
    }
  });
}

}  // namespace moeserve::cpu
