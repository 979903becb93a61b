#include "quant/wint4.hpp"

#include <stdexcept>
#include <string>

namespace moeserve::quant {

void check_wint4_shape(std::int64_t rows, std::int64_t cols, int group_size) {
  if (rows < 0 || cols < 0) throw std::invalid_argument("wint4: negative shape");
  if (group_size != wint4_per_channel && group_size != 64 && group_size != 128) {
    throw std::invalid_argument("wint4: group size " + std::to_string(group_size) +
                                " (use 0 for per channel, 64 or 128)");
  }
  if (cols % 2 != 0) throw std::invalid_argument("wint4: K = " + std::to_string(cols) + " is not a multiple of 2");
  if (group_size != wint4_per_channel && cols % group_size != 0) {
    throw std::invalid_argument("wint4: K = " + std::to_string(cols) + " is not a multiple of the group size " +
                                std::to_string(group_size));
  }
}

wint4_weight quantize_wint4(std::span<const float> w, std::int64_t rows, std::int64_t cols, int group_size,
                            scale_dtype scale_type) {
  check_wint4_shape(rows, cols, group_size);
  require_matrix(w.size(), rows, cols, "wint4 weight");
  require_finite(w, "wint4 weight");
  wint4_weight out;
  out.rows = rows;
  out.cols = cols;
  out.group_size = group_size;
  out.scale_type = scale_type;
  const auto k_total = static_cast<std::size_t>(cols);
  const auto groups = static_cast<std::size_t>(out.groups_per_row());
  const std::size_t g_len = groups == 0 ? 0 : k_total / groups;
  out.packed.assign(static_cast<std::size_t>(rows) * (k_total / 2), 0);
  out.scale.assign(static_cast<std::size_t>(rows) * groups, 0.0f);
  std::vector<int> q(k_total);
  for (std::size_t n = 0; n < static_cast<std::size_t>(rows); ++n) {
    const auto row = w.subspan(n * k_total, k_total);
    for (std::size_t g = 0; g < groups; ++g) {
      const auto part = row.subspan(g * g_len, g_len);
      const float scale = stored_scale(abs_max(part) / 7.0f, scale_type);
      out.scale[n * groups + g] = scale;
      for (std::size_t j = 0; j < g_len; ++j) {
        q[g * g_len + j] = scale == 0.0f ? 0 : round_clamp_symmetric(part[j] / scale, 7);
      }
    }
    std::uint8_t* dst = out.packed.data() + n * (k_total / 2);
    for (std::size_t j = 0; j < k_total / 2; ++j) dst[j] = pack_int4_pair(q[2 * j], q[2 * j + 1]);
  }
  return out;
}

void dequantize_wint4(const wint4_weight& w, std::span<float> out) {
  check_wint4_shape(w.rows, w.cols, w.group_size);
  const auto k_total = static_cast<std::size_t>(w.cols);
  const auto rows = static_cast<std::size_t>(w.rows);
  const auto groups = static_cast<std::size_t>(w.groups_per_row());
  if (w.packed.size() != rows * (k_total / 2)) throw std::invalid_argument("wint4: packed size != N*K/2");
  if (w.scale.size() != rows * groups) throw std::invalid_argument("wint4: scale size != N*groups");
  if (out.size() != rows * k_total) throw std::invalid_argument("dequantize_wint4: output size differs");
  if (k_total == 0) return;
  const std::size_t g_len = k_total / groups;
  for (std::size_t n = 0; n < rows; ++n) {
    for (std::size_t k = 0; k < k_total; ++k) {
      const std::uint8_t b = w.packed[n * (k_total / 2) + k / 2];
      const int q = (k % 2 == 0) ? unpack_int4_low(b) : unpack_int4_high(b);
      out[n * k_total + k] = static_cast<float>(q) * w.scale[n * groups + k / g_len];
    }
  }
}

std::vector<float> dequantize_wint4(const wint4_weight& w) {
  std::vector<float> out(w.packed.size() * 2);
  dequantize_wint4(w, out);
  return out;
}

}  // namespace moeserve::quant
