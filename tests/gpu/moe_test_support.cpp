#include "moe_test_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "gpu/wint2_gemm.hpp"
#include "gpu/wint_repack.hpp"
#include "quant/wint2.hpp"
#include "quant/wint4.hpp"
#include "quant/wint8.hpp"

namespace moeserve::gpu::testing {

std::uint16_t to_bf16_bits(float f) {
  std::uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>(bits >> 16);
}

float from_bf16_bits(std::uint16_t b) {
  const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::vector<std::uint16_t> to_bf16(const std::vector<float>& v) {
  std::vector<std::uint16_t> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), to_bf16_bits);
  return out;
}

std::vector<float> from_bf16(const std::vector<std::uint16_t>& v) {
  std::vector<float> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), from_bf16_bits);
  return out;
}

std::vector<float> random_bf16_values(std::size_t n, float lo, float hi, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = round_bf16(d(rng));
  return v;
}

double relative_error(const std::vector<float>& out, const std::vector<float>& ref) {
  if (out.size() != ref.size()) return std::numeric_limits<double>::infinity();
  double num = 0, den = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(out[i])) return std::numeric_limits<double>::infinity();
    const double d = static_cast<double>(out[i]) - ref[i];
    num += d * d;
    den += static_cast<double>(ref[i]) * ref[i];
  }
  return den == 0 ? std::sqrt(num) : std::sqrt(num / den);
}

routing reference_route(const std::vector<float>& logits, int tokens, const router_config& config,
                        const std::vector<float>& bias) {
  const int e_count = config.experts, k = config.top_k;
  routing r;
  r.ids.resize(static_cast<std::size_t>(tokens) * k);
  r.weights.resize(r.ids.size());
  r.scores.resize(static_cast<std::size_t>(tokens) * e_count);
  r.probs.resize(r.scores.size());
  for (int t = 0; t < tokens; ++t) {
    const float* row = logits.data() + static_cast<std::size_t>(t) * e_count;
    double m = *std::max_element(row, row + e_count), sum = 0;
    for (int e = 0; e < e_count; ++e) sum += std::exp(static_cast<double>(row[e]) - m);
    std::vector<int> order(e_count);
    for (int e = 0; e < e_count; ++e) {
      const double p = std::exp(static_cast<double>(row[e]) - m) / sum;
      r.probs[t * e_count + e] = static_cast<float>(p);
      r.scores[t * e_count + e] = static_cast<float>(p + (bias.empty() ? 0.0 : bias[e]));
    }
    std::iota(order.begin(), order.end(), 0);
    const float* s = r.scores.data() + static_cast<std::size_t>(t) * e_count;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return s[a] > s[b]; });
    double total = 0;
    for (int j = 0; j < k; ++j) total += r.probs[t * e_count + order[j]];
    const double scale = config.renormalize ? 1.0 / std::max(total, static_cast<double>(config.norm_min)) : 1.0;
    for (int j = 0; j < k; ++j) {
      r.ids[t * k + j] = order[j];
      r.weights[t * k + j] = static_cast<float>(r.probs[t * e_count + order[j]] * scale);
    }
  }
  return r;
}

std::vector<int> random_topk_ids(int tokens, int experts, int top_k, std::mt19937& rng) {
  std::vector<int> ids;
  std::vector<int> all(experts);
  std::iota(all.begin(), all.end(), 0);
  for (int t = 0; t < tokens; ++t) {
    std::shuffle(all.begin(), all.end(), rng);
    ids.insert(ids.end(), all.begin(), all.begin() + top_k);
  }
  return ids;
}

std::vector<float> reference_grouped_gemm(const std::vector<float>& x, const std::vector<float>& w,
                                          const std::vector<int>& offsets, int n, int k) {
  const int experts = static_cast<int>(offsets.size()) - 1;
  std::vector<float> y(static_cast<std::size_t>(offsets.back()) * n);
  for (int e = 0; e < experts; ++e) {
    const float* we = w.data() + static_cast<std::size_t>(e) * n * k;
    for (int r = offsets[e]; r < offsets[e + 1]; ++r) {
      const float* xr = x.data() + static_cast<std::size_t>(r) * k;
      for (int c = 0; c < n; ++c) {
        double acc = 0;
        const float* wr = we + static_cast<std::size_t>(c) * k;
        for (int i = 0; i < k; ++i) acc += static_cast<double>(xr[i]) * wr[i];
        y[static_cast<std::size_t>(r) * n + c] = static_cast<float>(acc);
      }
    }
  }
  return y;
}

std::vector<int> offsets_from_counts(const std::vector<int>& counts) {
  std::vector<int> offsets(counts.size() + 1, 0);
  for (std::size_t e = 0; e < counts.size(); ++e) offsets[e + 1] = offsets[e] + counts[e];
  return offsets;
}

namespace {

template <typename T>
std::vector<std::uint8_t> bytes_of(const std::vector<T>& v) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(v.data());
  return std::vector<std::uint8_t>(p, p + v.size() * sizeof(T));
}

template <typename T>
void append(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// Gaussian-ish weights (sum of uniforms) with a per-row spread, so that scales differ.
std::vector<float> random_weights(std::size_t rows, std::size_t cols, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-0.05f, 0.05f), spread(0.5f, 1.5f);
  std::vector<float> w(rows * cols);
  for (std::size_t r = 0; r < rows; ++r) {
    const float s = spread(rng);
    for (std::size_t c = 0; c < cols; ++c) w[r * cols + c] = s * (u(rng) + u(rng) + u(rng));
  }
  return w;
}

