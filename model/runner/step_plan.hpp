#pragma once
// step_plan / step_result: what the scheduler (engine/) hands an executor (the CPU
// executor, a GPU executor) for one forward step, and what comes back (DESIGN.md §2: plain
// structs, no device memory, no JSON).
//
//   scheduler --step_plan--> executor     the ragged batch (model::step_batch: tokens,
//                                         positions, slots, block tables, logit rows) and,
//                                         per sequence, its id and sampling parameters
//   scheduler <--step_result-- executor   one sampled token per sequence that samples
//
// The executor keeps one sampler per sequence id (so a seed's random stream continues
// across steps, and across a preemption's recompute), created at the id's first plan and
// dropped when a plan lists the id in `released`. A sequence's token history (for
// penalties) is the plan's tokens at their positions: a recompute from position 0 rewrites
// it.
#include <cstdint>
#include <string>
#include <vector>

#include "model/runner/sampling_params.hpp"
#include "model/backend/step_batch.hpp"

namespace moeserve::model {

using sequence_id = std::uint64_t;

struct planned_sequence {
  sequence_id id = 0;
  bool samples = false;      // the step ends its prompt or decodes: a token is sampled
  int prompt_len = 0;        // tokens before the first output (penalties treat them apart)
  int top_logprobs = 0;      // how many alternatives to report (0: none)
  bool logprobs = false;     // report the sampled token's logprob
  sampling_params sampling;
};

struct step_plan {
  std::uint64_t step = 0;
  step_batch batch;
  std::vector<planned_sequence> sequences;  // parallel to batch.sequences
  std::vector<sequence_id> released;        // ids whose sampler state may be dropped
};

struct sampled_token {
  sequence_id id = 0;
  std::int32_t token = 0;
  float logprob = 0.0f;
  std::vector<std::pair<std::int32_t, float>> top;  // alternatives, most likely first
};

struct step_result {
  std::uint64_t step = 0;
  std::vector<sampled_token> tokens;  // one per planned sequence with samples = true, in plan order
  std::string error;                  // non-empty: the step failed; every sequence in it is ended
};

}  // namespace moeserve::model
