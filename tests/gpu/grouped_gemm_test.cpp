// Grouped expert GEMMs, every format and path, against a double-precision CPU GEMM over
// the same weights as quant/ dequantizes them. Inputs are bf16 values, outputs bf16; bound
// ||out - ref|| / ||ref|| <= 1e-2 for the weight-only formats (fp32 accumulation; the
// error is the output's bf16 rounding, plus, for group-wise wint4 and wint2, the bf16
// rounding of the scaled weight that the kernel multiplies in); block_fp8 also quantizes
// the activations to e4m3 (per element up to 2^-4 relative), bound 5e-2 here, while
// fp8_gemm_test.cpp holds it to quant/'s FP8 reference GEMM. Measured values are printed.
// Routing covers empty experts, experts with one row, and experts with more rows than one
// pass of the small-M kernel takes (so its multi-pass loop runs).
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "gpu/grouped_gemm.hpp"
#include "gpu/wint_gemm.hpp"
#include "gpu/wint_repack.hpp"
#include "gpu_test_support.hpp"
#include "moe_test_support.hpp"

namespace moeserve::gpu::testing {
namespace {

constexpr double gemm_bound = 1e-2;
constexpr double fp8_vs_bf16_bound = 5e-2;

double bound_for(const format_case& f) { return f.format == weight_format::block_fp8 ? fp8_vs_bf16_bound : gemm_bound; }

std::vector<grouped_gemm_plan> plans_for(const format_case& f) {
  if (f.format == weight_format::bf16) return {{grouped_gemm_path::cublas_bf16, 1}};
  if (f.format == weight_format::block_fp8)
    return {
        {grouped_gemm_path::fp8_small_m, 1}, {grouped_gemm_path::fp8_small_m, 2}, {grouped_gemm_path::fp8_small_m, 4}};
  // {wint_small_m, 1, 1, true}: the 8-row deep-pipeline variant (wint4, wint2), here with
  // experts of 17..130 rows too (many passes).
  if (f.format == weight_format::wint2)
    return {{grouped_gemm_path::wint_small_m, 1},
            {grouped_gemm_path::wint_small_m, 1, 1, true},
            {grouped_gemm_path::wint_small_m, 2},
            {grouped_gemm_path::wint_small_m, 4}};
  if (f.format == weight_format::wint4)
    return {{grouped_gemm_path::wint_small_m, 1},
            {grouped_gemm_path::wint_small_m, 1, 1, true},
            {grouped_gemm_path::wint_small_m, 2},
            {grouped_gemm_path::wint_small_m, 4},
            {grouped_gemm_path::wint_dequant_bf16, 1}};
  return {{grouped_gemm_path::wint_small_m, 1},
          {grouped_gemm_path::wint_small_m, 2},
          {grouped_gemm_path::wint_small_m, 4},
          {grouped_gemm_path::wint_dequant_bf16, 1}};
}

void check_grouped(const format_case& f, int n, int k, const std::vector<int>& counts, std::mt19937& rng,
                   grouped_gemm_runner& runner) {
  grouped_case c(f, n, k, counts, rng);
  const auto ref = c.reference();
  const int rows = c.rows;
  const device_weights& w = c.w;
  for (const auto& plan : plans_for(f)) {
    SCOPED_TRACE(std::string(to_string(f.format)) + " g" + std::to_string(f.group_size) + " " + to_string(plan.path) +
                 " m_tiles=" + std::to_string(plan.m_tiles) + (plan.few_rows ? " few_rows" : "") +
                 " n=" + std::to_string(n) + " k=" + std::to_string(k));
    if (plan.path == grouped_gemm_path::wint_small_m && !wint_gemm_supports(w.view, plan.m_tiles)) continue;
    c.d_y.poison();
    runner.run(w.view, c.problem(true), plan, nullptr);
    const double err = relative_error(from_bf16(c.d_y.download()), ref);
    std::printf("grouped gemm %-5s g%-3d %-17s m_tiles=%d%s n=%d k=%d rows=%d: rel err %.2e\n", to_string(f.format),
                f.group_size, to_string(plan.path), plan.m_tiles, plan.few_rows ? " few_rows" : "", n, k, rows, err);
    EXPECT_LE(err, bound_for(f));
  }
}

const format_case all_formats[] = {
    {weight_format::bf16, 0},    {weight_format::wint8, 0},     {weight_format::wint4, 0}, {weight_format::wint4, 64},
    {weight_format::wint4, 128}, {weight_format::block_fp8, 0}, {weight_format::wint2, 0}};

TEST(GroupedGemm, EveryFormatAndPathMatchesTheReference) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  std::mt19937 rng(std::random_device{}());
  grouped_gemm_runner runner(std::size_t{256} << 10);  // small staging: the dequant path runs in chunks
  // empty, single-row, 16+1, 64+ (two passes of m_tiles=4), and a large expert
  const std::vector<int> counts = {0, 1, 3, 17, 0, 70, 2, 130};
  for (const auto& f : all_formats) check_grouped(f, 128, 512, counts, rng, runner);
  for (const auto& f : all_formats) check_grouped(f, 192, 384, {5, 0, 33, 1}, rng, runner);  // K % 256 != 0
  // Decode-sized: few rows over many experts, most of them empty.
  std::vector<int> sparse(64, 0);
  sparse[3] = 1;
  sparse[40] = 2;
  sparse[63] = 1;
  for (const auto& f : all_formats) check_grouped(f, 128, 256, sparse, rng, runner);
}

TEST(GroupedGemm, DenseProblemWithoutOffsets) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  std::mt19937 rng(std::random_device{}());
  grouped_gemm_runner runner;
  for (const auto& f : all_formats) {
    const int n = 256, k = 512, rows = 21;
    grouped_case c(f, n, k, {rows}, rng);
    const auto ref = c.reference();
    c.d_y.poison();
    runner.run(c.w.view, c.problem(false), nullptr);  // heuristic plan, no offsets at all
    EXPECT_LE(relative_error(from_bf16(c.d_y.download()), ref), bound_for(f)) << to_string(f.format) << f.group_size;
  }
}

