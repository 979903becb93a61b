// Each op of the CPU backend against a plain reference (double precision, written out
// here) on random inputs: linear in every kept weight format (f32, q8_0, q4_0, q4_1) for
// 1..9 rows of input, paged attention with GQA over scrambled blocks, rotary embedding in
// both pairings, RMS norms, SiLU-and-mul, the MoE router, and the thread pool's coverage.
#include <gtest/gtest.h>

#include <bit>

#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "cpu/attention.hpp"
#include "cpu/cpu_matrix.hpp"
#include "cpu/linear.hpp"
#include "cpu/moe.hpp"
#include "cpu/q8_activations.hpp"
#include "cpu/row_ops.hpp"
#include "cpu/thread_pool.hpp"
#include "model/io/dequantize.hpp"
#include "model/io/half.hpp"
#include "tests/cpu/random_floats.hpp"

namespace moeserve::cpu {
namespace {

using model::dtype;

using test_support::random_floats;

std::uint16_t half_bits(float f) {  // positive normal values only (scales)
  const auto b = std::bit_cast<std::uint32_t>(f);
  return static_cast<std::uint16_t>(((b >> 23) - 112) << 10 | ((b >> 13) & 0x3ff));
}

// A random [rows, cols] weight of type t: its bytes, and the tensor view over them.
struct random_weight {
  std::vector<std::byte> bytes;
  model::tensor_view view;
};

random_weight make_weight(dtype t, std::int64_t rows, std::int64_t cols, std::mt19937& rng) {
  random_weight w;
  const auto row_bytes = *model::row_bytes(t, cols);
  w.bytes.resize(static_cast<std::size_t>(row_bytes * rows));
  if (t == dtype::f32) {
    const auto f = random_floats(static_cast<std::size_t>(rows * cols), rng);
    std::memcpy(w.bytes.data(), f.data(), w.bytes.size());
  } else {
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto& b : w.bytes) b = static_cast<std::byte>(byte(rng));
    const std::size_t block = t == dtype::q8_0 ? 34 : t == dtype::q4_0 ? 18 : 20;
    std::uniform_real_distribution<float> scale(0.001f, 0.1f);
    for (std::size_t at = 0; at < w.bytes.size(); at += block) {
      const std::uint16_t d = half_bits(scale(rng)), m = half_bits(scale(rng));
      std::memcpy(&w.bytes[at], &d, 2);
      if (t == dtype::q4_1) std::memcpy(&w.bytes[at + 2], &m, 2);
    }
  }
  w.view.name = "w";
  w.view.type = t;
  w.view.rank = 2;
  w.view.shape = {rows, cols, 0, 0};
  w.view.data = w.bytes;
  return w;
}

class linear_formats : public ::testing::TestWithParam<dtype> {};

// f32: the double-precision product. ggml types: the product of the exactly dequantized
// weights with the 8-bit activations (q * d per block; q4_1's offset times ggml's s), and
// within the 8-bit rounding bound (half a step per activation) of the f32 product.
TEST_P(linear_formats, matches_dequantized_reference) {
  std::mt19937 rng(7);
  thread_pool pool(2);
  const dtype type = GetParam();
  for (const std::int64_t n : {1, 2, 4, 5, 9}) {
    const std::int64_t rows = 70, cols = 96;  // rows not a multiple of the 16-row tile
    const auto w = make_weight(type, rows, cols, rng);
    const auto m = cpu_matrix::from_view(w.view);
    const auto x = random_floats(static_cast<std::size_t>(n * cols), rng);
    const auto bias = random_floats(static_cast<std::size_t>(rows), rng);
    std::vector<float> out(static_cast<std::size_t>(n * rows), NAN);
    linear(pool, *m, x.data(), n, bias.data(), out.data());
    const auto ref_w = model::dequantize(w.view);
    std::vector<q8_block> xq;
    if (type != dtype::f32) quantize_q8_rows(x.data(), n, cols, xq);
    for (std::int64_t t = 0; t < n; ++t)
      for (std::int64_t r = 0; r < rows; ++r) {
        double exact = bias[std::size_t(r)], expected = exact, mag = 0, rounding = 0;
        for (std::int64_t c = 0; c < cols; ++c) {
          const double wv = ref_w[std::size_t(r * cols + c)], xv = x[std::size_t(t * cols + c)];
          exact += wv * xv;
          mag += std::fabs(wv * xv);
          if (type == dtype::f32) continue;
          const q8_block& b = xq[std::size_t((t * cols + c) / 32)];
          double offset = 0;  // q4_1: x = d * q + m; the m part goes through ggml's s below
          if (type == dtype::q4_1) {
            std::uint16_t mh;
            std::memcpy(&mh, w.bytes.data() + std::size_t(r * (cols / 32) + c / 32) * 20 + 2, 2);
            offset = model::fp16_to_fp32(mh);
            if (c % 32 == 0) expected += offset * b.s;
          }
          expected += (wv - offset) * b.qs[c % 32] * b.d;
          rounding += std::fabs(wv) * b.d * 0.51 + std::fabs(offset * b.d * 32 * 1e-3);
        }
        if (type == dtype::f32) expected = exact;
        const float got = out[std::size_t(t * rows + r)];
        EXPECT_NEAR(got, expected, 1e-5 * (mag + 1)) << "n=" << n << " t=" << t << " r=" << r;
        EXPECT_NEAR(got, exact, rounding + 1e-5 * (mag + 1)) << "8-bit rounding bound, n=" << n;
      }
  }
}

TEST_P(linear_formats, vector_kernel_matches_portable_one) {
  if (GetParam() == dtype::f32) GTEST_SKIP() << "f32 has no quantized-activation kernel";
  std::mt19937 rng(9);
  const std::int64_t cols = 256;
  const auto w = make_weight(GetParam(), 8, cols, rng);
  const auto x = random_floats(static_cast<std::size_t>(cols), rng);
  std::vector<q8_block> xq;
  quantize_q8_rows(x.data(), 1, cols, xq);
  const auto row_bytes = static_cast<std::size_t>(*model::row_bytes(GetParam(), cols));
  for (std::size_t r = 0; r < 8; ++r) {
    const float ref = dot_q8_reference(GetParam(), w.bytes.data() + r * row_bytes, xq.data(), cols / 32);
    EXPECT_NEAR(dot_q8(GetParam(), w.bytes.data() + r * row_bytes, xq.data(), cols / 32), ref, 1e-5 * (std::fabs(ref) + 1));
  }
}

#if defined(__x86_64__)
// AVX-VNNI (vpdpbusd) and AVX2 (maddubs + madd) give the same integers, hence the same
// floats bit for bit; weights with every extreme value (q8_0's -128 included).
TEST_P(linear_formats, vnni_kernel_equals_avx2_kernel_bit_for_bit) {
  if (GetParam() == dtype::f32) GTEST_SKIP() << "f32 has no quantized-activation kernel";
  if (!cpu_has_avx_vnni()) GTEST_SKIP() << "this CPU has no AVX-VNNI";
  std::mt19937 rng(11);
  const std::int64_t cols = 512;
  auto w = make_weight(GetParam(), 8, cols, rng);
  if (GetParam() == dtype::q8_0)  // extremes: -128 and 127 in every block of row 0
    for (std::int64_t b = 0; b < cols / 32; ++b) {
      w.bytes[std::size_t(b * 34 + 2)] = std::byte{0x80};
      w.bytes[std::size_t(b * 34 + 3)] = std::byte{0x7F};
    }
  const auto x = random_floats(static_cast<std::size_t>(4 * cols), rng);
  std::vector<q8_block> xq;
  quantize_q8_rows(x.data(), 4, cols, xq);
  const auto row_bytes = static_cast<std::size_t>(*model::row_bytes(GetParam(), cols));
  for (std::size_t r = 0; r < 8; ++r) {
    float a[4], b[4];
    dot_q8_x4_avx2(GetParam(), w.bytes.data() + r * row_bytes, xq.data(), cols / 32, cols / 32, a);
    dot_q8_x4_avx_vnni(GetParam(), w.bytes.data() + r * row_bytes, xq.data(), cols / 32, cols / 32, b);
    for (int j = 0; j < 4; ++j) EXPECT_EQ(std::bit_cast<std::uint32_t>(a[j]), std::bit_cast<std::uint32_t>(b[j])) << r;
  }
}
#endif

INSTANTIATE_TEST_SUITE_P(types, linear_formats, ::testing::Values(dtype::f32, dtype::q8_0, dtype::q4_0, dtype::q4_1));

TEST(cpu_matrix, converts_other_types_to_f32) {
  std::vector<std::uint16_t> bf16 = {0x3f80, 0xc000, 0x4040, 0x0000};  // 1, -2, 3, 0
  model::tensor_view v;
  v.type = dtype::bf16;
  v.rank = 2;
  v.shape = {2, 2, 0, 0};
  v.data = std::as_bytes(std::span(bf16));
  const auto m = cpu_matrix::from_view(v);
  EXPECT_EQ(m->type(), dtype::f32);
  EXPECT_EQ(std::vector<float>(m->floats(), m->floats() + 4), (std::vector<float>{1, -2, 3, 0}));
}

TEST(row_ops, rms_norm_and_silu_mul_match_formulas) {
  std::mt19937 rng(3);
  const std::int64_t n = 3, cols = 40;
  auto x = random_floats(static_cast<std::size_t>(n * cols), rng), w = random_floats(static_cast<std::size_t>(cols), rng);
  std::vector<float> out(x.size());
  rms_norm_rows(x.data(), w.data(), 1e-5f, n, cols, out.data());
  for (std::int64_t t = 0; t < n; ++t) {
    double ss = 0;
    for (std::int64_t c = 0; c < cols; ++c) ss += double(x[std::size_t(t * cols + c)]) * x[std::size_t(t * cols + c)];
    const double r = 1 / std::sqrt(ss / cols + 1e-5);
    for (std::int64_t c = 0; c < cols; ++c)
      EXPECT_NEAR(out[std::size_t(t * cols + c)], w[std::size_t(c)] * x[std::size_t(t * cols + c)] * r, 1e-5);
  }
  auto g = random_floats(50, rng), u = random_floats(50, rng);
  std::vector<float> y(50);
  silu_mul(g.data(), u.data(), 50, y.data());
  for (std::size_t i = 0; i < 50; ++i) EXPECT_NEAR(y[i], g[i] / (1 + std::exp(-double(g[i]))) * u[i], 1e-6);
}

TEST(row_ops, rope_rotates_the_right_pairs) {
  for (const auto style : {model::rope_style::neox, model::rope_style::interleaved}) {
    model::rope_config rc;
    rc.theta = 10000;
    rc.rotary_dims = 8;
    const auto table = model::make_rope_table(rc, style);
    const std::vector<std::int32_t> positions = {0, 3, 17};
    const auto angles = make_rope_angles(table, positions);
    std::mt19937 rng(11);
    auto x = random_floats(3 * 16, rng);  // 2 heads of 8
    const auto before = x;
    apply_rope(table, angles, x.data(), 3, 16, 8);
    for (int t = 0; t < 3; ++t)
      for (int h = 0; h < 2; ++h)
        for (int i = 0; i < 4; ++i) {
          const int a = style == model::rope_style::neox ? i : 2 * i, b = style == model::rope_style::neox ? i + 4 : 2 * i + 1;
          const double theta = positions[std::size_t(t)] * std::pow(10000.0, -2.0 * i / 8);
          const double x0 = before[std::size_t(t * 16 + h * 8 + a)], x1 = before[std::size_t(t * 16 + h * 8 + b)];
          EXPECT_NEAR(x[std::size_t(t * 16 + h * 8 + a)], x0 * std::cos(theta) - x1 * std::sin(theta), 1e-5);
          EXPECT_NEAR(x[std::size_t(t * 16 + h * 8 + b)], x1 * std::cos(theta) + x0 * std::sin(theta), 1e-5);
        }
  }
}

TEST(attention, paged_gqa_matches_dense_reference) {
  std::mt19937 rng(5);
  thread_pool pool(2);
  const int heads = 4, kv_heads = 2, dim = 16, bs = 4, blocks = 16;
  kv_cache cache({1, kv_heads, dim, bs, blocks});
  // Two sequences: 6 prompt tokens of sequence 0 in one step, then sequence 0 decodes one
  // token beside sequence 1's 3-token prefill.
  const std::vector<std::vector<std::int32_t>> tables = {{9, 2}, {5}};
  std::vector<std::vector<float>> all_k(2), all_v(2);  // per sequence, by position
  const auto step = [&](std::vector<std::pair<int, std::pair<int, int>>> parts) {
    model::step_batch b;
    for (auto [s, range] : parts) {
      model::sequence_slice sl{b.token_count(), range.second - range.first, tables[std::size_t(s)]};
      for (int p = range.first; p < range.second; ++p) {
        b.tokens.push_back(0);
        b.positions.push_back(p);
        b.slots.push_back(std::int64_t{tables[std::size_t(s)][std::size_t(p / bs)]} * bs + p % bs);
      }
      b.sequences.push_back(sl);
    }
    const auto n = std::size_t(b.token_count());
    auto q = random_floats(n * heads * dim, rng), k = random_floats(n * kv_heads * dim, rng),
         v = random_floats(n * kv_heads * dim, rng);
    std::vector<float> out(q.size(), NAN);
    const float scale = 0.25f;
    paged_attention(pool, cache, b, {0, heads, kv_heads, dim, scale}, q.data(), k.data(), v.data(), out.data());
    std::size_t t = 0;
    for (auto [s, range] : parts)
      for (int p = range.first; p < range.second; ++p, ++t) {
        auto& K = all_k[std::size_t(s)];
        auto& V = all_v[std::size_t(s)];
        K.insert(K.end(), k.begin() + long(t * kv_heads * dim), k.begin() + long((t + 1) * kv_heads * dim));
        V.insert(V.end(), v.begin() + long(t * kv_heads * dim), v.begin() + long((t + 1) * kv_heads * dim));
      }
    t = 0;
    for (auto [s, range] : parts)
      for (int p = range.first; p < range.second; ++p, ++t)
        for (int h = 0; h < heads; ++h) {
          const int g = h / (heads / kv_heads);
          std::vector<double> w(std::size_t(p + 1));
          double mx = -1e300, sum = 0;
          for (int j = 0; j <= p; ++j) {
            double d = 0;
            for (int c = 0; c < dim; ++c)
              d += double(q[t * heads * dim + std::size_t(h * dim + c)]) * all_k[std::size_t(s)][std::size_t((j * kv_heads + g) * dim + c)];
            w[std::size_t(j)] = d * scale;
            mx = std::max(mx, w[std::size_t(j)]);
          }
          for (auto& x : w) sum += (x = std::exp(x - mx));
          for (int c = 0; c < dim; ++c) {
            double o = 0;
            for (int j = 0; j <= p; ++j) o += w[std::size_t(j)] * all_v[std::size_t(s)][std::size_t((j * kv_heads + g) * dim + c)];
            EXPECT_NEAR(out[t * heads * dim + std::size_t(h * dim + c)], o / sum, 1e-5) << "s=" << s << " p=" << p;
          }
        }
  };
  step({{0, {0, 6}}});
  step({{0, {6, 7}}, {1, {0, 3}}});
}

TEST(moe_router, picks_top_k_and_normalises) {
  const std::vector<float> logits = {0.1f, 2.0f, -1.0f, 1.5f, 2.0f};
  model::moe_params p{model::router_kind::softmax_top_k, 2, true, 0.0f};
  auto r = route_token(logits.data(), 5, nullptr, p);
  EXPECT_EQ(r.experts, (std::vector<int>{1, 4}));  // tie -> lower index first
  EXPECT_NEAR(r.weights[0], 0.5, 1e-6);
  EXPECT_NEAR(r.weights[0] + r.weights[1], 1.0, 1e-6);
  // ERNIE: selection by probability + bias, weights from the probabilities alone.
  const std::vector<float> bias = {0.0f, 0.0f, 5.0f, 0.0f, 0.0f};
  p.router = model::router_kind::softmax_biased_top_k;
  r = route_token(logits.data(), 5, bias.data(), p);
  EXPECT_EQ(r.experts, (std::vector<int>{2, 1}));
  double z = 0;
  for (float l : logits) z += std::exp(double(l));
  const double p2 = std::exp(-1.0) / z, p1 = std::exp(2.0) / z;
  EXPECT_NEAR(r.weights[0], p2 / (p1 + p2), 1e-6);
  p.normalize = false;
  r = route_token(logits.data(), 5, bias.data(), p);
  EXPECT_NEAR(r.weights[1], p1, 1e-6);
}

TEST(thread_pool, covers_every_index_once) {
  thread_pool pool(3);
  for (const std::int64_t n : {1, 2, 3, 7, 1000}) {
    std::vector<int> hits(static_cast<std::size_t>(n));
    for (int rep = 0; rep < 50; ++rep)
      pool.parallel_for(n, [&](std::int64_t b, std::int64_t e) {
        for (auto i = b; i < e; ++i) ++hits[static_cast<std::size_t>(i)];
      });
    for (const int h : hits) EXPECT_EQ(h, 50);
  }
}

}  // namespace
}  // namespace moeserve::cpu
