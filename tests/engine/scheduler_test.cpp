// scheduler: exact plans (tokens, positions, slots, block ids, logit rows) for chunked
// prefill, decodes before prompts, prefix-cache hits, preemption when blocks run out,
// stop ids / max_tokens / aborts freeing blocks, admission limits and bad requests.
#include "engine/scheduler.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace moeserve::engine {
namespace {

sequence_request request(sequence_id id, int prompt_len, int max_tokens, int first_token = 100) {
  sequence_request r;
  r.id = id;
  r.prompt.resize(static_cast<std::size_t>(prompt_len));
  std::iota(r.prompt.begin(), r.prompt.end(), first_token);
  r.max_tokens = max_tokens;
  r.stop_token_ids = {2};
  return r;
}

// The executor's part: one token per sampling sequence.
step_result sample(const step_plan& plan, std::int32_t token) {
  step_result r;
  r.step = plan.step;
  for (const auto& s : plan.sequences)
    if (s.samples) r.tokens.push_back({s.id, token, -0.5f, {}});
  return r;
}

std::vector<std::int64_t> slots_of(const step_plan& p) { return p.batch.slots; }

TEST(scheduler, prefill_then_decodes_until_max_tokens_with_exact_blocks) {
  block_pool pool(8, 4);
  scheduler s({.max_num_batched_tokens = 16, .max_model_len = 64}, pool);
  s.add(request(1, 10, 3));
  auto plan = s.schedule();
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->batch.tokens.size(), 10u);
  EXPECT_EQ(plan->batch.sequences[0].block_table, (std::vector<std::int32_t>{0, 1, 2}));
  EXPECT_EQ(plan->batch.slots.back(), 9);
  EXPECT_EQ(plan->batch.logit_rows, (std::vector<std::int32_t>{9}));
  EXPECT_TRUE(plan->sequences[0].samples);
  EXPECT_EQ(plan->batch.check(4, 8), "");
  auto events = s.apply(sample(*plan, 50));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].token.token, 50);
  EXPECT_EQ(events[0].finished, finish_reason::none);

  plan = s.schedule();
  EXPECT_EQ(plan->batch.tokens, (std::vector<std::int32_t>{50}));
  EXPECT_EQ(plan->batch.positions, (std::vector<std::int32_t>{10}));
  EXPECT_EQ(slots_of(*plan), (std::vector<std::int64_t>{10}));  // block 2, offset 2
  s.apply(sample(*plan, 51));
  plan = s.schedule();
  EXPECT_EQ(plan->batch.positions, (std::vector<std::int32_t>{11}));
  events = s.apply(sample(*plan, 52));
  EXPECT_EQ(events[0].finished, finish_reason::length);
  EXPECT_EQ(events[0].output_tokens, 3);
  EXPECT_EQ(pool.used_count(), 0);
  EXPECT_FALSE(s.has_work());
  plan = s.schedule();
  EXPECT_FALSE(plan);
  EXPECT_EQ(pool.check_invariants(), "");
}

TEST(scheduler, long_prompt_is_chunked_by_the_token_budget) {
  block_pool pool(8, 4);
  scheduler s({.max_num_batched_tokens = 4, .max_model_len = 64}, pool);
  s.add(request(1, 10, 2));
  std::vector<std::size_t> sizes;
  std::vector<bool> samples;
  for (int i = 0; i < 3; ++i) {
    auto plan = s.schedule();
    sizes.push_back(plan->batch.tokens.size());
    samples.push_back(plan->sequences[0].samples);
    EXPECT_EQ(plan->batch.positions.front(), i * 4);
    s.apply(sample(*plan, 7));
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{4, 4, 2}));
  EXPECT_EQ(samples, (std::vector<bool>{false, false, true}));
}

TEST(scheduler, decodes_go_before_new_prompts) {
  block_pool pool(16, 4);
  scheduler s({.max_num_batched_tokens = 5, .max_model_len = 64}, pool);
  s.add(request(1, 3, 8));
  s.apply(sample(*s.schedule(), 9));
  s.add(request(2, 8, 8));
  const auto plan = s.schedule();
  ASSERT_EQ(plan->sequences.size(), 2u);
  EXPECT_EQ(plan->sequences[0].id, 1u);
  EXPECT_EQ(plan->batch.sequences[0].token_count, 1);
  EXPECT_EQ(plan->sequences[1].id, 2u);
  EXPECT_EQ(plan->batch.sequences[1].token_count, 4);  // the rest of the budget
  EXPECT_FALSE(plan->sequences[1].samples);
  EXPECT_EQ(plan->batch.check(4, 16), "");
}

