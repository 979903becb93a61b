#include "quant/wint2_encoder.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "quant/scalar.hpp"

namespace moeserve::quant {
namespace {

using window_table = std::array<std::array<int, 4>, 256>;  // v0..v3 of every byte on a line

struct line {
  float code_scale = 0.0f;
  float code_zp = 0.0f;
};

// One column being encoded: its weights, its scales, its current bytes and error.
struct column {
  std::vector<float> w;  // K values
  float super_scale = 0.0f;
  std::vector<int> local;           // K/64 4-bit scales
  std::vector<std::uint8_t> bytes;  // K/4
  double error = 0.0;
};

window_table windows_of(line l) {
  window_table t{};
  for (int q = 0; q < 256; ++q) {
    const std::int32_t code = wint2_code(static_cast<std::uint8_t>(q), l.code_scale, l.code_zp);
    for (int r = 0; r < 4; ++r) t[static_cast<std::size_t>(q)][static_cast<std::size_t>(r)] = wint2_window(code, r);
  }
  return t;
}

// Chooses the best byte of every group of four rows on line `l`; returns the column's
// squared error of the exact decode. Writes the bytes when `bytes` is not null.
double assign_bytes(const column& c, line l, std::uint8_t* bytes) {
  const window_table t = windows_of(l);
  std::array<std::array<float, 4>, 256> recon{};
  double total = 0.0;
  const std::size_t k_total = c.w.size();
  for (std::size_t g = 0; g < k_total / wint2_group; ++g) {
    const int ls = c.local[g];
    for (std::size_t q = 0; q < 256; ++q) {
      for (std::size_t r = 0; r < 4; ++r) recon[q][r] = static_cast<float>(t[q][r] * ls) * c.super_scale;
    }
    for (std::size_t k4 = g * wint2_group; k4 < (g + 1) * wint2_group; k4 += 4) {
      const float* w = c.w.data() + k4;
      float best = INFINITY;
      std::size_t best_q = 0;
      for (std::size_t q = 0; q < 256; ++q) {
        const float e0 = w[0] - recon[q][0], e1 = w[1] - recon[q][1];
        const float e2 = w[2] - recon[q][2], e3 = w[3] - recon[q][3];
        const float d = e0 * e0 + e1 * e1 + e2 * e2 + e3 * e3;
        if (d < best) {
          best = d;
          best_q = q;
        }
      }
      total += best;
      if (bytes != nullptr) bytes[k4 / 4] = static_cast<std::uint8_t>(best_q);
    }
  }
  return total;
}

// Group scales d_g -> super_scale (BF16-exact) and 4-bit local scales.
void set_scales(column& c, const std::vector<float>& desired) {
  const float top = *std::max_element(desired.begin(), desired.end());
  c.super_scale = stored_scale(top / 15.0f, scale_dtype::bf16);
  for (std::size_t g = 0; g < desired.size(); ++g) {
    c.local[g] =
        c.super_scale == 0.0f ? 0 : std::clamp(static_cast<int>(std::lround(desired[g] / c.super_scale)), 0, 15);
  }
}

// Least-squares group scales for the current bytes: d_g = <w, v> / <v, v>.
std::vector<float> refit_scales(const column& c, line l) {
  const window_table t = windows_of(l);
  std::vector<float> desired(c.local.size(), 0.0f);
  for (std::size_t g = 0; g < desired.size(); ++g) {
    double num = 0.0, den = 0.0;
    for (std::size_t k = g * wint2_group; k < (g + 1) * wint2_group; ++k) {
      const double v = t[c.bytes[k / 4]][k % 4];
      num += v * c.w[k];
      den += v * v;
    }
    desired[g] = den > 0.0 ? static_cast<float>(std::max(0.0, num / den)) : 0.0f;
  }
  return desired;
}

void validate(const wint2_encode_options& o) {
  if (!(o.amax_to_v > 0.0f) || !std::isfinite(o.amax_to_v)) throw std::invalid_argument("wint2: amax_to_v must be > 0");
  if (!(o.code_scale_min < o.code_scale_max) || !std::isfinite(o.code_scale_min) || !std::isfinite(o.code_scale_max) ||
      o.code_scale_min < -32768.0f || o.code_scale_max > 32768.0f) {
    throw std::invalid_argument("wint2: code_scale range must be finite, increasing, within +-32768");
  }
  if (o.code_scale_steps < 1 || o.code_zp_steps < 1 || o.refine_steps < 0 || o.refit_rounds < 0) {
    throw std::invalid_argument("wint2: search steps must be >= 1 (refinement rounds >= 0)");
  }
}

line search_line(const column& c, const wint2_encode_options& o) {
  if (!o.search) return {o.fixed_code_scale, o.fixed_code_zp};
  const float cs_step = (o.code_scale_max - o.code_scale_min) / static_cast<float>(o.code_scale_steps);
  const float zp_step = 32768.0f / static_cast<float>(o.code_zp_steps);
  line best{o.code_scale_min, 0.0f};
  double best_error = INFINITY;
  for (int i = 0; i < o.code_scale_steps; ++i) {
    for (int j = 0; j < o.code_zp_steps; ++j) {
      const line l{o.code_scale_min + cs_step * static_cast<float>(i), zp_step * static_cast<float>(j)};
      const double e = assign_bytes(c, l, nullptr);
      if (e < best_error) {
        best_error = e;
        best = l;
      }
    }
  }
  float ds = cs_step, dz = zp_step;
  for (int round = 0; round < o.refine_steps; ++round) {
    ds *= 0.5f;
    dz *= 0.5f;
    const line around[4] = {{best.code_scale + ds, best.code_zp},
                            {best.code_scale - ds, best.code_zp},
                            {best.code_scale, best.code_zp + dz},
                            {best.code_scale, best.code_zp - dz}};
    const line centre = best;
    for (const line& l : around) {
      const double e = assign_bytes(c, l, nullptr);
      if (e < best_error) {
        best_error = e;
        best = l;
      }
    }
    if (best.code_scale != centre.code_scale || best.code_zp != centre.code_zp) {
      ds *= 2.0f;  // moved: keep the step for the next round
      dz *= 2.0f;
    }
  }
  return best;
}

}  // namespace

double wint2_encode_report::relative_error() const {
  return squared_norm > 0.0 ? std::sqrt(squared_error / squared_norm) : 0.0;
}

wint2_weight quantize_wint2(std::span<const float> w, std::int64_t k, std::int64_t n,
                            const wint2_encode_options& options, wint2_encode_report* report) {
  check_wint2_shape(k, n);
  require_matrix(w.size(), k, n, "wint2 weight");
  require_finite(w, "wint2 weight");
  validate(options);
  const auto k_total = static_cast<std::size_t>(k), n_total = static_cast<std::size_t>(n);
  const std::size_t groups = k_total / wint2_group;
  wint2_weight out;
  out.k = k;
  out.n = n;
  out.packed.assign(k_total / 4 * n_total, 0);
  out.code_scale.assign(n_total, options.fixed_code_scale);
  out.code_zp.assign(n_total, options.fixed_code_zp);
  out.super_scale.assign(n_total, 0.0f);
  out.local_scale.assign(k_total / 128 * n_total, 0);
  wint2_encode_report totals;
  if (k_total == 0 || n_total == 0) {
    if (report != nullptr) *report = totals;
    return out;
  }
  column c;
  c.w.resize(k_total);
  c.local.resize(groups);
  c.bytes.resize(k_total / 4);
  for (std::size_t col = 0; col < n_total; ++col) {
    for (std::size_t row = 0; row < k_total; ++row) c.w[row] = w[row * n_total + col];
    std::vector<float> desired(groups);
    for (std::size_t g = 0; g < groups; ++g) {
      desired[g] = abs_max(std::span(c.w).subspan(g * wint2_group, wint2_group)) / options.amax_to_v;
    }
    set_scales(c, desired);
    line best{options.fixed_code_scale, options.fixed_code_zp};
    if (c.super_scale > 0.0f) best = search_line(c, options);
    c.error = assign_bytes(c, best, c.bytes.data());
    for (int round = 0; round < options.refit_rounds && options.search && c.super_scale > 0.0f; ++round) {
      column trial = c;
      set_scales(trial, refit_scales(c, best));
      trial.error = assign_bytes(trial, best, trial.bytes.data());
      if (!(trial.error < c.error)) break;
      c = std::move(trial);
    }
    out.code_scale[col] = best.code_scale;
    out.code_zp[col] = best.code_zp;
    out.super_scale[col] = c.super_scale;
    for (std::size_t r = 0; r < k_total / 4; ++r) out.packed[r * n_total + col] = c.bytes[r];
    for (std::size_t j = 0; j < k_total / 128; ++j) {
      out.local_scale[j * n_total + col] = static_cast<std::uint8_t>((c.local[2 * j] << 4) | c.local[2 * j + 1]);
    }
    for (const float v : c.w) totals.squared_norm += static_cast<double>(v) * v;
  }
  if (report != nullptr) {
    // Measured on the stored result through the reference decode.
    const std::vector<float> decoded = dequantize_wint2(out);
    for (std::size_t i = 0; i < decoded.size(); ++i) {
      const double d = static_cast<double>(w[i]) - decoded[i];
      totals.squared_error += d * d;
    }
    *report = totals;
  }
  return out;
}

wint2_weight quantize_wint2_rows(std::span<const float> w, std::int64_t rows, std::int64_t cols, int threads) {
  if (rows < 1 || cols < 1 || static_cast<std::int64_t>(w.size()) != rows * cols)
    throw std::invalid_argument("quantize_wint2_rows: the weight is not " + std::to_string(rows) + " x " +
                                std::to_string(cols));
  const std::int64_t kp = wint2_padded_k(cols);
  const std::int64_t parts = std::clamp<std::int64_t>(threads, 1, rows);
  const auto first_col = [&](std::int64_t p) { return rows * p / parts; };
  std::vector<wint2_weight> pieces(static_cast<std::size_t>(parts));
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(parts));
  const auto encode = [&](std::int64_t p) {
    try {
      const std::int64_t n0 = first_col(p), width = first_col(p + 1) - n0;
      std::vector<float> kmajor(static_cast<std::size_t>(kp * width), 0.0f);  // W^T of the columns, zero rows past K
      for (std::int64_t n = 0; n < width; ++n)
        for (std::int64_t k = 0; k < cols; ++k)
          kmajor[static_cast<std::size_t>(k * width + n)] = w[static_cast<std::size_t>((n0 + n) * cols + k)];
      pieces[static_cast<std::size_t>(p)] = quantize_wint2(kmajor, kp, width);
    } catch (...) {
      errors[static_cast<std::size_t>(p)] = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  for (std::int64_t p = 1; p < parts; ++p) workers.emplace_back(encode, p);
  encode(0);
  for (auto& t : workers) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  if (parts == 1) return std::move(pieces[0]);
  wint2_weight out;
  out.k = kp;
  out.n = rows;
  out.packed.resize(static_cast<std::size_t>(kp / 4 * rows));
  out.local_scale.resize(static_cast<std::size_t>(kp / wint2_k_multiple * rows));
  for (std::int64_t p = 0; p < parts; ++p) {
    const auto& piece = pieces[static_cast<std::size_t>(p)];
    const std::int64_t n0 = first_col(p), width = piece.n;
    for (std::int64_t r = 0; r < kp / 4; ++r)
      std::copy_n(piece.packed.begin() + r * width, width, out.packed.begin() + r * rows + n0);
    for (std::int64_t r = 0; r < kp / wint2_k_multiple; ++r)
      std::copy_n(piece.local_scale.begin() + r * width, width, out.local_scale.begin() + r * rows + n0);
    out.code_scale.insert(out.code_scale.end(), piece.code_scale.begin(), piece.code_scale.end());
    out.code_zp.insert(out.code_zp.end(), piece.code_zp.begin(), piece.code_zp.end());
    out.super_scale.insert(out.super_scale.end(), piece.super_scale.begin(), piece.super_scale.end());
  }
  return out;
}

}  // namespace moeserve::quant
