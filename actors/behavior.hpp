#pragma once
// actor_base: what every actor's behaviour object is. Users derive from actor<Protocol>
// (actor.hpp), which adds the typed helpers; this header holds the parts the runtime core
// needs without knowing any protocol.
//
// A behaviour object is created by spawn() on the spawning thread and afterwards touched
// only in the actor's context (one handler at a time, never concurrently). Its hooks run
// in that context too. It is destroyed when the actor stops (or restarts), in its context.
#include <exception>
#include <string_view>

#include "actors/lifecycle.hpp"

namespace moeserve::actors {

class actor_cell;
class actor_system;

class actor_base {
 public:
  actor_base() noexcept;  // binds to the cell being spawned (see actor_system::spawn)
  actor_base(const actor_base&) = delete;
  actor_base& operator=(const actor_base&) = delete;
  virtual ~actor_base() = default;

  // Hooks. on_start runs before any message; on_stop runs once when the actor stops (not on
  // a restart: then the old object is simply destroyed).
  virtual void on_start() {}
  virtual void on_stop() {}
  // A watched actor stopped (see actor<P>::watch).
  virtual void on_down(const down_msg&) {}
  // A child spawned with supervision_policy::escalate failed. The default rethrows, so this
  // actor's own policy decides.
  virtual void on_child_failed(const child_failure& failure) { std::rethrow_exception(failure.error); }

  actor_id id() const noexcept;
  std::string_view name() const noexcept;
  actor_system& system() const noexcept;

 protected:
  // Stops this actor once the current handler returns; later messages are dropped
  // (counted as dead letters). Watchers get exit_reason::normal.
  void stop() noexcept;

  actor_cell& cell() const noexcept { return *cell_; }

 private:
  actor_cell* cell_;
};

// The typed receiving side of an actor with protocol P (usually a std::variant of structs).
template <class P>
class receiver : public actor_base {
 public:
  using protocol = P;
  // Handles one message. The message may be moved from.
  virtual void receive(P& msg) = 0;
};

}  // namespace moeserve::actors