TEST(scheduler, a_repeated_prompt_reuses_the_cached_full_blocks) {
  block_pool pool(16, 4);
  scheduler s({.max_num_batched_tokens = 64, .max_model_len = 64}, pool);
  s.add(request(1, 9, 1));
  auto plan = s.schedule();
  const auto first_blocks = plan->batch.sequences[0].block_table;
  s.apply(sample(*plan, 5));  // finished (max_tokens 1): blocks 0, 1 stay cached
  EXPECT_EQ(pool.used_count(), 0);
  s.add(request(2, 9, 1));
  plan = s.schedule();
  ASSERT_EQ(plan->batch.tokens.size(), 1u);  // 8 of 9 prompt tokens reused
  EXPECT_EQ(plan->batch.positions, (std::vector<std::int32_t>{8}));
  const auto& table = plan->batch.sequences[0].block_table;
  EXPECT_EQ(std::vector<std::int32_t>(table.begin(), table.begin() + 2),
            std::vector<std::int32_t>(first_blocks.begin(), first_blocks.begin() + 2));
  const auto events = s.apply(sample(*plan, 5));
  EXPECT_EQ(events[0].cached_tokens, 8);
  EXPECT_EQ(s.cache().hit_tokens(), 8);
  EXPECT_EQ(s.cache().query_tokens(), 18);
}

// n = 3 choices of one 10-token prompt (blocks of 4): the first fills the prompt in; the
// other two come in after its first token and recompute only the partial last block.
TEST(scheduler, choices_of_one_prompt_share_its_full_blocks) {
  block_pool pool(16, 4);
  scheduler s({.max_num_batched_tokens = 64, .max_model_len = 64}, pool);
  for (sequence_id id = 1; id <= 3; ++id) {
    auto r = request(id, 10, 3);
    r.prompt_group = 7;
    s.add(std::move(r));
  }
  s.add(request(4, 5, 3, 300));  // another request behind them keeps its place in the queue
  auto plan = s.schedule();
  ASSERT_EQ(plan->sequences.size(), 1u);
  EXPECT_EQ(plan->batch.tokens.size(), 10u);
  const auto shared = plan->batch.sequences[0].block_table;  // blocks 0, 1 full; 2 partial
  s.apply(sample(*plan, 5));
  plan = s.schedule();  // the first decodes; the siblings reuse blocks 0 and 1; then request 4
  ASSERT_EQ(plan->sequences.size(), 4u);
  EXPECT_EQ(plan->batch.tokens.size(), 1u + 2u + 2u + 5u);
  for (std::size_t i : {1u, 2u}) {
    const auto& seq = plan->batch.sequences[i];
    EXPECT_EQ(seq.token_count, 2);
    EXPECT_EQ(std::vector<std::int32_t>(seq.block_table.begin(), seq.block_table.begin() + 2),
              std::vector<std::int32_t>(shared.begin(), shared.begin() + 2));
    EXPECT_NE(seq.block_table[2], shared[2]);  // the partial block is each choice's own
  }
  const auto events = s.apply(sample(*plan, 5));
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].cached_tokens, 8);
  EXPECT_EQ(events[2].cached_tokens, 8);
  EXPECT_EQ(pool.used_count(), 3 + 1 + 1 + 2);  // 3 (first) + 1 + 1 (siblings' own) + 2 (request 4)
}

// Without prefix caching the choices run together, each filling the prompt in itself.
TEST(scheduler, choices_run_together_without_prefix_caching) {
  block_pool pool(16, 4);
  scheduler s({.max_num_batched_tokens = 64, .max_model_len = 64, .enable_prefix_caching = false}, pool);
  for (sequence_id id = 1; id <= 2; ++id) {
    auto r = request(id, 10, 3);
    r.prompt_group = 7;
    s.add(std::move(r));
  }
  const auto plan = s.schedule();
  EXPECT_EQ(plan->batch.tokens.size(), 20u);
}

TEST(scheduler, running_out_of_blocks_preempts_the_newest_and_recomputes_it) {
  block_pool pool(4, 2);  // 8 slots
  scheduler s({.max_num_batched_tokens = 64, .max_model_len = 8}, pool);
  s.add(request(1, 3, 4));
  s.add(request(2, 3, 4, 200));  // a different prompt: nothing shared through the prefix cache
  auto plan = s.schedule();  // both prompts: blocks {0,1} and {2,3}
  EXPECT_EQ(plan->batch.sequences[0].block_table, (std::vector<std::int32_t>{0, 1}));
  EXPECT_EQ(plan->batch.sequences[1].block_table, (std::vector<std::int32_t>{2, 3}));
  s.apply(sample(*plan, 11));
  plan = s.schedule();  // position 3 fits in each one's second block
  EXPECT_EQ(plan->sequences.size(), 2u);
  s.apply(sample(*plan, 12));
  plan = s.schedule();  // position 4 needs a third block each: sequence 2 is preempted
  EXPECT_EQ(s.preemptions(), 1);
  ASSERT_EQ(plan->sequences.size(), 1u);
  EXPECT_EQ(plan->sequences[0].id, 1u);
  EXPECT_EQ(s.waiting_count(), 1u);
  EXPECT_EQ(pool.check_invariants(), "");
  auto events = s.apply(sample(*plan, 13));
  plan = s.schedule();
  events = s.apply(sample(*plan, 14));  // sequence 1: 4 outputs, done
  EXPECT_EQ(events[0].finished, finish_reason::length);
  plan = s.schedule();  // sequence 2 again: its first block (tail-first release kept it
                        // cached; block 3 went to sequence 1) is reused, the rest recomputed
  ASSERT_EQ(plan->sequences.size(), 1u);
  EXPECT_EQ(plan->sequences[0].id, 2u);
  EXPECT_EQ(plan->batch.tokens, (std::vector<std::int32_t>{202, 11, 12}));
  EXPECT_EQ(plan->batch.positions, (std::vector<std::int32_t>{2, 3, 4}));
  EXPECT_EQ(plan->batch.sequences[0].block_table[0], 2);
  EXPECT_TRUE(plan->sequences[0].samples);
  EXPECT_EQ(plan->batch.check(2, 4), "");
}

