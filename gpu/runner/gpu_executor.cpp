#include "gpu/runner/gpu_executor.hpp"

#include <algorithm>
#include <cstdio>

#include "gpu/cuda_check.hpp"

namespace moeserve::gpu {

namespace {

std::string gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f GiB", bytes / double(1 << 30));
  return text;
}

}  // namespace

gpu_executor::gpu_executor(const model::model_files& files, const gpu_executor_options& options) : options_(options) {
  const auto& o = options_;
  if (o.block_size < 1 || o.max_model_len < 1 || o.max_num_seqs < 1 || o.max_num_batched_tokens < 1)
    throw gpu_executor_error("gpu executor: block size, max_model_len, max_num_seqs and max_num_batched_tokens must be positive");
  if (o.gpu_memory_utilization <= 0 || o.gpu_memory_utilization > 1)
    throw gpu_executor_error("--gpu-memory-utilization must lie in (0, 1]");
  if (o.quantization.quantizes_anything() || o.quantization.kv_cache() != quant::kv_cache_format::auto_)
    throw gpu_executor_error("--device cuda runs BF16 weights and a BF16 KV cache only so far (asked: " +
                             o.quantization.name() + "); quantized models run with --device cpu");
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || o.device < 0 || o.device >= count)
    throw gpu_executor_error("gpu executor: no CUDA device " + std::to_string(o.device));
  const int max_blocks_per_sequence = (o.max_model_len + o.block_size - 1) / o.block_size;
  step_capacity capacity;
  capacity.tokens = o.max_num_batched_tokens;
  capacity.sequences = o.max_num_seqs;
  capacity.table_entries = o.max_num_seqs * max_blocks_per_sequence;
  try {
    MOESERVE_CUDA_CHECK(cudaSetDevice(o.device));
    MOESERVE_CUDA_CHECK(cudaFree(nullptr));  // the context exists before the first reading
    std::size_t total = 0;
    MOESERVE_CUDA_CHECK(cudaMemGetInfo(&free_at_start_, &total));
    const double asked = double(total) * o.gpu_memory_utilization;
    if (asked > double(free_at_start_))
      throw gpu_executor_error("--gpu-memory-utilization " + std::to_string(o.gpu_memory_utilization).substr(0, 4) +
                               " asks for " + gib(asked) + " of cuda:" + std::to_string(o.device) + ", and " +
                               gib(double(free_at_start_)) + " of its " + gib(double(total)) +
                               " are free (other processes hold the rest): lower it");
    backend_ = std::make_unique<gpu_backend>(o.device, capacity);
    model_ = std::make_unique<model::decoder_model>(files, *backend_, o.quantization);
    warm_up();
    size_kv_cache();
  } catch (const cuda_error& e) {
    std::size_t free = 0, total = 0;
    cudaMemGetInfo(&free, &total);
    throw gpu_executor_error(std::string("loading onto cuda:") + std::to_string(o.device) + ": " + e.what() + " (" +
                             gib(double(free)) + " free of " + gib(double(total)) + ")");
  }
}

gpu_executor::~gpu_executor() {
  cudaSetDevice(options_.device);
  model_.reset();
  backend_.reset();
}

// One step at the largest batch the scheduler may send: max_num_batched_tokens tokens over
// min(max_num_seqs, tokens) sequences, each from position 0, a logit row per sequence.
void gpu_executor::warm_up() {
  const auto& o = options_;
  const int tokens = o.max_num_batched_tokens;
  const int sequences = std::min(o.max_num_seqs, tokens);
  model::step_batch batch;
  int next_block = 0;
  for (int s = 0; s < sequences; ++s) {
    const int len = tokens / sequences + (s < tokens % sequences ? 1 : 0);
    model::sequence_slice slice;
    slice.first_token = batch.token_count();
    slice.token_count = len;
    for (int b = 0; b * o.block_size < len; ++b) slice.block_table.push_back(next_block++);
    for (int p = 0; p < len; ++p) {
      batch.tokens.push_back(static_cast<std::int32_t>((std::int64_t{7919} * batch.token_count() + 13) %
                                                       model_->config().vocab_size));
      batch.positions.push_back(p);
      batch.slots.push_back(std::int64_t{slice.block_table[static_cast<std::size_t>(p / o.block_size)]} * o.block_size +
                            p % o.block_size);
    }
    batch.logit_rows.push_back(slice.first_token + len - 1);
    batch.sequences.push_back(std::move(slice));
  }
  backend_->allocate_kv_cache(model_->kv_spec(o.block_size, next_block));
  model_->forward(batch);
  backend_->begin_step(batch);  // consolidates the arena to the step's size
  MOESERVE_CUDA_CHECK(cudaStreamSynchronize(backend_->stream()));
  activation_bytes_ = backend_->activation_bytes();
  backend_->allocate_kv_cache(model_->kv_spec(o.block_size, 0));
}

// This executor may use total x gpu_memory_utilization of the device (vLLM's meaning: other
// processes' memory is not counted against it, only checked to leave room for it).
void gpu_executor::size_kv_cache() {
  const auto& o = options_;
  std::size_t free = 0, total = 0;
  MOESERVE_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  const double used = double(free_at_start_) - double(free);
  const double budget = double(total) * o.gpu_memory_utilization - used;
  const auto block = gpu_backend::kv_block_bytes(model_->kv_spec(o.block_size, 1));
  const int needed = (o.max_model_len + o.block_size - 1) / o.block_size;
  const auto blocks = budget > 0 ? static_cast<std::int64_t>(budget / double(block)) : 0;
  if (blocks < needed)
    throw gpu_executor_error(
        "the KV cache of one sequence of max_model_len " + std::to_string(o.max_model_len) + " needs " +
        gib(double(block) * needed) + ", and " + gib(std::max(0.0, budget)) + " is left for it on cuda:" +
        std::to_string(o.device) + " (" + gib(double(total)) + " x --gpu-memory-utilization " +
        std::to_string(o.gpu_memory_utilization).substr(0, 4) + " - " + gib(used) +
        " of weights and activations): lower --max-model-len, or raise --gpu-memory-utilization");
  num_blocks_ = static_cast<int>(std::min<std::int64_t>(blocks, std::int64_t{1} << 30));
  backend_->allocate_kv_cache(model_->kv_spec(o.block_size, num_blocks_));
}

void gpu_executor::forward(const model::step_batch& batch, std::span<float> logits) {
  MOESERVE_CUDA_CHECK(cudaSetDevice(options_.device));
  model_->forward(batch, logits);
}

model::step_result gpu_executor::execute(const model::step_plan& plan) {
  return samplers_.run(plan, model_->config().vocab_size, [this](const model::step_batch& batch, std::span<float> logits) {
    MOESERVE_CUDA_CHECK(cudaSetDevice(options_.device));
    model_->forward(batch, logits);
  });
}

}  // namespace moeserve::gpu
