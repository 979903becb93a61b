#include "app/quantize/quantized_tensors.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "quant/block_fp8.hpp"
#include "quant/wint2_encoder.hpp"
#include "quant/wint4.hpp"
#include "quant/wint8.hpp"

namespace moeserve::app {
namespace {

using model::dtype;
using quant::weight_format;

std::string shape_text(std::int64_t n, std::int64_t k) {
  return "[" + std::to_string(n) + ", " + std::to_string(k) + "]";
}

[[noreturn]] void refuse(std::string_view name, std::int64_t n, std::int64_t k, const std::string& why) {
  throw std::invalid_argument(std::string(name) + " " + shape_text(n, k) + ": " + why);
}

template <class T>
std::vector<std::byte> raw(const std::vector<T>& v) {
  std::vector<std::byte> out(v.size() * sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), v.data(), out.size());
  return out;
}

// Scales as stored: F32 bytes, or BF16 bits (the values are already BF16-exact).
std::vector<std::byte> scale_bytes(const std::vector<float>& s, quant::scale_dtype t) {
  if (t == quant::scale_dtype::fp32) return raw(s);
  std::vector<std::uint16_t> bits(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) bits[i] = quant::fp32_to_bf16_bits(s[i]);
  return raw(bits);
}

dtype scale_type(quant::scale_dtype t) { return t == quant::scale_dtype::bf16 ? dtype::bf16 : dtype::f32; }

}  // namespace

std::vector<tensor_layout> quantized_layout(std::string_view name, std::int64_t n, std::int64_t k,
                                            quant::weight_scheme scheme, quant::scale_dtype scales) {
  const std::string w(name);
  switch (scheme.format) {
    case weight_format::none:
      return {};
    case weight_format::wint8:
      return {{w, dtype::i8, {n, k}}, {w + "_scale", scale_type(scales), {n}}};
    case weight_format::wint4: {
      if (k % 2 != 0) refuse(name, n, k, "wint4 needs an even K");
      if (scheme.group_size != 0 && k % scheme.group_size != 0) {
        refuse(name, n, k, "wint4 groups of " + std::to_string(scheme.group_size) + " need K a multiple of it");
      }
      const std::int64_t groups = scheme.group_size == 0 ? 1 : k / scheme.group_size;
      return {{w, dtype::u8, {n, k / 2}}, {w + "_scale", scale_type(scales), {n, groups}}};
    }
    case weight_format::block_wise_fp8:
      return {{w, dtype::f8_e4m3, {n, k}},
              {w + "_scale_inv", dtype::f32, {quant::fp8_blocks(n), quant::fp8_blocks(k)}}};
    case weight_format::wint2: {
      const std::int64_t kp = wint2_padded_k(k);
      return {{w, dtype::u8, {kp / 4, n}},
              {w + "_code_scale", dtype::f32, {n}},
              {w + "_code_zp", dtype::f32, {n}},
              {w + "_super_scale", dtype::f32, {n}},
              {w + "_local_scale", dtype::u8, {kp / quant::wint2_k_multiple, n}}};
    }
  }
  return {};
}

quant::wint2_weight quantize_wint2_columns(std::span<const float> w_kn, std::int64_t k, std::int64_t n, int threads) {
  quant::check_wint2_shape(k, n);
  quant::require_matrix(w_kn.size(), k, n, "wint2 weight");
  const std::int64_t parts = std::clamp<std::int64_t>(threads, 1, std::max<std::int64_t>(n, 1));
  if (parts == 1) return quant::quantize_wint2(w_kn, k, n);
  std::vector<quant::wint2_weight> pieces(static_cast<std::size_t>(parts));
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(parts));
  std::vector<std::thread> workers;
  const auto first_col = [&](std::int64_t p) { return n * p / parts; };
  for (std::int64_t p = 0; p < parts; ++p) {
    workers.emplace_back([&, p] {
      try {
        const std::int64_t c0 = first_col(p), width = first_col(p + 1) - c0;
        std::vector<float> sub(static_cast<std::size_t>(k * width));
        for (std::int64_t r = 0; r < k; ++r) {
          std::copy_n(w_kn.begin() + r * n + c0, width, sub.begin() + r * width);
        }
        pieces[static_cast<std::size_t>(p)] = quant::quantize_wint2(sub, k, width);
      } catch (...) {
        errors[static_cast<std::size_t>(p)] = std::current_exception();
      }
    });
  }
  for (auto& t : workers) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  quant::wint2_weight out;
  out.k = k;
  out.n = n;
  out.packed.resize(static_cast<std::size_t>(k / 4 * n));
  out.local_scale.resize(static_cast<std::size_t>(k / quant::wint2_k_multiple * n));
  for (std::int64_t p = 0; p < parts; ++p) {
    const auto& piece = pieces[static_cast<std::size_t>(p)];
    const std::int64_t c0 = first_col(p), width = piece.n;
    for (std::int64_t r = 0; r < k / 4; ++r) {
      std::copy_n(piece.packed.begin() + r * width, width, out.packed.begin() + r * n + c0);
    }
    for (std::int64_t r = 0; r < k / quant::wint2_k_multiple; ++r) {
      std::copy_n(piece.local_scale.begin() + r * width, width, out.local_scale.begin() + r * n + c0);
    }
    out.code_scale.insert(out.code_scale.end(), piece.code_scale.begin(), piece.code_scale.end());
    out.code_zp.insert(out.code_zp.end(), piece.code_zp.begin(), piece.code_zp.end());
    out.super_scale.insert(out.super_scale.end(), piece.super_scale.begin(), piece.super_scale.end());
  }
  return out;
}

std::vector<quantized_tensor> quantize_weight(std::string_view name, std::span<const float> w, std::int64_t n,
                                              std::int64_t k, quant::weight_scheme scheme, quant::scale_dtype scales,
                                              int threads) {
  auto layouts = quantized_layout(name, n, k, scheme, scales);
  if (static_cast<std::int64_t>(w.size()) != n * k) refuse(name, n, k, "element count does not match the shape");
  std::vector<std::vector<std::byte>> bytes;
  switch (scheme.format) {
    case weight_format::none:
      return {};
    case weight_format::wint8: {
      const auto q = quant::quantize_wint8(w, n, k, scales);
      bytes = {raw(q.q), scale_bytes(q.scale, scales)};
      break;
    }
    case weight_format::wint4: {
      const auto q = quant::quantize_wint4(w, n, k, scheme.group_size, scales);
      bytes = {raw(q.packed), scale_bytes(q.scale, scales)};
      break;
    }
    case weight_format::block_wise_fp8: {
      const auto q = quant::quantize_fp8_block_weight(w, n, k);
      bytes = {raw(q.q), raw(q.scale)};
      break;
    }
    case weight_format::wint2: {
      const std::int64_t kp = wint2_padded_k(k);
      std::vector<float> transposed(static_cast<std::size_t>(kp * n), 0.0f);  // W^T[kp][n], zero rows past K
      for (std::int64_t r = 0; r < n; ++r) {
        for (std::int64_t c = 0; c < k; ++c) transposed[static_cast<std::size_t>(c * n + r)] = w[static_cast<std::size_t>(r * k + c)];
      }
      const auto q = quantize_wint2_columns(transposed, kp, n, threads);
      bytes = {raw(q.packed), raw(q.code_scale), raw(q.code_zp), raw(q.super_scale), raw(q.local_scale)};
      break;
    }
  }
  std::vector<quantized_tensor> out;
  for (std::size_t i = 0; i < layouts.size(); ++i) out.push_back({std::move(layouts[i]), std::move(bytes[i])});
  return out;
}

}  // namespace moeserve::app
