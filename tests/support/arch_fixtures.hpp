#pragma once
// The architecture fixtures (tests/fixtures/arch: tiny random-weight models with
// transformers' logits for three prompts) and the paged batches the logits tests build
// from them, shared by the CPU backend's and the GPU backend's logits tests.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "model/backend/step_batch.hpp"
#include "model/io/dequantize.hpp"
#include "model/io/safetensors_file.hpp"

namespace moeserve::test_support {

struct prompt_case {
  std::vector<std::int32_t> ids;
  std::vector<float> logits;  // ids.size() x vocab, transformers' (float32)
};

inline std::vector<prompt_case> read_expected(const std::filesystem::path& dir) {
  model::safetensors_file f(dir / "expected.safetensors");
  std::vector<prompt_case> out;
  for (int i = 0;; ++i) {
    const auto* ids = f.find_tensor("input_ids." + std::to_string(i));
    if (!ids) break;
    prompt_case c;
    c.ids.resize(static_cast<std::size_t>(ids->element_count()));
    std::memcpy(c.ids.data(), ids->data.data(), ids->data.size());
    c.logits = model::dequantize(*f.find_tensor("logits." + std::to_string(i)));
    out.push_back(std::move(c));
  }
  return out;
}

// Block ids for a sequence: a scrambled, disjoint set per sequence index.
inline std::vector<std::int32_t> scrambled_blocks(int sequence, int tokens, int block_size, int num_blocks) {
  std::vector<std::int32_t> table;
  for (int b = 0; b * block_size < tokens; ++b) table.push_back((num_blocks - 1 - (sequence * 13 + b * 5)) % num_blocks);
  return table;
}

// Adds `count` tokens of `ids` starting at `first` as one sequence of the step, its blocks
// scrambled_blocks(sequence, ...); all_logits: a logit row per token, else the last one.
inline void add_sequence(model::step_batch& batch, int sequence, const std::vector<std::int32_t>& ids, int first,
                         int count, bool all_logits, int block_size, int num_blocks) {
  model::sequence_slice s;
  s.first_token = batch.token_count();
  s.token_count = count;
  s.block_table = scrambled_blocks(sequence, static_cast<int>(ids.size()), block_size, num_blocks);
  for (int i = first; i < first + count; ++i) {
    if (all_logits || i == first + count - 1) batch.logit_rows.push_back(batch.token_count());
    batch.tokens.push_back(ids[static_cast<std::size_t>(i)]);
    batch.positions.push_back(i);
    batch.slots.push_back(std::int64_t{s.block_table[static_cast<std::size_t>(i / block_size)]} * block_size +
                          i % block_size);
  }
  batch.sequences.push_back(std::move(s));
}

}  // namespace moeserve::test_support
