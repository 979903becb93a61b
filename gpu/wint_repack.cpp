#include "gpu/wint_repack.hpp"

#include <cstring>
#include <stdexcept>

namespace moeserve::gpu {

void check_wint_shape(int n, int k) {
  if (n <= 0 || k <= 0 || n % wint_unit_n != 0 || k % wint_unit_k != 0) {
    throw std::invalid_argument("wint repack: N must be a multiple of 64 and K of 16");
  }
}

namespace {

// Walks every (expert, unit, lane) and hands `emit` the four columns' indices for it.
template <typename Emit>
void for_each_lane(int experts, int n, int k, Emit emit) {
  const int n_tiles = n / wint_unit_n, k_tiles = k / wint_unit_k;
  for (int e = 0; e < experts; ++e) {
    for (int nt = 0; nt < n_tiles; ++nt) {
      for (int kt = 0; kt < k_tiles; ++kt) {
        const std::size_t unit = (static_cast<std::size_t>(e) * n_tiles + nt) * k_tiles + kt;
        for (int lane = 0; lane < 32; ++lane)
          emit(e, unit, nt * wint_unit_n + lane / 4, kt * wint_unit_k + 2 * (lane % 4), lane);
      }
    }
  }
}

}  // namespace

std::vector<std::uint8_t> repack_wint8(const std::int8_t* q, int experts, int n, int k) {
  check_wint_shape(n, k);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(experts) * n * k);
  for_each_lane(experts, n, k, [&](int e, std::size_t unit, int n_base, int k_base, int lane) {
    const std::int8_t* w = q + static_cast<std::size_t>(e) * n * k;
    for (int j = 0; j < 8; ++j) {
      const std::size_t row = static_cast<std::size_t>(n_base + 8 * j) * k;
      const int ks[4] = {k_base, k_base + 1, k_base + 8, k_base + 9};
      std::uint8_t* dst = out.data() + unit * 1024 + (j / 4) * 512 + lane * 16 + (j % 4) * 4;
      for (int v = 0; v < 4; ++v) dst[v] = static_cast<std::uint8_t>(w[row + ks[v]] + 128);
    }
  });
  return out;
}

std::vector<std::uint8_t> repack_wint4(const std::uint8_t* packed, int experts, int n, int k) {
  check_wint_shape(n, k);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(experts) * n * k / 2);
  auto nibble = [&](int e, int row, int col) -> std::uint32_t {
    const std::uint8_t byte = packed[(static_cast<std::size_t>(e) * n + row) * (k / 2) + col / 2];
    const int raw = (col % 2 == 0) ? (byte & 0xF) : (byte >> 4);
    const int q = raw >= 8 ? raw - 16 : raw;  // two's complement
    return static_cast<std::uint32_t>(q + 8);
  };
  for_each_lane(experts, n, k, [&](int e, std::size_t unit, int n_base, int k_base, int lane) {
    for (int w = 0; w < 4; ++w) {
      const int na = n_base + 8 * (2 * w), nb = n_base + 8 * (2 * w + 1);
      // nibble order: a.b0 a.b2 b.b0 b.b2 a.b1 a.b3 b.b1 b.b3
      const std::uint32_t v[8] = {nibble(e, na, k_base),     nibble(e, na, k_base + 8), nibble(e, nb, k_base),
                                  nibble(e, nb, k_base + 8), nibble(e, na, k_base + 1), nibble(e, na, k_base + 9),
                                  nibble(e, nb, k_base + 1), nibble(e, nb, k_base + 9)};
      std::uint32_t word = 0;
      for (int p = 0; p < 8; ++p) word |= v[p] << (4 * p);
      std::memcpy(out.data() + unit * 512 + lane * 16 + w * 4, &word, 4);
    }
  });
  return out;
}

std::vector<std::uint16_t> repack_group_scales(const float* scales, int experts, int n, int k, int group_size) {
  if (group_size <= 0 || k % group_size != 0) throw std::invalid_argument("repack_group_scales: bad group size");
  const int groups = k / group_size;
  std::vector<std::uint16_t> out(static_cast<std::size_t>(experts) * groups * n);
  for (int e = 0; e < experts; ++e) {
    for (int row = 0; row < n; ++row) {
      for (int g = 0; g < groups; ++g) {
        float f = scales[(static_cast<std::size_t>(e) * n + row) * groups + g];
        std::uint32_t bits;
        std::memcpy(&bits, &f, 4);
        bits += 0x7FFFu + ((bits >> 16) & 1u);  // round to nearest even (finite scales)
        out[(static_cast<std::size_t>(e) * groups + g) * n + row] = static_cast<std::uint16_t>(bits >> 16);
      }
    }
  }
  return out;
}

}  // namespace moeserve::gpu
