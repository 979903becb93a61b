#include "actors/dedicated_thread_dispatcher.hpp"

#include <thread>

#include "actors/actor_cell.hpp"
#include "actors/cpu_relax.hpp"

namespace moeserve::actors {

// Shared by the actor's thread and its cell (dispatcher_data); freed by the last of them.
struct dedicated_thread_dispatcher::slot final : dispatcher_slot {
  std::atomic<std::uint32_t> signal{0};  // 1: work was scheduled
  std::atomic<bool> parked{false};
  std::atomic<bool> exit{false};
  std::atomic<int> owners{2};  // the thread and the cell

  void drop_owner() noexcept {
    if (owners.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  void release() noexcept override { drop_owner(); }
};

dedicated_thread_dispatcher::dedicated_thread_dispatcher(std::uint32_t messages_per_turn,
                                                         std::chrono::microseconds spin)
    : budget_(messages_per_turn == 0 ? 1 : messages_per_turn), spin_(spin) {}

dedicated_thread_dispatcher::~dedicated_thread_dispatcher() { shutdown(); }

void dedicated_thread_dispatcher::attach(actor_cell& cell) {
  auto* s = new slot();
  cell.dispatcher_data = s;
  {
    std::lock_guard lock(mutex_);
    ++live_;
  }
  cell.add_ref();  // the thread's own reference, dropped when it ends
  std::thread([this, s, c = &cell] { loop(*s, *c); }).detach();
}

void dedicated_thread_dispatcher::schedule(actor_cell& cell) noexcept {
  auto* s = static_cast<slot*>(cell.dispatcher_data);
  if (s->exit.load(std::memory_order_acquire)) {
    // The actor has stopped and its thread is ending: what raced into the mailbox is only
    // discarded, so do it here.
    while (cell.run(budget_)) {
    }
    cell.release();
    return;
  }
  cell.release();  // the thread holds its own reference for as long as it runs
  s->signal.store(1, std::memory_order_seq_cst);
  if (s->parked.load(std::memory_order_seq_cst)) s->signal.notify_one();
}

void dedicated_thread_dispatcher::detach(actor_cell& cell) noexcept {
  // Called from the actor's own last turn: the loop ends after it.
  static_cast<slot*>(cell.dispatcher_data)->exit.store(true, std::memory_order_release);
}

void dedicated_thread_dispatcher::loop(slot& s, actor_cell& cell) {
  // The turn that stops the actor sets s.exit (detach) before it returns; turns scheduled
  // after that run inline in schedule(), so this thread ends once it is idle.
  while (true) {
    const auto until = std::chrono::steady_clock::now() + spin_;
    for (unsigned i = 0; s.signal.load(std::memory_order_acquire) == 0; ++i) {
      if ((i & 63) != 63) {
        cpu_relax();
      } else if (std::chrono::steady_clock::now() < until) {
        std::this_thread::yield();  // let a thread sharing this core (perhaps the sender) run
      } else {
        s.parked.store(true, std::memory_order_seq_cst);
        if (s.signal.load(std::memory_order_seq_cst) == 0) s.signal.wait(0, std::memory_order_acquire);
        s.parked.store(false, std::memory_order_relaxed);
      }
    }
    s.signal.store(0, std::memory_order_relaxed);
    while (cell.run(budget_)) {
    }
    if (s.exit.load(std::memory_order_acquire)) break;
  }
  s.drop_owner();
  cell.release();
  std::lock_guard lock(mutex_);
  if (--live_ == 0) all_done_.notify_all();
}

void dedicated_thread_dispatcher::shutdown() {
  std::unique_lock lock(mutex_);
  all_done_.wait(lock, [this] { return live_ == 0; });
}

std::size_t dedicated_thread_dispatcher::live_threads() const {
  std::lock_guard lock(mutex_);
  return live_;
}

}  // namespace moeserve::actors
