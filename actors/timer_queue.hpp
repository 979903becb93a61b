#pragma once
// timer_queue: the ordered set of pending timers behind both timer services (the real one
// with its own thread, and the virtual clock of the test scheduler). Not thread-safe: its
// owner locks around it.
//
// A firing is two steps so that the callback can run outside the owner's lock:
// pop_due() takes the earliest due entry out, the owner runs it, then finish() re-arms a
// periodic timer unless it was cancelled meanwhile (cancel() of a timer in flight wins).
// Callbacks may own references whose release runs arbitrary code (even a cancel()), so
// removed entries are handed back to be destroyed after the owner unlocks.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

namespace moeserve::actors {

using timer_clock = std::chrono::steady_clock;
using timer_id = std::uint64_t;  // 0 = none

struct timer_entry {
  timer_id id = 0;
  timer_clock::time_point deadline;
  timer_clock::duration period{0};  // zero: fires once
  std::function<bool()> fire;       // returns false to end a periodic timer
};

class timer_queue {
 public:
  timer_id add(timer_clock::time_point deadline, timer_clock::duration period, std::function<bool()> fire);
  // Forgets the timer (pending or in flight: it will not fire again). Returns the removed
  // pending entry so that the owner can destroy its callback outside its lock.
  std::optional<timer_entry> cancel(timer_id id);
  std::optional<timer_clock::time_point> next_deadline() const;
  // Removes and returns the earliest entry with deadline <= now.
  std::optional<timer_entry> pop_due(timer_clock::time_point now);
  // After running a popped entry: re-arms it (deadline += period) when it is periodic,
  // `keep` is true and it was not cancelled meanwhile. Returns the entry when it is not
  // re-armed, for the owner to destroy outside its lock.
  std::optional<timer_entry> finish(timer_entry entry, bool keep);
  std::size_t size() const noexcept { return live_.size(); }

 private:
  using key = std::pair<timer_clock::time_point, timer_id>;
  std::map<key, timer_entry> ordered_;
  std::unordered_map<timer_id, timer_clock::time_point> live_;  // pending or in flight
  timer_id next_id_ = 1;
};

}  // namespace moeserve::actors
