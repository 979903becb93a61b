#include "cpu/quant_linear.hpp"

#include <algorithm>
#include <span>
#include <vector>

#include "cpu/vec_kernels.hpp"
#include "quant/block_fp8.hpp"
#include "quant/fp8_e4m3.hpp"

namespace moeserve::cpu {

namespace {

constexpr std::int64_t tile_rows = 8;

std::size_t count(std::int64_t v) { return static_cast<std::size_t>(v); }

// Rows [r0, r1) of W (weight-only formats) against all n rows of x.
void weight_only_rows(const packed_weight& w, const float* x, std::int64_t n, const float* bias, float* out,
                      std::int64_t r0, std::int64_t r1) {
  const std::int64_t cols = w.cols, rows = w.rows;
  thread_local std::vector<float> tile;
  if (tile.size() < count(tile_rows * cols)) tile.resize(count(tile_rows * cols));
  for (std::int64_t t0 = r0; t0 < r1; t0 += tile_rows) {
    const std::int64_t rows_here = std::min(tile_rows, r1 - t0);
    for (std::int64_t r = 0; r < rows_here; ++r) decode_row(w, t0 + r, tile.data() + r * cols);
    std::int64_t t = 0;
    for (; t + 4 <= n; t += 4)
      for (std::int64_t r = 0; r < rows_here; ++r) {
        float s[4];
        kernels::dot4(tile.data() + r * cols, x + t * cols, cols, cols, s);
        for (int j = 0; j < 4; ++j) out[(t + j) * rows + t0 + r] = s[j];
      }
    for (; t < n; ++t)
      for (std::int64_t r = 0; r < rows_here; ++r)
        out[t * rows + t0 + r] = kernels::dot(tile.data() + r * cols, x + t * cols, cols);
    if (bias)
      for (std::int64_t tt = 0; tt < n; ++tt)
        for (std::int64_t r = 0; r < rows_here; ++r) out[tt * rows + t0 + r] += bias[t0 + r];
  }
}

// Rows [r0, r1) of a block_wise_fp8 W against the n rows of quantized x (xv: the e4m3
// values as floats, xs: their scales [n][ceil(K/128)]).
void fp8_rows(const packed_weight& w, const float* xv, const float* xs, std::int64_t n, const float* bias, float* out,
              std::int64_t r0, std::int64_t r1) {
  const std::int64_t cols = w.cols, rows = w.rows, blocks = quant::fp8_blocks(cols);
  thread_local std::vector<float> tile;
  if (tile.size() < count(tile_rows * cols)) tile.resize(count(tile_rows * cols));
  for (std::int64_t t0 = r0; t0 < r1; t0 += tile_rows) {
    const std::int64_t rows_here = std::min(tile_rows, r1 - t0);
    for (std::int64_t r = 0; r < rows_here; ++r) decode_row(w, t0 + r, tile.data() + r * cols);
    for (std::int64_t t = 0; t < n; ++t) {
      const float* xt = xv + t * cols;
      const float* st = xs + t * blocks;
      for (std::int64_t r = 0; r < rows_here; ++r) {
        const float* wr = tile.data() + r * cols;
        const float* ws = w.scale.data() + count(((t0 + r) / quant::fp8_block) * blocks);
        float acc = 0.0f;
        for (std::int64_t j = 0; j < blocks; ++j) {
          const std::int64_t k0 = j * quant::fp8_block, len = std::min<std::int64_t>(quant::fp8_block, cols - k0);
          const float partial = kernels::dot(wr + k0, xt + k0, len);
          acc += partial * (st[j] * ws[j]);
        }
        out[t * rows + t0 + r] = acc + (bias ? bias[t0 + r] : 0.0f);
      }
    }
  }
}

void parallel_tiles(thread_pool& pool, std::int64_t rows, const auto& f) {
  const std::int64_t tiles = (rows + tile_rows - 1) / tile_rows;
  pool.parallel_for(tiles, [&](std::int64_t b, std::int64_t e) { f(b * tile_rows, std::min(e * tile_rows, rows)); });
}

}  // namespace

void quant_linear(thread_pool& pool, const packed_weight& w, const float* x, std::int64_t n, const float* bias,
                  float* out) {
  if (n <= 0) return;
  if (w.format != quant::weight_format::block_wise_fp8) {
    parallel_tiles(pool, w.rows, [&](std::int64_t r0, std::int64_t r1) { weight_only_rows(w, x, n, bias, out, r0, r1); });
    return;
  }
  const auto xq = quant::quantize_fp8_token_activation(std::span<const float>(x, count(n * w.cols)), n, w.cols);
  thread_local std::vector<float> xv;
  xv.resize(xq.q.size());
  std::transform(xq.q.begin(), xq.q.end(), xv.begin(), quant::e4m3_to_fp32);
  const float* values = xv.data();
  parallel_tiles(pool, w.rows, [&](std::int64_t r0, std::int64_t r1) {
    fp8_rows(w, values, xq.scale.data(), n, bias, out, r0, r1);
  });
}

}  // namespace moeserve::cpu
