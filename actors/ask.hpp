#pragma once
// Request/reply. A request message carries a reply_to<R>; the receiver answers with
// reply.send(value) from any thread, at most once. The asker learns the outcome exactly
// once: the value, or an ask_error (timeout, no_reply when the receiver drops the
// reply_to unanswered, actor_stopped / mailbox_full when the request was not delivered).
//
// Inside an actor, actor<P>::ask runs the continuation in the asking actor's context (as a
// system message; dropped if the asker stopped or restarted meanwhile). Outside any actor,
// ask(system, ...) returns a std::future.
//
//   struct get_count { reply_to<int> reply; };
//   ask<int>(counter, 100ms, [](reply_to<int> r) { return get_count{std::move(r)}; },
//            [this](ask_result<int> r) { if (r) total_ += r.value(); });
#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <utility>

#include "actors/actor_cell.hpp"
#include "actors/actor_ref.hpp"
#include "actors/actor_system.hpp"
#include "actors/result.hpp"
#include "actors/timer_service.hpp"

namespace moeserve::actors {

namespace detail {

template <class R>
class ask_state : public std::enable_shared_from_this<ask_state<R>> {
 public:
  ask_state(actor_cell* asker, timer_service& timers, std::function<void(ask_result<R>)> continuation)
      : asker_(asker),
        incarnation_(asker != nullptr ? asker->incarnation() : 0),
        timers_(&timers),
        continuation_(std::move(continuation)) {}

  void arm(timer_clock::duration timeout) {
    std::weak_ptr<ask_state> weak = this->weak_from_this();
    timer_.store(timers_->start(timers_->now() + timeout, timer_clock::duration::zero(),
                                [weak] {
                                  if (auto self = weak.lock()) self->complete(ask_error::timeout);
                                  return false;
                                }),
                 std::memory_order_release);
  }

  // The first call wins; later ones do nothing. Any thread.
  void complete(ask_result<R> outcome) {
    if (done_.exchange(true, std::memory_order_acq_rel)) return;
    if (const timer_id t = timer_.load(std::memory_order_acquire); t != 0) timers_->cancel(t);
    if (asker_.get() == nullptr) {
      continuation_(std::move(outcome));
      return;
    }
    asker_->post_guarded(incarnation_, [self = this->shared_from_this(), r = std::move(outcome)](actor_cell&) mutable {
      self->continuation_(std::move(r));
    });
  }

 private:
  std::atomic<bool> done_{false};
  std::atomic<timer_id> timer_{0};
  cell_ref asker_;
  std::uint32_t incarnation_;
  timer_service* timers_;
  std::function<void(ask_result<R>)> continuation_;
};

}  // namespace detail

// The answering half of an ask. Move-only; destroying it unanswered completes the ask with
// ask_error::no_reply.
template <class R>
class reply_to {
 public:
  reply_to() noexcept = default;
  explicit reply_to(std::shared_ptr<detail::ask_state<R>> state) noexcept : state_(std::move(state)) {}
  reply_to(reply_to&&) noexcept = default;
  reply_to& operator=(reply_to&& other) noexcept {
    if (this != &other) {
      abandon();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ~reply_to() { abandon(); }

  // Answers the ask. Any thread; only the first answer counts.
  void send(R value) {
    if (auto s = std::exchange(state_, nullptr)) s->complete(std::move(value));
  }
  bool pending() const noexcept { return state_ != nullptr; }

 private:
  void abandon() noexcept {
    if (auto s = std::exchange(state_, nullptr)) s->complete(ask_error::no_reply);
  }
  std::shared_ptr<detail::ask_state<R>> state_;
};

namespace detail {

template <class R, class P, class Make>
void start_ask(actor_cell* asker, timer_service& timers, const actor_ref<P>& target, timer_clock::duration timeout,
               Make&& make, std::function<void(ask_result<R>)> continuation) {
  auto state = std::make_shared<ask_state<R>>(asker, timers, std::move(continuation));
  if (!target) {
    state->complete(ask_error::actor_stopped);
    return;
  }
  state->arm(timeout);
  auto* node = new envelope_node<P>(std::forward<Make>(make)(reply_to<R>(state)));
  const send_status status = target.cell()->enqueue_user(node, /*keep_on_refusal=*/true);
  if (status != send_status::ok) {
    state->complete(to_ask_error(status));  // before the reply_to inside dies with no_reply
    delete node;
  }
}

}  // namespace detail

// Asks from outside any actor; the outcome arrives through the future. `make` builds the
// request message from the reply_to. (In a deterministic system, run the test scheduler
// before waiting on the future.)
template <class R, class P, class Make>
std::future<ask_result<R>> ask(actor_system& system, const actor_ref<P>& target, timer_clock::duration timeout,
                               Make&& make) {
  auto promise = std::make_shared<std::promise<ask_result<R>>>();
  auto future = promise->get_future();
  detail::start_ask<R>(nullptr, system.timers(), target, timeout, std::forward<Make>(make),
                       [promise](ask_result<R> r) { promise->set_value(std::move(r)); });
  return future;
}

}  // namespace moeserve::actors
