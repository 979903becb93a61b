#include "cpu/linear.hpp"

#include <algorithm>
#include <vector>

#include "cpu/q8_activations.hpp"
#include "cpu/quant_linear.hpp"
#include "cpu/vec_kernels.hpp"

namespace moeserve::cpu {

namespace {

constexpr std::int64_t tile_rows = 16;

// Rows [r0, r1) of a ggml-quantized W against all n rows of quantized x, x in chunks of
// 32 rows so that a chunk stays in cache while W's rows stream past it.
void quantized_rows(const cpu_matrix& w, const q8_block* xq, std::int64_t n, const float* bias, float* out,
                    std::int64_t r0, std::int64_t r1) {
  constexpr std::int64_t chunk = 32;
  const std::int64_t blocks = w.cols() / 32, rows = w.rows();
  for (std::int64_t c0 = 0; c0 < n; c0 += chunk) {
    const std::int64_t c1 = std::min(n, c0 + chunk);
    for (std::int64_t r = r0; r < r1; ++r) {
      const std::byte* row = w.row(r);
      const float b = bias ? bias[r] : 0.0f;
      std::int64_t t = c0;
      for (; t + 4 <= c1; t += 4) {
        float s[4];
        dot_q8_x4(w.type(), row, xq + t * blocks, blocks, blocks, s);
        for (int j = 0; j < 4; ++j) out[(t + j) * rows + r] = s[j] + b;
      }
      for (; t < c1; ++t) out[t * rows + r] = dot_q8(w.type(), row, xq + t * blocks, blocks) + b;
    }
  }
}

// Rows [r0, r1) of an f32 W against all n rows of x.
void linear_rows(const cpu_matrix& w, const float* x, std::int64_t n, const float* bias, float* out, std::int64_t r0,
                 std::int64_t r1) {
  const std::int64_t cols = w.cols(), rows = w.rows();
  thread_local std::vector<float> tile;
  const bool plain = w.type() == model::dtype::f32;
  if (!plain && tile.size() < static_cast<std::size_t>(tile_rows * cols))
    tile.resize(static_cast<std::size_t>(tile_rows * cols));
  for (std::int64_t t0 = r0; t0 < r1; t0 += tile_rows) {
    const std::int64_t count = std::min(tile_rows, r1 - t0);
    const float* base = plain ? w.floats() + t0 * cols : tile.data();
    if (!plain)
      for (std::int64_t r = 0; r < count; ++r) kernels::decode_row(w.type(), w.row(t0 + r), cols, tile.data() + r * cols);
    std::int64_t t = 0;
    for (; t + 4 <= n; t += 4) {
      for (std::int64_t r = 0; r < count; ++r) {
        float s[4];
        kernels::dot4(base + r * cols, x + t * cols, cols, cols, s);
        for (int j = 0; j < 4; ++j) out[(t + j) * rows + t0 + r] = s[j];
      }
    }
    for (; t < n; ++t)
      for (std::int64_t r = 0; r < count; ++r) out[t * rows + t0 + r] = kernels::dot(base + r * cols, x + t * cols, cols);
    if (bias)
      for (std::int64_t tt = 0; tt < n; ++tt)
        for (std::int64_t r = 0; r < count; ++r) out[tt * rows + t0 + r] += bias[t0 + r];
  }
}

}  // namespace

void linear(thread_pool& pool, const cpu_matrix& w, const float* x, std::int64_t n, const float* bias, float* out) {
  if (const packed_weight* p = w.packed()) return quant_linear(pool, *p, x, n, bias, out);
  if (w.type() != model::dtype::f32) {
    thread_local std::vector<q8_block> xq;
    quantize_q8_rows(x, n, w.cols(), xq);
    const q8_block* q = xq.data();
    pool.parallel_for(w.rows(), [&](std::int64_t b, std::int64_t e) { quantized_rows(w, q, n, bias, out, b, e); });
    return;
  }
  const std::int64_t tiles = (w.rows() + tile_rows - 1) / tile_rows;
  pool.parallel_for(tiles, [&](std::int64_t b, std::int64_t e) {
    linear_rows(w, x, n, bias, out, b * tile_rows, std::min(e * tile_rows, w.rows()));
  });
}

}  // namespace moeserve::cpu
