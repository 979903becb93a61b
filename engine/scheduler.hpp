#pragma once
// scheduler: continuous batching over the paged KV cache (DESIGN.md §3), as a plain
// single-threaded class (the Scheduler actor wraps it). Each step:
//
//   1. decodes first: every running sequence with one token to feed;
//   2. then the prompts of running sequences still being filled in (chunked prefill), in
//      arrival order, each as much as the token budget allows;
//   3. then new sequences from the waiting queue (first come, first served), each after a
//      prefix-cache match, while the budget, --max-num-seqs and the blocks allow;
//   at most --max-num-batched-tokens tokens in all; at most `max_long_partial_prefills`
//   prompts longer than `long_prefill_threshold` are being filled in at once, so one long
//   prompt cannot hold up the short ones behind it.
//
// Blocks are allocated as a sequence's tokens reach them. A decode that finds no free or
// cached block preempts the newest running sequence (its blocks go back to the pool, the
// hashed ones stay cached for its return; it goes to the front of the queue and is
// recomputed from its prompt and outputs so far), and retries; a prompt chunk that finds
// none waits for the next step. Running out of blocks is never an error.
//
// After each step, apply() appends the sampled tokens, names the sequences' newly filled
// blocks in the prefix cache, and ends the sequences that sampled a stop id or reached
// max_tokens or max_model_len; their blocks are freed (tail first) at once.
//
// One plan is in flight at a time: schedule(), then apply() with its result.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/block_pool.hpp"
#include "engine/prefix_cache.hpp"
#include "model/runner/step_plan.hpp"

namespace moeserve::engine {

using model::planned_sequence;
using model::sampled_token;
using model::sequence_id;
using model::step_plan;
using model::step_result;

struct scheduler_config {
  int max_num_seqs = 64;
  int max_num_batched_tokens = 2048;
  int max_model_len = 4096;
  int max_long_partial_prefills = 1;
  int long_prefill_threshold = 1024;  // prompt tokens still to fill in that make a prompt "long"
  bool enable_prefix_caching = true;
};

struct sequence_request {
  sequence_id id = 0;
  std::vector<std::int32_t> prompt;
  int max_tokens = 16;
  model::sampling_params sampling;
  std::vector<std::int32_t> stop_token_ids;  // the model's end ids (unless ignore_eos) and the request's
  std::string cache_salt;
  // Choices of one prompt (n > 1) carry the same nonzero group: with prefix caching on, the
  // first fills the prompt in and the others are admitted after its first token, when they
  // find its full blocks in the prefix cache (they recompute only the last partial block).
  std::uint64_t prompt_group = 0;
  bool logprobs = false;
  int top_logprobs = 0;
};

enum class finish_reason { none, stop, length, abort };

struct sequence_event {
  sequence_id id = 0;
  sampled_token token;
  finish_reason finished = finish_reason::none;
  int output_tokens = 0;  // after this token
  int cached_tokens = 0;  // prompt tokens reused from the prefix cache at admission
  std::chrono::steady_clock::time_point first_scheduled{};  // the first plan that ran the sequence
};

class scheduler {
 public:
  scheduler(const scheduler_config& config, block_pool& pool);

  // Queues a sequence. Throws std::invalid_argument (naming the token counts) when the
  // prompt is empty, prompt + max_tokens exceeds max_model_len, the id is in use, or the
  // sequence could never fit in the pool.
  void add(sequence_request request);
  // Ends a sequence, waiting or running, and frees its blocks; false for an unknown id.
  bool abort(sequence_id id);

  // The next step, or nullopt when no sequence can run.
  std::optional<step_plan> schedule();
  // The result of the last plan. A result with an error ends every sequence of the plan
  // (events with finish_reason::abort).
  std::vector<sequence_event> apply(const step_result& result);

  std::size_t waiting_count() const { return waiting_.size(); }
  std::size_t running_count() const { return running_.size(); }
  bool has_work() const { return !waiting_.empty() || !running_.empty(); }
  std::int64_t preemptions() const { return preemptions_; }
  double kv_usage() const;
  const prefix_cache& cache() const { return cache_; }
  const block_pool& pool() const { return pool_; }

 private:
  struct sequence {
    sequence_request request;
    std::vector<std::int32_t> tokens;  // prompt, then outputs
    int computed = 0;                  // tokens whose keys and values are in the cache
    int cached_tokens = 0;
    std::chrono::steady_clock::time_point first_scheduled{};  // kept across preemptions
    std::vector<int> blocks;
    block_chain chain;
    bool running = false;
    bool fills_group_prompt = false;  // admitted before any choice of its prompt group had a token
  };

  int output_count(const sequence& s) const;
  bool grow_blocks(sequence& s, int tokens);  // blocks for the first `tokens` tokens
  void preempt(sequence_id id);
  void release(sequence& s);
  bool is_long(const sequence& s) const;
  struct group_state {
    bool filling_prompt = false;  // a running choice is filling the group's prompt in
    bool has_output = false;      // a running choice has sampled
  };
  group_state running_group(std::uint64_t group) const;
  void add_to_plan(step_plan& plan, sequence_id id, sequence& s, int count);
  std::vector<sequence_event> end_all_in_flight();

  scheduler_config config_;
  block_pool& pool_;
  prefix_cache cache_;
  std::unordered_map<sequence_id, sequence> sequences_;
  std::deque<sequence_id> waiting_;
  std::vector<sequence_id> running_;  // in admission order
  std::vector<sequence_id> in_flight_;
  std::vector<sequence_id> released_;
  std::uint64_t step_ = 0;
  std::int64_t preemptions_ = 0;
};

std::string_view to_string(finish_reason r);

}  // namespace moeserve::engine
