#include "actors/timer_service.hpp"

namespace moeserve::actors {

thread_timer_service::thread_timer_service() : thread_([this] { loop(); }) {}

thread_timer_service::~thread_timer_service() { shutdown(); }

timer_id thread_timer_service::start(timer_clock::time_point first, timer_clock::duration period,
                                     std::function<bool()> fire) {
  std::lock_guard lock(mutex_);
  const bool earliest = !queue_.next_deadline() || first < *queue_.next_deadline();
  const timer_id id = queue_.add(first, period, std::move(fire));
  if (earliest) wake_.notify_one();
  return id;
}

void thread_timer_service::cancel(timer_id id) noexcept {
  std::optional<timer_entry> removed;  // destroyed after the lock is released
  std::lock_guard lock(mutex_);
  removed = queue_.cancel(id);
}

void thread_timer_service::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  timer_queue dropped;
  std::lock_guard lock(mutex_);
  std::swap(dropped, queue_);
}

void thread_timer_service::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto next = queue_.next_deadline();
    if (!next) {
      wake_.wait(lock);
      continue;
    }
    if (*next > timer_clock::now()) {
      wake_.wait_until(lock, *next);
      continue;
    }
    auto entry = queue_.pop_due(timer_clock::now());
    if (!entry) continue;
    lock.unlock();
    const bool keep = entry->fire();
    lock.lock();
    auto done = queue_.finish(std::move(*entry), keep);
    if (done) {
      lock.unlock();
      done.reset();
      lock.lock();
    }
  }
}

}  // namespace moeserve::actors
