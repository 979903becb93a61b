#pragma once
// actor_system: owns dispatchers, timers and the registry of live actors. No global state:
// a process may run several systems side by side, each with its own threads.
//
//   actor_system system;                                // a pool of hardware_concurrency workers
//   auto counter = system.spawn<counter_actor>(0);      // actor_ref<counter_actor::protocol>
//   counter.send(increment{2});
//   auto reply = ask<int>(system, counter, 100ms, [](reply_to<int> r) { return get{std::move(r)}; });
//   system.stop();                                      // newest actor first
//   system.join_for(1s);
//
// Shutdown order is deterministic: stop() refuses new spawns at once, then stops the live
// actors one at a time, newest first (the reverse of spawn order, as destructors run), each
// one fully (drained or dropped as the mode says, on_stop, watchers told) before the next is
// asked. join() waits until no actor is left, then ends the dispatchers' and timer threads.
// The destructor does stop(drop) and join().
//
// In a deterministic system (system_config::deterministic) there are no threads at all:
// every dispatcher is the test scheduler and timers use its virtual clock; see
// test_scheduler.hpp.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "actors/actor_ref.hpp"
#include "actors/behavior.hpp"
#include "actors/cycle_clock.hpp"
#include "actors/dispatcher.hpp"
#include "actors/lifecycle.hpp"
#include "actors/timer_service.hpp"

namespace moeserve::actors {

class test_scheduler;
class thread_pool_dispatcher;
class dedicated_thread_dispatcher;

struct escalation {
  actor_id failed = 0;  // the actor whose failure reached the top
  std::exception_ptr error;
};

struct system_config {
  unsigned worker_threads = 0;               // pool size; 0 = std::thread::hardware_concurrency()
  std::uint32_t messages_per_turn = 64;      // fairness budget of the pool and dedicated threads
  std::chrono::microseconds spin{50};        // how long an idle thread spins before sleeping
  bool measure_handler_time = true;          // per-actor time in handlers (two clock reads a turn)
  bool deterministic = false;                // no threads: test scheduler + virtual clock
  std::uint32_t test_messages_per_turn = 1;  // the test scheduler's budget
  // Called when a failure escalates past the top-level actors (any thread). nullptr: the
  // default, which records it (first_escalation()) and stops the system.
  std::function<void(const escalation&)> on_escalation;
};

// A per-actor statistics snapshot.
struct actor_stats {
  actor_id id = 0;
  std::string name;
  std::int64_t mailbox_depth = 0;  // messages waiting
  std::uint64_t processed = 0;     // messages handled (user and system)
  std::uint64_t handler_ns = 0;    // time spent in turns
  std::uint64_t dropped = 0;       // dead letters: sent after it stopped, or discarded at its stop
  std::uint64_t rejected = 0;      // refused by a full bounded mailbox (mailbox_full)
  std::uint32_t restarts = 0;
};

class actor_system {
 public:
  explicit actor_system(system_config config = {});
  actor_system(const actor_system&) = delete;
  actor_system& operator=(const actor_system&) = delete;
  ~actor_system();

  // Spawns an actor of type A (derived from actor<P>) constructed from args, on the pool.
  // Returns an empty ref once the system is stopping. Exceptions from A's constructor
  // propagate to the caller.
  template <class A, class... Args>
  actor_ref<typename A::protocol> spawn(Args&&... args) {
    return spawn_with<A>(spawn_options{}, std::forward<Args>(args)...);
  }
  template <class A, class... Args>
  actor_ref<typename A::protocol> spawn_with(spawn_options options, Args&&... args);

  // Dispatchers. In a deterministic system each of these is the test scheduler.
  dispatcher& pool() noexcept;
  dispatcher& dedicated() noexcept;
  // Creates a dispatcher owned by the system (e.g. an asio_dispatcher); it lives until the
  // system is destroyed.
  template <class D, class... Args>
  D& make_dispatcher(Args&&... args) {
    auto owned = std::make_unique<D>(std::forward<Args>(args)...);
    D& d = *owned;
    std::lock_guard lock(registry_mutex_);
    extra_dispatchers_.push_back(std::move(owned));
    return d;
  }
  timer_service& timers() noexcept { return *timers_; }
  test_scheduler& test();  // deterministic systems only (throws std::logic_error otherwise)
  bool deterministic() const noexcept { return config_.deterministic; }

