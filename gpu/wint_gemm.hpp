#pragma once
// The small-M weight-only grouped GEMM (W8A16, W4A16) in the Marlin style, and the
// dequantisation used by the large-M path. Called through grouped_gemm_runner; these are
// its per-format entry points.
//
// Work split: block (nt, e) computes the 64-column strip nt of expert e for all of e's
// rows, 16·m_tiles rows per pass (more rows: another pass over the same weights).
//
//    K ──────────────────────────────────────────────►
//   ┌───────── stage 0 ──────────┬── stage 1 ──┬ ...      a stage = BK of K (256 when
//   │ warp0 │ warp1 │ warp2 │ warp3│                       m_tiles = 1, else 128), loaded
//   └───────┴───────┴───────┴──────┴─────────────┘        with cp.async, 4 stages in flight
//   each warp takes a quarter of the stage's k16 units for all 64 columns (8 n8-tiles)
//   and all rows (m_tiles m16-tiles); the 4 partial sums meet in shared memory at the end.
//
// Per k16 unit a warp: ldmatrix the activations (A), one 16-byte shared load of weights
// per lane (two for int8) that is already in B-fragment order (wint_repack.hpp), dequantise
// in registers to bf16 (int4: mask|0x4300, minus 136; int8: byte into an fp32 mantissa,
// minus 2^23+128), group-wise scales multiplied in as bf16x2, then mma.sync m16n8k16.
// Per-channel scales multiply the fp32 sums once, at the end. Weights are read once
// (cp.async.cg, bypassing L1); the activations, re-read by every strip, come from L2.
//
// Block  = 128 threads. Grid = (N/64, E): block row y takes expert y and exits at once
// when it has no rows (the counts come from the device offsets: no host sync). A compacted
// grid (block rows = experts that have rows, looked up by one warp) was measured on an H100:
// it saved ~2.5 us at one token of Qwen3-30B-A3B but cost 5-10% from 8 tokens on, so the
// plain grid stays; a list of active experts written by the permutation would do better.
// Few rows (decode): split-K and a compacted grid (wint_split_k.cuh) add blocks, each a
// slice of K, reduced deterministically in the same kernel; grouped_gemm's heuristic picks
// the split from the active experts and the SM count.
// Requirements: N % 64 == 0, K % 128 == 0 (K % 256 == 0 for m_tiles = 1),
// group_size 64 or 128 for group-wise wint4, rows 16-byte aligned (K % 8 == 0).
#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include "gpu/grouped_gemm.hpp"

namespace moeserve::gpu {

// Plain arguments shared by the kernels of every format.
struct wint_gemm_args {
  const __nv_bfloat16* x = nullptr;
  __nv_bfloat16* y = nullptr;
  const int* offsets = nullptr;  // device [E+1], or nullptr: one expert with dense_rows rows
  int dense_rows = 0;
  const unsigned char* weights = nullptr;
  const void* scales = nullptr;
  int n = 0, k = 0, group_size = 0;
  int experts = 0;  // E (set by the launchers from their `experts` argument)
  // Few-rows regime (wint_split_k.cuh): grid.z = splits slices of K (1..8), reduced within
  // a thread-block cluster; with splits > 1, grid.y = slots when > 0 (block row y takes the
  // y-th expert that has rows, a compacted grid; needs offsets). Unsplit launches ignore it.
  int slots = 0;
  int splits = 1;
  // m_tiles = 1 only, wint4 and wint2: the few-rows variant (8 rows per pass, more
  // cp.async stages in the same shared memory; wint_gemm_kernel.cuh). Any row count is
  // correct (more rows: more passes); the heuristic takes it for up to 10 expected rows.
  bool few_rows = false;
};

void wint8_gemm(const wint_gemm_args& args, int experts, int m_tiles, cudaStream_t stream);
void wint4_gemm(const wint_gemm_args& args, int experts, int m_tiles, cudaStream_t stream);
void wint4_grouped_gemm(const wint_gemm_args& args, int experts, int m_tiles, cudaStream_t stream);

// Whether the small-M kernel takes this shape with this many m-tiles.
bool wint_gemm_supports(const expert_weights& w, int m_tiles);

// Dequantises experts [e_begin, e_end) to bf16 W[N][K] row-major, expert e at
// out + (e - e_begin)·N·K. With offsets (device [E+1]) given, experts without rows are
// skipped (their slot is left as it was). Values: bf16(q · scale), rounded once.
void wint_dequantize(const expert_weights& w, int e_begin, int e_end, const int* offsets, __nv_bfloat16* out,
                     cudaStream_t stream);

}  // namespace moeserve::gpu
