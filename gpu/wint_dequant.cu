// Dequantisation of fragment-ordered wint8/wint4 weights back to bf16 W[N][K] (the
// large-M path's first half, and the repack tests' check). One thread per lane-chunk of a
// unit: it knows from wint_repack.hpp's layout which (n, k) each of its values is.
#include <cstdint>
#include <stdexcept>

#include "gpu/cuda_check.hpp"
#include "gpu/wint_gemm.hpp"

namespace moeserve::gpu {

namespace {

__device__ inline float scale_of(const void* scales, bool grouped, int group_size, int e, int n, int k, int row,
                                 int col) {
  if (!grouped) return static_cast<const float*>(scales)[static_cast<std::size_t>(e) * n + row];
  const int groups = k / group_size;
  return __bfloat162float(
      static_cast<const __nv_bfloat16*>(scales)[(static_cast<std::size_t>(e) * groups + col / group_size) * n + row]);
}

// grid: (units of one expert / 4, experts in range); block: 128 threads = 4 units x 32 lanes.
__global__ void dequantize_kernel(const unsigned char* __restrict__ weights, const void* __restrict__ scales, int bits,
                                  int group_size, int n, int k, int e_begin, const int* __restrict__ offsets,
                                  __nv_bfloat16* __restrict__ out) {
  const int e = e_begin + blockIdx.y;
  if (offsets != nullptr && offsets[e + 1] == offsets[e]) return;
  const int k_tiles = k / 16, n_tiles = n / 64;
  const long unit_in_expert = static_cast<long>(blockIdx.x) * 4 + (threadIdx.x >> 5);
  if (unit_in_expert >= static_cast<long>(k_tiles) * n_tiles) return;
  const int lane = threadIdx.x & 31;
  const int nt = static_cast<int>(unit_in_expert / k_tiles), kt = static_cast<int>(unit_in_expert % k_tiles);
  const std::size_t unit = static_cast<std::size_t>(e) * n_tiles * k_tiles + unit_in_expert;
  const int n_base = nt * 64 + lane / 4, k_base = kt * 16 + 2 * (lane % 4);
  const bool grouped = group_size > 0;
  __nv_bfloat16* dst = out + static_cast<std::size_t>(blockIdx.y) * n * k;
  const int dk[4] = {0, 1, 8, 9};
  for (int j = 0; j < 8; ++j) {
    int q[4];
    if (bits == 8) {
      const unsigned char* p = weights + unit * 1024 + (j / 4) * 512 + lane * 16 + (j % 4) * 4;
      for (int v = 0; v < 4; ++v) q[v] = static_cast<int>(p[v]) - 128;
    } else {
      std::uint32_t word;
      const unsigned char* p = weights + unit * 512 + lane * 16 + (j / 2) * 4;
      word = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
      const int shift = (j % 2) * 8;  // tile a: nibbles 0,4,1,5; tile b: 2,6,3,7
      q[0] = static_cast<int>((word >> shift) & 0xF) - 8;
      q[1] = static_cast<int>((word >> (shift + 16)) & 0xF) - 8;
      q[2] = static_cast<int>((word >> (shift + 4)) & 0xF) - 8;
      q[3] = static_cast<int>((word >> (shift + 20)) & 0xF) - 8;
    }
    const int row = n_base + 8 * j;
    for (int v = 0; v < 4; v += 2) {  // (k, k+1) share a scale (groups are >= 64 wide): one 4-byte store
      const int col = k_base + dk[v];
      const float s = scale_of(scales, grouped, group_size, e, n, k, row, col);
      *reinterpret_cast<__nv_bfloat162*>(dst + static_cast<std::size_t>(row) * k + col) =
          __floats2bfloat162_rn(static_cast<float>(q[v]) * s, static_cast<float>(q[v + 1]) * s);
    }
  }
}

}  // namespace

void wint_dequantize(const expert_weights& w, int e_begin, int e_end, const int* offsets, __nv_bfloat16* out,
                     cudaStream_t stream) {
  if (w.format != weight_format::wint8 && w.format != weight_format::wint4)
    throw std::invalid_argument("wint_dequantize: not a wint8/wint4 format");
  if (w.n % 64 != 0 || w.k % 16 != 0) throw std::invalid_argument("wint_dequantize: shape");
  if (e_end <= e_begin) return;
  const long units = static_cast<long>(w.n / 64) * (w.k / 16);
  const dim3 grid(static_cast<unsigned>((units + 3) / 4), static_cast<unsigned>(e_end - e_begin));
  const int bits = w.format == weight_format::wint8 ? 8 : 4;
  const int group = w.format == weight_format::wint4 ? w.group_size : 0;
  dequantize_kernel<<<grid, 128, 0, stream>>>(static_cast<const unsigned char*>(w.data), w.scales, bits, group, w.n,
                                              w.k, e_begin, offsets, out);
  MOESERVE_CUDA_CHECK(cudaGetLastError());
}

}  // namespace moeserve::gpu
