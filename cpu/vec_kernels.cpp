#include "cpu/vec_kernels.hpp"

#include <cstring>
#include <stdexcept>

#include "model/io/ggml_blocks.hpp"
#include "model/io/half.hpp"

#if defined(__x86_64__)
#include "cpu/avx2_common.hpp"
#define MOESERVE_X86 1
#endif

namespace moeserve::cpu::kernels {

namespace ggml = model::ggml;
using model::dtype;

namespace {

// --- baseline versions ---

float dot_scalar(const float* a, const float* b, std::int64_t n) {
  float acc[8] = {};
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

void dot4_scalar(const float* w, const float* x, std::int64_t ldx, std::int64_t n, float* out) {
  for (int j = 0; j < 4; ++j) out[j] = dot_scalar(w, x + j * ldx, n);
}

void axpy_scalar(float a, const float* x, float* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void dot_strided_scalar(const float* q, const float* k, std::int64_t stride, int count, std::int64_t n, float scale,
                        float* out) {
  for (int i = 0; i < count; ++i) out[i] = dot_scalar(q, k + i * stride, n) * scale;
}

void axpy_strided_scalar(const float* w, const float* v, std::int64_t stride, int count, std::int64_t n, float* y) {
  for (int i = 0; i < count; ++i) axpy_scalar(w[i], v + i * stride, y, n);
}

template <class Block>
Block load_block(const std::byte* p) {
  Block b;
  std::memcpy(&b, p, sizeof b);
  return b;
}

void decode_scalar(dtype type, const std::byte* row, std::int64_t n, float* out) {
  const std::int64_t blocks = n / ggml::qk_legacy;
  switch (type) {
    case dtype::f32:
      std::memcpy(out, row, static_cast<std::size_t>(n) * sizeof(float));
      return;
    case dtype::q8_0:
      for (std::int64_t b = 0; b < blocks; ++b, out += 32) {
        const auto blk = load_block<ggml::block_q8_0>(row + b * sizeof(ggml::block_q8_0));
        const float d = model::fp16_to_fp32(blk.d);
        for (int j = 0; j < 32; ++j) out[j] = d * static_cast<float>(blk.qs[static_cast<std::size_t>(j)]);
      }
      return;
    case dtype::q4_0:
      for (std::int64_t b = 0; b < blocks; ++b, out += 32) {
        const auto blk = load_block<ggml::block_q4_0>(row + b * sizeof(ggml::block_q4_0));
        const float d = model::fp16_to_fp32(blk.d);
        for (int j = 0; j < 16; ++j) {
          const int q = blk.qs[static_cast<std::size_t>(j)];
          out[j] = d * static_cast<float>((q & 15) - 8);
          out[j + 16] = d * static_cast<float>((q >> 4) - 8);
        }
      }
      return;
    case dtype::q4_1:
      for (std::int64_t b = 0; b < blocks; ++b, out += 32) {
        const auto blk = load_block<ggml::block_q4_1>(row + b * sizeof(ggml::block_q4_1));
        const float d = model::fp16_to_fp32(blk.d), m = model::fp16_to_fp32(blk.m);
        for (int j = 0; j < 16; ++j) {
          const int q = blk.qs[static_cast<std::size_t>(j)];
          out[j] = d * static_cast<float>(q & 15) + m;
          out[j + 16] = d * static_cast<float>(q >> 4) + m;
        }
      }
      return;
    default:
      throw std::invalid_argument("decode_row: unsupported type");
  }
}

#if MOESERVE_X86
// --- AVX2 + FMA versions ---
using avx2::hsum;
using avx2::load_half;

// R rows of x against one row w. Every row's arithmetic is the same whatever R is (16
// values per round into two accumulators, then 8, then the scalar tail), so results do not
// depend on how rows are grouped.
template <int R>
MOESERVE_AVX2 void dot_rows_avx2(const float* w, const float* x, std::int64_t ldx, std::int64_t n, float* out) {
  __m256 s[R][2];
  for (int j = 0; j < R; ++j) s[j][0] = s[j][1] = _mm256_setzero_ps();
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 w0 = _mm256_loadu_ps(w + i), w1 = _mm256_loadu_ps(w + i + 8);
    for (int j = 0; j < R; ++j) {
      s[j][0] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + j * ldx + i), s[j][0]);
      s[j][1] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + j * ldx + i + 8), s[j][1]);
    }
  }
  if (i + 8 <= n) {
    const __m256 w0 = _mm256_loadu_ps(w + i);
    for (int j = 0; j < R; ++j) s[j][0] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + j * ldx + i), s[j][0]);
    i += 8;
  }
  for (int j = 0; j < R; ++j) {
    float total = hsum(_mm256_add_ps(s[j][0], s[j][1]));
    for (std::int64_t k = i; k < n; ++k) total += w[k] * x[j * ldx + k];
    out[j] = total;
  }
}

