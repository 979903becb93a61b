#pragma once
// quantized_tensors: one linear weight in a quantized checkpoint -- the tensors that replace
// a Hugging Face weight `W` (a name ending in ".weight", shape [N][K]: N outputs, K inputs)
// in the output of `moeserve quantize`. The loader of quantized checkpoints (model/arch)
// reads exactly these names, dtypes and shapes; the layouts are quant/'s canonical ones.
//
//   format          tensor                      dtype        shape
//   wint8           W                           I8           [N, K]
//                   W + "_scale"                F32 | BF16   [N]
//   wint4           W                           U8           [N, K/2]   (quant/wint4.hpp)
//                   W + "_scale"                F32 | BF16   [N, K/G]   ([N, 1] per channel)
//   block_wise_fp8  W                           F8_E4M3      [N, K]
//                   W + "_scale_inv"            F32          [ceil(N/128), ceil(K/128)]
//   wint2           W                           U8           [Kp/4, N]  (K-major: W^T encoded)
//                   W + "_code_scale"           F32          [N]
//                   W + "_code_zp"              F32          [N]
//                   W + "_super_scale"          F32          [N]
//                   W + "_local_scale"          U8           [Kp/128, N]
//   (wint2: Kp = K rounded up to a multiple of 128; W^T is encoded with zero rows K..Kp-1,
//    as the loader pads when it quantizes online. Those rows need not decode to 0 -- a
//    64-row group that holds real rows too has a non-zero scale -- so a kernel must use
//    only rows < K, or multiply them by zero activations)
//
// wint8/wint4 scales are BF16 when the source weight was BF16 (scale_dtype::bf16), F32
// otherwise. WINT2 encodes W^T (quant/wint2.hpp is K-major); its columns are split over
// `threads` std::threads (the encoder is per column, so the result does not depend on the
// thread count).
//
// Shape rules (std::invalid_argument naming the weight and its shape): wint4 needs K even
// and, grouped, K % G == 0.
//
// Threading: pure functions (quantize_weight starts and joins its own threads).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/io/dtype.hpp"
#include "quant/quantization_plan.hpp"
#include "quant/scalar.hpp"
#include "quant/wint2.hpp"

namespace moeserve::app {

struct tensor_layout {
  std::string name;
  model::dtype type = model::dtype::f32;
  std::vector<std::int64_t> shape;
};

struct quantized_tensor {
  tensor_layout layout;
  std::vector<std::byte> bytes;
};

// The tensors (names, dtypes, shapes) that replace weight `name` [n][k]; checks the shape.
std::vector<tensor_layout> quantized_layout(std::string_view name, std::int64_t n, std::int64_t k,
                                            quant::weight_scheme scheme, quant::scale_dtype scales);

// Quantizes w[n][k] (row-major floats): the tensors of quantized_layout, in that order,
// with their bytes.
std::vector<quantized_tensor> quantize_weight(std::string_view name, std::span<const float> w, std::int64_t n,
                                              std::int64_t k, quant::weight_scheme scheme, quant::scale_dtype scales,
                                              int threads);

}  // namespace moeserve::app
