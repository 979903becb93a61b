#include "model/io/dequantize.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

#include "model/io/ggml_blocks.hpp"
#include "model/io/half.hpp"
#include "model/io/load_error.hpp"
#include "model/io/synthetic_tensor.hpp"

namespace moeserve::model {
namespace {

using namespace ggml;

template <class Block>
Block load_block(const std::byte* p) {
  Block b;
  std::memcpy(&b, p, sizeof b);
  return b;
}

template <class T>
T load_scalar(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void plain_f32(const std::byte* src, float* dst, std::size_t n) { std::memcpy(dst, src, n * sizeof(float)); }

void plain_f16(const std::byte* src, float* dst, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(load_scalar<std::uint16_t>(src + 2 * i));
}

void plain_bf16(const std::byte* src, float* dst, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(load_scalar<std::uint16_t>(src + 2 * i));
}

void blocks_q4_0(const std::byte* src, float* dst, std::size_t n_blocks) {
  constexpr int half = qk_legacy / 2;
  for (std::size_t b = 0; b < n_blocks; ++b, src += sizeof(block_q4_0), dst += qk_legacy) {
    const auto blk = load_block<block_q4_0>(src);
    const float d = fp16_to_fp32(blk.d);
    for (int j = 0; j < half; ++j) {
      dst[j] = d * static_cast<float>((blk.qs[j] & 0x0f) - 8);
      dst[j + half] = d * static_cast<float>((blk.qs[j] >> 4) - 8);
    }
  }
}

void blocks_q4_1(const std::byte* src, float* dst, std::size_t n_blocks) {
  constexpr int half = qk_legacy / 2;
  for (std::size_t b = 0; b < n_blocks; ++b, src += sizeof(block_q4_1), dst += qk_legacy) {
    const auto blk = load_block<block_q4_1>(src);
    const float d = fp16_to_fp32(blk.d);
    const float m = fp16_to_fp32(blk.m);
    for (int j = 0; j < half; ++j) {
      dst[j] = d * static_cast<float>(blk.qs[j] & 0x0f) + m;
      dst[j + half] = d * static_cast<float>(blk.qs[j] >> 4) + m;
    }
  }
}

void blocks_q8_0(const std::byte* src, float* dst, std::size_t n_blocks) {
  for (std::size_t b = 0; b < n_blocks; ++b, src += sizeof(block_q8_0), dst += qk_legacy) {
    const auto blk = load_block<block_q8_0>(src);
    const float d = fp16_to_fp32(blk.d);
    for (int j = 0; j < qk_legacy; ++j) dst[j] = d * static_cast<float>(blk.qs[j]);
  }
}

// The 6-bit scale and min of sub-block j (0..7) of a q4_k super-block (see ggml_blocks.hpp).
void q4_k_scale_min(const std::array<std::uint8_t, k_scale_size>& s, int j, int& sc, int& mn) {
  if (j < 4) {
    sc = s[j] & 63;
    mn = s[j + 4] & 63;
  } else {
    sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
    mn = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

void blocks_q4_k(const std::byte* src, float* dst, std::size_t n_blocks) {
  for (std::size_t b = 0; b < n_blocks; ++b, src += sizeof(block_q4_k), dst += qk_k) {
    const auto blk = load_block<block_q4_k>(src);
    const float d = fp16_to_fp32(blk.d);
    const float dmin = fp16_to_fp32(blk.dmin);
    for (int chunk = 0; chunk < 4; ++chunk) {
      const std::uint8_t* q = blk.qs.data() + 32 * chunk;
      float* out = dst + 64 * chunk;
      for (int part = 0; part < 2; ++part) {  // low nibbles, then high nibbles
        int sc = 0;
        int mn = 0;
        q4_k_scale_min(blk.scales, 2 * chunk + part, sc, mn);
        const float scale = d * static_cast<float>(sc);
        const float offset = dmin * static_cast<float>(mn);
        const int shift = 4 * part;
        for (int l = 0; l < 32; ++l) out[32 * part + l] = scale * static_cast<float>((q[l] >> shift) & 0x0f) - offset;
      }
    }
  }
}

void blocks_q6_k(const std::byte* src, float* dst, std::size_t n_blocks) {
  for (std::size_t b = 0; b < n_blocks; ++b, src += sizeof(block_q6_k), dst += qk_k) {
    const auto blk = load_block<block_q6_k>(src);
    const float d = fp16_to_fp32(blk.d);
    for (int h = 0; h < 2; ++h) {
      const std::uint8_t* ql = blk.ql.data() + 64 * h;
      const std::uint8_t* qh = blk.qh.data() + 32 * h;
      float* out = dst + 128 * h;
      // quarter k of the half takes ql[l + 32 * (k & 1)], nibble k >> 1, and bits 2k of qh[l]
      for (int k = 0; k < 4; ++k) {
        for (int l = 0; l < 32; ++l) {
          const int low = (ql[l + 32 * (k & 1)] >> (4 * (k >> 1))) & 0x0f;
          const int high = (qh[l] >> (2 * k)) & 0x03;
          const int q = (low | (high << 4)) - 32;
          const int e = 128 * h + 32 * k + l;  // element index in the super-block
          out[32 * k + l] = d * static_cast<float>(blk.scales[e / 16]) * static_cast<float>(q);
        }
      }
    }
  }
}

}  // namespace

bool can_dequantize(dtype t) {
  switch (t) {
    case dtype::f32:
    case dtype::f16:
    case dtype::bf16:
    case dtype::q8_0:
    case dtype::q4_0:
    case dtype::q4_1:
    case dtype::q4_k:
    case dtype::q6_k:
      return true;
    default:
      return false;
  }
}

void dequantize_row(dtype t, std::span<const std::byte> src, std::span<float> dst) {
  if (!can_dequantize(t)) throw std::invalid_argument("dequantize_row: unsupported type " + std::string(name(t)));
  const auto expected = row_bytes(t, static_cast<std::int64_t>(dst.size()));
  if (!expected || static_cast<std::uint64_t>(*expected) != src.size()) {
    throw std::invalid_argument("dequantize_row: " + std::to_string(src.size()) + " bytes of " + std::string(name(t)) +
                                " do not hold " + std::to_string(dst.size()) + " elements");
  }
  if (dst.empty()) return;
  const std::size_t n_blocks = dst.size() / static_cast<std::size_t>(traits(t).block_elements);
  switch (t) {
    case dtype::f32:
      return plain_f32(src.data(), dst.data(), dst.size());
    case dtype::f16:
      return plain_f16(src.data(), dst.data(), dst.size());
    case dtype::bf16:
      return plain_bf16(src.data(), dst.data(), dst.size());
    case dtype::q4_0:
      return blocks_q4_0(src.data(), dst.data(), n_blocks);
    case dtype::q4_1:
      return blocks_q4_1(src.data(), dst.data(), n_blocks);
    case dtype::q8_0:
      return blocks_q8_0(src.data(), dst.data(), n_blocks);
    case dtype::q4_k:
      return blocks_q4_k(src.data(), dst.data(), n_blocks);
    case dtype::q6_k:
      return blocks_q6_k(src.data(), dst.data(), n_blocks);
    default:
      break;
  }
}

void dequantize_into(const tensor_view& t, std::span<float> out) {
  if (t.synthetic != synthetic_fill::none) {
    if (static_cast<std::int64_t>(out.size()) != t.element_count())
      throw std::invalid_argument("dequantize_into: synthetic tensor '" + std::string(t.name) + "' size");
    const auto seed = synthetic_seed(t.name);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = synthetic_value(t, seed, i);
    return;
  }
  if (!can_dequantize(t.type)) {
    throw load_error("tensor '" + std::string(t.name) + "': cannot dequantize type " + std::string(name(t.type)));
  }
  if (static_cast<std::int64_t>(out.size()) != t.element_count()) {
    throw std::invalid_argument("dequantize_into: tensor '" + std::string(t.name) + "' has " +
                                std::to_string(t.element_count()) + " elements, output holds " +
                                std::to_string(out.size()));
  }
  dequantize_row(t.type, t.data, out);
}

std::vector<float> dequantize(const tensor_view& t) {
  if (!can_dequantize(t.type)) {
    throw load_error("tensor '" + std::string(t.name) + "': cannot dequantize type " + std::string(name(t.type)));
  }
  std::vector<float> out(static_cast<std::size_t>(t.element_count()));
  dequantize_into(t, out);
  return out;
}

std::vector<float> dequantize_rows(const tensor_view& t, std::int64_t first_row, std::int64_t row_count) {
  if (!can_dequantize(t.type)) {
    throw load_error("tensor '" + std::string(t.name) + "': cannot dequantize type " + std::string(name(t.type)));
  }
  const std::int64_t rows = t.row_count();
  if (first_row < 0 || row_count < 0 || first_row > rows || row_count > rows - first_row) {
    throw std::out_of_range("dequantize_rows: rows [" + std::to_string(first_row) + ", +" + std::to_string(row_count) +
                            ") outside tensor '" + std::string(t.name) + "' of " + std::to_string(rows) + " rows");
  }
  const std::int64_t row_length = t.row_length();
  std::vector<float> out(static_cast<std::size_t>(row_count * row_length));
  if (t.synthetic != synthetic_fill::none) {
    const auto seed = synthetic_seed(t.name);
    const auto first = static_cast<std::uint64_t>(first_row * row_length);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = synthetic_value(t, seed, first + i);
    return out;
  }
  const auto bytes_per_row = static_cast<std::size_t>(*row_bytes(t.type, row_length));
  const auto src = t.data.subspan(static_cast<std::size_t>(first_row) * bytes_per_row,
                                  static_cast<std::size_t>(row_count) * bytes_per_row);
  dequantize_row(t.type, src, out);
  return out;
}

}  // namespace moeserve::model
