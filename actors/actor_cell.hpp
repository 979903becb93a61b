#pragma once
// actor_cell: the runtime's half of one actor, independent of its protocol: the mailbox,
// the scheduling count, the lifecycle state, the statistics and the behaviour object.
// Users never touch it directly; actor_ref<P> and actor<P> are its typed faces.
//
// Scheduling. `pending_` counts messages pushed but not yet taken by a turn. A push links
// the node into the mailbox (one atomic exchange), then increments pending_; the push that
// moves it from 0 to 1 hands the cell to its dispatcher. A turn takes at most `budget`
// nodes and subtracts what it took; if messages are left it asks to be run again, else the
// cell is idle until the next 0 -> 1 transition. Hence a cell is never run by two threads
// at once, and every message is seen by some turn.
//
// Publication. A new cell is born holding its start message (pending_ == 1) without being
// scheduled, so whatever its constructor sends (to itself, timers, asks) only queues up;
// publish() hands it to its dispatcher once spawn has finished setting it up.
//
// Lifecycle: running -> stopping (user messages refused; queued ones drain or drop) ->
// stopped (behaviour destroyed, watchers told, everything further dropped). The cell lives
// on while references (actor_refs, dispatcher queues, timers) exist.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "actors/behavior.hpp"
#include "actors/lifecycle.hpp"
#include "actors/message.hpp"
#include "actors/mpsc_queue.hpp"
#include "actors/result.hpp"

namespace moeserve::actors {

class dispatcher;
struct dispatcher_slot;
class actor_system;
struct cell_extras;

class actor_cell {
 public:
  actor_cell(actor_system& system, actor_id id, dispatcher& where, const spawn_options& opts);
  actor_cell(const actor_cell&) = delete;
  actor_cell& operator=(const actor_cell&) = delete;

  // --- references (any thread) ---
  void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // --- sending (any thread) ---
  // Takes ownership of a user node. On refusal the node is destroyed, unless
  // keep_on_refusal, in which case the caller still owns it.
  send_status enqueue_user(message_node* node, bool keep_on_refusal = false) noexcept;
  // Takes ownership of a system node. Returns false (node destroyed) once stopped.
  bool enqueue_system(message_node* node) noexcept;
  // Posts `fn(cell)` as a system message.
  template <class F>
  bool post(F&& fn) {
    return enqueue_system(new callback_node<std::decay_t<F>>(std::forward<F>(fn)));
  }
  // Posts `fn(cell)`, dropped unless the actor is still in the given incarnation when it
  // arrives (callbacks of a restarted or stopped behaviour must not reach its successor).
  template <class F>
  bool post_guarded(std::uint32_t incarnation, F&& fn) {
    return post([incarnation, f = std::forward<F>(fn)](actor_cell& cell) mutable {
      if (cell.incarnation() == incarnation) f(cell);
    });
  }
  // Asks the actor to stop (any thread). drain: queued messages are handled first; drop:
  // queued user messages are discarded. User messages sent afterwards are refused.
  void request_stop(stop_mode mode, exit_reason reason = exit_reason::normal) noexcept;

  // --- dispatchers only ---
  // Runs one turn of at most `budget` messages on the calling thread. Returns true when
  // messages remain: the caller must run the cell again later, keeping its reference.
  // Returns false when the cell went idle: the caller releases the reference it was given
  // with schedule().
  bool run(std::uint32_t budget) noexcept;
  // dispatcher_data (below, with the other fields): owned by the dispatcher, released
  // when the cell is destroyed.

  // --- the actor's own context ---
  actor_base* behavior() const noexcept { return behavior_.get(); }
  std::uint32_t incarnation() const noexcept { return incarnation_; }
  void stop_after_handler(exit_reason reason) noexcept { stop_after_handler_ = true, stop_reason_ = reason; }
  cell_extras& extras();                  // lazily created; see actor_cell.cpp for which fields which thread may use
  static actor_cell* current() noexcept;  // the cell whose handler runs on this thread, or null

  // Builds a behaviour for `cell` with `make`: actor_base's constructor binds to the cell
  // (so constructors may already use system() and self()).
  static std::unique_ptr<actor_base> construct_behavior(actor_cell* cell,
                                                        const std::function<std::unique_ptr<actor_base>()>& make);
  static actor_cell* under_construction() noexcept;

  // --- set up by actor_system::spawn before the cell is published ---
  void install(std::unique_ptr<actor_base> behavior) noexcept;
  // Schedules the cell for its first turn (on_start). Called once, last.
  void publish() noexcept;
  void set_parent(actor_cell* parent) noexcept;  // takes a reference
  // The restart policy rebuilds the behaviour with this factory.
  void set_factory(std::function<std::unique_ptr<actor_base>()> factory, std::uint32_t max_restarts,
                   std::chrono::steady_clock::duration window);

