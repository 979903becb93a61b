#include "cpu/packed_weight.hpp"

#include <stdexcept>
#include <string>

#include "quant/fp8_e4m3.hpp"

namespace moeserve::cpu {

namespace {

using quant::weight_format;

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("packed_weight: " + what);
}

std::size_t count(std::int64_t v) { return static_cast<std::size_t>(v); }

}  // namespace

std::size_t packed_weight::row_code_bytes() const {
  switch (format) {
    case weight_format::wint4: return count(cols / 2);
    case weight_format::wint2: return count(padded_cols / 4);
    default: return count(cols);
  }
}

std::size_t packed_weight::bytes() const {
  return codes.size() + (scale.size() + code_scale.size() + code_zp.size()) * sizeof(float) + local_scale.size();
}

packed_weight packed_weight::from(model::quantized_weight w) {
  packed_weight p;
  p.format = w.format();
  p.rows = w.rows;
  p.cols = w.cols;
  p.padded_cols = w.cols;
  require(w.rows > 0 && w.cols > 0, "empty weight");
  const std::size_t n = count(w.rows), k = count(w.cols);
  if (auto* q = std::get_if<quant::wint8_weight>(&w.data)) {
    require(q->rows == w.rows && q->cols == w.cols && q->q.size() == n * k && q->scale.size() == n, "wint8 sizes");
    p.codes.resize(q->q.size());
    for (std::size_t i = 0; i < q->q.size(); ++i) p.codes[i] = static_cast<std::uint8_t>(q->q[i]);
    p.scale = std::move(q->scale);
  } else if (auto* q4 = std::get_if<quant::wint4_weight>(&w.data)) {
    quant::check_wint4_shape(w.rows, w.cols, q4->group_size);
    require(q4->rows == w.rows && q4->cols == w.cols && q4->packed.size() == n * (k / 2) &&
                q4->scale.size() == n * count(q4->groups_per_row()),
            "wint4 sizes");
    p.group_size = q4->group_size == quant::wint4_per_channel ? w.cols : q4->group_size;
    p.codes = std::move(q4->packed);
    p.scale = std::move(q4->scale);
  } else if (auto* f8 = std::get_if<quant::fp8_block_weight>(&w.data)) {
    require(f8->rows == w.rows && f8->cols == w.cols && f8->q.size() == n * k &&
                f8->scale.size() == count(quant::fp8_blocks(w.rows) * quant::fp8_blocks(w.cols)),
            "block_wise_fp8 sizes");
    p.codes = std::move(f8->q);
    p.scale = std::move(f8->scale);
  } else {
    auto& q2 = std::get<quant::wint2_weight>(w.data);
    quant::check_wint2_weight(q2);
    require(q2.n == w.rows && q2.k >= w.cols && q2.k - w.cols < quant::wint2_k_multiple, "wint2 shape");
    p.padded_cols = q2.k;
    const std::size_t kp = count(q2.k), bytes_per_row = kp / 4, ls_per_row = kp / quant::wint2_k_multiple;
    p.codes.resize(n * bytes_per_row);
    for (std::size_t r = 0; r < bytes_per_row; ++r)
      for (std::size_t c = 0; c < n; ++c) p.codes[c * bytes_per_row + r] = q2.packed[r * n + c];
    p.local_scale.resize(n * ls_per_row);
    for (std::size_t r = 0; r < ls_per_row; ++r)
      for (std::size_t c = 0; c < n; ++c) p.local_scale[c * ls_per_row + r] = q2.local_scale[r * n + c];
    p.scale = std::move(q2.super_scale);
    p.code_scale = std::move(q2.code_scale);
    p.code_zp = std::move(q2.code_zp);
  }
  return p;
}

void decode_row_reference(const packed_weight& w, std::int64_t n, float* out) {
  const std::int64_t k_total = w.cols;
  const std::uint8_t* codes = w.codes.data() + count(n) * w.row_code_bytes();
  switch (w.format) {
    case weight_format::wint8: {
      const float s = w.scale[count(n)];
      for (std::int64_t k = 0; k < k_total; ++k) out[k] = static_cast<float>(static_cast<std::int8_t>(codes[k])) * s;
      return;
    }
    case weight_format::wint4: {
      const float* s = w.scale.data() + count(n * (k_total / w.group_size));
      for (std::int64_t k = 0; k < k_total; k += 2) {
        const std::uint8_t b = codes[k / 2];
        const float sc = s[k / w.group_size];  // k and k+1 share a group (G is even)
        out[k] = static_cast<float>(quant::unpack_int4_low(b)) * sc;
        out[k + 1] = static_cast<float>(quant::unpack_int4_high(b)) * sc;
      }
      return;
    }
    case weight_format::block_wise_fp8:
      for (std::int64_t k = 0; k < k_total; ++k) out[k] = quant::e4m3_to_fp32(codes[k]);
      return;
    case weight_format::wint2: {
      const std::uint8_t* ls = w.local_scale.data() + count(n * (w.padded_cols / quant::wint2_k_multiple));
      const float cs = w.code_scale[count(n)], zp = w.code_zp[count(n)], ss = w.scale[count(n)];
      for (std::int64_t k = 0; k < k_total; ++k)
        out[k] = quant::wint2_decode(codes[k / 4], cs, zp, ls[k / quant::wint2_k_multiple], ss, k);
      return;
    }
    case weight_format::none: break;
  }
  throw std::invalid_argument("decode_row: not a quantized weight");
}

}  // namespace moeserve::cpu
