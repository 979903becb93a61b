#pragma once
// Mailbox elements. Every message is one heap node linked intrusively into the actor's
// mailbox: a user message (a value of the actor's protocol) or a system message (a
// callback run in the actor's context: start, stop, timer, ask reply, down notification).
#include <cstdint>
#include <utility>

#include "actors/mpsc_queue.hpp"

namespace moeserve::actors {

class actor_cell;

struct message_node : mpsc_node {
  virtual ~message_node() = default;
  // Runs in the target actor's context, with the actor running (not stopped).
  virtual void deliver(actor_cell& cell) = 0;

  bool user = false;     // a protocol message: refused once stopping, dropped by stop_mode::drop
  bool bounded = false;  // holds a slot of a bounded mailbox, freed when popped
};

// A system message: `fn(cell)` in the actor's context.
template <class F>
struct callback_node final : message_node {
  explicit callback_node(F f) : fn(std::move(f)) {}
  void deliver(actor_cell& cell) override { fn(cell); }
  F fn;
};

}  // namespace moeserve::actors
