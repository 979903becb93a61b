#include "app/quantize/quantized_tensors.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

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
      const std::int64_t kp = quant::wint2_padded_k(k);
      return {{w, dtype::u8, {kp / 4, n}},
              {w + "_code_scale", dtype::f32, {n}},
              {w + "_code_zp", dtype::f32, {n}},
              {w + "_super_scale", dtype::f32, {n}},
              {w + "_local_scale", dtype::u8, {kp / quant::wint2_k_multiple, n}}};
    }
  }
  return {};
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
      const auto q = quant::quantize_wint2_rows(w, n, k, threads);
      bytes = {raw(q.packed), raw(q.code_scale), raw(q.code_zp), raw(q.super_scale), raw(q.local_scale)};
      break;
    }
  }
  std::vector<quantized_tensor> out;
  for (std::size_t i = 0; i < layouts.size(); ++i) out.push_back({std::move(layouts[i]), std::move(bytes[i])});
  return out;
}

}  // namespace moeserve::app