void make_wint2(device_weights& d, int experts, int n, int k, std::mt19937& rng) {
  std::vector<std::uint8_t> packed, local;
  std::vector<float> code_scale, code_zp, super_scale;
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> cs(64.0f, 256.0f), zp(0.0f, 32768.0f), ss(2e-4f, 6e-4f);
  for (int e = 0; e < experts; ++e) {
    quant::wint2_weight w;
    w.k = k;
    w.n = n;
    w.packed.resize(static_cast<std::size_t>(k / 4) * n);
    for (auto& b : w.packed) b = static_cast<std::uint8_t>(byte(rng));
    w.local_scale.resize(static_cast<std::size_t>(k / 128) * n);
    for (auto& b : w.local_scale) b = static_cast<std::uint8_t>(byte(rng));
    for (int c = 0; c < n; ++c) {
      w.code_scale.push_back(cs(rng));
      w.code_zp.push_back(zp(rng));
      w.super_scale.push_back(round_bf16(ss(rng)));  // the GPU keeps super_scale in bf16
    }
    const std::vector<float> kn = quant::dequantize_wint2(w);  // [K][N]
    const std::size_t base = d.reference.size();
    d.reference.resize(base + static_cast<std::size_t>(n) * k);
    for (int row = 0; row < k; ++row)
      for (int c = 0; c < n; ++c)
        d.reference[base + static_cast<std::size_t>(c) * k + row] = kn[static_cast<std::size_t>(row) * n + c];
    append(packed, w.packed);
    append(local, w.local_scale);
    append(code_scale, w.code_scale);
    append(code_zp, w.code_zp);
    append(super_scale, w.super_scale);
  }
  const wint2_repacked r =
      repack_wint2(packed.data(), code_scale.data(), code_zp.data(), super_scale.data(), local.data(), experts, n, k);
  d.data = std::make_unique<device_array<std::uint8_t>>(r.data);
  d.scales = std::make_unique<device_array<std::uint8_t>>(r.scales);
}

}  // namespace

device_weights make_weights(const format_case& f, int experts, int n, int k, std::mt19937& rng) {
  device_weights d;
  d.view.format = f.format;
  d.view.experts = experts;
  d.view.n = n;
  d.view.k = k;
  d.view.group_size = f.group_size;
  const std::size_t nk = static_cast<std::size_t>(n) * k;
  if (f.format == weight_format::bf16) {
    d.reference = random_bf16_values(static_cast<std::size_t>(experts) * nk, -0.1f, 0.1f, rng);
    d.data = std::make_unique<device_array<std::uint8_t>>(bytes_of(to_bf16(d.reference)));
  } else if (f.format == weight_format::wint2) {
    make_wint2(d, experts, n, k, rng);
  } else {
    std::vector<std::uint8_t> data;
    std::vector<std::int8_t> q8;
    std::vector<float> scales;
    for (int e = 0; e < experts; ++e) {
      const std::vector<float> w = random_weights(n, k, rng);
      if (f.format == weight_format::wint8) {
        const quant::wint8_weight q = quant::quantize_wint8(w, n, k);
        append(q8, q.q);
        append(scales, q.scale);
        append(d.reference, quant::dequantize_wint8(q));
      } else if (f.format == weight_format::wint4) {
        // Group-wise scales in bf16, the precision the kernel keeps them in.
        const quant::wint4_weight q = quant::quantize_wint4(
            w, n, k, f.group_size, f.group_size == 0 ? quant::scale_dtype::fp32 : quant::scale_dtype::bf16);
        append(data, q.packed);
        append(scales, q.scale);
        append(d.reference, quant::dequantize_wint4(q));
      } else {
        quant::fp8_block_weight q = quant::quantize_fp8_block_weight(w, n, k);
        append(data, q.q);
        append(scales, q.scale);
        append(d.reference, quant::dequantize_fp8_block_weight(q));
        d.fp8.push_back(std::move(q));
      }
    }
    if (f.format == weight_format::wint8) {
      d.data = std::make_unique<device_array<std::uint8_t>>(repack_wint8(q8.data(), experts, n, k));
    } else if (f.format == weight_format::wint4) {
      d.data = std::make_unique<device_array<std::uint8_t>>(repack_wint4(data.data(), experts, n, k));
    } else {
      d.data = std::make_unique<device_array<std::uint8_t>>(data);
    }
    const bool grouped4 = f.format == weight_format::wint4 && f.group_size != 0;
    d.scales = std::make_unique<device_array<std::uint8_t>>(
        grouped4 ? bytes_of(repack_group_scales(scales.data(), experts, n, k, f.group_size)) : bytes_of(scales));
  }
  if (d.scales) d.view.scales = d.scales->get();
  d.view.data = d.data->get();
  return d;
}

grouped_case::grouped_case(const format_case& f, int n_, int k_, const std::vector<int>& counts, std::mt19937& rng,
                           const x_maker& make_x)
    : n(n_),
      k(k_),
      offsets(offsets_from_counts(counts)),
      rows(offsets.back()),
      w(make_weights(f, static_cast<int>(counts.size()), n, k, rng)),
      x(make_x ? make_x(rows, k, rng) : random_bf16_values(static_cast<std::size_t>(rows) * k, -1, 1, rng)),
      d_x(to_bf16(x)),
      d_y(static_cast<std::size_t>(rows) * n),
      d_offsets(offsets) {}

std::vector<float> grouped_case::reference() const { return reference_grouped_gemm(x, w.reference, offsets, n, k); }

grouped_gemm_problem grouped_case::problem(bool with_offsets) {
  grouped_gemm_problem p;
  p.x = as_bf16(d_x);
  p.y = as_bf16_mut(d_y);
  p.rows = rows;
  if (with_offsets) {
    p.offsets = d_offsets.get();
    p.host_offsets = offsets.data();
  }
  return p;
}

}  // namespace moeserve::gpu::testing
