#include "actors/actor_cell.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "actors/actor_system.hpp"
#include "actors/cell_extras.hpp"
#include "actors/cycle_clock.hpp"
#include "actors/dispatcher.hpp"

namespace moeserve::actors {

namespace {
thread_local actor_cell* running_cell = nullptr;
thread_local actor_cell* constructing_cell = nullptr;

struct running_scope {
  explicit running_scope(actor_cell* cell) noexcept : saved(std::exchange(running_cell, cell)) {}
  ~running_scope() { running_cell = saved; }
  actor_cell* saved;
};

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}
}  // namespace

actor_cell::actor_cell(actor_system& system, actor_id id, dispatcher& where, const spawn_options& opts)
    : supervision_(static_cast<std::uint8_t>(opts.supervision)),
      timed_(system.measures_handler_time()),
      capacity_(opts.mailbox_capacity),
      id_(id),
      system_(&system),
      dispatcher_(&where) {
  mpsc_init(inbox_in_, inbox_out_);
  if (!opts.name.empty()) extras().name = opts.name;
  auto start = [](actor_cell& cell) { cell.behavior()->on_start(); };
  mpsc_push(inbox_in_, new callback_node<decltype(start)>(start));  // counted by pending_'s initial 1
}

void actor_cell::publish() noexcept {
  add_ref();  // handed to the dispatcher
  dispatcher_->schedule(*this);
}

std::string actor_cell::final_error() const {
  cell_extras* x = extras_.load(std::memory_order_acquire);
  return x != nullptr ? x->final_error : std::string();
}

actor_cell::~actor_cell() {
  // Whatever raced into the mailbox after the last turn is dropped here. Neither the
  // system nor the dispatcher is touched: a reference may outlive both.
  while (mpsc_node* n = mpsc_pop(inbox_in_, inbox_out_)) delete static_cast<message_node*>(n);
  if (dispatcher_data != nullptr) dispatcher_data->release();
  if (cell_extras* x = extras_.load(std::memory_order_acquire)) {
    if (x->parent != nullptr) x->parent->release();
    delete x;
  }
}

actor_cell* actor_cell::current() noexcept { return running_cell; }

actor_cell* actor_cell::under_construction() noexcept { return constructing_cell; }

std::unique_ptr<actor_base> actor_cell::construct_behavior(actor_cell* cell,
                                                           const std::function<std::unique_ptr<actor_base>()>& make) {
  actor_cell* saved = std::exchange(constructing_cell, cell);
  try {
    auto made = make();
    constructing_cell = saved;
    return made;
  } catch (...) {
    constructing_cell = saved;
    throw;
  }
}

cell_extras& actor_cell::extras() {
  cell_extras* x = extras_.load(std::memory_order_acquire);
  if (x != nullptr) return *x;
  auto* fresh = new cell_extras();
  if (extras_.compare_exchange_strong(x, fresh, std::memory_order_acq_rel)) return *fresh;
  delete fresh;
  return *x;
}

std::string_view actor_cell::name() const noexcept {
  cell_extras* x = extras_.load(std::memory_order_acquire);
  return x != nullptr ? std::string_view(x->name) : std::string_view();
}

void actor_cell::install(std::unique_ptr<actor_base> behavior) noexcept { behavior_ = std::move(behavior); }

void actor_cell::set_parent(actor_cell* parent) noexcept {
  if (parent == nullptr) return;
  parent->add_ref();
  extras().parent = parent;
}

void actor_cell::set_factory(std::function<std::unique_ptr<actor_base>()> factory, std::uint32_t max_restarts,
                             std::chrono::steady_clock::duration window) {
  cell_extras& x = extras();
  x.factory = std::move(factory);
  x.max_restarts = max_restarts;
  x.restart_window = window;
}

std::int64_t actor_cell::mailbox_depth() const noexcept {
  return std::max<std::int64_t>(0,
                                pending_.load(std::memory_order_relaxed) - turn_taken_.load(std::memory_order_relaxed));
}

// --- sending ---

void actor_cell::push(message_node* node) noexcept {
  mpsc_push(inbox_in_, node);
  if (pending_.fetch_add(1, std::memory_order_acq_rel) == 0) {
    add_ref();  // handed to the dispatcher
    dispatcher_->schedule(*this);
  }
}

send_status actor_cell::enqueue_user(message_node* node, bool keep_on_refusal) noexcept {
  if (lifecycle_.load(std::memory_order_acquire) != running_state) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    system_->count_dead_letter();
    if (!keep_on_refusal) delete node;
    return send_status::actor_stopped;
  }
  if (capacity_ != 0) {
    if (bound_used_.fetch_add(1, std::memory_order_relaxed) >= capacity_) {
      bound_used_.fetch_sub(1, std::memory_order_relaxed);
      rejected_.fetch_add(1, std::memory_order_relaxed);
      if (!keep_on_refusal) delete node;
      return send_status::mailbox_full;
    }
    node->bounded = true;
  }
  push(node);
  return send_status::ok;
}

bool actor_cell::enqueue_system(message_node* node) noexcept {
  if (lifecycle_.load(std::memory_order_acquire) == stopped_state) {
    delete node;
    return false;
  }
  push(node);
  return true;
}

void actor_cell::discard(message_node* node) noexcept {
  if (node->user) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    system_->count_dead_letter();
  }
  delete node;
}

void actor_cell::request_stop(stop_mode mode, exit_reason reason) noexcept {
  // A drop request also hurries a stop already under way.
  if (mode == stop_mode::drop) drop_queued_.store(true, std::memory_order_release);
  std::uint8_t expected = running_state;
  if (!lifecycle_.compare_exchange_strong(expected, stopping_state, std::memory_order_acq_rel)) return;
  post([reason](actor_cell& cell) { cell.finish_stop(reason, {}); });
}

