#include <cmath>
#include <cstring>
#include <stdexcept>

#include "gpu/wint2_gemm.hpp"

namespace moeserve::gpu {
namespace {

std::uint16_t bf16_bits(float f) {
  std::uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits += 0x7FFFu + ((bits >> 16) & 1u);  // round to nearest even (finite values)
  return static_cast<std::uint16_t>(bits >> 16);
}

float bf16_round(float f) {
  const std::uint32_t bits = static_cast<std::uint32_t>(bf16_bits(f)) << 16;
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

}  // namespace

wint2_repacked repack_wint2(const std::uint8_t* packed, const float* code_scale, const float* code_zp,
                            const float* super_scale, const std::uint8_t* local_scale, int experts, int n, int k) {
  if (experts <= 0 || n <= 0 || k <= 0 || n % 64 != 0 || k % 128 != 0) {
    throw std::invalid_argument("repack_wint2: N must be a multiple of 64 and K of 128");
  }
  const std::size_t en = static_cast<std::size_t>(experts) * n;
  for (std::size_t i = 0; i < en; ++i) {
    const float cs = code_scale[i], zp = code_zp[i];
    if (!(cs >= 0.0f) || !(zp >= 0.0f) || !(255.0f * cs + zp < 4194304.0f)) {
      throw std::invalid_argument("repack_wint2: code line outside the kernel's range");
    }
  }
  wint2_repacked out;
  const int n_tiles = n / 64, k_units = k / 32;
  out.data.resize(static_cast<std::size_t>(experts) * n * k / 4);
  for (int e = 0; e < experts; ++e) {
    const std::uint8_t* p = packed + static_cast<std::size_t>(e) * (k / 4) * n;
    for (int nt = 0; nt < n_tiles; ++nt) {
      for (int kt = 0; kt < k_units; ++kt) {
        std::uint8_t* unit = out.data.data() + ((static_cast<std::size_t>(e) * n_tiles + nt) * k_units + kt) * 512;
        for (int lane = 0; lane < 32; ++lane) {
          const int g = lane / 4, t = lane % 4;
          for (int h = 0; h < 2; ++h) {
            const int quad = (32 * kt + 16 * h) / 4 + t;
            for (int j = 0; j < 8; ++j)
              unit[lane * 16 + h * 8 + j] = p[static_cast<std::size_t>(quad) * n + 64 * nt + 8 * j + g];
          }
        }
      }
    }
  }
  const int groups = k / 64;
  out.scales.resize(en * 8 + en * groups * 2);
  std::memcpy(out.scales.data(), code_scale, en * 4);
  std::memcpy(out.scales.data() + en * 4, code_zp, en * 4);
  auto* group_scale = reinterpret_cast<std::uint16_t*>(out.scales.data() + en * 8);
  for (int e = 0; e < experts; ++e) {
    for (int g = 0; g < groups; ++g) {
      for (int c = 0; c < n; ++c) {
        const std::uint8_t byte = local_scale[(static_cast<std::size_t>(e) * (k / 128) + g / 2) * n + c];
        const int ls = (g % 2 == 0) ? (byte >> 4) : (byte & 0xF);
        const float ss = bf16_round(super_scale[static_cast<std::size_t>(e) * n + c]);
        group_scale[(static_cast<std::size_t>(e) * groups + g) * n + c] = bf16_bits(static_cast<float>(ls) * ss);
      }
    }
  }
  return out;
}

}  // namespace moeserve::gpu
