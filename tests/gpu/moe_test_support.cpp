#include "moe_test_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "gpu/wint_repack.hpp"

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

std::vector<float> wint_weights::dequantized(bool bf16_group_scales) const {
  std::vector<float> w(static_cast<std::size_t>(experts) * n * k);
  for (int e = 0; e < experts; ++e) {
    for (int row = 0; row < n; ++row) {
      for (int col = 0; col < k; ++col) {
        const std::size_t i = (static_cast<std::size_t>(e) * n + row) * k + col;
        int q;
        if (bits == 8) {
          q = q8[i];
        } else {
          const std::uint8_t byte = packed[i / 2];
          const int raw = col % 2 == 0 ? byte & 0xF : byte >> 4;
          q = raw >= 8 ? raw - 16 : raw;
        }
        float s;
        if (group_size == 0) {
          s = scales[static_cast<std::size_t>(e) * n + row];
        } else {
          s = scales[(static_cast<std::size_t>(e) * n + row) * (k / group_size) + col / group_size];
          if (bf16_group_scales) s = round_bf16(s);
        }
        w[i] = static_cast<float>(q) * s;
      }
    }
  }
  return w;
}

wint_weights random_wint(int experts, int n, int k, int bits, int group_size, std::mt19937& rng) {
  wint_weights w;
  w.experts = experts;
  w.n = n;
  w.k = k;
  w.bits = bits;
  w.group_size = group_size;
  const std::size_t count = static_cast<std::size_t>(experts) * n * k;
  const int qmax = bits == 8 ? 127 : 7;
  std::uniform_int_distribution<int> qd(-qmax, qmax);
  if (bits == 8) {
    w.q8.resize(count);
    for (auto& q : w.q8) q = static_cast<std::int8_t>(qd(rng));
  } else {
    w.packed.resize(count / 2);
    for (auto& b : w.packed) b = static_cast<std::uint8_t>((qd(rng) & 0xF) | ((qd(rng) & 0xF) << 4));
  }
  std::uniform_real_distribution<float> sd(0.5f / qmax, 1.5f / qmax);
  w.scales.resize(static_cast<std::size_t>(experts) * n * (group_size == 0 ? 1 : k / group_size));
  for (auto& s : w.scales) s = sd(rng) * 0.05f;
  return w;
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

device_weights make_weights(const format_case& f, int experts, int n, int k, std::mt19937& rng) {
  device_weights d;
  d.view.format = f.format;
  d.view.experts = experts;
  d.view.n = n;
  d.view.k = k;
  d.view.group_size = f.group_size;
  auto bytes_of = [](const auto& v) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(v.data());
    return std::vector<std::uint8_t>(p, p + v.size() * sizeof(v[0]));
  };
  if (f.format == weight_format::bf16) {
    d.reference = random_bf16_values(static_cast<std::size_t>(experts) * n * k, -0.1f, 0.1f, rng);
    d.data = std::make_unique<device_array<std::uint8_t>>(bytes_of(to_bf16(d.reference)));
  } else {
    const int bits = f.format == weight_format::wint8 ? 8 : 4;
    const wint_weights w = random_wint(experts, n, k, bits, f.group_size, rng);
    d.reference = w.dequantized(true);
    d.data = std::make_unique<device_array<std::uint8_t>>(bits == 8 ? repack_wint8(w.q8.data(), experts, n, k)
                                                                    : repack_wint4(w.packed.data(), experts, n, k));
    d.scales = std::make_unique<device_array<std::uint8_t>>(
        f.group_size == 0 ? bytes_of(w.scales)
                          : bytes_of(repack_group_scales(w.scales.data(), experts, n, k, f.group_size)));
    d.view.scales = d.scales->get();
  }
  d.view.data = d.data->get();
  return d;
}

}  // namespace moeserve::gpu::testing
