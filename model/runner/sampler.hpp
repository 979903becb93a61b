#pragma once
// sampler: chooses one sequence's next token from one row of logits, following its
// sampling_params (model/runner/sampling_params.hpp has the order of the steps and their
// exact semantics). It is the reference sampler: a GPU sampler is tested against it.
//
// One sampler per sequence; it owns the sequence's random generator, so the same seed and
// the same logits, prompt and outputs give the same tokens, on any compiler: the generator
// is xoshiro256** seeded with four outputs of splitmix64(seed) (both specified in
// random_source below), and a draw uses one uniform u = (next() >> 11) * 2^-53 in [0, 1).
// A greedy sampler never draws. (The token also depends, through rounding only, on the math
// library's expf and, with top_p and a top_k above 1024, on the order nth_element leaves.)
//
// Numerics: processed logits are float (penalties and temperature computed in float, as
// vLLM's float32 path); softmax subtracts the maximum, exponentiates in float and sums in
// double. The draw walks the kept tokens in token-id order, accumulating in double, and
// returns the first whose running sum exceeds u times their total.
//
// Truncation cost, linear in the vocabulary but for top_p's one bucket: no sort at all without top_k/top_p; top_k
// up to 1024 is one pass with a bounded heap (the kept tokens are then listed and walked
// alone), a larger one an nth_element; top_p is a histogram of the mass by logit distance
// from the maximum (1/128-logit buckets), then a sort of the one bucket where the mass is
// reached; min_p is a threshold test. Scratch buffers (a few vocabulary-sized arrays) are
// per thread, reused across calls and samplers, so a sampler itself stays small. Penalties
// cost O(prompt + output) per call (no sort, no per-call vocabulary-sized allocation).
//
// Logprobs: `logprob` and `top` come from the distribution after penalties and temperature
// and before truncation (vLLM's "processed" logprobs, minus its truncation); a greedy
// sampler reports them at temperature 1. The chosen token may lie outside `top`.
//
// Threading: a sampler is used by one thread at a time; different samplers may run on
// different threads at once.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "model/runner/sampling_params.hpp"

namespace moeserve::model {

// xoshiro256** (Blackman and Vigna), its state filled by splitmix64 from the seed.
class random_source {
 public:
  explicit random_source(std::uint64_t seed);
  std::uint64_t next();
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  std::array<std::uint64_t, 4> s_;
};

struct token_logprob {
  int token = 0;
  float logprob = 0.0f;
  friend bool operator==(const token_logprob&, const token_logprob&) = default;
};

struct sample_result {
  int token = 0;
  float logprob = 0.0f;            // of `token`, see "Logprobs" above
  std::vector<token_logprob> top;  // the most likely tokens, most likely first (ties -> lowest id)
};

class sampler {
 public:
  // Validates `p` (std::invalid_argument, see sampling_params::validate). The generator is
  // seeded with p.seed, or with default_seed when p has none.
  sampler(const model::sampling_params& p, std::uint64_t default_seed);

  // logits: one row, a value per token of the vocabulary, modified in place: afterwards it
  // holds the processed logits (penalties applied, then divided by the temperature unless
  // greedy). A value that would overflow there saturates at +-FLT_MAX. -inf marks a token
  // that may never be chosen. prompt, output: the sequence's token ids so far (read only
  // when a penalty needs them; each must then be a valid token id). top_logprobs: how many
  // entries `top` gets (capped at the vocabulary size). want_logprob false: `logprob` is
  // not needed (left 0), so a greedy pick with no top_logprobs skips the softmax.
  // Throws std::invalid_argument for an empty row, a NaN or +inf logit, a row that is all
  // -inf or a negative top_logprobs; std::out_of_range for a token id outside the row.
  sample_result sample(std::span<float> logits, std::span<const int> prompt, std::span<const int> output,
                       int top_logprobs = 0, bool want_logprob = true);

  const model::sampling_params& params() const { return params_; }

 private:
  int draw(std::span<const float> logits, std::span<const float> weights, float max, double total);

  model::sampling_params params_;
  random_source rng_;
};

}  // namespace moeserve::model