TEST(scheduler, stop_ids_and_aborts_free_blocks_and_release_samplers) {
  block_pool pool(8, 4);
  scheduler s({.max_num_batched_tokens = 64, .max_model_len = 64}, pool);
  s.add(request(1, 5, 10));
  s.add(request(2, 5, 10));
  s.add(request(3, 5, 10));
  auto plan = s.schedule();
  EXPECT_EQ(pool.used_count(), 6);
  step_result r = sample(*plan, 9);
  r.tokens[0].token = 2;  // sequence 1 samples its stop id
  auto events = s.apply(r);
  EXPECT_EQ(events[0].finished, finish_reason::stop);
  EXPECT_TRUE(s.abort(2));
  EXPECT_FALSE(s.abort(42));
  EXPECT_EQ(pool.used_count(), 2);
  plan = s.schedule();
  EXPECT_EQ(plan->released, (std::vector<sequence_id>{1, 2}));
  ASSERT_EQ(plan->sequences.size(), 1u);
  EXPECT_TRUE(s.abort(3));  // aborted while its step runs: its result is ignored
  events = s.apply(sample(*plan, 9));
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(pool.used_count(), 0);
  EXPECT_EQ(pool.check_invariants(), "");
}

TEST(scheduler, a_failed_step_ends_its_sequences) {
  block_pool pool(8, 4);
  scheduler s({.max_num_batched_tokens = 64, .max_model_len = 64}, pool);
  s.add(request(1, 5, 10));
  const auto plan = s.schedule();
  step_result r;
  r.step = plan->step;
  r.error = "device lost";
  const auto events = s.apply(r);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].finished, finish_reason::abort);
  EXPECT_EQ(pool.used_count(), 0);
}

TEST(scheduler, limits_on_sequences_and_long_prompts) {
  block_pool pool(64, 4);
  scheduler s({.max_num_seqs = 2, .max_num_batched_tokens = 8, .max_model_len = 64, .max_long_partial_prefills = 1,
               .long_prefill_threshold = 6},
              pool);
  s.add(request(1, 20, 2));  // long
  s.add(request(2, 20, 2));  // long: waits while 1 is being filled in
  auto plan = s.schedule();
  ASSERT_EQ(plan->sequences.size(), 1u);
  s.apply(sample(*plan, 9));
  plan = s.schedule();
  ASSERT_EQ(plan->sequences.size(), 1u);
  EXPECT_EQ(plan->sequences[0].id, 1u);
  s.apply(sample(*plan, 9));
  s.add(request(3, 3, 2));
  plan = s.schedule();  // 1 has 4 left (no longer long): 2 may start; 3 exceeds max_num_seqs
  std::vector<sequence_id> ids;
  for (const auto& q : plan->sequences) ids.push_back(q.id);
  EXPECT_EQ(ids, (std::vector<sequence_id>{1, 2}));
  EXPECT_EQ(s.waiting_count(), 1u);
}

TEST(scheduler, refuses_requests_that_cannot_fit) {
  block_pool pool(4, 4);
  scheduler s({.max_model_len = 32}, pool);
  EXPECT_THROW(s.add(request(1, 0, 4)), std::invalid_argument);
  EXPECT_THROW(s.add(request(1, 30, 4)), std::invalid_argument);  // over max_model_len
  EXPECT_THROW(s.add(request(1, 16, 4)), std::invalid_argument);  // 5 blocks, the pool has 4
  EXPECT_THROW(s.add(request(1, 4, 0)), std::invalid_argument);
  s.add(request(1, 4, 4));
  EXPECT_THROW(s.add(request(1, 4, 4)), std::invalid_argument);  // id in use
}

}  // namespace
}  // namespace moeserve::engine
