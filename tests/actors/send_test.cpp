#include <gtest/gtest.h>

#include "test_support.hpp"

namespace moeserve::actors::testing {
namespace {

TEST(Send, MessagesArriveInOrderAndChangeState) {
  event_log log;
  actor_system system(deterministic_config());
  auto c = system.spawn<counter>(&log);
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(c.send(add{i}), send_status::ok);
  system.test().run_until_idle();
  EXPECT_EQ(log.snapshot(),
            (std::vector<std::string>{"counter: start", "counter: add 1", "counter: add 2", "counter: add 3"}));
  EXPECT_EQ(ask_total(system, c), 6);
}

TEST(Send, ToAStoppedActorIsAReportedNoOpAndADeadLetter) {
  actor_system system(deterministic_config());
  auto c = system.spawn<counter>();
  c.send(stop_now{});
  system.test().run_until_idle();
  ASSERT_TRUE(c.stopped());
  const auto before = system.dead_letters();
  EXPECT_EQ(c.send(add{1}), send_status::actor_stopped);
  EXPECT_EQ(system.dead_letters(), before + 1);
}

TEST(Send, ThroughAnEmptyRefReportsStopped) {
  actor_ref<counter_protocol> none;
  EXPECT_FALSE(none);
  EXPECT_EQ(none.send(add{1}), send_status::actor_stopped);
}

TEST(Send, RefsAreCheapHandlesThatOutliveTheActor) {
  actor_system system(deterministic_config());
  auto c = system.spawn<counter>();
  auto copy = c;
  EXPECT_EQ(copy, c);
  EXPECT_EQ(copy.id(), c.id());
  c.stop();
  system.test().run_until_idle();
  EXPECT_TRUE(copy.stopped());
  EXPECT_EQ(copy.send(add{1}), send_status::actor_stopped);
}

TEST(Send, FromManyThreadsToAPoolActor) {
  actor_system system(threaded_config());
  auto c = system.spawn<counter>();
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) ASSERT_EQ(c.send(add{1}), send_status::ok);
    });
  }
  for (auto& s : senders) s.join();
  EXPECT_EQ(ask_total(system, c), 4000);
}

}  // namespace
}  // namespace moeserve::actors::testing
