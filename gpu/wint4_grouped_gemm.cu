// The small-M kernel for wint4_grouped: 4-bit weights, group-wise bf16 scales, m_tiles 1, 2, 4.
#include "gpu/wint_gemm_kernel.cuh"

namespace moeserve::gpu {

void wint4_grouped_gemm(const wint_gemm_args& args, int experts, int m_tiles, cudaStream_t stream) {
  detail::launch_wint_gemm<4, true>(args, experts, m_tiles, stream);
}

}  // namespace moeserve::gpu