MOESERVE_AVX2 float dot_avx2(const float* a, const float* b, std::int64_t n) {
  float out;
  dot_rows_avx2<1>(a, b, 0, n, &out);
  return out;
}

MOESERVE_AVX2 void dot4_avx2(const float* w, const float* x, std::int64_t ldx, std::int64_t n, float* out) {
  dot_rows_avx2<4>(w, x, ldx, n, out);
}

MOESERVE_AVX2 void axpy_avx2(float a, const float* x, float* y, std::int64_t n) {
  const __m256 av = _mm256_set1_ps(a);
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += a * x[i];
}

MOESERVE_AVX2 void dot_strided_avx2(const float* q, const float* k, std::int64_t stride, int count, std::int64_t n,
                                    float scale, float* out) {
  if (n % 16 != 0) return dot_strided_scalar(q, k, stride, count, n, scale, out);
  for (int i = 0; i < count; ++i) {
    const float* ki = k + i * stride;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    for (std::int64_t d = 0; d < n; d += 16) {
      s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_loadu_ps(ki + d), s0);
      s1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + d + 8), _mm256_loadu_ps(ki + d + 8), s1);
    }
    out[i] = hsum(_mm256_add_ps(s0, s1)) * scale;
  }
}

MOESERVE_AVX2 void axpy_strided_avx2(const float* w, const float* v, std::int64_t stride, int count, std::int64_t n,
                                     float* y) {
  if (n % 32 != 0) return axpy_strided_scalar(w, v, stride, count, n, y);
  for (std::int64_t d = 0; d < n; d += 32) {  // 32 outputs stay in registers over all rows
    __m256 a0 = _mm256_loadu_ps(y + d), a1 = _mm256_loadu_ps(y + d + 8), a2 = _mm256_loadu_ps(y + d + 16),
           a3 = _mm256_loadu_ps(y + d + 24);
    for (int i = 0; i < count; ++i) {
      const __m256 wi = _mm256_set1_ps(w[i]);
      const float* vi = v + i * stride + d;
      a0 = _mm256_fmadd_ps(wi, _mm256_loadu_ps(vi), a0);
      a1 = _mm256_fmadd_ps(wi, _mm256_loadu_ps(vi + 8), a1);
      a2 = _mm256_fmadd_ps(wi, _mm256_loadu_ps(vi + 16), a2);
      a3 = _mm256_fmadd_ps(wi, _mm256_loadu_ps(vi + 24), a3);
    }
    _mm256_storeu_ps(y + d, a0);
    _mm256_storeu_ps(y + d + 8, a1);
    _mm256_storeu_ps(y + d + 16, a2);
    _mm256_storeu_ps(y + d + 24, a3);
  }
}

// 16 nibbles (in the low halves of 16 bytes) -> 16 floats d * q + m.
MOESERVE_AVX2 inline void put_nibbles(__m128i v, __m256 d, __m256 m, float* out) {
  _mm256_storeu_ps(out, _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v)), m));
  _mm256_storeu_ps(out + 8, _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(v, 8))), m));
}

