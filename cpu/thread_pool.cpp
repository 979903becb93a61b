#include "cpu/thread_pool.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace moeserve::cpu {

namespace {

constexpr int spin_rounds = 20000;  // some 100 us of polling before sleeping

inline void pause() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

}  // namespace

thread_pool::thread_pool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

thread_pool::~thread_pool() {
  stop_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& t : workers_) t.join();
}

void thread_pool::run_piece(int index) {
  const std::int64_t parts = size();
  const std::int64_t begin = n_ * index / parts, end = n_ * (index + 1) / parts;
  if (begin < end) fn_(ctx_, begin, end);
}

void thread_pool::run(std::int64_t n, job_fn fn, void* ctx) {
  fn_ = fn;
  ctx_ = ctx;
  n_ = n;
  remaining_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  run_piece(0);
  // Spin for the others; yield now and then, so that on a busy machine a descheduled
  // worker gets the core back instead of this thread burning it.
  for (int i = 1; remaining_.load(std::memory_order_acquire) != 0; ++i) {
    pause();
    if (i % 64 == 0) std::this_thread::yield();
  }
}

void thread_pool::worker_loop(int index) {
  std::uint64_t seen = 0;
  for (;;) {
    std::uint64_t g = generation_.load(std::memory_order_acquire);
    for (int i = 1; g == seen && i < spin_rounds; ++i) {
      pause();
      if (i % 64 == 0) std::this_thread::yield();
      g = generation_.load(std::memory_order_acquire);
    }
    if (g == seen) {
      generation_.wait(seen, std::memory_order_acquire);
      continue;
    }
    seen = g;
    if (stop_.load(std::memory_order_relaxed)) return;
    run_piece(index);
    remaining_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace moeserve::cpu