TEST(GroupedGemm, DequantizeOfTheRepackedLayoutIsBitExact) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  std::mt19937 rng(std::random_device{}());
  for (const auto& f : all_formats) {
    if (f.format != weight_format::wint8 && f.format != weight_format::wint4) continue;
    const int experts = 3, n = 128, k = 256;
    const device_weights w = make_weights(f, experts, n, k, rng);
    device_array<std::uint16_t> out(static_cast<std::size_t>(experts) * n * k);
    out.poison();
    wint_dequantize(w.view, 0, experts, nullptr, as_bf16_mut(out), nullptr);
    const auto got = out.download();
    for (std::size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i], to_bf16_bits(w.reference[i])) << to_string(f.format) << " g" << f.group_size << " at " << i;
    }
  }
}

TEST(GroupedGemm, HeuristicPicksSmallMForFewRowsAndDequantForMany) {
  expert_weights w;
  w.format = weight_format::wint4;
  w.experts = 128;
  w.n = 1536;
  w.k = 2048;
  w.data = &w;
  EXPECT_EQ(choose_grouped_gemm_plan(w, 8, -1).path, grouped_gemm_path::wint_small_m);
  EXPECT_EQ(choose_grouped_gemm_plan(w, 8, -1).m_tiles, 1);
  EXPECT_EQ(choose_grouped_gemm_plan(w, 4096, -1).m_tiles, 4);
  EXPECT_EQ(choose_grouped_gemm_plan(w, 128 * 1000, -1).path, grouped_gemm_path::wint_dequant_bf16);
  EXPECT_FALSE(plan_needs_host_offsets(choose_grouped_gemm_plan(w, 64, -1)));
  w.format = weight_format::wint2;
  EXPECT_EQ(choose_grouped_gemm_plan(w, 128 * 1000, -1).path, grouped_gemm_path::wint_small_m);
  w.format = weight_format::block_fp8;
  EXPECT_EQ(choose_grouped_gemm_plan(w, 8, -1).path, grouped_gemm_path::fp8_small_m);
  EXPECT_FALSE(plan_needs_host_offsets(choose_grouped_gemm_plan(w, 4096, -1)));
  w.experts = 1;
  EXPECT_EQ(choose_grouped_gemm_plan(w, 4096, 4096).path, grouped_gemm_path::fp8_cublaslt);
  w.format = weight_format::bf16;
  EXPECT_TRUE(plan_needs_host_offsets(choose_grouped_gemm_plan(w, 64, -1)));
}

}  // namespace
}  // namespace moeserve::gpu::testing
