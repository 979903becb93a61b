#include "gpu/runner/step_inputs.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "gpu/cuda_check.hpp"

namespace moeserve::gpu {

// Layout (one block of memory, the same on both sides): slots first (8-byte aligned), then
// the int32 arrays.
step_inputs::arrays step_inputs::lay_out(void* base, const step_capacity& c) {
  arrays a;
  a.slots = static_cast<std::int64_t*>(base);
  auto* p = reinterpret_cast<std::int32_t*>(a.slots + c.tokens);
  a.tokens = p;
  a.positions = (p += c.tokens);
  a.token_sequence = (p += c.tokens);
  a.logit_rows = (p += c.tokens);
  a.block_table_start = (p += c.tokens);
  a.block_tables = (p += c.sequences);
  return a;
}

step_inputs::step_inputs(const step_capacity& capacity) : capacity_(capacity) {
  if (capacity.tokens < 1 || capacity.sequences < 1 || capacity.table_entries < 1)
    throw std::invalid_argument("step_inputs: capacities must be positive");
  bytes_ = sizeof(std::int64_t) * static_cast<std::size_t>(capacity.tokens) +
           sizeof(std::int32_t) * (4 * static_cast<std::size_t>(capacity.tokens) +
                                   static_cast<std::size_t>(capacity.sequences) +
                                   static_cast<std::size_t>(capacity.table_entries));
  MOESERVE_CUDA_CHECK(cudaMallocHost(&host_, bytes_));
  if (const auto status = cudaMalloc(&device_base_, bytes_); status != cudaSuccess) {
    cudaFreeHost(host_);
    check_cuda(status, "cudaMalloc(step inputs)", __FILE__, __LINE__);
  }
  pinned_ = lay_out(host_, capacity_);
  device_ = lay_out(device_base_, capacity_);
}

step_inputs::~step_inputs() {
  cudaFree(device_base_);
  cudaFreeHost(host_);
}

void step_inputs::upload(const model::step_batch& batch, cudaStream_t stream) {
  const auto n = batch.tokens.size();
  std::size_t entries = 0;
  for (const auto& s : batch.sequences) entries += s.block_table.size();
  if (n > static_cast<std::size_t>(capacity_.tokens) || batch.logit_rows.size() > static_cast<std::size_t>(capacity_.tokens) ||
      batch.sequences.size() > static_cast<std::size_t>(capacity_.sequences) ||
      entries > static_cast<std::size_t>(capacity_.table_entries))
    throw std::invalid_argument("step of " + std::to_string(n) + " tokens, " + std::to_string(batch.sequences.size()) +
                                " sequences and " + std::to_string(entries) +
                                " block-table entries exceeds the GPU executor's step capacity (" +
                                std::to_string(capacity_.tokens) + " tokens, " + std::to_string(capacity_.sequences) +
                                " sequences, " + std::to_string(capacity_.table_entries) + " entries)");
  std::copy(batch.slots.begin(), batch.slots.end(), pinned_.slots);
  std::copy(batch.tokens.begin(), batch.tokens.end(), pinned_.tokens);
  std::copy(batch.positions.begin(), batch.positions.end(), pinned_.positions);
  std::copy(batch.logit_rows.begin(), batch.logit_rows.end(), pinned_.logit_rows);
  std::int32_t entry = 0;
  for (std::size_t s = 0; s < batch.sequences.size(); ++s) {
    const auto& seq = batch.sequences[s];
    std::fill_n(pinned_.token_sequence + seq.first_token, seq.token_count, static_cast<std::int32_t>(s));
    pinned_.block_table_start[s] = entry;
    std::copy(seq.block_table.begin(), seq.block_table.end(), pinned_.block_tables + entry);
    entry += static_cast<std::int32_t>(seq.block_table.size());
  }
  MOESERVE_CUDA_CHECK(cudaMemcpyAsync(device_base_, host_, bytes_, cudaMemcpyHostToDevice, stream));
}

}  // namespace moeserve::gpu
