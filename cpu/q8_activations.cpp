#include "cpu/q8_activations.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "cpu/vec_kernels.hpp"
#include "model/io/ggml_blocks.hpp"
#include "model/io/half.hpp"

#if defined(__x86_64__)
#include "cpu/avx2_common.hpp"
#endif

namespace moeserve::cpu {

namespace ggml = model::ggml;
using model::dtype;

namespace {

// float -> nearest half -> float (round to nearest even, as ggml's FP32_TO_FP16).
float round_to_half(float f) {
  const auto bits = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = bits & 0x80000000u;
  const float a = std::fabs(f);
  if (a >= 65520.0f) return std::bit_cast<float>(sign | 0x7f800000u);  // overflows to inf
  if (a < 6.103515625e-05f) {                                        // subnormal half: steps of 2^-24
    return std::copysign(std::nearbyint(a * 16777216.0f) / 16777216.0f, f);
  }
  // Keep 10 mantissa bits, rounding to nearest even.
  std::uint32_t m = bits & 0x7fffffffu;
  const std::uint32_t lsb = (m >> 13) & 1u;
  m += 0x0fffu + lsb;
  m &= ~0x1fffu;
  return std::bit_cast<float>(sign | m);
}

template <class Block>
Block load(const std::byte* p) {
  Block b;
  std::memcpy(&b, p, sizeof b);
  return b;
}

}  // namespace

void quantize_q8_rows(const float* x, std::int64_t n, std::int64_t cols, std::vector<q8_block>& out) {
  if (cols % 32 != 0) throw std::invalid_argument("quantize_q8_rows: cols must be a multiple of 32");
  const std::int64_t blocks = n * cols / 32;
  out.resize(static_cast<std::size_t>(blocks));
  for (std::int64_t b = 0; b < blocks; ++b) {
    const float* v = x + b * 32;
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(v[j]));
    const float d = amax / 127.0f, id = amax != 0.0f ? 127.0f / amax : 0.0f;
    auto& blk = out[static_cast<std::size_t>(b)];
    int sum = 0;
    for (int j = 0; j < 32; ++j) {
      const int q = static_cast<int>(std::nearbyint(v[j] * id));
      blk.qs[j] = static_cast<std::int8_t>(q);
      sum += q;
    }
    blk.d = round_to_half(d);
    blk.s = round_to_half(d * static_cast<float>(sum));
  }
}

float dot_q8_reference(dtype t, const std::byte* row, const q8_block* x, std::int64_t blocks) {
  float acc = 0, offsets = 0;
  for (std::int64_t b = 0; b < blocks; ++b) {
    const q8_block& xb = x[b];
    int sum = 0;
    float dw = 0;
    if (t == dtype::q8_0) {
      const auto w = load<ggml::block_q8_0>(row + b * sizeof(ggml::block_q8_0));
      for (int j = 0; j < 32; ++j) sum += w.qs[static_cast<std::size_t>(j)] * xb.qs[j];
      dw = model::fp16_to_fp32(w.d);
    } else if (t == dtype::q4_0) {
      const auto w = load<ggml::block_q4_0>(row + b * sizeof(ggml::block_q4_0));
      for (int j = 0; j < 16; ++j) {
        const int q = w.qs[static_cast<std::size_t>(j)];
        sum += ((q & 15) - 8) * xb.qs[j] + ((q >> 4) - 8) * xb.qs[j + 16];
      }
      dw = model::fp16_to_fp32(w.d);
    } else if (t == dtype::q4_1) {
      const auto w = load<ggml::block_q4_1>(row + b * sizeof(ggml::block_q4_1));
      for (int j = 0; j < 16; ++j) {
        const int q = w.qs[static_cast<std::size_t>(j)];
        sum += (q & 15) * xb.qs[j] + (q >> 4) * xb.qs[j + 16];
      }
      dw = model::fp16_to_fp32(w.d);
      offsets += model::fp16_to_fp32(w.m) * xb.s;
    } else {
      throw std::invalid_argument("dot_q8: unsupported weight type");
    }
    acc += dw * xb.d * static_cast<float>(sum);
  }
  return acc + offsets;
}

#if defined(__x86_64__)
namespace {

using avx2::hsum;
using avx2::load_half;

// 16 bytes of nibbles -> 32 bytes: low nibbles (elements 0..15), then high (16..31).
MOESERVE_AVX2 inline __m256i unpack_nibbles(const std::byte* p) {
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(b, 4), b);
  return _mm256_and_si256(both, _mm256_set1_epi8(15));
}

