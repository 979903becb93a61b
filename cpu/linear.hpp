#pragma once
// linear: out = x W^T + bias for a cpu_matrix W of any kept format, multithreaded over W's
// rows. x is [n, cols] floats, out [n, rows]; bias (rows floats) may be null.
//
// Quantized rows are decoded to floats a tile of 16 rows at a time (in L1/L2) and reused
// for every row of x, so a prefill of n tokens decodes each weight once; the products
// accumulate in FP32.
#include <cstdint>

#include "cpu/cpu_matrix.hpp"
#include "cpu/thread_pool.hpp"

namespace moeserve::cpu {

void linear(thread_pool& pool, const cpu_matrix& w, const float* x, std::int64_t n, const float* bias, float* out);

}  // namespace moeserve::cpu
