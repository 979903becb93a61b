#pragma once
// q8_activations: rows of activations quantized to 8 bits per block of 32, the other side
// of ggml's dot products with quantized weights (ggml's q8_0 / q8_1 activation blocks).
//
// For the ggml weight types (q8_0, q4_0, q4_1) the CPU backend computes a product the way
// llama.cpp defines it for those types: the activation row is quantized per block of 32,
//   d = max|x| / 127,  q = round-to-nearest-even(x * 127 / max|x|),  s = d * sum(q)
// with d and s rounded to half precision as ggml stores them; each block's products are
// summed exactly in int32, scaled by d_w * d_x, and the blocks summed in FP32; q4_1's
// offset contributes m_w * s. (The weights' own values stay exact; what this adds is the
// activations' 8-bit rounding, the same as llama.cpp's, which keeps the two engines' tokens
// in agreement and lets the inner loop run on 8-bit integer multiply-adds.)
#include <cstdint>
#include <vector>

#include "model/io/dtype.hpp"

namespace moeserve::cpu {

struct q8_block {
  float d = 0;  // scale (a half-precision value)
  float s = 0;  // d * sum(qs) (a half-precision value)
  std::int8_t qs[32] = {};
};

// Quantizes n rows of `cols` floats (cols a multiple of 32) into `out`.
void quantize_q8_rows(const float* x, std::int64_t n, std::int64_t cols, std::vector<q8_block>& out);

// The dot product of one weight row of type t (q8_0, q4_0 or q4_1; `blocks` blocks) with
// one quantized activation row.
float dot_q8(model::dtype t, const std::byte* weight_row, const q8_block* x, std::int64_t blocks);
// Four activation rows at once (x, x + stride, ...): out[j] = dot_q8(t, row, x + j*stride).
void dot_q8_x4(model::dtype t, const std::byte* weight_row, const q8_block* x, std::int64_t stride, std::int64_t blocks,
               float* out);
// The same, in portable code (the reference the vector version is tested against).
float dot_q8_reference(model::dtype t, const std::byte* weight_row, const q8_block* x, std::int64_t blocks);

#if defined(__x86_64__)
// dot_q8_x4 uses AVX-VNNI (vpdpbusd) where the CPU has it, else AVX2 (maddubs + madd): the
// same integers either way. Each path by name, for tests that compare them bit for bit
// (the VNNI one only where cpu_has_avx_vnni()).
bool cpu_has_avx_vnni();
void dot_q8_x4_avx2(model::dtype t, const std::byte* weight_row, const q8_block* x, std::int64_t stride,
                    std::int64_t blocks, float* out);
void dot_q8_x4_avx_vnni(model::dtype t, const std::byte* weight_row, const q8_block* x, std::int64_t stride,
                        std::int64_t blocks, float* out);
#endif

}  // namespace moeserve::cpu
