#include "quant/wint2.hpp"

#include <stdexcept>
#include <string>

namespace moeserve::quant {

void check_wint2_shape(std::int64_t k, std::int64_t n) {
  if (k < 0 || n < 0) throw std::invalid_argument("wint2: negative shape");
  if (k % wint2_k_multiple != 0) {
    throw std::invalid_argument("wint2: K = " + std::to_string(k) + " is not a multiple of 128");
  }
}

void check_wint2_weight(const wint2_weight& w) {
  check_wint2_shape(w.k, w.n);
  const auto k = static_cast<std::size_t>(w.k), n = static_cast<std::size_t>(w.n);
  if (w.packed.size() != k / 4 * n) throw std::invalid_argument("wint2: packed size != K/4 * N");
  if (w.local_scale.size() != k / 128 * n) throw std::invalid_argument("wint2: local_scale size != K/128 * N");
  if (w.code_scale.size() != n || w.code_zp.size() != n || w.super_scale.size() != n) {
    throw std::invalid_argument("wint2: code_scale, code_zp and super_scale need N values");
  }
  // The code must fit int32 for every byte: |zp| + 255 |cs| + 1 < 2^31 (and both finite).
  for (std::size_t c = 0; c < n; ++c) {
    const double reach = std::fabs(static_cast<double>(w.code_zp[c])) + 255.0 * std::fabs(w.code_scale[c]) + 1.0;
    if (!(reach < 2147483520.0)) {
      throw std::invalid_argument("wint2: column " + std::to_string(c) + " has a code line outside int32");
    }
    if (!std::isfinite(w.super_scale[c])) {
      throw std::invalid_argument("wint2: column " + std::to_string(c) + " has a non-finite super_scale");
    }
  }
}

void dequantize_wint2(const wint2_weight& w, std::span<float> out) {
  check_wint2_weight(w);
  const auto k_total = static_cast<std::size_t>(w.k), n_total = static_cast<std::size_t>(w.n);
  if (out.size() != k_total * n_total) throw std::invalid_argument("dequantize_wint2: output size != K*N");
  for (std::size_t k = 0; k < k_total; ++k) {
    for (std::size_t n = 0; n < n_total; ++n) {
      out[k * n_total + n] =
          wint2_decode(w.packed[(k / 4) * n_total + n], w.code_scale[n], w.code_zp[n],
                       w.local_scale[(k / 128) * n_total + n], w.super_scale[n], static_cast<std::int64_t>(k));
    }
  }
}

std::vector<float> dequantize_wint2(const wint2_weight& w) {
  std::vector<float> out(static_cast<std::size_t>(w.k * w.n));
  dequantize_wint2(w, out);
  return out;
}

}  // namespace moeserve::quant
