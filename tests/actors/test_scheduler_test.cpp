#include <gtest/gtest.h>

#include "test_support.hpp"

namespace moeserve::actors::testing {
namespace {

// Two relays bounce a token; a third actor interleaves its own messages.
struct relay_protocol;
struct token {
  int hops_left;
};
struct introduce {
  actor_ref<relay_protocol> peer;
};
struct relay_protocol : std::variant<token, introduce> {
  using variant::variant;
};

class relay : public actor<relay_protocol> {
 public:
  relay(event_log* log, std::string name) : log_(log), name_(std::move(name)) {}
  void receive(relay_protocol& m) override {
    if (auto* i = std::get_if<introduce>(&m)) {
      peer_ = i->peer;
      return;
    }
    const int left = std::get<token>(m).hops_left;
    log_->add(name_ + " " + std::to_string(left));
    if (left > 0) peer_.send(token{left - 1});
  }

 private:
  event_log* log_;
  std::string name_;
  actor_ref<relay_protocol> peer_;
};

std::vector<std::string> run_scenario() {
  event_log log;
  actor_system system(deterministic_config());
  auto a = system.spawn<relay>(&log, std::string("a"));
  auto b = system.spawn<relay>(&log, std::string("b"));
  auto c = system.spawn<counter>(&log, std::string("c"));
  a.send(introduce{b});
  b.send(introduce{a});
  a.send(token{4});
  for (int i = 0; i < 3; ++i) c.send(add{i});
  system.test().run_until_idle();
  return log.snapshot();
}

TEST(TestScheduler, RunsReadyActorsInFifoOrderOneMessagePerTurn) {
  event_log log;
  actor_system system(deterministic_config());
  auto a = system.spawn<counter>(&log, std::string("a"));
  auto b = system.spawn<counter>(&log, std::string("b"));
  a.send(add{1});
  a.send(add{2});
  b.send(add{3});
  EXPECT_EQ(system.test().ready(), 2u);
  EXPECT_TRUE(system.test().run_one());  // a: start
  EXPECT_TRUE(system.test().run_one());  // b: start
  EXPECT_TRUE(system.test().run_one());  // a: add 1
  EXPECT_EQ(log.snapshot(), (std::vector<std::string>{"a: start", "b: start", "a: add 1"}));
  system.test().run_until_idle();
  EXPECT_EQ(log.snapshot(), (std::vector<std::string>{"a: start", "b: start", "a: add 1", "b: add 3", "a: add 2"}));
  EXPECT_FALSE(system.test().run_one());
}

TEST(TestScheduler, TheSameScenarioGivesTheSameTrace) {
  const auto first = run_scenario();
  EXPECT_EQ(first.size(), 9u);  // c: start, 3 adds, 5 hops
  for (int i = 0; i < 5; ++i) EXPECT_EQ(run_scenario(), first);
}

TEST(TestScheduler, VirtualTimeMovesOnlyWhenTold) {
  actor_system system(deterministic_config());
  auto& t = system.test();
  const auto t0 = t.now();
  std::this_thread::sleep_for(5ms);
  EXPECT_EQ(t.now(), t0);
  t.advance(250ms);
  EXPECT_EQ(t.now(), t0 + 250ms);
  EXPECT_FALSE(t.fire_next_timer());
}

TEST(TestScheduler, NeedsADeterministicSystem) {
  actor_system system(threaded_config(1));
  EXPECT_THROW(system.test(), std::logic_error);
}

}  // namespace
}  // namespace moeserve::actors::testing
