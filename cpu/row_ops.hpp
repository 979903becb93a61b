#pragma once
// row_ops: the CPU backend's per-row operations, over row-major float buffers of `n` rows.
// Each is the plain formula in FP32 (sums of squares in double); see backend.hpp for what
// each op means.
#include <cstdint>
#include <span>
#include <vector>

#include "cpu/cpu_matrix.hpp"
#include "model/backend/rope_table.hpp"

namespace moeserve::cpu {

// out = x / sqrt(mean(x^2) + eps) * w, per row of `cols` values (out may alias x).
void rms_norm_rows(const float* x, const float* w, float eps, std::int64_t n, std::int64_t cols, float* out);
// residual += x, then out = rms_norm(residual).
void add_rms_norm_rows(float* residual, const float* x, const float* w, float eps, std::int64_t n, std::int64_t cols,
                       float* out);
// out = silu(gate) * up (out may alias either).
void silu_mul(const float* gate, const float* up, std::int64_t count, float* out);
// out[t] = row tokens[t] of `table`, decoded.
void embed_rows(const cpu_matrix& table, std::span<const std::int32_t> tokens, float* out);

// The cos/sin of every (token, pair) of a step, computed once and used for q and k.
struct rope_angles {
  std::vector<float> cos, sin;  // [tokens][rotary_dims / 2]
  int pairs = 0;
};
rope_angles make_rope_angles(const model::rope_table& table, std::span<const std::int32_t> positions);
// Rotates each head_dim-long head of each of the n rows in place (row t at angles row t).
void apply_rope(const model::rope_table& table, const rope_angles& angles, float* x, std::int64_t n,
                std::int64_t cols, int head_dim);

}  // namespace moeserve::cpu
