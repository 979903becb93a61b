#pragma once
// vec_kernels: the innermost loops of the CPU backend, in a baseline x86-64 version and an
// AVX2+FMA version picked once at run time (when the processor has both).
//
//   dot(a, b, n)                 sum of a[i] * b[i], FP32 accumulation (8 or 32 partial sums)
//   dot4(w, x, ldx, n, out)      out[j] = dot(w, x + j * ldx, n) for j < 4: w read once
//   decode_row(type, row, n, out)  a weight row of f32 / q8_0 / q4_0 / q4_1 to floats
//                                 (ggml's formulas; FMA may round d * q + m once)
//   axpy(a, x, y, n)             y[i] += a * x[i]
//   dot_strided(q, k, stride, count, n, scale, out)
//                                out[i] = scale * dot(q, k + i * stride, n), i < count
//   axpy_strided(w, v, stride, count, n, y)
//                                y += sum over i < count of w[i] * (v + i * stride)
// (the last two: attention over the keys and values of one KV block)
#include <cstddef>
#include <cstdint>

#include "model/io/dtype.hpp"

namespace moeserve::cpu::kernels {

float dot(const float* a, const float* b, std::int64_t n);
void dot4(const float* w, const float* x, std::int64_t ldx, std::int64_t n, float* out);
void decode_row(model::dtype type, const std::byte* row, std::int64_t n, float* out);
void axpy(float a, const float* x, float* y, std::int64_t n);
void dot_strided(const float* q, const float* k, std::int64_t stride, int count, std::int64_t n, float scale, float* out);
void axpy_strided(const float* w, const float* v, std::int64_t stride, int count, std::int64_t n, float* y);

// Whether the AVX2+FMA versions are in use.
bool using_avx2();

}  // namespace moeserve::cpu::kernels
