// The non-template halves of actor<P>'s timer and watch helpers.
#include <algorithm>
#include <memory>
#include <mutex>

#include "actors/actor.hpp"
#include "actors/cell_extras.hpp"

namespace moeserve::actors::detail {

timer_handle start_timer(actor_cell& cell, timer_clock::duration first, timer_clock::duration period,
                         std::function<void()> fn) {
  auto t = std::make_shared<actor_timer>();
  t->once = period <= timer_clock::duration::zero();
  t->fn = std::move(fn);
  timer_service& timers = cell.system().timers();
  const std::uint32_t incarnation = cell.incarnation();
  // The timer may fire on the service thread before id is stored, but its callback runs in
  // this actor's context, which is busy until the current handler returns.
  t->id = timers.start(timers.now() + first, period, [target = cell_ref(&cell), incarnation, t] {
    if (t->queued.exchange(true, std::memory_order_acq_rel)) return true;  // one firing waits already
    return target->post_guarded(incarnation, [t](actor_cell& c) {
      t->queued.store(false, std::memory_order_release);
      if (t->cancelled) return;
      if (t->once) std::erase(c.extras().timers, t);
      t->fn();
    });
  });
  cell.extras().timers.push_back(t);
  return timer_handle{t->id};
}

void cancel_timer(actor_cell& cell, timer_handle handle) noexcept {
  if (handle.id == 0) return;
  auto& timers = cell.extras().timers;
  for (auto it = timers.begin(); it != timers.end(); ++it) {
    if ((*it)->id != handle.id) continue;
    (*it)->cancelled = true;
    cell.system().timers().cancel(handle.id);
    timers.erase(it);
    return;
  }
}

void watch(actor_cell& watcher, actor_cell* target) {
  if (target == nullptr || target == &watcher) return;
  bool gone;
  {
    std::lock_guard lock(watcher.system().watch_mutex());
    gone = target->stopped();
    if (!gone) {
      watcher.add_ref();
      target->extras().watchers.push_back(watch_entry{&watcher, watcher.incarnation()});
      target->add_ref();
      watcher.extras().watching.push_back(target);
    }
  }
  if (gone) {
    down_msg down{target->id(), target->final_reason(), target->final_error()};
    watcher.post_guarded(watcher.incarnation(),
                         [down = std::move(down)](actor_cell& c) { c.behavior()->on_down(down); });
  }
}

void unwatch(actor_cell& watcher, actor_cell* target) noexcept {
  if (target == nullptr) return;
  std::lock_guard lock(watcher.system().watch_mutex());
  std::erase_if(target->extras().watchers, [&](const watch_entry& e) {
    if (e.watcher != &watcher) return false;
    watcher.release();
    return true;
  });
  auto& watching = watcher.extras().watching;
  std::erase_if(watching, [&](actor_cell* w) {
    if (w != target) return false;
    target->release();
    return true;
  });
}

}  // namespace moeserve::actors::detail
