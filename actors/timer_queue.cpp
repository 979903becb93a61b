#include "actors/timer_queue.hpp"

namespace moeserve::actors {

timer_id timer_queue::add(timer_clock::time_point deadline, timer_clock::duration period, std::function<bool()> fire) {
  const timer_id id = next_id_++;
  ordered_.emplace(key{deadline, id}, timer_entry{id, deadline, period, std::move(fire)});
  live_.emplace(id, deadline);
  return id;
}

std::optional<timer_entry> timer_queue::cancel(timer_id id) {
  auto it = live_.find(id);
  if (it == live_.end()) return std::nullopt;
  auto node = ordered_.extract(key{it->second, id});  // empty when the timer is in flight
  live_.erase(it);
  if (node.empty()) return std::nullopt;
  return std::move(node.mapped());
}

std::optional<timer_clock::time_point> timer_queue::next_deadline() const {
  if (ordered_.empty()) return std::nullopt;
  return ordered_.begin()->first.first;
}

std::optional<timer_entry> timer_queue::pop_due(timer_clock::time_point now) {
  if (ordered_.empty() || ordered_.begin()->first.first > now) return std::nullopt;
  auto node = ordered_.extract(ordered_.begin());
  return std::move(node.mapped());
}

std::optional<timer_entry> timer_queue::finish(timer_entry entry, bool keep) {
  auto it = live_.find(entry.id);
  if (it == live_.end()) return entry;  // cancelled while in flight
  if (!keep || entry.period <= timer_clock::duration::zero()) {
    live_.erase(it);
    return entry;
  }
  entry.deadline += entry.period;
  it->second = entry.deadline;
  const timer_id id = entry.id;
  ordered_.emplace(key{entry.deadline, id}, std::move(entry));
  return std::nullopt;
}

}  // namespace moeserve::actors
