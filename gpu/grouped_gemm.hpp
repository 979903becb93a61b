#pragma once
// Grouped expert GEMM, steps 4 and 6 of the MoE layer: for every expert e,
//
//   y[r][:] = x[r][:] · W_e^T       for the rows r in [offsets[e], offsets[e+1])
//
//   x [rows][K] bf16 (rows grouped by expert, moe_permute.hpp)   W_e [N][K]   y [rows][N] bf16
//
// One interface for every weight format; a format's kernels sit behind it, chosen per
// call by `choose_grouped_gemm_plan`. To add a format, add a weight_format value, its
// device layout in expert_weights' comment, a path, and a case in grouped_gemm_runner::run:
// callers (the MoE layer, benchmarks) need no change.
//
// Paths:
//   cublas_bf16        bf16 weights: cuBLAS cublasGemmBatchedEx, one batched call per
//                      distinct row count ("bucket"); see grouped_gemm_bf16.hpp for why.
//                      Needs the offsets on the host.
//   wint_small_m       wint8/wint4/wint2: our Marlin-style kernels (wint_gemm.hpp,
//                      wint2_gemm.hpp, the latter decoding CCQ codes in registers): fragment-
//                      ordered weights, cp.async pipeline, dequantisation in registers,
//                      mma.sync m16n8k16 bf16. Reads the offsets on the device: no host
//                      sync, so it can be captured in a CUDA graph.
//   wint_dequant_bf16  wint8/wint4, many rows per expert: dequantise the active experts
//                      to bf16 in a bounded workspace, chunk by chunk, then cublas_bf16.
//                      Needs the offsets on the host. (wint2 has no such path: its
//                      small-M kernel takes any row count, in passes of 64 rows.)
//   fp8_small_m        block_fp8: quantize the activations (fp8_gemm.hpp), then our
//                      mma.sync e4m3 kernel with the block scales applied in the K loop.
//                      Device offsets, no host sync, any row count.
//   fp8_cublaslt       block_fp8, dense problems (no offsets) with many rows: quantize,
//                      then cuBLASLt's block-scaled FP8 GEMM (fp8_gemm.hpp). cuBLASLt's
//                      heuristic refused M = 129 on an H100 and took 200 and 256, so rows
//                      % 8 != 0 (or offsets given) run fp8_small_m with m_tiles 4 instead.
//
// Streams: everything runs on the `stream` given to run(); the runner's cuBLAS handle is
// re-bound to it on every call. A runner is not thread-safe: one per stream/thread.
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <memory>
#include <string>

namespace moeserve::gpu {

class fp8_cublaslt_gemm;

enum class weight_format { bf16, wint8, wint4, block_fp8, wint2 };

const char* to_string(weight_format f);

// All experts' weights of one projection, in device memory, in the layout the kernels
// read (a backend layout: wint_repack.hpp turns quant/'s canonical layout into it).
//   bf16:   data = bf16 [E][N][K] row-major, scales unused.
//   wint8:  data = wint_repack.hpp's fragment order, 1 byte per weight;
//           scales = fp32 [E][N] (W ≈ q · scale[n]).
//   wint4:  data = fragment order, 4 bits per weight;
//           group_size 0: scales = fp32 [E][N];
//           group_size 64 or 128: scales = bf16 [E][K/G][N] (transposed from the canonical
//           [N][K/G] so that a k-group's scales of 64 adjacent channels are one 128-byte line).
//   block_fp8: data = e4m3 [E][N][K] (canonical, quant/block_fp8.hpp);
//           scales = fp32 [E][ceil(N/128)][K/128].
//   wint2:  data and scales as wint2_gemm.hpp's repack_wint2 writes them (codes in
//           fragment order; code_scale, code_zp, bf16 group scales in one buffer).
struct expert_weights {
  weight_format format = weight_format::bf16;
  int experts = 0, n = 0, k = 0;
  int group_size = 0;
  const void* data = nullptr;
  const void* scales = nullptr;

