// decode_row of packed_weight.hpp: the AVX2 versions and the dispatch. Each AVX2 loop
// produces exactly the values of decode_row_reference (same products, no fused
// multiply-add), 8 or 32 at a time, and leaves the row's tail to the reference formula.
#include <array>
#include <limits>

#include "cpu/packed_weight.hpp"
#include "cpu/vec_kernels.hpp"
#include "quant/fp8_e4m3.hpp"

#if defined(__x86_64__)
#include "cpu/avx2_common.hpp"
#define MOESERVE_X86 1
#endif

namespace moeserve::cpu {

namespace {

using quant::weight_format;

std::size_t count(std::int64_t v) { return static_cast<std::size_t>(v); }

#if MOESERVE_X86
MOESERVE_AVX2 void decode_wint8_avx2(const std::uint8_t* q, float s, std::int64_t k_total, float* out) {
  const __m256 sv = _mm256_set1_ps(s);
  std::int64_t k = 0;
  for (; k + 8 <= k_total; k += 8) {
    const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(q + k));
    _mm256_storeu_ps(out + k, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b)), sv));
  }
  for (; k < k_total; ++k) out[k] = static_cast<float>(static_cast<std::int8_t>(q[k])) * s;
}

// 16 bytes of int4 pairs -> 32 floats in k order (even k = low nibble), times s.
MOESERVE_AVX2 inline void decode_int4x32(const std::uint8_t* p, __m256 s, float* out) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i mask = _mm_set1_epi8(15), eight = _mm_set1_epi8(8);
  const __m128i lo = _mm_and_si128(bytes, mask), hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
  // Sign-extend 4-bit two's complement: (x ^ 8) - 8.
  const __m128i a = _mm_sub_epi8(_mm_xor_si128(_mm_unpacklo_epi8(lo, hi), eight), eight);
  const __m128i b = _mm_sub_epi8(_mm_xor_si128(_mm_unpackhi_epi8(lo, hi), eight), eight);
  _mm256_storeu_ps(out, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(a)), s));
  _mm256_storeu_ps(out + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(a, 8))), s));
  _mm256_storeu_ps(out + 16, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b)), s));
  _mm256_storeu_ps(out + 24, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(b, 8))), s));
}

MOESERVE_AVX2 void decode_wint4_avx2(const packed_weight& w, std::int64_t n, float* out) {
  const std::uint8_t* p = w.codes.data() + count(n) * w.row_code_bytes();
  const float* s = w.scale.data() + count(n * (w.cols / w.group_size));
  std::int64_t k = 0;
  // 32 values never straddle a group: G is 64, 128 or K.
  for (; k + 32 <= w.cols; k += 32) decode_int4x32(p + k / 2, _mm256_set1_ps(s[k / w.group_size]), out + k);
  for (; k < w.cols; k += 2) {
    const float sc = s[k / w.group_size];
    out[k] = static_cast<float>(quant::unpack_int4_low(p[k / 2])) * sc;
    out[k + 1] = static_cast<float>(quant::unpack_int4_high(p[k / 2])) * sc;
  }
}

// e4m3 -> float without a table: the 7 magnitude bits shifted into a float's exponent and
// mantissa fields (bits 26..20) give 2^-120 times the value, normal or subnormal, so one
// exact multiplication by 2^120 finishes it; 0x7F (NaN) and the sign are patched in.
MOESERVE_AVX2 void decode_fp8_avx2(const std::uint8_t* q, std::int64_t k_total, float* out) {
  const __m256i magnitude_mask = _mm256_set1_epi32(0x7F), nan_code = _mm256_set1_epi32(0x7F);
  const __m256 scale = _mm256_set1_ps(0x1p120f), nan = _mm256_set1_ps(std::numeric_limits<float>::quiet_NaN());
  std::int64_t k = 0;
  for (; k + 8 <= k_total; k += 8) {
    const __m256i code = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q + k)));
    const __m256i magnitude = _mm256_and_si256(code, magnitude_mask);
    __m256 v = _mm256_mul_ps(_mm256_castsi256_ps(_mm256_slli_epi32(magnitude, 20)), scale);
    v = _mm256_blendv_ps(v, nan, _mm256_castsi256_ps(_mm256_cmpeq_epi32(magnitude, nan_code)));
    const __m256i sign = _mm256_slli_epi32(_mm256_srli_epi32(code, 7), 31);
    _mm256_storeu_ps(out + k, _mm256_or_ps(v, _mm256_castsi256_ps(sign)));
  }
  const float* table = quant::e4m3_values().data();
  for (; k < k_total; ++k) out[k] = table[q[k]];
}

