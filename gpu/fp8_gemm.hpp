#pragma once
// Block-wise FP8 (W8A8, DeepSeek-V3 style; quant/block_fp8.hpp is the canonical format and
// the CPU reference): weights e4m3 with one fp32 scale per 128x128 block, activations
// quantized at run time to e4m3 with one fp32 scale per token per 128 channels.
//
// Device layouts (the weights are used exactly as the checkpoint stores them, no repack):
//   weights   q  e4m3 [E][N][K] row-major            (quant::fp8_block_weight::q per expert)
//             ws fp32 [E][ceil(N/128)][K/128]        (quant::fp8_block_weight::scale per expert)
//   activations (written by fp8_quantize_activations, read by both GEMMs)
//             xq e4m3 [rows][K] row-major
//             xs fp32 [K/128][scale_stride]: the scale of (row m, K block j) at
//                j·scale_stride + m  -- K-block-major, the layout cuBLASLt's VEC128_32F
//                wants (REFERENCE.md "Block-wise FP8"); quant/ keeps it token-major.
//
//        xs:   m ─►  0   1   2  ...  M-1          (scale_stride = M for a dense GEMM,
//          j=0     [ s   s   s  ...  s ]           the total rows of a grouped one)
//          j=1     [ s   s   s  ...  s ]
//
// Two GEMMs, y[M][N] bf16 = Σ_j (x_q·w_q over K block j) · xs[m][j] · ws[n/128][j]:
//
//   fp8_grouped_gemm   our kernel, for the MoE (grouped) case and small dense M. Why our own
//                      and not a loop of cuBLASLt calls per expert: cuBLASLt has no grouped
//                      block-scaled GEMM in CUDA 13.0, a per-expert loop needs the offsets on
//                      the host (a sync per layer) and one launch per active expert (up to
//                      128, each too small to fill the chip at decode sizes), and VEC128
//                      scales of a sub-range of rows would need their own contiguous copy.
//                      The kernel is the small-M design of wint_gemm.hpp with e4m3 operands:
//                      grid (N/64, E), 128 threads, 4-stage cp.async pipeline of 128-wide
//                      K blocks (one scale block per stage); each warp takes 32 of the 128
//                      k of a stage, ldmatrix for A and B (canonical byte rows, XOR-swizzled
//                      16-byte chunks), mma.sync m16n8k32 e4m3 with fp32 accumulation; each
//                      k32 partial product is multiplied by xs·ws in fp32 and added to the
//                      accumulators (the block scales are applied in the K loop, in fp32).
//                      Device offsets, no host sync: capturable in a CUDA graph.
//                      Requirements: N % 64 == 0, K % 128 == 0; m_tiles 1, 2, 4 (16·m_tiles
//                      rows per pass; more rows: more passes over the same weights).
//   fp8_dense_gemm     cuBLASLt with BLK128x128_32F (A = weights, op T) and VEC128_32F
//                      (B = activations, op N), D bf16 N×M column-major = y[M][N]; for dense
//                      GEMMs with many rows (prefill). Needs 16-byte aligned pointers and
//                      K % 128 == 0; sm_90, CUDA >= 12.9. cuBLASLt wants the weight scales'
//                      rows padded to a multiple of 4 blocks (fp8_cublaslt.cpp): done per call
//                      into an internal buffer when K/128 % 4 != 0.
//
// Measured on an H100 (bench_moe_gpu, activation quantization included): grouped
// Qwen3-30B-A3B gate_up 1.35x bf16 at 1 token, 1.8-2.1x at 8-128 tokens (75-90% of the
// copy bandwidth); dense 4096 x 4096 x 7168 through cuBLASLt 1.56x bf16 for the GEMM alone,
// 1.25x with the separate quantization kernel (which a fused norm/activation epilogue
// would hide).
//
// Streams: everything on the given stream; fp8_cublaslt_gemm is not thread-safe.
#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <tuple>

namespace moeserve::gpu {

inline constexpr int fp8_block_size = 128;

// x bf16 [m][k] -> xq e4m3 [m][k], xs fp32 at j·scale_stride + row (layout above), with
// scale = amax / 448 (0 for an all-zero group, whose codes are then 0) and
// code = e4m3 saturating round-to-nearest-even of x / scale: bit-identical to
// quant::quantize_fp8_token_activation on the bf16 values. k % 128 == 0.
void fp8_quantize_activations(const __nv_bfloat16* x, int m, int k, std::uint8_t* xq, float* xs, int scale_stride,
                              cudaStream_t stream);

struct fp8_gemm_args {
  const std::uint8_t* xq = nullptr;
  const float* xs = nullptr;
  int scale_stride = 0;  // rows of the xs layout (total rows)
  __nv_bfloat16* y = nullptr;
  const int* offsets = nullptr;  // device [E+1], or nullptr: one expert with dense_rows rows
  int dense_rows = 0;
  const std::uint8_t* w = nullptr;
  const float* ws = nullptr;
  int n = 0, k = 0;
};

void fp8_grouped_gemm(const fp8_gemm_args& args, int experts, int m_tiles, cudaStream_t stream);

// Dense y[m][n] = x·W^T through cuBLASLt (plans cached per shape).
class fp8_cublaslt_gemm {
 public:
  fp8_cublaslt_gemm();
  fp8_cublaslt_gemm(const fp8_cublaslt_gemm&) = delete;
  fp8_cublaslt_gemm& operator=(const fp8_cublaslt_gemm&) = delete;
  ~fp8_cublaslt_gemm();

  // xs must use scale_stride == m. Throws cublas_error when cuBLASLt has no algorithm.
  void run(const std::uint8_t* xq, const float* xs, const std::uint8_t* w, const float* ws, __nv_bfloat16* y, int m,
           int n, int k, cudaStream_t stream);

 private:
  struct plan;
  const plan& plan_for(int m, int n, int k);

  cublasLtHandle_t handle_ = nullptr;
  void* workspace_ = nullptr;
  std::size_t workspace_bytes_ = std::size_t{32} << 20;
  void* padded_scales_ = nullptr;  // weight scales with K/128 padded to a multiple of 4
  std::size_t padded_bytes_ = 0;
  std::map<std::tuple<int, int, int>, plan*> plans_;
};

}  // namespace moeserve::gpu
