// moe_build_permutation and moe_gather_rows: exact counts and offsets, every slot in its
// expert's range exactly once, row_to_token consistent, gathered rows bit-exact.
#include <gtest/gtest.h>

#include <random>

#include "gpu/moe_permute.hpp"
#include "gpu_test_support.hpp"
#include "moe_test_support.hpp"

namespace moeserve::gpu::testing {
namespace {

void check_permutation(int tokens, int experts, int top_k, int hidden, std::mt19937& rng) {
  SCOPED_TRACE("tokens=" + std::to_string(tokens) + " experts=" + std::to_string(experts));
  const auto ids = random_topk_ids(tokens, experts, top_k, rng);
  const int rows = tokens * top_k;
  const auto x = to_bf16(random_bf16_values(static_cast<std::size_t>(tokens) * hidden, -1, 1, rng));
  device_array<int> d_ids(ids), d_offsets(experts + 1), d_slot_to_row(rows), d_row_to_token(rows);
  device_array<std::uint16_t> d_x(x), d_perm(static_cast<std::size_t>(rows) * hidden);
  d_offsets.poison();
  d_slot_to_row.poison();
  d_row_to_token.poison();
  d_perm.poison();
  moe_build_permutation(d_ids.get(), tokens, top_k, experts, d_offsets.get(), d_slot_to_row.get(), d_row_to_token.get(),
                        nullptr);
  moe_gather_rows(as_bf16(d_x), d_row_to_token.get(), rows, hidden, as_bf16_mut(d_perm), nullptr);
  const auto offsets = d_offsets.download();
  const auto slot_to_row = d_slot_to_row.download();
  const auto row_to_token = d_row_to_token.download();
  const auto perm = d_perm.download();

  std::vector<int> counts(experts, 0);
  for (int id : ids) ++counts[id];
  ASSERT_EQ(offsets, offsets_from_counts(counts));
  std::vector<int> hits(rows, 0);
  for (int s = 0; s < rows; ++s) {
    const int r = slot_to_row[s], e = ids[s];
    ASSERT_GE(r, offsets[e]) << "slot " << s;
    ASSERT_LT(r, offsets[e + 1]) << "slot " << s;
    ++hits[r];
    ASSERT_EQ(row_to_token[r], s / top_k);
    for (int h = 0; h < hidden; ++h) {
      ASSERT_EQ(perm[static_cast<std::size_t>(r) * hidden + h], x[static_cast<std::size_t>(s / top_k) * hidden + h]);
    }
  }
  for (int r = 0; r < rows; ++r) ASSERT_EQ(hits[r], 1) << "row " << r;
}

TEST(MoePermute, GroupsEverySlotByExpertAndGathersItsRow) {
  MOESERVE_REQUIRE_CUDA_DEVICE();
  std::mt19937 rng(std::random_device{}());
  check_permutation(1, 128, 8, 2048, rng);
  check_permutation(37, 128, 8, 256, rng);
  check_permutation(512, 128, 8, 64, rng);
  check_permutation(300, 64, 6, 2560, rng);
  check_permutation(3000, 1024, 4, 8, rng);  // more slots than threads, the most experts
}

TEST(MoePermute, RejectsUnsupportedSizes) {
  EXPECT_THROW(moe_build_permutation(nullptr, 1, 1, 2000, nullptr, nullptr, nullptr, nullptr), std::invalid_argument);
  EXPECT_THROW(moe_gather_rows(nullptr, nullptr, 1, 12, nullptr, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace moeserve::gpu::testing
