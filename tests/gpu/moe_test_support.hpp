#pragma once
// CPU references and helpers shared by the MoE kernel tests: host bf16, random data,
// device weights of every format made from quant/'s canonical layouts (quant/'s quantizers
// and dequantizers are the references: the GPU repacks must consume exactly what they
// write), device upload/download with poisoning, and the error measure
// ||out - ref|| / ||ref|| (which NaN never passes).
#include <cuda_bf16.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "gpu/cuda_check.hpp"
#include "gpu/grouped_gemm.hpp"
#include "gpu/moe_routing.hpp"
#include "quant/block_fp8.hpp"

namespace moeserve::gpu::testing {

// --- bf16 on the host (round to nearest even; inputs here are finite) -----------------
std::uint16_t to_bf16_bits(float f);
float from_bf16_bits(std::uint16_t b);
inline float round_bf16(float f) { return from_bf16_bits(to_bf16_bits(f)); }

std::vector<std::uint16_t> to_bf16(const std::vector<float>& v);
std::vector<float> from_bf16(const std::vector<std::uint16_t>& v);
// Uniform values in [lo, hi) already rounded to bf16 (so that host and device see the same).
std::vector<float> random_bf16_values(std::size_t n, float lo, float hi, std::mt19937& rng);

// --- relative error -------------------------------------------------------------------
// ||out - ref||_2 / ||ref||_2; +inf when out holds a NaN or an infinity.
double relative_error(const std::vector<float>& out, const std::vector<float>& ref);

// --- device memory ------------------------------------------------------------------------
template <typename T>
class device_array {
 public:
  explicit device_array(std::size_t count) : count_(count) {
    void* p = nullptr;
    MOESERVE_CUDA_CHECK(cudaMalloc(&p, std::max<std::size_t>(count, 1) * sizeof(T)));
    ptr_ = static_cast<T*>(p);
  }
  explicit device_array(const std::vector<T>& host) : device_array(host.size()) { upload(host); }
  device_array(const device_array&) = delete;
  device_array& operator=(const device_array&) = delete;
  ~device_array() { cudaFree(ptr_); }
  T* get() const noexcept { return ptr_; }
  std::size_t size() const noexcept { return count_; }
  void upload(const std::vector<T>& host) {
    MOESERVE_CUDA_CHECK(cudaMemcpy(ptr_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  std::vector<T> download() const {
    MOESERVE_CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<T> host(count_);
    MOESERVE_CUDA_CHECK(cudaMemcpy(host.data(), ptr_, count_ * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }
  // Every byte 0xFF: NaN as bf16 and fp32, -1 as int: an unwritten output shows.
  void poison() { MOESERVE_CUDA_CHECK(cudaMemset(ptr_, 0xFF, count_ * sizeof(T))); }

 private:
  T* ptr_ = nullptr;
  std::size_t count_;
};

inline const __nv_bfloat16* as_bf16(const device_array<std::uint16_t>& a) {
  return reinterpret_cast<const __nv_bfloat16*>(a.get());
}
inline __nv_bfloat16* as_bf16_mut(device_array<std::uint16_t>& a) { return reinterpret_cast<__nv_bfloat16*>(a.get()); }

// --- routing reference ------------------------------------------------------------------
struct routing {
  std::vector<int> ids;        // [T][k]
  std::vector<float> weights;  // [T][k]
  std::vector<float> scores;   // [T][E]: the selection scores (prob + bias)
  std::vector<float> probs;    // [T][E]
};
routing reference_route(const std::vector<float>& logits, int tokens, const router_config& config,
                        const std::vector<float>& bias);

// k distinct experts per token, uniformly at random.
std::vector<int> random_topk_ids(int tokens, int experts, int top_k, std::mt19937& rng);

// y[r][n] = Σ_k x[r][k] · W_{e(r)}[n][k] in double, rows grouped by `offsets` ([E+1]).
std::vector<float> reference_grouped_gemm(const std::vector<float>& x, const std::vector<float>& w,
                                          const std::vector<int>& offsets, int n, int k);

// Offsets [E+1] of sorted rows for the given per-expert counts.
std::vector<int> offsets_from_counts(const std::vector<int>& counts);

// --- device weights of any format, with the fp32 weights they stand for --------------------
struct format_case {
  weight_format format;
  int group_size;
};

struct device_weights {
  expert_weights view;
  std::vector<float> reference;              // [E][N][K]: quant/'s dequantization of what was uploaded
  std::vector<quant::fp8_block_weight> fp8;  // block_fp8: the canonical weights per expert
  std::unique_ptr<device_array<std::uint8_t>> data;
  std::unique_ptr<device_array<std::uint8_t>> scales;
};

// Random weights quantized by quant/ (wint8, wint4: quantize_*; block_fp8:
// quantize_fp8_block_weight; wint2: random codes, code lines and scales in quant/'s
// wint2_weight layout, since the CCQ encoder is too slow for tests), repacked for the
// device (wint_repack.hpp, wint2_gemm.hpp; block_fp8 is uploaded as is).
device_weights make_weights(const format_case& f, int experts, int n, int k, std::mt19937& rng);

// --- one grouped GEMM test problem --------------------------------------------------------
// Experts with the given row counts: offsets, weights (make_weights), activations x (rows
// × k, from make_x; default: random bf16 values in [-1, 1)), in that order from rng, and
// their device copies: x, an output y of rows × n (not poisoned) and the offsets.
struct grouped_case {
  using x_maker = std::function<std::vector<float>(int rows, int k, std::mt19937& rng)>;
  grouped_case(const format_case& f, int n, int k, const std::vector<int>& counts, std::mt19937& rng,
               const x_maker& make_x = {});
  grouped_case(const grouped_case&) = delete;
  grouped_case& operator=(const grouped_case&) = delete;

  // The double-precision reference of y (reference_grouped_gemm over w.reference).
  std::vector<float> reference() const;
  // The problem on d_x/d_y, with the device and host offsets or (with_offsets false) as a
  // dense one without.
  grouped_gemm_problem problem(bool with_offsets);

  int n, k;
  std::vector<int> offsets;  // [E+1]
  int rows;
  device_weights w;
  std::vector<float> x;
  device_array<std::uint16_t> d_x, d_y;
  device_array<int> d_offsets;
};

}  // namespace moeserve::gpu::testing
