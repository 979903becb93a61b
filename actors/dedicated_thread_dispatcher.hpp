#pragma once
// dedicated_thread_dispatcher: every actor spawned on it gets a thread of its own, for
// actors whose handlers block (a GPU executor waiting on its stream, file I/O). The
// thread lives from spawn until the actor stops.
//
// Wake-up: the thread spins briefly for work, then parks on an atomic (futex) wait; a
// schedule() wakes it with one store and, only when it is parked, one notify.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "actors/dispatcher.hpp"

namespace moeserve::actors {

class dedicated_thread_dispatcher final : public dispatcher {
 public:
  dedicated_thread_dispatcher(std::uint32_t messages_per_turn, std::chrono::microseconds spin);
  ~dedicated_thread_dispatcher() override;  // shutdown()

  void attach(actor_cell& cell) override;
  void detach(actor_cell& cell) noexcept override;
  void schedule(actor_cell& cell) noexcept override;
  // Waits until every thread has ended (their actors have stopped).
  void shutdown() override;
  std::size_t live_threads() const;

 private:
  struct slot;
  void loop(slot& s, actor_cell& cell);

  std::uint32_t budget_;
  std::chrono::microseconds spin_;
  mutable std::mutex mutex_;
  std::condition_variable all_done_;
  std::size_t live_ = 0;
};

}  // namespace moeserve::actors
