#pragma once
// sequence_samplers: the per-sequence state both executors keep between steps (the CPU
// executor, cpu/cpu_executor.hpp, and the GPU executor, gpu/runner/gpu_executor.hpp):
//
//   sampler      created at a sequence's first plan (seeded by its sampling_params, else
//                from the system's entropy), kept until a plan releases the id, so that a
//                seeded stream continues across steps and across a recompute
//   history      the sequence's tokens by position (penalties read them): a plan's tokens
//                overwrite it from their first position on
//
// A step is: begin(plan) before the forward pass, then sample(plan, logits) with the
// host logits of the plan's logit rows, in plan order; run() does the three. Threading: the executor's thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "model/runner/sampler.hpp"
#include "model/runner/step_plan.hpp"

namespace moeserve::model {

class sequence_samplers {
 public:
  // Drops the released ids, makes samplers for new ids and records the plan's tokens.
  // Throws std::invalid_argument for a plan whose sequences do not match its batch, or
  // bad sampling parameters.
  void begin(const step_plan& plan);
  // One sampled token per planned sequence that samples, in plan order, from `logits`
  // (batch.logit_rows.size() rows of `vocab` floats, modified in place).
  std::vector<sampled_token> sample(const step_plan& plan, std::span<float> logits, int vocab);
  // An executor's whole step: begin(plan), forward(batch, logits) into a buffer of
  // logit_rows x vocab floats, sample. Never throws: a failure is the result's error.
  step_result run(const step_plan& plan, int vocab,
                  const std::function<void(const step_batch&, std::span<float>)>& forward);

  std::size_t live() const { return sequences_.size(); }

 private:
  struct state {
    std::unique_ptr<sampler> picker;
    std::vector<int> history;
  };
  std::unordered_map<sequence_id, state> sequences_;
  std::vector<float> logits_;
};

}  // namespace moeserve::model