  // --- observation (any thread) ---
  actor_id id() const noexcept { return id_; }
  actor_system& system() const noexcept { return *system_; }
  dispatcher& where() const noexcept { return *dispatcher_; }
  std::string_view name() const noexcept;
  bool stopped() const noexcept { return lifecycle_.load(std::memory_order_acquire) == stopped_state; }
  std::int64_t mailbox_depth() const noexcept;
  std::uint64_t processed() const noexcept { return processed_.load(std::memory_order_relaxed); }
  // Time in turns, in cycle_clock ticks (actor_system::stats converts to nanoseconds).
  std::uint64_t handler_ticks() const noexcept { return handler_ticks_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  std::uint64_t rejected() const noexcept { return rejected_.load(std::memory_order_relaxed); }
  std::uint32_t restarts() const noexcept { return restarts_.load(std::memory_order_relaxed); }
  // Why the actor ended, and the failure's message; meaningful once stopped() is true.
  exit_reason final_reason() const noexcept { return stop_reason_; }
  std::string final_error() const;

 private:
  static constexpr std::uint8_t running_state = 0, stopping_state = 1, stopped_state = 2;
  ~actor_cell();

  void push(message_node* node) noexcept;
  void discard(message_node* node) noexcept;
  void deliver(message_node* node) noexcept;
  void on_failure(std::exception_ptr error) noexcept;
  bool try_restart() noexcept;
  void finish_stop(exit_reason reason, std::string error) noexcept;
  void cancel_timers() noexcept;
  void notify_watchers(const down_msg& down) noexcept;

  // Three groups, ordered so that what senders write on every message (first) and what
  // the actor's turn writes on every message (last) are always on different cache lines.
  //
  // Written by senders (any thread): the mailbox's producer end, the scheduling count, the
  // reference count; then rarely written parts.
  mpsc_producer_end inbox_in_;
  std::atomic<std::int64_t> pending_{1};  // the start message, queued by the constructor
  std::atomic<std::uint32_t> refs_{1};
  std::atomic<std::uint32_t> bound_used_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> rejected_{0};

 public:
  // Intrusive links of the system's registry, guarded by its mutex.
  actor_cell* registry_prev = nullptr;
  actor_cell* registry_next = nullptr;
  dispatcher_slot* dispatcher_data = nullptr;  // released when the cell is destroyed
  bool shutdown_requested = false;

 private:
  // Read on every message, written rarely.
  std::atomic<std::uint8_t> lifecycle_{running_state};
  std::atomic<bool> drop_queued_{false};
  std::uint8_t supervision_;
  bool timed_;  // measure time in turns (the system's setting, copied)
  exit_reason stop_reason_ = exit_reason::normal;
  std::uint32_t capacity_;  // 0 = unbounded
  actor_id id_;
  actor_system* system_;
  dispatcher* dispatcher_;
  std::atomic<cell_extras*> extras_{nullptr};

  // Written by the actor's own turns.
  std::unique_ptr<actor_base> behavior_;
  std::uint32_t incarnation_ = 0;
  bool stop_after_handler_ = false;
  std::atomic<std::uint32_t> restarts_{0};
  std::atomic<std::uint64_t> processed_{0};
  std::atomic<std::uint64_t> handler_ticks_{0};
  std::atomic<std::int64_t> turn_taken_{0};  // taken by the turn in progress (for mailbox_depth)
  mpsc_consumer_end inbox_out_;
};

// An owning pointer to a cell (one reference), for the runtime's own callbacks.
class cell_ref {
 public:
  cell_ref() noexcept = default;
  explicit cell_ref(actor_cell* cell) noexcept : cell_(cell) {
    if (cell_ != nullptr) cell_->add_ref();
  }
  cell_ref(const cell_ref& o) noexcept : cell_ref(o.cell_) {}
  cell_ref(cell_ref&& o) noexcept : cell_(std::exchange(o.cell_, nullptr)) {}
  cell_ref& operator=(cell_ref o) noexcept {
    std::swap(cell_, o.cell_);
    return *this;
  }
  ~cell_ref() {
    if (cell_ != nullptr) cell_->release();
  }
  actor_cell* get() const noexcept { return cell_; }
  actor_cell* operator->() const noexcept { return cell_; }

 private:
  actor_cell* cell_ = nullptr;
};

}  // namespace moeserve::actors
