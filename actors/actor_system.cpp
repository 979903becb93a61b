#include "actors/actor_system.hpp"

#include <algorithm>
#include <stdexcept>

#include "actors/dedicated_thread_dispatcher.hpp"
#include "actors/test_scheduler.hpp"
#include "actors/thread_pool_dispatcher.hpp"

namespace moeserve::actors {

actor_system::actor_system(system_config config) : config_(std::move(config)) {
  if (config_.deterministic) {
    test_ = std::make_unique<test_scheduler>(config_.test_messages_per_turn);
    timers_ = test_.get();
    return;
  }
  unsigned threads = config_.worker_threads != 0 ? config_.worker_threads : std::thread::hardware_concurrency();
  if (threads == 0) threads = 1;
  thread_timers_ = std::make_unique<thread_timer_service>();
  timers_ = thread_timers_.get();
  pool_ = std::make_unique<thread_pool_dispatcher>(threads, config_.messages_per_turn, config_.spin);
  dedicated_ = std::make_unique<dedicated_thread_dispatcher>(config_.messages_per_turn, config_.spin);
}

actor_system::~actor_system() {
  stop(stop_mode::drop);
  join();
  // Pending timers and queued cells hold references to cells; drop them while the
  // dispatchers still exist.
  if (thread_timers_) thread_timers_->shutdown();
  if (test_) test_->clear();
}

dispatcher& actor_system::pool() noexcept {
  if (test_) return *test_;
  return *pool_;
}

dispatcher& actor_system::dedicated() noexcept {
  if (test_) return *test_;
  return *dedicated_;
}

test_scheduler& actor_system::test() {
  if (!test_) throw std::logic_error("actor_system::test() needs system_config::deterministic");
  return *test_;
}

actor_cell* actor_system::spawn_cell(const spawn_options& options, actor_cell* parent,
                                     const std::function<std::unique_ptr<actor_base>()>& make,
                                     std::function<std::unique_ptr<actor_base>()> restart_factory) {
  if (stopping()) return nullptr;
  dispatcher& where = options.on != nullptr ? *options.on : pool();
  auto* cell = new actor_cell(*this, next_id_.fetch_add(1, std::memory_order_relaxed), where, options);
  try {
    cell->install(actor_cell::construct_behavior(cell, make));
    if (restart_factory) cell->set_factory(std::move(restart_factory), options.max_restarts, options.restart_window);
    // Only escalation needs the parent; others stay small (no extras).
    if (options.supervision == supervision_policy::escalate && parent != nullptr && &parent->system() == this) {
      cell->set_parent(parent);
    }
  } catch (...) {
    cell->release();
    throw;
  }
  {
    std::lock_guard lock(registry_mutex_);
    // Checked again under the lock: a stop that ran meanwhile would never reach this actor.
    if (stopping_.load(std::memory_order_relaxed)) {
      cell->release();
      return nullptr;
    }
    cell->registry_prev = newest_;
    if (newest_ != nullptr) newest_->registry_next = cell;
    newest_ = cell;
    ++live_;
  }
  try {
    where.attach(*cell);
  } catch (...) {
    unlink(*cell);
    throw;
  }
  cell->add_ref();  // the caller's actor_ref; the first reference is the registry's
  cell->publish();
  return cell;
}

void actor_system::unlink(actor_cell& cell) noexcept {
  {
    std::lock_guard lock(registry_mutex_);
    if (cell.registry_next != nullptr) cell.registry_next->registry_prev = cell.registry_prev;
    if (cell.registry_prev != nullptr) cell.registry_prev->registry_next = cell.registry_next;
    if (newest_ == &cell) newest_ = cell.registry_prev;
    cell.registry_prev = cell.registry_next = nullptr;
    --live_;
    if (live_ == 0) none_left_.notify_all();
  }
  cell.release();  // the registry's reference
}

void actor_system::actor_stopped(actor_cell& cell) noexcept {
  unlink(cell);  // the running turn still holds a reference
  if (stopping()) stop_next();
}

void actor_system::stop(stop_mode mode) {
  actor_cell* hurry = nullptr;
  {
    std::lock_guard lock(registry_mutex_);
    if (stopping_.load(std::memory_order_relaxed)) {
      // A drop after a drain: the actor being stopped now drops what it has left.
      if (mode != stop_mode::drop || stop_mode_ == stop_mode::drop) return;
      stop_mode_ = mode;
      hurry = newest_;
      if (hurry != nullptr) hurry->add_ref();
    } else {
      stop_mode_ = mode;
      stopping_.store(true, std::memory_order_release);
    }
  }
  if (hurry != nullptr) {
    hurry->request_stop(stop_mode::drop, exit_reason::shutdown);
    hurry->release();
    return;
  }
  stop_next();
}

void actor_system::stop_next() noexcept {
  actor_cell* cell;
  stop_mode mode;
  {
    std::lock_guard lock(registry_mutex_);
    cell = newest_;
    if (cell == nullptr || cell->shutdown_requested) return;
    cell->shutdown_requested = true;
    cell->add_ref();
    mode = stop_mode_;
  }
  cell->request_stop(mode, exit_reason::shutdown);
  cell->release();
}

bool actor_system::join(std::chrono::steady_clock::time_point deadline) {
  if (test_) {
    test_->run_until_idle();
    return live_actors() == 0;
  }
  {
    std::unique_lock lock(registry_mutex_);
    const auto none = [this] { return live_ == 0; };
    if (deadline == std::chrono::steady_clock::time_point::max()) {
      none_left_.wait(lock, none);
    } else if (!none_left_.wait_until(lock, deadline, none)) {
      return false;
    }
    if (threads_ended_) return true;
    threads_ended_ = true;
    stopping_.store(true, std::memory_order_release);  // no spawns once the threads are gone
  }
  end_threads();
  return true;
}

void actor_system::end_threads() {
  pool_->shutdown();
  dedicated_->shutdown();
  std::vector<dispatcher*> extra;
  {
    std::lock_guard lock(registry_mutex_);
    for (auto& d : extra_dispatchers_) extra.push_back(d.get());
  }
  for (dispatcher* d : extra) d->shutdown();
}

std::size_t actor_system::live_actors() const {
  std::lock_guard lock(registry_mutex_);
  return live_;
}

std::vector<actor_stats> actor_system::stats() const {
  std::vector<actor_stats> out;
  std::lock_guard lock(registry_mutex_);
  out.reserve(live_);
  for (actor_cell* c = newest_; c != nullptr; c = c->registry_prev) {
    out.push_back(actor_stats{c->id(), std::string(c->name()), c->mailbox_depth(), c->processed(),
                              cycles_.to_ns(c->handler_ticks()), c->dropped(), c->rejected(), c->restarts()});
  }
  std::reverse(out.begin(), out.end());  // spawn order
  return out;
}

void actor_system::escalate(escalation failure) noexcept {
  if (config_.on_escalation) {
    config_.on_escalation(failure);
    return;
  }
  {
    std::lock_guard lock(registry_mutex_);
    if (!first_escalation_) first_escalation_ = failure.error;
  }
  stop(stop_mode::drain);
}

std::exception_ptr actor_system::first_escalation() const {
  std::lock_guard lock(registry_mutex_);
  return first_escalation_;
}

}  // namespace moeserve::actors
