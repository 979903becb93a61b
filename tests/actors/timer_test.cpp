#include <gtest/gtest.h>

#include "test_support.hpp"

namespace moeserve::actors::testing {
namespace {

struct start_once {
  std::chrono::milliseconds delay;
};
struct start_every {
  std::chrono::milliseconds period;
};
struct cancel_all {};
using timed_protocol = std::variant<start_once, start_every, cancel_all>;

// Records at which (virtual) time each of its timers fired.
class timed : public actor<timed_protocol> {
 public:
  explicit timed(std::vector<std::string>* fired) : fired_(fired) {}
  void receive(timed_protocol& m) override {
    std::visit(overloaded{[&](start_once& s) { handles_.push_back(after(s.delay, [this] { note("once"); })); },
                          [&](start_every& s) { handles_.push_back(every(s.period, [this] { note("tick"); })); },
                          [&](cancel_all&) {
                            for (auto h : handles_) cancel(h);
                            handles_.clear();
                          }},
               m);
  }

 private:
  void note(const char* what) {
    const auto t = std::chrono::duration_cast<std::chrono::milliseconds>(system().timers().now().time_since_epoch());
    fired_->push_back(std::string(what) + "@" + std::to_string(t.count() - 3'600'000));
  }
  std::vector<std::string>* fired_;
  std::vector<timer_handle> handles_;
};

TEST(Timer, AfterFiresOnceAtItsDeadline) {
  std::vector<std::string> fired;
  actor_system system(deterministic_config());
  auto t = system.spawn<timed>(&fired);
  t.send(start_once{30ms});
  system.test().run_until_idle();
  system.test().advance(29ms);
  EXPECT_TRUE(fired.empty());
  system.test().advance(100ms);
  EXPECT_EQ(fired, std::vector<std::string>{"once@30"});
  EXPECT_EQ(system.test().pending_timers(), 0u);
}

TEST(Timer, EveryFiresPeriodicallyWithoutDriftUntilCancelled) {
  std::vector<std::string> fired;
  actor_system system(deterministic_config());
  auto t = system.spawn<timed>(&fired);
  t.send(start_every{10ms});
  system.test().run_until_idle();
  system.test().advance(35ms);
  EXPECT_EQ(fired, (std::vector<std::string>{"tick@10", "tick@20", "tick@30"}));
  t.send(cancel_all{});
  system.test().advance(100ms);
  EXPECT_EQ(fired.size(), 3u);
  EXPECT_EQ(system.test().pending_timers(), 0u);
}

TEST(Timer, TimersFireInDeadlineOrder) {
  std::vector<std::string> fired;
  actor_system system(deterministic_config());
  auto t = system.spawn<timed>(&fired);
  t.send(start_once{20ms});
  t.send(start_once{5ms});
  t.send(start_every{8ms});
  system.test().run_until_idle();
  system.test().advance(20ms);
  EXPECT_EQ(fired, (std::vector<std::string>{"once@5", "tick@8", "tick@16", "once@20"}));
}

TEST(Timer, StoppingAnActorCancelsItsTimers) {
  std::vector<std::string> fired;
  actor_system system(deterministic_config());
  auto t = system.spawn<timed>(&fired);
  t.send(start_every{10ms});
  t.send(start_once{50ms});
  system.test().run_until_idle();
  EXPECT_EQ(system.test().pending_timers(), 2u);
  t.stop();
  system.test().run_until_idle();
  EXPECT_EQ(system.test().pending_timers(), 0u);
  system.test().advance(100ms);
  EXPECT_TRUE(fired.empty());
}

TEST(Timer, RealTimersFireOnTheTimerThread) {
  std::vector<std::string> fired;  // written in the actor's context, read after join
  actor_system system(threaded_config());
  auto t = system.spawn<timed>(&fired);
  const auto start = std::chrono::steady_clock::now();
  t.send(start_once{20ms});
  ASSERT_TRUE(eventually([&] {
    auto s = system.stats();
    return !s.empty() && s.front().processed >= 3;  // start, start_once, the timer
  }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  system.stop();
  ASSERT_TRUE(system.join_for(5s));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].rfind("once@", 0), 0u);
}

TEST(TimerQueue, CancelWhileInFlightPreventsRearming) {
  timer_queue q;
  const auto t0 = timer_clock::time_point{};
  int fired = 0;
  const auto id = q.add(t0 + 10ms, 10ms, [&] { return ++fired, true; });
  auto e = q.pop_due(t0 + 10ms);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->fire());
  q.cancel(id);
  EXPECT_TRUE(q.finish(std::move(*e), true));  // handed back, not re-armed
  EXPECT_EQ(q.size(), 0u);
  EXPECT_FALSE(q.next_deadline());
}

TEST(TimerQueue, PeriodicEntriesAreRearmedFromTheirDeadline) {
  timer_queue q;
  const auto t0 = timer_clock::time_point{};
  q.add(t0 + 10ms, 10ms, [] { return true; });
  auto e = q.pop_due(t0 + 13ms);
  ASSERT_TRUE(e);
  EXPECT_FALSE(q.finish(std::move(*e), true));
  EXPECT_EQ(*q.next_deadline(), t0 + 20ms);
  EXPECT_FALSE(q.pop_due(t0 + 19ms));
}

}  // namespace
}  // namespace moeserve::actors::testing