// --- running ---

bool actor_cell::run(std::uint32_t budget) noexcept {
  running_scope scope(this);
  const bool timed = timed_;
  const std::uint64_t started = timed ? cycle_clock::now() : 0;
  std::int64_t taken = 0;
  std::uint64_t handled = 0;
  while (taken < static_cast<std::int64_t>(budget) || lifecycle_.load(std::memory_order_relaxed) == stopped_state) {
    auto* node = static_cast<message_node*>(mpsc_pop(inbox_in_, inbox_out_));
    if (node == nullptr) break;
    ++taken;
    turn_taken_.store(taken, std::memory_order_relaxed);
    if (node->bounded) bound_used_.fetch_sub(1, std::memory_order_relaxed);
    if (lifecycle_.load(std::memory_order_relaxed) == stopped_state ||
        (node->user && drop_queued_.load(std::memory_order_relaxed))) {
      discard(node);
      continue;
    }
    deliver(node);
    ++handled;
    if (stop_after_handler_) {
      stop_after_handler_ = false;
      finish_stop(stop_reason_, {});
    }
  }
  if (handled != 0) processed_.store(processed_.load(std::memory_order_relaxed) + handled, std::memory_order_relaxed);
  if (timed) {
    handler_ticks_.store(handler_ticks_.load(std::memory_order_relaxed) + (cycle_clock::now() - started),
                         std::memory_order_relaxed);
  }
  const std::int64_t left = pending_.fetch_sub(taken, std::memory_order_acq_rel) - taken;
  turn_taken_.store(0, std::memory_order_relaxed);
  return left > 0;
}

void actor_cell::deliver(message_node* node) noexcept {
  try {
    node->deliver(*this);
  } catch (...) {
    on_failure(std::current_exception());
  }
  delete node;
}

void actor_cell::on_failure(std::exception_ptr error) noexcept {
  const auto policy = static_cast<supervision_policy>(supervision_);
  if (policy == supervision_policy::restart && try_restart()) return;
  finish_stop(exit_reason::failure, describe(error));
  if (policy != supervision_policy::escalate) return;
  cell_extras* x = extras_.load(std::memory_order_acquire);
  actor_cell* parent = x != nullptr ? x->parent : nullptr;
  if (parent == nullptr) {
    system_->escalate(escalation{id_, error});
    return;
  }
  parent->post([child = id_, error](actor_cell& p) { p.behavior()->on_child_failed(child_failure{child, error}); });
}

bool actor_cell::try_restart() noexcept {
  cell_extras& x = extras();
  if (!x.factory) return false;
  const auto now = system_->timers().now();  // virtual in a deterministic system
  std::erase_if(x.restart_times, [&](auto t) { return now - t > x.restart_window; });
  if (x.restart_times.size() >= x.max_restarts) return false;
  x.restart_times.push_back(now);
  cancel_timers();
  {
    std::lock_guard lock(system_->watch_mutex());
    for (actor_cell* watched : x.watching) {
      auto& list = watched->extras().watchers;
      std::erase_if(list, [&](const watch_entry& e) {
        if (e.watcher != this) return false;
        release();
        return true;
      });
      watched->release();
    }
    x.watching.clear();
  }
  ++incarnation_;  // drops callbacks of the old behaviour still in flight
  restarts_.fetch_add(1, std::memory_order_relaxed);
  try {
    behavior_.reset();
    behavior_ = construct_behavior(this, x.factory);
    behavior_->on_start();
  } catch (...) {
    return try_restart();
  }
  return true;
}

void actor_cell::cancel_timers() noexcept {
  cell_extras* x = extras_.load(std::memory_order_acquire);
  if (x == nullptr) return;
  for (auto& t : x->timers) {
    t->cancelled = true;
    system_->timers().cancel(t->id);
  }
  x->timers.clear();
}

void actor_cell::finish_stop(exit_reason reason, std::string error) noexcept {
  if (lifecycle_.load(std::memory_order_relaxed) == stopped_state) return;
  lifecycle_.store(stopping_state, std::memory_order_release);
  if (behavior_ != nullptr) {
    try {
      behavior_->on_stop();
    } catch (...) {
      if (reason != exit_reason::failure) {
        reason = exit_reason::failure;
        error = describe(std::current_exception());
      }
    }
  }
  cancel_timers();
  behavior_.reset();
  ++incarnation_;
  stop_reason_ = reason;
  if (!error.empty()) extras().final_error = error;
  lifecycle_.store(stopped_state, std::memory_order_release);
  notify_watchers(down_msg{id_, reason, std::move(error)});
  dispatcher_->detach(*this);
  system_->actor_stopped(*this);
}

void actor_cell::notify_watchers(const down_msg& down) noexcept {
  std::vector<watch_entry> watchers;
  {
    std::lock_guard lock(system_->watch_mutex());
    cell_extras* x = extras_.load(std::memory_order_acquire);
    if (x == nullptr) return;
    watchers.swap(x->watchers);
    for (actor_cell* watched : x->watching) {
      std::erase_if(watched->extras().watchers, [&](const watch_entry& e) {
        if (e.watcher != this) return false;
        release();
        return true;
      });
      watched->release();
    }
    x->watching.clear();
  }
  for (const watch_entry& e : watchers) {
    e.watcher->post_guarded(e.incarnation, [down](actor_cell& w) { w.behavior()->on_down(down); });
    e.watcher->release();
  }
}

}  // namespace moeserve::actors
