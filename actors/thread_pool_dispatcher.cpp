#include "actors/thread_pool_dispatcher.hpp"

#include <memory>

#include "actors/actor_cell.hpp"
#include "actors/cpu_relax.hpp"

namespace moeserve::actors {

struct thread_pool_dispatcher::worker {
  thread_pool_dispatcher* pool = nullptr;
  actor_cell* next = nullptr;  // only this worker's thread touches it
  std::thread thread;
};

thread_local thread_pool_dispatcher::worker* thread_pool_dispatcher::current_worker_ = nullptr;

thread_pool_dispatcher::thread_pool_dispatcher(unsigned threads, std::uint32_t messages_per_turn,
                                               std::chrono::microseconds spin)
    : budget_(messages_per_turn == 0 ? 1 : messages_per_turn), spin_(spin) {
  if (threads == 0) threads = 1;
  workers_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) {
    auto w = std::make_unique<worker>();
    w->pool = this;
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) w->thread = std::thread([this, p = w.get()] { work(*p); });
}

thread_pool_dispatcher::~thread_pool_dispatcher() { shutdown(); }

void thread_pool_dispatcher::schedule(actor_cell& cell) noexcept {
  worker* w = current_worker_;
  if (w != nullptr && w->pool == this) {
    actor_cell* displaced = w->next;
    w->next = &cell;
    if (displaced == nullptr) return;
    push_shared(displaced);
    return;
  }
  push_shared(&cell);
}

void thread_pool_dispatcher::push_shared(actor_cell* cell) noexcept {
  bool wake = false;
  {
    std::unique_lock lock(mutex_);
    if (stopping_) {
      // Only stopped actors are left after shutdown: their turns merely discard what
      // raced into their mailboxes, so run them on the caller's thread.
      lock.unlock();
      while (cell->run(budget_)) {
      }
      cell->release();
      return;
    }
    ready_.push_back(cell);
    ready_size_.store(ready_.size(), std::memory_order_release);
    wake = sleeping_ > 0 && spinning_.load(std::memory_order_acquire) == 0;
  }
  if (wake) wake_.notify_one();
}

actor_cell* thread_pool_dispatcher::take(worker& self) {
  if (self.next != nullptr) return std::exchange(self.next, nullptr);
  // Spin a little before sleeping: a message is often only microseconds away.
  spinning_.fetch_add(1, std::memory_order_acq_rel);
  const auto until = std::chrono::steady_clock::now() + spin_;
  std::unique_lock lock(mutex_, std::defer_lock);
  for (unsigned i = 0;; ++i) {
    if (ready_size_.load(std::memory_order_acquire) != 0) {
      lock.lock();
      if (!ready_.empty()) break;
      lock.unlock();
    }
    if ((i & 63) == 63) {
      if (std::chrono::steady_clock::now() >= until) {
        lock.lock();
        break;
      }
      // A thread that shares this core (perhaps the next sender) must not wait out the spin.
      std::this_thread::yield();
    } else {
      cpu_relax();
    }
  }
  spinning_.fetch_sub(1, std::memory_order_acq_rel);
  while (ready_.empty() && !stopping_) {
    ++sleeping_;
    wake_.wait(lock);
    --sleeping_;
  }
  if (ready_.empty()) return nullptr;  // stopping
  actor_cell* cell = ready_.front();
  ready_.pop_front();
  ready_size_.store(ready_.size(), std::memory_order_release);
  // More work than this worker can take: make sure a sleeper looks at it.
  const bool wake_another = !ready_.empty() && sleeping_ > 0 && spinning_.load(std::memory_order_acquire) == 0;
  lock.unlock();
  if (wake_another) wake_.notify_one();
  return cell;
}

void thread_pool_dispatcher::work(worker& self) {
  current_worker_ = &self;
  while (actor_cell* cell = take(self)) {
    if (cell->run(budget_)) {
      // Fairness: a busy cell goes behind what is already waiting, unless nothing is.
      if (self.next == nullptr && ready_size_.load(std::memory_order_acquire) == 0) {
        self.next = cell;
      } else {
        push_shared(cell);
      }
    } else {
      cell->release();
    }
  }
  current_worker_ = nullptr;
}

void thread_pool_dispatcher::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  // Cells still queued belong to stopped actors (join() waits for all to stop); running
  // them drops whatever raced into their mailboxes.
  for (auto& w : workers_) {
    if (w->next != nullptr) ready_.push_back(std::exchange(w->next, nullptr));
  }
  while (!ready_.empty()) {
    actor_cell* cell = ready_.front();
    ready_.pop_front();
    while (cell->run(budget_)) {
    }
    cell->release();
  }
}

}  // namespace moeserve::actors