// Sum of products of unsigned bytes u (0..255) and signed bytes s, as 8 int32 lanes -> float.
MOESERVE_AVX2 inline __m256 dot_us(__m256i u, __m256i s) {
  const __m256i pairs = _mm256_maddubs_epi16(u, s);
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

// The weight block b of a row as 32 signed or unsigned bytes, its scale and (q4_1) offset.
struct weight_block {
  __m256i q;
  float d;
  float m;
};

MOESERVE_AVX2 inline weight_block load_weight(dtype t, const std::byte* row, std::int64_t b) {
  if (t == dtype::q4_1) {
    const std::byte* p = row + b * static_cast<std::int64_t>(sizeof(ggml::block_q4_1));
    return {unpack_nibbles(p + 4), load_half(p), load_half(p + 2)};
  }
  if (t == dtype::q4_0) {
    const std::byte* p = row + b * static_cast<std::int64_t>(sizeof(ggml::block_q4_0));
    return {_mm256_sub_epi8(unpack_nibbles(p + 2), _mm256_set1_epi8(8)), load_half(p), 0.0f};
  }
  const std::byte* p = row + b * static_cast<std::int64_t>(sizeof(ggml::block_q8_0));
  return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2)), load_half(p), 0.0f};
}

}  // namespace

// The kernel compiled twice (q8_rows_kernel.inc): plain AVX2, and AVX-VNNI.
namespace avx2_path {
#define MOESERVE_Q8_TARGET MOESERVE_AVX2
MOESERVE_AVX2 inline __m256 int_dot(__m256i u, __m256i s) { return dot_us(u, s); }
#include "cpu/q8_rows_kernel.inc"
#undef MOESERVE_Q8_TARGET
}  // namespace avx2_path

namespace vnni_path {
#define MOESERVE_Q8_TARGET __attribute__((target("avx2,fma,f16c,avxvnni")))
// The same integers as maddubs + madd: for these weights (|w| <= 128, |x| <= 127) no pair of
// products reaches int16's limit, so maddubs never saturates.
MOESERVE_Q8_TARGET inline __m256 int_dot(__m256i u, __m256i s) {
  return _mm256_cvtepi32_ps(_mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), u, s));
}
#include "cpu/q8_rows_kernel.inc"
#undef MOESERVE_Q8_TARGET
}  // namespace vnni_path

namespace {

bool detect_avx_vnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avxvnni");
}

template <int R>
void dot_q8_rows_best(dtype t, const std::byte* row, const q8_block* x, std::int64_t stride, std::int64_t blocks,
                      float* out) {
  if (cpu_has_avx_vnni()) vnni_path::dot_q8_rows<R>(t, row, x, stride, blocks, out);
  else avx2_path::dot_q8_rows<R>(t, row, x, stride, blocks, out);
}

}  // namespace

bool cpu_has_avx_vnni() {
  static const bool vnni = kernels::using_avx2() && detect_avx_vnni();
  return vnni;
}

void dot_q8_x4_avx2(dtype t, const std::byte* row, const q8_block* x, std::int64_t stride, std::int64_t blocks,
                    float* out) {
  avx2_path::dot_q8_rows<4>(t, row, x, stride, blocks, out);
}

void dot_q8_x4_avx_vnni(dtype t, const std::byte* row, const q8_block* x, std::int64_t stride, std::int64_t blocks,
                        float* out) {
  vnni_path::dot_q8_rows<4>(t, row, x, stride, blocks, out);
}

float dot_q8(dtype t, const std::byte* row, const q8_block* x, std::int64_t blocks) {
  if (!kernels::using_avx2()) return dot_q8_reference(t, row, x, blocks);
  float out;
  dot_q8_rows_best<1>(t, row, x, 0, blocks, &out);
  return out;
}

void dot_q8_x4(dtype t, const std::byte* row, const q8_block* x, std::int64_t stride, std::int64_t blocks, float* out) {
  if (kernels::using_avx2()) return dot_q8_rows_best<4>(t, row, x, stride, blocks, out);
  for (int j = 0; j < 4; ++j) out[j] = dot_q8_reference(t, row, x + j * stride, blocks);
}
#else
float dot_q8(dtype t, const std::byte* row, const q8_block* x, std::int64_t blocks) {
  return dot_q8_reference(t, row, x, blocks);
}

void dot_q8_x4(dtype t, const std::byte* row, const q8_block* x, std::int64_t stride, std::int64_t blocks, float* out) {
  for (int j = 0; j < 4; ++j) out[j] = dot_q8_reference(t, row, x + j * stride, blocks);
}
#endif

}  // namespace moeserve::cpu
