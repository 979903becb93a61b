#pragma once
// test_scheduler: a deterministic dispatcher and virtual clock, so that actor logic can be
// unit-tested step by step on one thread, with no real threads and no real time.
//
//   actor_system system(system_config{.deterministic = true});
//   auto a = system.spawn<my_actor>();
//   a.send(hello{});
//   system.test().run_until_idle();          // every ready actor runs until nothing is left
//   system.test().advance(std::chrono::seconds(5));   // timers due in 5 s fire, in order
//
// Ready actors run in FIFO order, one turn of `messages_per_turn` messages per step (1 by
// default, for the finest interleaving). Time moves only through advance() or
// fire_next_timer(). Every dispatcher of a deterministic system is this one.
#include <cstdint>
#include <deque>
#include <mutex>

#include "actors/dispatcher.hpp"
#include "actors/timer_service.hpp"

namespace moeserve::actors {

class test_scheduler final : public dispatcher, public timer_service {
 public:
  explicit test_scheduler(std::uint32_t messages_per_turn = 1);
  ~test_scheduler() override;  // clear()

  void schedule(actor_cell& cell) noexcept override;

  timer_clock::time_point now() const override;
  timer_id start(timer_clock::time_point first, timer_clock::duration period, std::function<bool()> fire) override;
  void cancel(timer_id id) noexcept override;

  // Runs one turn of the first ready actor. False if none was ready.
  bool run_one();
  // Runs turns until no actor is ready (or max_turns). Returns the number of turns.
  std::size_t run_until_idle(std::size_t max_turns = 1'000'000);
  // Moves the clock forward by `d`, firing due timers in deadline order, each at its own
  // time, and running actors until idle after each firing.
  void advance(timer_clock::duration d);
  // Moves the clock to the next deadline and fires that timer (then runs until idle).
  // False if no timer is pending.
  bool fire_next_timer();

  std::size_t ready() const;
  std::size_t pending_timers() const;
  // Drops ready cells and pending timers, releasing their references.
  void clear();

 private:
  bool fire_due(timer_clock::time_point until);

  std::uint32_t budget_;
  mutable std::mutex mutex_;
  std::deque<actor_cell*> ready_;
  timer_queue timers_;
  timer_clock::time_point now_;
};

}  // namespace moeserve::actors
