#include <gtest/gtest.h>

#include "test_support.hpp"

namespace moeserve::actors::testing {
namespace {

TEST(Lifecycle, ShutdownStopsActorsNewestFirstOneAtATime) {
  event_log log;
  actor_system system(deterministic_config());
  auto a = system.spawn<counter>(&log, std::string("a"));
  auto b = system.spawn<counter>(&log, std::string("b"));
  auto c = system.spawn<counter>(&log, std::string("c"));
  system.test().run_until_idle();
  system.stop();
  EXPECT_TRUE(system.join());
  EXPECT_EQ(log.snapshot(),
            (std::vector<std::string>{"a: start", "b: start", "c: start", "c: stop", "b: stop", "a: stop"}));
  EXPECT_EQ(system.live_actors(), 0u);
}

TEST(Lifecycle, DrainHandlesQueuedMessagesBeforeStopping) {
  event_log log;
  actor_system system(deterministic_config());
  auto c = system.spawn<counter>(&log);
  c.send(add{1});
  c.send(add{2});
  system.stop(stop_mode::drain);
  EXPECT_EQ(c.send(add{3}), send_status::actor_stopped);  // refused once stopping
  system.join();
  EXPECT_EQ(log.snapshot(),
            (std::vector<std::string>{"counter: start", "counter: add 1", "counter: add 2", "counter: stop"}));
}

TEST(Lifecycle, DropDiscardsQueuedMessagesAsDeadLetters) {
  event_log log;
  actor_system system(deterministic_config());
  auto c = system.spawn<counter>(&log);
  system.test().run_until_idle();
  c.send(add{1});
  c.send(add{2});
  system.stop(stop_mode::drop);
  system.join();
  EXPECT_EQ(log.snapshot(), (std::vector<std::string>{"counter: start", "counter: stop"}));
  EXPECT_EQ(system.dead_letters(), 2u);
}

TEST(Lifecycle, StopFromAHandlerDropsTheRestOfTheMailbox) {
  event_log log;
  actor_system system(deterministic_config());
  auto c = system.spawn<counter>(&log);
  c.send(add{1});
  c.send(stop_now{});
  c.send(add{2});
  system.test().run_until_idle();
  EXPECT_EQ(log.snapshot(), (std::vector<std::string>{"counter: start", "counter: add 1", "counter: stop"}));
  EXPECT_TRUE(c.stopped());
  EXPECT_EQ(system.live_actors(), 0u);
}

TEST(Lifecycle, SpawningAfterStopReturnsAnEmptyRef) {
  actor_system system(deterministic_config());
  system.stop();
  auto c = system.spawn<counter>();
  EXPECT_FALSE(c);
  EXPECT_EQ(c.send(add{1}), send_status::actor_stopped);
}

// Blocks its thread until released, to test join's deadline.
struct block_until {
  std::atomic<bool>* release;
};
using blocker_protocol = std::variant<block_until>;
class blocker : public actor<blocker_protocol> {
 public:
  void receive(blocker_protocol& m) override {
    auto* flag = std::get<block_until>(m).release;
    while (!flag->load()) std::this_thread::sleep_for(1ms);
  }
};

TEST(Lifecycle, JoinGivesUpAtItsDeadlineAndCanBeCalledAgain) {
  actor_system system(threaded_config());
  std::atomic<bool> release{false};
  auto b = system.spawn_with<blocker>(spawn_options{.on = &system.dedicated()});
  b.send(block_until{&release});
  system.stop();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(system.join_for(50ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
  release = true;
  EXPECT_TRUE(system.join_for(5s));
}

TEST(Lifecycle, SeveralSystemsLiveSideBySide) {
  actor_system one(threaded_config(1));
  actor_system two(threaded_config(1));
  auto a = one.spawn<counter>();
  auto b = two.spawn<counter>();
  a.send(add{1});
  b.send(add{2});
  EXPECT_EQ(ask_total(one, a), 1);
  EXPECT_EQ(ask_total(two, b), 2);
  one.stop();
  EXPECT_TRUE(one.join_for(5s));
  EXPECT_EQ(ask_total(two, b), 2);  // unaffected
  EXPECT_EQ(two.live_actors(), 1u);
}

TEST(Lifecycle, TheDestructorStopsAndJoins) {
  event_log log;
  {
    actor_system system(threaded_config());
    auto c = system.spawn<counter>(&log);
    c.send(add{1});
    ASSERT_EQ(ask_total(system, c), 1);
  }
  EXPECT_EQ(log.snapshot().back(), "counter: stop");
}

TEST(Lifecycle, ARefMayOutliveItsSystemIfOnlyDestroyed) {
  actor_ref<counter_protocol> kept;
  {
    actor_system system(threaded_config());
    kept = system.spawn<counter>();
  }
  EXPECT_TRUE(kept.stopped());
}

TEST(Lifecycle, StatsCountMessagesAndDepth) {
  actor_system system(deterministic_config());
  spawn_options o;
  o.name = "stats-me";
  auto c = system.spawn_with<counter>(o);
  for (int i = 0; i < 5; ++i) c.send(add{1});
  auto before = system.stats();
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].name, "stats-me");
  EXPECT_EQ(before[0].mailbox_depth, 6);  // start + 5
  EXPECT_EQ(before[0].processed, 0u);
  system.test().run_until_idle();
  auto after = system.stats();
  EXPECT_EQ(after[0].mailbox_depth, 0);
  EXPECT_EQ(after[0].processed, 6u);
  EXPECT_GT(after[0].handler_ns, 0u);
}

}  // namespace
}  // namespace moeserve::actors::testing
