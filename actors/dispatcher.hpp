#pragma once
// dispatcher: decides on which thread an actor's turns run.
//
// Contract with actor_cell:
// - schedule(cell) is called when the cell's mailbox gains work (its 0 -> 1 transition);
//   it hands over one reference. The dispatcher must eventually call cell.run(budget) on
//   one thread at a time; while run() returns true it runs the cell again later (other
//   cells may go first, for fairness); when run() returns false it releases the reference.
// - attach(cell) is called once when an actor is spawned on it, before any schedule();
//   detach(cell) once when the actor stopped (from inside its last turn). Data a
//   dispatcher keeps per cell goes in cell.dispatcher_data (a dispatcher_slot), which the
//   cell releases when it is destroyed, without calling the dispatcher.
// - shutdown() is called by actor_system::join() after every actor stopped; afterwards
//   no thread of the dispatcher runs.
#include <cstdint>

namespace moeserve::actors {

class actor_cell;

struct dispatcher_slot {
  virtual void release() noexcept = 0;

 protected:
  ~dispatcher_slot() = default;
};

class dispatcher {
 public:
  virtual ~dispatcher() = default;
  virtual void attach(actor_cell&) {}
  virtual void detach(actor_cell&) noexcept {}
  virtual void schedule(actor_cell& cell) noexcept = 0;
  virtual void shutdown() {}
};

}  // namespace moeserve::actors
