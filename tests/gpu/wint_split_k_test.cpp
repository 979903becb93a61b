// Split-K of the small-M weight-only kernels (wint_split_k.cuh) for wint8, wint4 (per
// channel, g64, g128) and wint2, against the same CPU references and bound as
// grouped_gemm_test.cpp: several split factors, K-tile counts that the split does not
// divide, experts with 1..16 rows (and one past a pass, the fall-back), poisoned outputs,
// run-to-run bit equality, the dense (no offsets) case, and the heuristic's choice.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "gpu/grouped_gemm.hpp"
#include "gpu/wint_gemm.hpp"
#include "gpu_test_support.hpp"
#include "moe_test_support.hpp"

namespace moeserve::gpu::testing {
namespace {

constexpr double gemm_bound = 1e-2;

const format_case split_formats[] = {{weight_format::wint8, 0},
                                     {weight_format::wint4, 0},
                                     {weight_format::wint4, 64},
                                     {weight_format::wint4, 128},
                                     {weight_format::wint2, 0}};

void check_split(const format_case& f, int n, int k, const std::vector<int>& counts, bool dense, std::mt19937& rng,
                 grouped_gemm_runner& runner) {
  grouped_case c(f, n, k, counts, rng);
  const auto ref = c.reference();
  const int rows = c.rows;
  const device_weights& w = c.w;
  device_array<std::uint16_t>& d_y = c.d_y;
  // m_tiles 0 stands for m_tiles 1 with the few-rows variant (8 rows, deep pipeline).
  for (const int tiles : {0, 1, 2, 4}) {
    const bool few_rows = tiles == 0;
    const int m_tiles = few_rows ? 1 : tiles;
    if (few_rows && f.format == weight_format::wint8) continue;
    if (!wint_gemm_supports(w.view, m_tiles)) continue;
    for (const int splits : {2, 3, 4, 7}) {
      SCOPED_TRACE(std::string(to_string(f.format)) + " g" + std::to_string(f.group_size) + " m_tiles=" +
                   std::to_string(m_tiles) + (few_rows ? " few_rows" : "") + " splits=" + std::to_string(splits) +
                   " n=" + std::to_string(n) + " k=" + std::to_string(k) + (dense ? " dense" : ""));
      const grouped_gemm_problem p = c.problem(!dense);
      const grouped_gemm_plan plan{grouped_gemm_path::wint_small_m, m_tiles, splits, few_rows};
      d_y.poison();
      runner.run(w.view, p, plan, nullptr);
      const auto first = d_y.download();
      const double err = relative_error(from_bf16(first), ref);
      std::printf("split-k %-5s g%-3d m_tiles=%d%s splits=%d n=%d k=%d rows=%d%s: rel err %.2e\n", to_string(f.format),
                  f.group_size, m_tiles, few_rows ? " few_rows" : "", splits, n, k, rows, dense ? " dense" : "", err);
      EXPECT_LE(err, gemm_bound);
      d_y.poison();
      runner.run(w.view, p, plan, nullptr);
      EXPECT_EQ(d_y.download(), first) << "split-K result differs between runs";
    }
  }
}

TEST(WintSplitK, MatchesTheReferenceForEverySplit) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  std::mt19937 rng(std::random_device{}());
  grouped_gemm_runner runner;
  // Rows 1..16 per expert, empty experts, and one expert past a 16-row pass (17: split 0
  // of that expert runs unsplit for m_tiles = 1). K = 1280: 5 k-tiles of 256 / 10 of 128,
  // which 2, 3, 4 and 7 do not all divide; K = 768: 3 / 6 k-tiles.
  const std::vector<int> counts = {1, 0, 16, 2, 0, 7, 3, 17, 0, 5};
  for (const auto& f : split_formats) check_split(f, 192, 1280, counts, false, rng, runner);
  std::vector<int> decode(32, 0);
  decode[1] = 1;
  decode[9] = 1;
  decode[30] = 1;
  decode[31] = 1;
  for (const auto& f : split_formats) check_split(f, 128, 768, decode, false, rng, runner);
  for (const auto& f : split_formats) check_split(f, 64, 512, {9}, true, rng, runner);
}

TEST(WintSplitK, HeuristicSplitsOnlyTheFewRowsRegime) {
  expert_weights w;
  w.format = weight_format::wint4;
  w.experts = 128;
  w.n = 1536;
  w.k = 2048;
  w.data = &w;
  const grouped_gemm_plan one_token = choose_grouped_gemm_plan(w, 8, -1, 132);
  EXPECT_EQ(one_token.path, grouped_gemm_path::wint_small_m);
  EXPECT_GT(one_token.splits, 1);
  EXPECT_LE(one_token.splits, wint_max_splits);
  EXPECT_FALSE(one_token.few_rows);  // per-channel wint4: the 16-row kernel (measured)
  w.group_size = 128;
  EXPECT_TRUE(choose_grouped_gemm_plan(w, 8, -1, 132).few_rows);  // the 8-row deep-pipeline variant
  EXPECT_TRUE(choose_grouped_gemm_plan(w, 64, -1, 132).few_rows);
  EXPECT_FALSE(choose_grouped_gemm_plan(w, 128 * 64, -1, 132).few_rows);  // many rows: never
  EXPECT_FALSE(choose_grouped_gemm_plan(w, 8, -1, 0).few_rows);           // no device known
  EXPECT_FALSE(choose_grouped_gemm_plan(w, 128 * 16, -1, 132).few_rows);  // mean 16 rows: m_tiles 2+
  w.group_size = 0;
  EXPECT_EQ(choose_grouped_gemm_plan(w, 8, -1, 0).splits, 1);           // no device known
  EXPECT_EQ(choose_grouped_gemm_plan(w, 128 * 64, -1, 132).splits, 1);  // many rows
  w.k = 768;  // 3 k-tiles: never more splits than k-tiles
  EXPECT_LE(choose_grouped_gemm_plan(w, 8, -1, 132).splits, 3);
  w.format = weight_format::wint2;
  w.k = 2048;
  EXPECT_GT(choose_grouped_gemm_plan(w, 8, -1, 132).splits, 1);
  EXPECT_TRUE(choose_grouped_gemm_plan(w, 8, -1, 132).few_rows);
  w.n = 2048;  // split 2 of 256 blocks: past one wave of the few-rows variant
  w.k = 768;
  EXPECT_FALSE(choose_grouped_gemm_plan(w, 8, -1, 132).few_rows);
  w.format = weight_format::wint8;  // its stages would not fit: no few-rows variant
  EXPECT_FALSE(choose_grouped_gemm_plan(w, 8, -1, 132).few_rows);
}

}  // namespace
}  // namespace moeserve::gpu::testing
