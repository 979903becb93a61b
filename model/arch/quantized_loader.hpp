#pragma once
// quantized_loader: how the decoder loads each linear-layer weight under a quantization
// plan (quant/quantization_plan.hpp):
//
//   1. pre-quantized (a checkpoint written by `moeserve quantize` or an HF FP8 export): the
//      format is read off the tensor's dtype and companions (W = "<...>.weight"):
//        wint8           W I8 [N, K]        + W_scale ("<...>.weight_scale") F32/BF16 [N]
//        wint4           W U8 [N, K/2]      + W_scale F32/BF16 [N, K/G]  (G = K: [N, 1])
//        block_wise_fp8  W F8_E4M3 [N, K]   + "<...>.weight_scale_inv" F32 [ceil(N/128), ceil(K/128)]
//        wint2           W U8 [Kp/4, N]     + "<...>.weight_code_scale" F32 [N], "..._code_zp" F32 [N],
//                                             "..._super_scale" F32 [N], "..._local_scale" U8 [Kp/128, N]
//                        (Kp = K rounded up to a multiple of 128: rows past K are zero padding)
//      and must be the format the plan gives that weight (load_error otherwise);
//   2. a float (F32/F16/BF16) or ggml-quantized (GGUF) tensor whose scheme is not `none`:
//      dequantized to f32 and quantized online with quant/'s reference quantizers (FP32
//      scales). WINT2 pads K with zero rows up to a multiple of 128 and runs our CCQ
//      encoder (quant/wint2_encoder.hpp) over column ranges on all hardware threads --
//      slow: roughly K * N / (threads * 20000) seconds;
//   3. anything else goes to backend::load_matrix as before.
//
// A shape that the scheme cannot take (wint4 group size not dividing K) is a load_error
// naming the tensor. Threading: one loader per model load; not shared.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "model/arch/model_files.hpp"
#include "model/backend/backend.hpp"
#include "quant/quantization_plan.hpp"

namespace moeserve::model {

class quantized_loader {
 public:
  quantized_loader(const model_files& files, backend& b, const quant::quantization_plan& plan)
      : files_(files), backend_(b), plan_(plan) {}

  // The weight `t` ([rows, cols] once dequantized; a GGUF expert slice allowed) of a layer
  // of `kind` at `layer` (0 for whole-model weights).
  std::unique_ptr<backend_weight> load(const tensor_view& t, quant::layer_kind kind, int layer, std::int64_t rows,
                                       std::int64_t cols);

 private:
  std::unique_ptr<backend_weight> load_prequantized(const tensor_view& t, quant::weight_format stored,
                                                    quant::weight_scheme planned, std::int64_t rows, std::int64_t cols);
  quantized_weight quantize_online(const tensor_view& t, quant::weight_scheme scheme, std::int64_t rows,
                                   std::int64_t cols);

  const model_files& files_;
  backend& backend_;
  const quant::quantization_plan& plan_;
};

// quantized_weight for online quantization of W[rows][cols] (row-major floats) to `scheme`
// (exposed for tests and `moeserve quantize`). Throws std::invalid_argument for a shape
// the scheme cannot take.
quantized_weight quantize_weight(std::span<const float> w, std::int64_t rows, std::int64_t cols,
                                 quant::weight_scheme scheme);

// The pre-quantized format of the weight named `name` in `files` (from its dtype and
// companion tensors), or none for a plain tensor.
quant::weight_format stored_format(const model_files& files, const tensor_view& t);

}  // namespace moeserve::model