// 8 code bytes (rows 4j .. 4j+3 of each) -> 32 weights in k order.
MOESERVE_AVX2 void decode_wint2_avx2(const packed_weight& w, std::int64_t n, float* out) {
  const std::uint8_t* p = w.codes.data() + count(n) * w.row_code_bytes();
  const std::uint8_t* ls = w.local_scale.data() + count(n * (w.padded_cols / quant::wint2_k_multiple));
  const float cs = w.code_scale[count(n)], zp = w.code_zp[count(n)], ss = w.scale[count(n)];
  const __m256 csv = _mm256_set1_ps(cs), zpv = _mm256_set1_ps(zp), half = _mm256_set1_ps(0.5f),
               ssv = _mm256_set1_ps(ss);
  const __m256i mask = _mm256_set1_epi32(0x3F), bias = _mm256_set1_epi32(32);
  std::int64_t k = 0;
  for (; k + 32 <= w.cols; k += 32) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + k / 4));
    const __m256 q = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
    // code = floor(q * cs + zp + 0.5), three separate roundings as quant::wint2_code.
    const __m256 shifted = _mm256_add_ps(_mm256_mul_ps(q, csv), zpv);
    const __m256i code = _mm256_cvtps_epi32(_mm256_floor_ps(_mm256_add_ps(shifted, half)));
    const __m256i scale_i = _mm256_set1_epi32(quant::wint2_local_scale(ls[k / quant::wint2_k_multiple], k));
    __m256i v[4];
    static constexpr int shift[4] = {9, 6, 3, 0};
    for (int r = 0; r < 4; ++r) {
      const __m256i window = _mm256_sub_epi32(_mm256_and_si256(_mm256_srai_epi32(code, shift[r]), mask), bias);
      v[r] = _mm256_mullo_epi32(window, scale_i);
    }
    // Transpose [4 rows][8 bytes] -> [8 bytes][4 rows].
    const __m256i a = _mm256_unpacklo_epi32(v[0], v[1]), b = _mm256_unpackhi_epi32(v[0], v[1]);
    const __m256i c = _mm256_unpacklo_epi32(v[2], v[3]), d = _mm256_unpackhi_epi32(v[2], v[3]);
    const __m256i e = _mm256_unpacklo_epi64(a, c), f = _mm256_unpackhi_epi64(a, c);
    const __m256i g = _mm256_unpacklo_epi64(b, d), h = _mm256_unpackhi_epi64(b, d);
    const __m256i rows[4] = {_mm256_permute2x128_si256(e, f, 0x20), _mm256_permute2x128_si256(g, h, 0x20),
                             _mm256_permute2x128_si256(e, f, 0x31), _mm256_permute2x128_si256(g, h, 0x31)};
    for (int j = 0; j < 4; ++j) _mm256_storeu_ps(out + k + 8 * j, _mm256_mul_ps(_mm256_cvtepi32_ps(rows[j]), ssv));
  }
  for (; k < w.cols; ++k) out[k] = quant::wint2_decode(p[k / 4], cs, zp, ls[k / quant::wint2_k_multiple], ss, k);
}
#endif

}  // namespace

void decode_row(const packed_weight& w, std::int64_t n, float* out) {
#if MOESERVE_X86
  if (kernels::using_avx2()) {
    const std::uint8_t* codes = w.codes.data() + count(n) * w.row_code_bytes();
    switch (w.format) {
      case weight_format::wint8: return decode_wint8_avx2(codes, w.scale[count(n)], w.cols, out);
      case weight_format::wint4: return decode_wint4_avx2(w, n, out);
      case weight_format::block_wise_fp8: return decode_fp8_avx2(codes, w.cols, out);
      case weight_format::wint2: return decode_wint2_avx2(w, n, out);
      case weight_format::none: break;
    }
  }
#endif
  decode_row_reference(w, n, out);
}

}  // namespace moeserve::cpu