// 16 bytes of nibbles -> 32 floats (low nibbles first, then high), as d * q + m.
MOESERVE_AVX2 inline void decode_nibbles(const std::byte* qs, __m256 d, __m256 m, float* out) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i mask = _mm_set1_epi8(15);
  put_nibbles(_mm_and_si128(bytes, mask), d, m, out);
  put_nibbles(_mm_and_si128(_mm_srli_epi16(bytes, 4), mask), d, m, out + 16);
}

MOESERVE_AVX2 void decode_avx2(dtype type, const std::byte* row, std::int64_t n, float* out) {
  const std::int64_t blocks = n / ggml::qk_legacy;
  switch (type) {
    case dtype::q8_0:
      for (std::int64_t b = 0; b < blocks; ++b, out += 32, row += sizeof(ggml::block_q8_0)) {
        const __m256 d = _mm256_set1_ps(load_half(row));
        for (int j = 0; j < 32; j += 8) {
          const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + 2 + j));
          _mm256_storeu_ps(out + j, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q))));
        }
      }
      return;
    case dtype::q4_0:
      for (std::int64_t b = 0; b < blocks; ++b, out += 32, row += sizeof(ggml::block_q4_0)) {
        const float d = load_half(row);
        decode_nibbles(row + 2, _mm256_set1_ps(d), _mm256_set1_ps(-8.0f * d), out);
      }
      return;
    case dtype::q4_1:
      for (std::int64_t b = 0; b < blocks; ++b, out += 32, row += sizeof(ggml::block_q4_1))
        decode_nibbles(row + 4, _mm256_set1_ps(load_half(row)), _mm256_set1_ps(load_half(row + 2)), out);
      return;
    default:
      decode_scalar(type, row, n, out);
  }
}

bool detect_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}
#else
bool detect_avx2() { return false; }
#endif

struct dispatch {
  bool avx2 = detect_avx2();
};
const dispatch& table() {
  static const dispatch d;
  return d;
}

}  // namespace

bool using_avx2() { return table().avx2; }

#if MOESERVE_X86
float dot(const float* a, const float* b, std::int64_t n) { return using_avx2() ? dot_avx2(a, b, n) : dot_scalar(a, b, n); }
void dot4(const float* w, const float* x, std::int64_t ldx, std::int64_t n, float* out) {
  using_avx2() ? dot4_avx2(w, x, ldx, n, out) : dot4_scalar(w, x, ldx, n, out);
}
void decode_row(dtype type, const std::byte* row, std::int64_t n, float* out) {
  using_avx2() ? decode_avx2(type, row, n, out) : decode_scalar(type, row, n, out);
}
void axpy(float a, const float* x, float* y, std::int64_t n) {
  using_avx2() ? axpy_avx2(a, x, y, n) : axpy_scalar(a, x, y, n);
}
void dot_strided(const float* q, const float* k, std::int64_t stride, int count, std::int64_t n, float scale, float* out) {
  using_avx2() ? dot_strided_avx2(q, k, stride, count, n, scale, out) : dot_strided_scalar(q, k, stride, count, n, scale, out);
}
void axpy_strided(const float* w, const float* v, std::int64_t stride, int count, std::int64_t n, float* y) {
  using_avx2() ? axpy_strided_avx2(w, v, stride, count, n, y) : axpy_strided_scalar(w, v, stride, count, n, y);
}
#else
void dot_strided(const float* q, const float* k, std::int64_t stride, int count, std::int64_t n, float scale, float* out) {
  dot_strided_scalar(q, k, stride, count, n, scale, out);
}
void axpy_strided(const float* w, const float* v, std::int64_t stride, int count, std::int64_t n, float* y) {
  axpy_strided_scalar(w, v, stride, count, n, y);
}
float dot(const float* a, const float* b, std::int64_t n) { return dot_scalar(a, b, n); }
void dot4(const float* w, const float* x, std::int64_t ldx, std::int64_t n, float* out) { dot4_scalar(w, x, ldx, n, out); }
void decode_row(dtype type, const std::byte* row, std::int64_t n, float* out) { decode_scalar(type, row, n, out); }
void axpy(float a, const float* x, float* y, std::int64_t n) { axpy_scalar(a, x, y, n); }
#endif

}  // namespace moeserve::cpu::kernels
