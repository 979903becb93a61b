#pragma once
// actor<P>: the base class of user actors with protocol P (typically a std::variant of
// plain structs). A subclass implements receive(P&) and may override the hooks of
// actor_base. Everything here is called from the actor's own handlers.
//
//   struct add { int n; };
//   struct get { reply_to<int> reply; };
//   using counter_protocol = std::variant<add, get>;
//
//   class counter : public actor<counter_protocol> {
//    public:
//     void receive(counter_protocol& m) override {
//       std::visit(overloaded{[&](add& a) { total_ += a.n; },
//                             [&](get& g) { g.reply.send(total_); }}, m);
//     }
//    private:
//     int total_ = 0;
//   };
#include <chrono>
#include <functional>
#include <utility>

#include "actors/actor_ref.hpp"
#include "actors/actor_system.hpp"
#include "actors/ask.hpp"
#include "actors/behavior.hpp"
#include "actors/timer_queue.hpp"

namespace moeserve::actors {

struct timer_handle {
  timer_id id = 0;
};

namespace detail {
// Non-template parts of the helpers below (actor_helpers.cpp).
timer_handle start_timer(actor_cell& cell, timer_clock::duration first, timer_clock::duration period,
                         std::function<void()> fn);
void cancel_timer(actor_cell& cell, timer_handle handle) noexcept;
void watch(actor_cell& watcher, actor_cell* target);
void unwatch(actor_cell& watcher, actor_cell* target) noexcept;
}  // namespace detail

template <class P>
class actor : public receiver<P> {
 public:
  // A reference to this actor, e.g. to hand to others.
  actor_ref<P> self() const { return actor_ref<P>::share(&this->cell()); }

 protected:
  // Runs fn in this actor's context once, after `delay`.
  timer_handle after(timer_clock::duration delay, std::function<void()> fn) {
    return detail::start_timer(this->cell(), delay, timer_clock::duration::zero(), std::move(fn));
  }
  // Runs fn in this actor's context every `period` (first after one period).
  timer_handle every(timer_clock::duration period, std::function<void()> fn) {
    return detail::start_timer(this->cell(), period, period, std::move(fn));
  }
  void cancel(timer_handle handle) noexcept { detail::cancel_timer(this->cell(), handle); }

  // on_down(down_msg) will run once `other` has stopped (at once if it already has).
  template <class Q>
  void watch(const actor_ref<Q>& other) {
    detail::watch(this->cell(), other.cell());
  }
  template <class Q>
  void unwatch(const actor_ref<Q>& other) noexcept {
    detail::unwatch(this->cell(), other.cell());
  }

  // Sends make(reply_to<R>) to target; continuation(ask_result<R>) runs later in this
  // actor's context, exactly once (unless this actor stops or restarts first).
  template <class R, class Q, class Make, class Continuation>
  void ask(const actor_ref<Q>& target, timer_clock::duration timeout, Make&& make, Continuation&& continuation) {
    detail::start_ask<R>(&this->cell(), this->system().timers(), target, timeout, std::forward<Make>(make),
                         std::function<void(ask_result<R>)>(std::forward<Continuation>(continuation)));
  }

  // Spawns a child: like actor_system::spawn, with this actor as the parent that
  // supervision_policy::escalate reports to.
  template <class A, class... Args>
  actor_ref<typename A::protocol> spawn(Args&&... args) {
    return this->system().template spawn<A>(std::forward<Args>(args)...);
  }
  template <class A, class... Args>
  actor_ref<typename A::protocol> spawn_with(spawn_options options, Args&&... args) {
    return this->system().template spawn_with<A>(std::move(options), std::forward<Args>(args)...);
  }
};

}  // namespace moeserve::actors
