#pragma once
// rope_table: the rotary embedding of a model, as the backend applies it.
//
// Two pairings of a head's dimensions exist:
//   neox         dimension i rotates with i + rotary_dims/2 (Hugging Face llama, qwen3)
//   interleaved  dimension 2i rotates with 2i + 1 (ERNIE-4.5; llama weights in GGUF files,
//                whose q/k rows llama.cpp's converter permuted for this pairing)
// Pair i turns by angle position * inv_freq[i]; both q and k are then scaled by
// attention_scaling (1 except for yarn).
//
// Scalings supported: none, linear (positions / factor) and llama3 (frequency bands by
// low/high_freq_factor); others are refused with config_error when the table is built.
#include <vector>

#include "model/config/model_config.hpp"

namespace moeserve::model {

enum class rope_style { neox, interleaved };

struct rope_table {
  rope_style style = rope_style::neox;
  int rotary_dims = 0;
  std::vector<float> inv_freq;  // rotary_dims / 2 frequencies
  float attention_scaling = 1.0f;
};

rope_table make_rope_table(const rope_config& rope, rope_style style);

}  // namespace moeserve::model
