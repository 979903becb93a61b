#pragma once
// step_inputs: a step's metadata on the device, in persistent buffers sized once for the
// largest step (vLLM's InputBuffers; GPU_EXECUTOR.md move 2). upload() packs a
// model::step_batch into pinned host memory and sends it with one copy on `stream`; the
// device arrays keep their addresses for the executor's life, so a captured graph reads
// each step's inputs from the same places.
//
//   tokens, positions       int32 [tokens]
//   slots                   int64 [tokens]     KV-cache slot of each token
//   token_sequence          int32 [tokens]     which sequence of the step the token is in
//   block_table_start       int32 [sequences]  first entry of the sequence's table
//   block_tables            int32 [...]        the sequences' block tables, concatenated
//   logit_rows              int32 [rows]
//
// Threading: the backend's thread. upload() reuses the pinned buffer: the previous step's
// copy must be complete (the executor synchronises at the end of every step).
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "model/backend/step_batch.hpp"

namespace moeserve::gpu {

struct step_capacity {
  int tokens = 0;        // max-num-batched-tokens
  int sequences = 0;     // max-num-seqs
  int table_entries = 0; // block-table entries of all sequences together
};

class step_inputs {
 public:
  explicit step_inputs(const step_capacity& capacity);
  step_inputs(const step_inputs&) = delete;
  step_inputs& operator=(const step_inputs&) = delete;
  ~step_inputs();

  // Throws std::invalid_argument when the batch exceeds the capacity.
  void upload(const model::step_batch& batch, cudaStream_t stream);
  const step_capacity& capacity() const { return capacity_; }

  const std::int32_t* tokens() const { return device_.tokens; }
  const std::int32_t* positions() const { return device_.positions; }
  const std::int64_t* slots() const { return device_.slots; }
  const std::int32_t* token_sequence() const { return device_.token_sequence; }
  const std::int32_t* block_table_start() const { return device_.block_table_start; }
  const std::int32_t* block_tables() const { return device_.block_tables; }
  const std::int32_t* logit_rows() const { return device_.logit_rows; }

 private:
  struct arrays {
    std::int64_t* slots = nullptr;
    std::int32_t* tokens = nullptr;
    std::int32_t* positions = nullptr;
    std::int32_t* token_sequence = nullptr;
    std::int32_t* block_table_start = nullptr;
    std::int32_t* block_tables = nullptr;
    std::int32_t* logit_rows = nullptr;
  };
  static arrays lay_out(void* base, const step_capacity& c);

  step_capacity capacity_;
  std::size_t bytes_ = 0;
  void* host_ = nullptr;    // pinned
  void* device_base_ = nullptr;
  arrays pinned_, device_;
};

}  // namespace moeserve::gpu
