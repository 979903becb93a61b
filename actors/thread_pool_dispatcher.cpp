#include "actors/thread_pool_dispatcher.hpp"

#include "actors/actor_cell.hpp"
#include "actors/cpu_relax.hpp"

namespace moeserve::actors {

struct thread_pool_dispatcher::worker {
  thread_pool_dispatcher* pool = nullptr;
  std::size_t index = 0;
  actor_cell* next = nullptr;  // only this worker's thread touches it
  std::mutex mutex;            // guards local
  std::deque<actor_cell*> local;
  std::atomic<std::size_t> local_size{0};
  unsigned picks = 0;  // every 16th pick looks at the shared queue first (fairness)
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
    w->index = i;
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) w->thread = std::thread([this, p = w.get()] { work(*p); });
}

thread_pool_dispatcher::~thread_pool_dispatcher() { shutdown(); }

void thread_pool_dispatcher::run_inline(actor_cell* cell) noexcept {
  while (cell->run(budget_)) {
  }
  cell->release();
}

void thread_pool_dispatcher::schedule(actor_cell& cell) noexcept {
  worker* w = current_worker_;
  if (w != nullptr && w->pool == this) {
    if (actor_cell* displaced = std::exchange(w->next, &cell)) push_local(*w, displaced);
    return;
  }
  push_shared(&cell);
}

void thread_pool_dispatcher::push_local(worker& self, actor_cell* cell) noexcept {
  {
    std::lock_guard lock(self.mutex);
    self.local.push_back(cell);
    self.local_size.store(self.local.size(), std::memory_order_seq_cst);
  }
  wake_one();
}

void thread_pool_dispatcher::push_shared(actor_cell* cell) noexcept {
  {
    std::unique_lock lock(mutex_);
    if (stopping_.load(std::memory_order_relaxed)) {
      // Only stopped actors are left after shutdown: their turns merely discard what
      // raced into their mailboxes, so run them on the caller's thread.
      lock.unlock();
      run_inline(cell);
      return;
    }
    shared_.push_back(cell);
    shared_size_.store(shared_.size(), std::memory_order_seq_cst);
  }
  wake_one();
}

// Wakes a sleeping worker unless one is spinning (it will find the work). The sleeper
// re-checks for work under mutex_ after announcing itself, so no wake-up is lost.
void thread_pool_dispatcher::wake_one() noexcept {
  if (sleeping_.load(std::memory_order_seq_cst) == 0 || spinning_.load(std::memory_order_seq_cst) != 0) return;
  { std::lock_guard lock(mutex_); }
  wake_.notify_one();
}

bool thread_pool_dispatcher::any_work() const noexcept {
  if (shared_size_.load(std::memory_order_seq_cst) != 0) return true;
  for (const auto& w : workers_) {
    if (w->local_size.load(std::memory_order_seq_cst) != 0) return true;
  }
  return false;
}

actor_cell* thread_pool_dispatcher::steal(worker& self) {
  const std::size_t n = workers_.size();
  for (std::size_t k = 1; k < n; ++k) {
    worker& victim = *workers_[(self.index + k) % n];
    if (victim.local_size.load(std::memory_order_acquire) == 0) continue;
    std::deque<actor_cell*> loot;
    {
      std::lock_guard lock(victim.mutex);
      const std::size_t take = (victim.local.size() + 1) / 2;  // the newer half
      for (std::size_t i = 0; i < take; ++i) {
        loot.push_front(victim.local.back());
        victim.local.pop_back();
      }
      victim.local_size.store(victim.local.size(), std::memory_order_seq_cst);
    }
    if (loot.empty()) continue;
    actor_cell* first = loot.front();
    loot.pop_front();
    if (!loot.empty()) {
      std::lock_guard lock(self.mutex);
      self.local.insert(self.local.end(), loot.begin(), loot.end());
      self.local_size.store(self.local.size(), std::memory_order_seq_cst);
    }
    return first;
  }
  return nullptr;
}

actor_cell* thread_pool_dispatcher::find_work(worker& self) {
  const auto pop_local = [&]() -> actor_cell* {
    if (self.local_size.load(std::memory_order_acquire) == 0) return nullptr;
    std::lock_guard lock(self.mutex);
    if (self.local.empty()) return nullptr;
    actor_cell* c = self.local.front();
    self.local.pop_front();
    self.local_size.store(self.local.size(), std::memory_order_seq_cst);
    return c;
  };
  const auto pop_shared = [&]() -> actor_cell* {
    if (shared_size_.load(std::memory_order_acquire) == 0) return nullptr;
    std::lock_guard lock(mutex_);
    if (shared_.empty()) return nullptr;
    actor_cell* c = shared_.front();
    shared_.pop_front();
    shared_size_.store(shared_.size(), std::memory_order_seq_cst);
    return c;
  };
  // Local work first (hot caches), but never so long that outside work starves.
  const bool shared_first = (++self.picks & 15) == 0;
  if (actor_cell* c = shared_first ? pop_shared() : pop_local()) return c;
  if (actor_cell* c = shared_first ? pop_local() : pop_shared()) return c;
  return steal(self);
}

actor_cell* thread_pool_dispatcher::take(worker& self) {
  if (self.next != nullptr) return std::exchange(self.next, nullptr);
  while (true) {
    if (actor_cell* c = find_work(self)) return c;
    // Spin a little before sleeping: a message is often only microseconds away.
    spinning_.fetch_add(1, std::memory_order_seq_cst);
    const auto until = std::chrono::steady_clock::now() + spin_;
    bool found = false;
    for (unsigned i = 0; !found; ++i) {
      if (any_work()) {
        found = true;
      } else if ((i & 63) != 63) {
        cpu_relax();
      } else if (std::chrono::steady_clock::now() < until) {
        std::this_thread::yield();  // a thread sharing this core (perhaps the next sender) must not wait
      } else {
        break;
      }
    }
    spinning_.fetch_sub(1, std::memory_order_seq_cst);
    if (found) continue;
    std::unique_lock lock(mutex_);
    sleeping_.fetch_add(1, std::memory_order_seq_cst);
    while (!any_work() && !stopping_.load(std::memory_order_relaxed)) wake_.wait(lock);
    sleeping_.fetch_sub(1, std::memory_order_seq_cst);
    if (!any_work() && stopping_.load(std::memory_order_relaxed)) return nullptr;
  }
}

void thread_pool_dispatcher::work(worker& self) {
  current_worker_ = &self;
  while (actor_cell* cell = take(self)) {
    if (!cell->run(budget_)) {
      cell->release();
    } else if (shared_size_.load(std::memory_order_acquire) != 0) {
      push_shared(cell);  // fairness: behind the work that came from outside
    } else if (self.next == nullptr && self.local_size.load(std::memory_order_relaxed) == 0) {
      self.next = cell;  // nothing else waits: keep going
    } else {
      push_local(self, cell);  // fairness: behind what is already waiting
    }
  }
  current_worker_ = nullptr;
}

void thread_pool_dispatcher::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_.load(std::memory_order_relaxed)) return;
    stopping_.store(true, std::memory_order_seq_cst);
  }
  wake_.notify_all();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  // Cells still queued belong to stopped actors (join() waits for all to stop); running
  // them drops whatever raced into their mailboxes.
  for (auto& w : workers_) {
    if (w->next != nullptr) run_inline(std::exchange(w->next, nullptr));
    for (actor_cell* c : w->local) run_inline(c);
    w->local.clear();
  }
  for (actor_cell* c : shared_) run_inline(c);
  shared_.clear();
}

}  // namespace moeserve::actors
