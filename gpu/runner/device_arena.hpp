#pragma once
// device_arena: the GPU backend's activation memory, one cudaMalloc'd chunk handed out by
// bumping an offset and reset at every step (GPU_EXECUTOR.md: activations in one arena,
// no cudaMalloc in a step). The same calls in the same order get the same addresses, so a
// captured graph can replay on them.
//
// Sizing: a request past the chunk's end gets a chunk of its own (cudaMalloc, the only
// one outside start-up) and the arena remembers the step's total; the next reset() frees
// everything and allocates one chunk of that total. The executor's warm-up step at the
// largest batch therefore fixes the size before the KV cache takes the rest of memory.
//
// Threading: the backend's thread. reset() frees chunks: the caller must have synchronised
// with every kernel that used them.
#include <cstddef>
#include <vector>

namespace moeserve::gpu {

class device_arena {
 public:
  device_arena() = default;
  device_arena(const device_arena&) = delete;
  device_arena& operator=(const device_arena&) = delete;
  ~device_arena();

  // 256-byte aligned device memory of `bytes`, valid until the next reset().
  void* allocate(std::size_t bytes);
  void reset();
  std::size_t capacity() const { return capacity_; }

 private:
  std::vector<void*> extra_;  // chunks past the main one, this step
  void* main_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t used_ = 0;
  std::size_t step_total_ = 0;  // what this step asked for, all chunks together
};

}  // namespace moeserve::gpu
