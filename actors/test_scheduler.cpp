#include "actors/test_scheduler.hpp"

#include <optional>

#include "actors/actor_cell.hpp"

namespace moeserve::actors {

test_scheduler::test_scheduler(std::uint32_t messages_per_turn)
    : budget_(messages_per_turn == 0 ? 1 : messages_per_turn),
      now_(timer_clock::time_point{} + std::chrono::hours(1)) {}

test_scheduler::~test_scheduler() { clear(); }

void test_scheduler::schedule(actor_cell& cell) noexcept {
  std::lock_guard lock(mutex_);
  ready_.push_back(&cell);
}

timer_clock::time_point test_scheduler::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

timer_id test_scheduler::start(timer_clock::time_point first, timer_clock::duration period,
                               std::function<bool()> fire) {
  std::lock_guard lock(mutex_);
  return timers_.add(first, period, std::move(fire));
}

void test_scheduler::cancel(timer_id id) noexcept {
  std::optional<timer_entry> removed;  // destroyed after the lock is released
  std::lock_guard lock(mutex_);
  removed = timers_.cancel(id);
}

bool test_scheduler::run_one() {
  actor_cell* cell;
  {
    std::lock_guard lock(mutex_);
    if (ready_.empty()) return false;
    cell = ready_.front();
    ready_.pop_front();
  }
  if (cell->run(budget_)) {
    std::lock_guard lock(mutex_);
    ready_.push_back(cell);
  } else {
    cell->release();
  }
  return true;
}

std::size_t test_scheduler::run_until_idle(std::size_t max_turns) {
  std::size_t turns = 0;
  while (turns < max_turns && run_one()) ++turns;
  return turns;
}

bool test_scheduler::fire_due(timer_clock::time_point until) {
  std::optional<timer_entry> entry;
  {
    std::lock_guard lock(mutex_);
    const auto next = timers_.next_deadline();
    if (!next || *next > until) return false;
    now_ = std::max(now_, *next);
    entry = timers_.pop_due(now_);
  }
  const bool keep = entry->fire();
  std::optional<timer_entry> done;
  {
    std::lock_guard lock(mutex_);
    done = timers_.finish(std::move(*entry), keep);
  }
  run_until_idle();
  return true;
}

void test_scheduler::advance(timer_clock::duration d) {
  const auto target = now() + d;
  run_until_idle();
  while (fire_due(target)) {
  }
  std::lock_guard lock(mutex_);
  now_ = target;
}

bool test_scheduler::fire_next_timer() {
  run_until_idle();
  return fire_due(timer_clock::time_point::max());
}

std::size_t test_scheduler::ready() const {
  std::lock_guard lock(mutex_);
  return ready_.size();
}

std::size_t test_scheduler::pending_timers() const {
  std::lock_guard lock(mutex_);
  return timers_.size();
}

void test_scheduler::clear() {
  std::deque<actor_cell*> cells;
  timer_queue timers;
  {
    std::lock_guard lock(mutex_);
    cells.swap(ready_);
    std::swap(timers, timers_);
  }
  for (actor_cell* c : cells) {
    while (c->run(budget_)) {
    }
    c->release();
  }
}

}  // namespace moeserve::actors
