#pragma once
// thread_pool_dispatcher: a fixed set of worker threads shared by many actors, for actors
// whose handlers do not block.
//
// Run queue: one shared FIFO of ready cells under a mutex, plus a one-cell "next" slot
// per worker: a cell made ready by a handler on worker W goes into W's slot and runs on W
// right after the current turn (hot caches, no wake-up), the one it displaces goes to the
// shared queue. Each turn handles at most `messages_per_turn` messages, then the cell goes
// to the back of the queue.
//
// Idle workers spin briefly (`spin`, yielding the core every few dozen rounds so that a
// thread sharing it is not held up) and then sleep on a condition variable: an idle pool
// uses no CPU. A push wakes a sleeper only when no worker is spinning.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "actors/dispatcher.hpp"

namespace moeserve::actors {

class thread_pool_dispatcher final : public dispatcher {
 public:
  thread_pool_dispatcher(unsigned threads, std::uint32_t messages_per_turn, std::chrono::microseconds spin);
  ~thread_pool_dispatcher() override;  // shutdown()

  void schedule(actor_cell& cell) noexcept override;
  void shutdown() override;
  unsigned threads() const noexcept { return static_cast<unsigned>(workers_.size()); }

 private:
  struct worker;
  static thread_local worker* current_worker_;  // the worker running on this thread, if any
  void work(worker& self);
  actor_cell* take(worker& self);
  void push_shared(actor_cell* cell) noexcept;

  std::uint32_t budget_;
  std::chrono::microseconds spin_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<actor_cell*> ready_;
  std::atomic<std::size_t> ready_size_{0};
  std::atomic<int> spinning_{0};
  int sleeping_ = 0;  // guarded by mutex_
  bool stopping_ = false;
  std::vector<std::unique_ptr<worker>> workers_;
};

}  // namespace moeserve::actors
