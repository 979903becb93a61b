#pragma once
// thread_pool_dispatcher: a fixed set of worker threads shared by many actors, for actors
// whose handlers do not block.
//
// Run queues:
//   next   per worker, one cell: a cell made ready by a handler on worker W runs on W right
//          after the current turn (hot caches, no hand-off) -- ping-pong stays on one core;
//   local  per worker, FIFO under the worker's own (rarely contended) mutex: the cell that
//          `next` displaces, and a busy cell after its turn;
//   shared one FIFO under the pool's mutex, for cells made ready by threads outside the pool.
// A worker takes next, then its local queue, then the shared queue, then steals half of
// another worker's local queue. So a handler that wakes a thousand actors hands them to the
// other workers in a few steals, not one shared-queue hand-off each.
//
// Each turn handles at most `messages_per_turn` messages, then the cell goes to the back of
// the worker's local queue. Idle workers spin briefly (`spin`, yielding the core every few
// dozen rounds so that a thread sharing it is not held up) and then sleep on a condition
// variable: an idle pool uses no CPU. Work pushed while a worker sleeps and none spins
// wakes one.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
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
  actor_cell* find_work(worker& self);
  actor_cell* steal(worker& self);
  bool any_work() const noexcept;
  void push_local(worker& self, actor_cell* cell) noexcept;
  void push_shared(actor_cell* cell) noexcept;
  void wake_one() noexcept;
  void run_inline(actor_cell* cell) noexcept;

  std::uint32_t budget_;
  std::chrono::microseconds spin_;
  std::mutex mutex_;  // guards shared_, sleeping_ waits, stopping_
  std::condition_variable wake_;
  std::deque<actor_cell*> shared_;
  std::atomic<std::size_t> shared_size_{0};
  std::atomic<int> spinning_{0};
  std::atomic<int> sleeping_{0};
  std::atomic<bool> stopping_{false};
  std::vector<std::unique_ptr<worker>> workers_;
};

}  // namespace moeserve::actors
