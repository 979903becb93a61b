// The small-M kernel for wint4: 4-bit weights, per-channel fp32 scales, m_tiles 1, 2, 4.
#include "gpu/wint_gemm_kernel.cuh"

namespace moeserve::gpu {

void wint4_gemm(const wint_gemm_args& args, int experts, int m_tiles, cudaStream_t stream) {
  detail::launch_wint_gemm<4, false>(args, experts, m_tiles, stream);
}

}  // namespace moeserve::gpu
