#pragma once
// packed_weight: a quantized linear weight as the CPU kernels read it, repacked at load
// from quant/'s canonical layouts (model/backend/quantized_weight.hpp) so that every
// format is read one output row n at a time:
//
//   format          codes (per row n, contiguous)          scales
//   wint8           int8 q[n][0..K)          (canonical)   scale[N]
//   wint4           uint8 packed[n][0..K/2)  (canonical)   scale[N][K/G] (G = K per channel)
//   block_wise_fp8  e4m3 q[n][0..K)          (canonical)   scale[ceil(N/128)][ceil(K/128)]
//   wint2           uint8 byte[n][0..Kp/4)   TRANSPOSED from packed[Kp/4][N]; Kp >= K, a
//                   multiple of 128 (rows past K are online padding and decode to 0)
//                                                           super_scale[N] (in `scale`),
//                                                           code_scale[N], code_zp[N],
//                   local_scale transposed to [N][Kp/128]
//
// decode_row writes row n's weights as floats exactly as quant/ dequantizes them
// (q * scale; wint2 via quant::wint2_decode's formula), except block_wise_fp8, whose row is
// decoded WITHOUT its block scales (the e4m3 values): the block-scaled GEMM applies them
// per 128-wide K block (quant/block_fp8.hpp). An AVX2 version is used where the processor
// has it (kernels::using_avx2()); both give the same bits.
//
// Threading: immutable after construction; decode_row may run on any number of threads.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/backend/quantized_weight.hpp"

namespace moeserve::cpu {

struct packed_weight {
  quant::weight_format format = quant::weight_format::none;
  std::int64_t rows = 0;         // N
  std::int64_t cols = 0;         // K
  std::int64_t padded_cols = 0;  // wint2's Kp; == cols otherwise
  std::int64_t group_size = 0;   // wint4: K/G's G (K for per channel)
  std::vector<std::uint8_t> codes;
  std::vector<float> scale;  // see the table above
  std::vector<float> code_scale, code_zp;  // wint2
  std::vector<std::uint8_t> local_scale;   // wint2 [N][Kp/128]

  // Throws std::invalid_argument when the weight's arrays disagree with its shape.
  static packed_weight from(model::quantized_weight w);
  std::size_t bytes() const;
  std::size_t row_code_bytes() const;  // bytes of codes per row
};

// Row n of w as floats (w.cols values; block_wise_fp8: unscaled e4m3 values).
void decode_row(const packed_weight& w, std::int64_t n, float* out);
// The portable version (the reference the AVX2 one is tested against).
void decode_row_reference(const packed_weight& w, std::int64_t n, float* out);

}  // namespace moeserve::cpu
