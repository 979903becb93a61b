#pragma once
// Device-only wrappers of the sm_80+ instructions our hand-written GEMMs use: cp.async
// (global -> shared, 16 or 4 bytes, optional zero fill), ldmatrix, mma.sync m16n8k16 with
// bf16 inputs and mma.sync m16n8k32 with e4m3 inputs (sm_89+), fp32 accumulators.
//
// mma.sync.m16n8k16 fragments, per lane (g = lane / 4, t = lane % 4):
//   A 16x16 (row-major, 4 regs of bf16x2): a0 (g, 2t..2t+1)   a1 (g+8, 2t..)
//                                          a2 (g, 2t+8..)     a3 (g+8, 2t+8..)
//   B 16x8  (k x n, 2 regs):               b0 (k 2t..2t+1, n g)   b1 (k 2t+8..2t+9, n g)
//   C 16x8  (fp32, 4 regs):                c0,c1 (g, 2t..2t+1)    c2,c3 (g+8, 2t..2t+1)
//
// mma.sync.m16n8k32 e4m3 (4 bytes per register, low byte = lowest k):
//   A 16x32: a0 (g, 4t..4t+3)  a1 (g+8, 4t..)  a2 (g, 16+4t..)  a3 (g+8, 16+4t..)
//   B 32x8:  b0 (k 4t..4t+3, n g)   b1 (k 16+4t..16+4t+3, n g)
//   C as above. ldmatrix (b16, 8x8) on byte rows delivers exactly these: lane 4g+t gets
//   bytes 4t..4t+3 of row g of each 8-row x 16-byte matrix.
#include <cuda_bf16.h>

#include <cstdint>

namespace moeserve::gpu::detail {

__device__ inline std::uint32_t smem_address(const void* p) {
  return static_cast<std::uint32_t>(__cvta_generic_to_shared(p));
}

// Copies 16 bytes, or writes 16 zero bytes when !valid (src is then not read).
__device__ inline void cp_async16(void* smem, const void* gmem, bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_address(smem)), "l"(gmem),
               "r"(valid ? 16 : 0));
}

// 4 bytes through L1 (.ca), or 4 zero bytes when !valid.
__device__ inline void cp_async4(void* smem, const void* gmem, bool valid) {
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(smem_address(smem)), "l"(gmem),
               "r"(valid ? 4 : 0));
}

__device__ inline void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }

template <int pending>
__device__ inline void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(pending));
}

__device__ inline void ldmatrix_x4(std::uint32_t (&r)[4], const void* smem) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_address(smem)));
}

__device__ inline void mma_bf16_16816(float (&d)[4], const std::uint32_t (&a)[4], std::uint32_t b0, std::uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ inline void mma_e4m3_16832(float (&d)[4], const std::uint32_t (&a)[4], std::uint32_t b0, std::uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// d = a * b + c on bf16x2 registers, one rounding.
__device__ inline std::uint32_t bf16x2_fma(std::uint32_t a, std::uint32_t b, std::uint32_t c) {
  std::uint32_t d;
  asm("fma.rn.bf16x2 %0, %1, %2, %3;\n" : "=r"(d) : "r"(a), "r"(b), "r"(c));
  return d;
}

// (x & Mask) | Bits as one lop3 (0xEA = (a & b) | c). Written out because the compiler,
// given two immediates, emits two LOP3s (SASS takes one immediate per LOP3); here it keeps
// one constant in a register across the loop instead, one instruction per decoded pair.
template <std::uint32_t Mask, std::uint32_t Bits>
__device__ inline std::uint32_t and_or(std::uint32_t x) {
  std::uint32_t d;
  asm("lop3.b32 %0, %1, %2, %3, 0xEA;\n" : "=r"(d) : "r"(x), "n"(Mask), "n"(Bits));
  return d;
}

}  // namespace moeserve::gpu::detail
