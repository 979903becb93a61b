#pragma once
// Lifecycle vocabulary: identities, why an actor ended, what watchers receive, and the
// supervision policy that decides what an exception escaping a handler does.
#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

namespace moeserve::actors {

using actor_id = std::uint64_t;  // unique within one actor_system, never reused; 0 = none

enum class exit_reason {
  normal,    // the actor called stop(), or was asked to stop
  failure,   // an exception escaped a handler and the policy stopped it
  shutdown,  // its actor_system stopped
};

constexpr std::string_view to_string(exit_reason r) noexcept {
  switch (r) {
    case exit_reason::normal:
      return "normal";
    case exit_reason::failure:
      return "failure";
    case exit_reason::shutdown:
      return "shutdown";
  }
  return "?";
}

// Delivered to every watcher (actor_base::on_down) once the watched actor has stopped.
struct down_msg {
  actor_id who = 0;
  exit_reason reason = exit_reason::normal;
  std::string error;  // the exception's what() when reason == failure
};

// Delivered to a parent (actor_base::on_child_failed) when a child with the escalate
// policy failed. The child has already stopped.
struct child_failure {
  actor_id child = 0;
  std::exception_ptr error;
};

// What an exception escaping a handler (or on_start) does. The message being handled is
// dropped in every case.
enum class supervision_policy {
  stop,      // the actor stops with exit_reason::failure; watchers are told
  restart,   // the behaviour is destroyed and built again from the spawn arguments; the
             // mailbox, the ref and queued messages are kept; timers, pending asks and
             // watches of the old incarnation are cancelled. More than max_restarts within
             // restart_window turns into stop.
  escalate,  // the actor stops with failure and its parent handles the exception as if
             // its own handler had thrown (on_child_failed; the default rethrows). With no
             // parent, the system's escalation handler runs (default: stop the system).
};

// How stop requests treat the mailbox.
enum class stop_mode {
  drain,  // messages queued before the stop request are handled first
  drop,   // queued user messages are discarded (counted as dead letters)
};

class dispatcher;

// Options of one spawn. Everything has a sensible default.
struct spawn_options {
  std::string name;          // shown in stats; empty = none
  dispatcher* on = nullptr;  // where the actor runs; nullptr = the system's pool
  supervision_policy supervision = supervision_policy::stop;
  std::uint32_t max_restarts = 3;
  std::chrono::steady_clock::duration restart_window = std::chrono::seconds(10);
  std::uint32_t mailbox_capacity = 0;  // user messages; 0 = unbounded. System messages
                                       // (timers, replies, stop) are never refused for space.
};

}  // namespace moeserve::actors
