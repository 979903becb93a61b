#pragma once
// cell_extras: the parts of an actor cell that most actors never use, allocated on first
// use so that an idle plain actor stays small. Internal to the runtime.
//
// Who may touch what:
//   name, parent, factory, max_restarts, restart_window: written by spawn before the cell
//     is published, read-only afterwards;
//   restart_times, timers, final_error: the actor's own context only (final_error is
//     read by others once the cell is stopped);
//   watchers, watching: under actor_system::watch_mutex().
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/behavior.hpp"
#include "actors/timer_queue.hpp"

namespace moeserve::actors {

class actor_cell;

// One timer started by an actor (actor<P>::after / every).
struct actor_timer {
  timer_id id = 0;
  bool once = true;
  bool cancelled = false;           // the actor's context only: queued firings are ignored
  std::atomic<bool> queued{false};  // a firing waits in the mailbox: later ones coalesce
  std::function<void()> fn;
};

struct watch_entry {
  actor_cell* watcher;        // holds a reference
  std::uint32_t incarnation;  // the watcher's incarnation that asked
};

struct cell_extras {
  std::string name;
  actor_cell* parent = nullptr;  // holds a reference
  std::function<std::unique_ptr<actor_base>()> factory;
  std::uint32_t max_restarts = 0;
  std::chrono::steady_clock::duration restart_window{};

  std::vector<std::chrono::steady_clock::time_point> restart_times;
  std::vector<std::shared_ptr<actor_timer>> timers;
  std::string final_error;

  std::vector<watch_entry> watchers;  // who is told when this actor stops
  std::vector<actor_cell*> watching;  // whom this actor watches (references)
};

}  // namespace moeserve::actors
