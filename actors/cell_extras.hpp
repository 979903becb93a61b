#pragma once
// cell_extras: the parts of an actor cell that most actors never use, allocated on first
// use so that an idle plain actor stays small. Internal to the runtime.
//
// Who may touch what:
//   name, parent, factory, max_restarts, restart_window: written by spawn before the cell
//     is published, read-only afterwards;
//   restart_times, timers: the actor's own context only;
//   watchers, watching: under actor_system::watch_mutex().
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
  std::vector<timer_id> timers;

  std::vector<watch_entry> watchers;  // who is told when this actor stops
  std::vector<actor_cell*> watching;  // whom this actor watches (references)
};

}  // namespace moeserve::actors
