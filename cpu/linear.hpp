#pragma once
// linear: out = x W^T + bias for a cpu_matrix W of any kept format, multithreaded over W's
// rows. x is [n, cols] floats, out [n, rows]; bias (rows floats) may be null.
//
// f32 weights: FP32 products and sums, 16 rows of W at a time against every row of x.
// ggml-quantized weights (q8_0, q4_0, q4_1): as llama.cpp defines their products, with x
// quantized to 8 bits per block of 32 (q8_activations.hpp), integer sums per block, FP32
// across blocks.
// quant/ formats (cpu_matrix::packed()): quant_linear.hpp.
#include <cstdint>

#include "cpu/cpu_matrix.hpp"
#include "cpu/thread_pool.hpp"

namespace moeserve::cpu {

void linear(thread_pool& pool, const cpu_matrix& w, const float* x, std::int64_t n, const float* bias, float* out);

}  // namespace moeserve::cpu
