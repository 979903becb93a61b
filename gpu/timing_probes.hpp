#pragma once
// Probes for the floor under short GPU timings, used by the benchmarks next to the copy
// bandwidth (device_copy.hpp):
//   - read_through: a streaming read of a buffer (16-byte loads, several in flight per
//     thread) that writes nothing back. Timed on a buffer of a kernel's weight bytes it is
//     what merely reading those bytes costs at that size (ramp-up and tail included); run
//     over twice the L2 size it is also a flush that leaves L2 holding clean lines only, so
//     the next kernel's misses cause no write-backs of the flush's own data.
//   - empty_kernel: one block of one thread that does nothing; timed with events it is the
//     launch-and-record floor every measured call pays.
#include <cuda_runtime_api.h>

#include <cstddef>

namespace moeserve::gpu {

// Reads `bytes` from `src` (device pointer, 16-byte aligned; a last partial 16 bytes is
// left unread) on `stream`. The loaded words
// are folded and written to a device word only when the fold equals a value no fill
// produces in practice (so the compiler must keep the loads; nothing is written).
void read_through(const void* src, std::size_t bytes, cudaStream_t stream);

// Launches a kernel with one thread that returns at once.
void empty_kernel(cudaStream_t stream);

}  // namespace moeserve::gpu
