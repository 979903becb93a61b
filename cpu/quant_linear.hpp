#pragma once
// quant_linear: out = x W^T + bias for a quantized weight (packed_weight.hpp), x [n, K]
// FP32, out [n, N], multithreaded over tiles of W's rows.
//
//   wint8 / wint4 / wint2 (W8A16, W4A16, W2A16): FP32 activations times the dequantized
//     weights. A tile of 8 rows of W is decoded to floats (packed_weight's decode_row, the
//     values quant/ dequantizes to) in a per-thread buffer, then every row of x is dotted
//     with it (kernels::dot4 / dot: FP32 FMA accumulation).
//   block_wise_fp8 (Wfp8Afp8): as quant::fp8_block_gemm_reference -- each row of x is
//     quantized at run time to e4m3 with one FP32 scale per 128 channels
//     (quant::quantize_fp8_token_activation, the same bits), and for each 128-wide K block
//     the products of the e4m3 values are summed in FP32 (exact products; the sum in the
//     dot kernel's order), multiplied by (x_scale * w_scale) and added to an FP32
//     accumulator, block after block.
//
// Batch invariance: a row of x gets the same arithmetic whatever it is batched with (the
// dot kernels treat each row alike; activation scales are per row).
//
// Why our own: llama.cpp's kernels read ggml's formats, not FastDeploy's layouts; these
// are the reference-faithful CPU path the CUDA kernels are checked against.
#include <cstdint>

#include "cpu/packed_weight.hpp"
#include "cpu/thread_pool.hpp"

namespace moeserve::cpu {

void quant_linear(thread_pool& pool, const packed_weight& w, const float* x, std::int64_t n, const float* bias,
                  float* out);

}  // namespace moeserve::cpu
