#pragma once
// quantized_weight: a linear layer's weight in one of quant/'s formats, as the model hands
// it to a backend (backend::load_quantized): either quantized online at load from a float
// checkpoint, or read from a pre-quantized checkpoint. The data is in quant/'s canonical
// layouts (quant/wint8.hpp, wint4.hpp, block_fp8.hpp, wint2.hpp); a backend repacks it
// into its kernels' layout.
//
//   rows x cols = [N output features, K input features], as every linear weight;
//   wint8 / wint4 / block_wise_fp8 hold [N][K] data with rows == N, cols == K;
//   wint2 holds K-major data W[k][n] whose k may exceed `cols`: online quantization pads K
//   with zero rows up to a multiple of 128 (wint2's granularity); the padded rows decode
//   to 0 and a backend reads only the first `cols`.
//
// Threading: a plain value.
#include <cstdint>
#include <variant>

#include "quant/block_fp8.hpp"
#include "quant/quantization_plan.hpp"
#include "quant/wint2.hpp"
#include "quant/wint4.hpp"
#include "quant/wint8.hpp"

namespace moeserve::model {

struct quantized_weight {
  std::int64_t rows = 0;  // N
  std::int64_t cols = 0;  // K
  std::variant<quant::wint8_weight, quant::wint4_weight, quant::fp8_block_weight, quant::wint2_weight> data;

  quant::weight_format format() const {
    switch (data.index()) {
      case 0: return quant::weight_format::wint8;
      case 1: return quant::weight_format::wint4;
      case 2: return quant::weight_format::block_wise_fp8;
      default: return quant::weight_format::wint2;
    }
  }
};

}  // namespace moeserve::model