  bool empty() const noexcept { return data == nullptr; }
  std::size_t weight_bytes_per_expert() const noexcept;  // weights + scales
};

struct grouped_gemm_problem {
  const __nv_bfloat16* x = nullptr;  // [rows][K]
  __nv_bfloat16* y = nullptr;        // [rows][N]
  int rows = 0;                      // total rows over all experts (host-known)
  // Device [E+1]; nullptr means one expert (E must be 1) owning all `rows` (dense MLP).
  const int* offsets = nullptr;
  // Host copy of offsets, or nullptr when the caller has not synchronised for it.
  const int* host_offsets = nullptr;
};

enum class grouped_gemm_path { cublas_bf16, wint_small_m, wint_dequant_bf16, fp8_small_m, fp8_cublaslt };

const char* to_string(grouped_gemm_path p);

struct grouped_gemm_plan {
  grouped_gemm_path path = grouped_gemm_path::cublas_bf16;
  int m_tiles = 1;  // small-M paths: rows per block pass = 16 · m_tiles (1, 2 or 4)
  int splits = 1;   // wint_small_m: slices of K per strip (split-K, wint_split_k.cuh), 1..8
  bool few_rows = false;  // wint_small_m, m_tiles 1, wint4/wint2: the 8-row deep-pipeline variant
};

// Rows per expert past which the dequantise-then-cuBLAS path wins over the small-M kernel
// (a guess to be refined by the benchmark: the small-M kernel re-reads a tile's weights
// once per 64 rows, so from here on its weight traffic exceeds the bf16 copy's).
inline constexpr int wint_small_m_max_rows = 192;
// Rows of a dense block_fp8 GEMM from which cuBLASLt takes over from fp8_small_m.
inline constexpr int fp8_cublaslt_min_rows = 128;

// The heuristic. `max_rows` is the most rows any expert has, or -1 when unknown (no host
// offsets): then the expected rows of a touched expert stand in. fp8_cublaslt is chosen
// only for one expert (the caller passes no offsets then; with offsets run() falls back
// to fp8_small_m).
// wint_small_m in the few-rows regime: when N/64 strips × the expected active experts
// (min(E, rows), less the collisions of uniform routing) fills less than one wave of
// resident blocks (SMs × 2..4 by the format's shared memory), K is split so that the grid
// still fits one wave (floor: measured on an H100, a second wave costs more than the split
// gains), at most wint_max_splits ways (a cluster), at least one k-tile each; only when
// one pass of m-tiles holds the expected rows. The SM count is read once off the current
// device (none: no split), or given. few_rows (the 8-row deep-pipeline variant): group-wise
// wint4 and wint2, up to 10 expected rows, and when split only while the grid stays one wave
// of it (3 blocks per SM); grouped_gemm.cpp gives the measurements.
inline constexpr int wint_max_splits = 8;
grouped_gemm_plan choose_grouped_gemm_plan(const expert_weights& w, int rows, int max_rows);
grouped_gemm_plan choose_grouped_gemm_plan(const expert_weights& w, int rows, int max_rows, int multiprocessors);

// Whether a plan must see the offsets on the host (the caller then copies and syncs).
bool plan_needs_host_offsets(const grouped_gemm_plan& plan);

class grouped_gemm_runner {
 public:
  // dequant_workspace_bytes bounds the bf16 staging buffer of the wint_dequant_bf16 path
  // (allocated on first use).
  explicit grouped_gemm_runner(std::size_t dequant_workspace_bytes = std::size_t{256} << 20);
  grouped_gemm_runner(const grouped_gemm_runner&) = delete;
  grouped_gemm_runner& operator=(const grouped_gemm_runner&) = delete;
  ~grouped_gemm_runner();

  // Runs the plan chosen by the heuristic.
  void run(const expert_weights& w, const grouped_gemm_problem& p, cudaStream_t stream);
  // Runs a given plan (tests and benchmarks compare the paths). Throws std::invalid_argument
  // when the plan does not fit the format or lacks host offsets it needs.
  void run(const expert_weights& w, const grouped_gemm_problem& p, const grouped_gemm_plan& plan, cudaStream_t stream);

  cublasHandle_t cublas();

 private:
  void run_dequant(const expert_weights& w, const grouped_gemm_problem& p, cudaStream_t stream);
  void run_fp8(const expert_weights& w, const grouped_gemm_problem& p, const grouped_gemm_plan& plan,
               cudaStream_t stream);

  cublasHandle_t cublas_ = nullptr;
  void* pointer_arrays_ = nullptr;  // device: A, B, C pointer arrays for the batched calls
  int pointer_capacity_ = 0;        // experts
  void* dequant_ = nullptr;
  std::size_t dequant_bytes_;
  std::size_t dequant_allocated_ = 0;
  // block_fp8: quantized activations (e4m3 [rows][K], then fp32 scales [K/128][rows]).
  void* fp8_x_ = nullptr;
  std::size_t fp8_x_bytes_ = 0;
  std::unique_ptr<fp8_cublaslt_gemm> fp8_lt_;
};

}  // namespace moeserve::gpu