  // Lifecycle (any thread but an actor of this system for join).
  void stop(stop_mode mode = stop_mode::drain);
  bool stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }
  // Waits until every actor has stopped, then ends the dispatchers' threads (spawns are
  // refused from then on). False if the deadline passed first (threads keep running; call
  // again). A deterministic system runs its test scheduler instead of waiting. A stop(drop)
  // after a stop(drain) makes the actors not yet stopped drop what they have queued.
  bool join(std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());
  bool join_for(std::chrono::steady_clock::duration timeout) {
    return join(std::chrono::steady_clock::now() + timeout);
  }

  // Observability (any thread).
  std::size_t live_actors() const;
  std::vector<actor_stats> stats() const;
  std::uint64_t dead_letters() const noexcept { return dead_letters_.load(std::memory_order_relaxed); }
  // The first failure that escalated to the top, or null.
  std::exception_ptr first_escalation() const;

  // --- runtime internals (used by actor_cell and actor<P>) ---
  actor_cell* spawn_cell(const spawn_options& options, actor_cell* parent,
                         const std::function<std::unique_ptr<actor_base>()>& make,
                         std::function<std::unique_ptr<actor_base>()> restart_factory);
  void count_dead_letter() noexcept { dead_letters_.fetch_add(1, std::memory_order_relaxed); }
  void actor_stopped(actor_cell& cell) noexcept;
  void escalate(escalation failure) noexcept;
  std::mutex& watch_mutex() noexcept { return watch_mutex_; }
  bool measures_handler_time() const noexcept { return config_.measure_handler_time; }

 private:
  void stop_next() noexcept;
  void unlink(actor_cell& cell) noexcept;  // out of the registry, dropping its reference
  void end_threads();

  system_config config_;
  cycle_calibration cycles_;
  std::unique_ptr<thread_timer_service> thread_timers_;
  timer_service* timers_ = nullptr;  // thread_timers_ or the test scheduler
  std::unique_ptr<thread_pool_dispatcher> pool_;
  std::unique_ptr<dedicated_thread_dispatcher> dedicated_;
  std::unique_ptr<test_scheduler> test_;

  mutable std::mutex registry_mutex_;
  std::condition_variable none_left_;
  actor_cell* newest_ = nullptr;  // registry: a doubly linked list in spawn order
  std::size_t live_ = 0;
  std::atomic<bool> stopping_{false};
  stop_mode stop_mode_ = stop_mode::drain;
  bool threads_ended_ = false;
  std::exception_ptr first_escalation_;
  std::vector<std::unique_ptr<dispatcher>> extra_dispatchers_;

  std::atomic<actor_id> next_id_{1};
  std::atomic<std::uint64_t> dead_letters_{0};
  std::mutex watch_mutex_;
};

template <class A, class... Args>
actor_ref<typename A::protocol> actor_system::spawn_with(spawn_options options, Args&&... args) {
  using protocol = typename A::protocol;
  static_assert(std::is_base_of_v<receiver<protocol>, A>, "A must derive from actor<Protocol>");
  std::function<std::unique_ptr<actor_base>()> factory;
  if (options.supervision == supervision_policy::restart) {
    if constexpr ((std::is_copy_constructible_v<std::decay_t<Args>> && ...)) {
      factory = [saved = std::make_tuple(std::decay_t<Args>(args)...)]() -> std::unique_ptr<actor_base> {
        return std::apply([](const auto&... a) { return std::make_unique<A>(a...); }, saved);
      };
    } else {
      throw std::invalid_argument("supervision_policy::restart needs copyable spawn arguments");
    }
  }
  actor_cell* cell = spawn_cell(
      options, actor_cell::current(),
      [&]() -> std::unique_ptr<actor_base> { return std::make_unique<A>(std::forward<Args>(args)...); },
      std::move(factory));
  return actor_ref<protocol>::adopt(cell);
}

}  // namespace moeserve::actors
