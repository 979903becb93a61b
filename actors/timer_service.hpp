#pragma once
// timer_service: where actor timers and ask deadlines are kept. Two implementations:
// thread_timer_service (one thread per actor_system, sleeping until the next deadline, so
// an idle system burns no CPU) and the test scheduler's virtual clock.
//
// Callbacks run on the service's thread (or inside test_scheduler::advance) and must be
// short: the runtime's own callbacks only post a system message to an actor.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "actors/timer_queue.hpp"

namespace moeserve::actors {

class timer_service {
 public:
  virtual ~timer_service() = default;
  virtual timer_clock::time_point now() const = 0;
  // Starts a timer firing at `first`, then every `period` if period > 0 while fire()
  // returns true. Any thread.
  virtual timer_id start(timer_clock::time_point first, timer_clock::duration period, std::function<bool()> fire) = 0;
  // Any thread; a no-op for an unknown or finished timer. After it returns the timer will
  // not fire again (a firing already running on the service thread may still complete).
  virtual void cancel(timer_id id) noexcept = 0;
};

class thread_timer_service final : public timer_service {
 public:
  thread_timer_service();
  ~thread_timer_service() override;  // shutdown()
  timer_clock::time_point now() const override { return timer_clock::now(); }
  timer_id start(timer_clock::time_point first, timer_clock::duration period, std::function<bool()> fire) override;
  void cancel(timer_id id) noexcept override;
  // Ends the thread; pending timers are dropped without firing. Idempotent.
  void shutdown();

 private:
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  timer_queue queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace moeserve::actors
