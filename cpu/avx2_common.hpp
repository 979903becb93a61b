#pragma once
// avx2_common: what the CPU backend's AVX2+FMA kernels share (vec_kernels.cpp,
// q8_activations.cpp). Functions marked MOESERVE_AVX2 are compiled for AVX2, FMA and F16C
// whatever the build's baseline is; call them only after kernels::using_avx2() said yes.
// Include only on x86-64.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#define MOESERVE_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace moeserve::cpu::avx2 {

// The sum of the 8 lanes.
MOESERVE_AVX2 inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// The IEEE half at p (unaligned), as a float.
MOESERVE_AVX2 inline float load_half(const std::byte* p) {
  std::uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

}  // namespace moeserve::cpu::avx2
