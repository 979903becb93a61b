#pragma once
// Our own WINT2 (CCQ) encoder: W[K][N] float (K-major) -> wint2_weight (see wint2.hpp).
// Offline only (`moeserve quantize`); FastDeploy ships pre-quantized checkpoints and does
// not publish its encoder, so only the decode is shared with it.
//
// Per column n, independently:
//   1. group scales: d_g = amax(group g of 64 rows) / amax_to_v, the weight value that
//      the window value v = amax_to_v stands for; super_scale = max_g d_g / 15 and
//      local scale ls_g = round(d_g / super_scale) in 0..15 (so effective scales
//      s_g = ls_g * super_scale; an all-zero group gets 0 and decodes exactly);
//   2. the code line: for every (code_scale, code_zp) on a grid -- code_scale in
//      [code_scale_min, code_scale_max) in code_scale_steps steps, code_zp in [0, 32768)
//      in code_zp_steps steps (windows only see the code modulo 2^15) -- build the 256
//      4-tuples (v0..v3) of the line and give each group of four rows the byte whose tuple
//      is nearest to w / s_g; keep the line with the least squared error of the column;
//   3. refinement: coordinate descent on code_scale and code_zp with halving steps
//      (refine_steps rounds), then refit_rounds rounds of least-squares group scales
//      (s_g = <w, v> / <v, v> for the chosen bytes, requantized to 4 bits) followed by a
//      new choice of bytes; a round is kept only when it lowers the error.
// Every error is measured through wint2_decode itself, so what is optimized is exactly
// what the kernels decode.
//
// Cost: O(K * N * 256 * (grid points + refinement evaluations)); the defaults take about
// 13 ms per column of K = 256 on one core of the build machine (RelWithDebInfo).
//
// Achieved (tests/quant/wint2_test.cpp, i.i.d. Gaussian weights, K = 256, N = 16, default
// options): relative error ||W - W_hat|| / ||W|| = 0.308 (asserted: < 0.33); the naive
// fixed line (code_scale 128.5, code_zp 16384 for every column, same scales) gives 0.411
// (asserted: at least 0.05 worse). A finer grid (128 x 16) reaches 0.309 on 32 columns at
// 4x the cost. For comparison, the optimal 2-bit scalar (Lloyd-Max) quantizer of a
// Gaussian has 0.343, before any scale overhead.
//
// Threading: pure function; columns are independent (a caller may split N).

#include <cstdint>
#include <span>

#include "quant/wint2.hpp"

namespace moeserve::quant {

struct wint2_encode_options {
  float amax_to_v = 40.0f;  // a group's amax maps to this |v| (v in [-32, 31]: > 32 clips tails)
  float code_scale_min = 64.0f;
  float code_scale_max = 256.0f;
  int code_scale_steps = 64;
  int code_zp_steps = 8;
  int refine_steps = 6;
  int refit_rounds = 2;
  bool search = true;  // false: the fixed line (fixed_code_scale, fixed_code_zp), no search
  float fixed_code_scale = 128.5f;
  float fixed_code_zp = 16384.0f;
};

struct wint2_encode_report {
  double squared_error = 0.0;  // sum (W - W_hat)^2
  double squared_norm = 0.0;   // sum W^2
  double relative_error() const;
};

// Throws std::invalid_argument when K is not a multiple of 128, sizes mismatch, a weight
// is not finite, or the options are out of range.
wint2_weight quantize_wint2(std::span<const float> w, std::int64_t k, std::int64_t n,
                            const wint2_encode_options& options = {}, wint2_encode_report* report = nullptr);

// WINT2 of a weight as checkpoints store it, row-major w[rows][cols] (rows = N outputs,
// cols = K inputs): K-major with zero rows up to wint2_padded_k(cols), the columns split
// over `threads` threads (each a quantize_wint2 of its columns with default options; the
// result does not depend on the split). Errors as quantize_wint2 (the first, rethrown).
wint2_weight quantize_wint2_rows(std::span<const float> w, std::int64_t rows, std::int64_t cols, int threads);

}  // namespace moeserve::quant
