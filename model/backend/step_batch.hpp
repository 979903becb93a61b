#pragma once
// step_batch: the tokens one forward step runs, as a ragged batch: prefill chunks and
// decodes of several sequences side by side, each sequence's tokens contiguous.
//
//   tokens     s0: t t t t (prefill chunk)  s1: t (decode)  s2: t (decode)
//   positions      5 6 7 8                      41              3
//   slots      the KV-cache slot each token's key and value are written to
//              (block_table[position / block_size] * block_size + position % block_size)
//
// A token at position p attends to its sequence's keys at positions 0..p: those before
// the step are already in the cache (through the block table), the step's own are written
// first. logit_rows lists the token indices whose next-token logits the step returns (the
// last token of each sequence that samples; every token for teacher-forced scoring).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace moeserve::model {

struct sequence_slice {
  int first_token = 0;   // index into step_batch::tokens
  int token_count = 0;   // tokens of this sequence in the step
  std::vector<std::int32_t> block_table;  // KV blocks of the sequence, in position order
};

struct step_batch {
  std::vector<std::int32_t> tokens;
  std::vector<std::int32_t> positions;  // per token
  std::vector<std::int64_t> slots;      // per token
  std::vector<sequence_slice> sequences;
  std::vector<std::int32_t> logit_rows;  // indices into tokens

  int token_count() const { return static_cast<int>(tokens.size()); }
  // Checks the shape rules above (sizes, contiguity, positions increasing by one within a
  // sequence, each slot matching its block table, blocks below `num_blocks`); returns an
  // empty string when valid, else what is wrong.
  std::string check(int block_size, int num_blocks) const;
};

}  // namespace moeserve::model
