#pragma once
// sampling_params: how one sequence's next token is chosen from its logits, with the
// semantics of vLLM (and, for the penalties, of OpenAI and Hugging Face). Plain data,
// validated once (validate()) before a sampler is built from it.
//
// The order a backend's sampler applies them in (model/runner/sampler.hpp):
//   1. repetition_penalty over the distinct tokens of the prompt and the output so far:
//      logit > 0 ? logit / penalty : logit * penalty
//   2. frequency and presence penalties over the output tokens only (count = how often):
//      logit -= frequency_penalty * count;  logit -= presence_penalty * (count > 0)
//   3. temperature: logit /= temperature; 0 means greedy (argmax, ties -> lowest token id),
//      which still applies 1 and 2 but no truncation and no randomness
//   4. softmax, then truncation, each keeping a prefix of the tokens sorted by probability
//      (ties -> lowest id): top_k, then top_p over the top-k set renormalized (the smallest
//      prefix whose probability reaches top_p, at least one token), then min_p (keep
//      p >= min_p * p_max); renormalize and draw.
#include <cstdint>
#include <optional>

namespace moeserve::model {

struct sampling_params {
  float temperature = 1.0f;           // >= 0; 0 = greedy
  int top_k = 0;                      // <= 0: disabled (0 or -1, as vLLM); else keep the k most likely
  float top_p = 1.0f;                 // (0, 1]; 1 = disabled
  float min_p = 0.0f;                 // [0, 1]; 0 = disabled
  float repetition_penalty = 1.0f;    // > 0; 1 = disabled
  float presence_penalty = 0.0f;      // [-2, 2]
  float frequency_penalty = 0.0f;     // [-2, 2]
  std::optional<std::uint64_t> seed;  // same seed + same inputs => same tokens

  // Throws std::invalid_argument naming the parameter, its valid range and the value, e.g.
  // "top_p must be in (0, 1], got 1.5". NaN and infinities are rejected everywhere; top_k
  // below -1 is rejected (as vLLM does).
  void validate() const;

  bool is_greedy() const { return temperature == 0.0f; }
  bool has_penalties() const {
    return repetition_penalty != 1.0f || presence_penalty != 0.0f || frequency_penalty != 0.0f;
  }
};

}  // namespace moeserve::model
