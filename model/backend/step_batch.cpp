#include "model/backend/step_batch.hpp"

#include <string>

namespace moeserve::model {

std::string step_batch::check(int block_size, int num_blocks) const {
  const auto n = tokens.size();
  if (positions.size() != n || slots.size() != n) return "positions and slots must have one entry per token";
  std::size_t next = 0;
  for (std::size_t s = 0; s < sequences.size(); ++s) {
    const auto& seq = sequences[s];
    if (seq.token_count <= 0 || static_cast<std::size_t>(seq.first_token) != next)
      return "sequence " + std::to_string(s) + " is not contiguous after the previous one";
    next += static_cast<std::size_t>(seq.token_count);
    if (next > n) return "sequence " + std::to_string(s) + " runs past the last token";
    for (int i = 0; i < seq.token_count; ++i) {
      const auto t = static_cast<std::size_t>(seq.first_token + i);
      const std::int32_t pos = positions[t];
      if (pos < 0 || (i > 0 && pos != positions[t - 1] + 1))
        return "positions of sequence " + std::to_string(s) + " must increase by one";
      const auto block_index = static_cast<std::size_t>(pos / block_size);
      if (block_index >= seq.block_table.size())
        return "sequence " + std::to_string(s) + " has no block for position " + std::to_string(pos);
      const std::int32_t block = seq.block_table[block_index];
      if (block < 0 || block >= num_blocks) return "block id " + std::to_string(block) + " is out of range";
      if (slots[t] != static_cast<std::int64_t>(block) * block_size + pos % block_size)
        return "slot of token " + std::to_string(t) + " does not match its block table";
    }
  }
  if (next != n) return "tokens after the last sequence";
  for (const auto row : logit_rows)
    if (row < 0 || static_cast<std::size_t>(row) >= n) return "logit row out of range";
  return {};
}

}  // namespace moeserve::model
