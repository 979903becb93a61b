#pragma once
// thread_pool: fork-join parallelism for the CPU backend's kernels. The calling thread is
// worker 0 and takes part; the others spin briefly between jobs (a decode step runs a few
// hundred short ops back to back), then sleep on an atomic wait.
//
//   pool.parallel_for(n, [&](std::int64_t begin, std::int64_t end) { ... });
//
// The range [0, n) is cut into one contiguous piece per worker (the kernels balance by
// giving equal rows), so the call's cost is one wake-up and one join. Jobs must not throw.
// One caller at a time.
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace moeserve::cpu {

class thread_pool {
 public:
  // threads <= 0: one per hardware thread.
  explicit thread_pool(int threads = 0);
  ~thread_pool();
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  template <class F>
  void parallel_for(std::int64_t n, F&& f) {
    if (n <= 0) return;
    if (workers_.empty() || n == 1) {
      f(std::int64_t{0}, n);
      return;
    }
    run(n, [](void* ctx, std::int64_t b, std::int64_t e) { (*static_cast<F*>(ctx))(b, e); }, &f);
  }

 private:
  using job_fn = void (*)(void*, std::int64_t, std::int64_t);
  void run(std::int64_t n, job_fn fn, void* ctx);
  void worker_loop(int index);
  void run_piece(int index);

  std::vector<std::thread> workers_;
  job_fn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::int64_t n_ = 0;
  alignas(64) std::atomic<std::uint64_t> generation_{0};
  alignas(64) std::atomic<int> remaining_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace moeserve::cpu
