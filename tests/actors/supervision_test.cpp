#include <gtest/gtest.h>

#include "test_support.hpp"

namespace moeserve::actors::testing {
namespace {

TEST(Supervision, StopPolicyStopsTheActorAndKeepsTheProcessRunning) {
  event_log log;
  actor_system system(deterministic_config());
  auto c = system.spawn<counter>(&log);
  c.send(add{1});
  c.send(fail{"boom"});
  c.send(add{2});
  system.test().run_until_idle();
  EXPECT_TRUE(c.stopped());
  EXPECT_EQ(log.snapshot(), (std::vector<std::string>{"counter: start", "counter: add 1", "counter: stop"}));
  EXPECT_EQ(system.dead_letters(), 1u);  // add{2}
}

TEST(Supervision, RestartRebuildsTheBehaviourAndKeepsTheMailbox) {
  event_log log;
  actor_system system(deterministic_config());
  spawn_options o;
  o.supervision = supervision_policy::restart;
  auto c = system.spawn_with<counter>(o, &log, std::string("c"));
  c.send(add{5});
  c.send(fail{"boom"});
  c.send(add{2});
  system.test().run_until_idle();
  EXPECT_FALSE(c.stopped());
  EXPECT_EQ(ask_total(system, c), 2);  // state rebuilt from the spawn arguments
  EXPECT_EQ(log.snapshot(), (std::vector<std::string>{"c: start", "c: add 5", "c: start", "c: add 2"}));
  ASSERT_EQ(system.stats().size(), 1u);
  EXPECT_EQ(system.stats()[0].restarts, 1u);
}

TEST(Supervision, TooManyRestartsWithinTheWindowStop) {
  actor_system system(deterministic_config());
  spawn_options o;
  o.supervision = supervision_policy::restart;
  o.max_restarts = 2;
  auto c = system.spawn_with<counter>(o);
  for (int i = 0; i < 3; ++i) c.send(fail{"again"});
  system.test().run_until_idle();
  EXPECT_TRUE(c.stopped());
}

// A parent that spawns an escalating child and records what reaches it.
struct spawn_child {};
struct child_fail {};
using parent_protocol = std::variant<spawn_child, child_fail>;

class parent : public actor<parent_protocol> {
 public:
  parent(std::vector<std::string>* log, bool handle) : log_(log), handle_(handle) {}
  void receive(parent_protocol& m) override {
    if (std::holds_alternative<spawn_child>(m)) {
      spawn_options o;
      o.supervision = supervision_policy::escalate;
      child_ = spawn_with<counter>(o);
    } else {
      child_.send(fail{"child broke"});
    }
  }
  void on_child_failed(const child_failure& f) override {
    try {
      std::rethrow_exception(f.error);
    } catch (const std::exception& e) {
      log_->push_back(std::string("child failed: ") + e.what());
    }
    if (!handle_) actor<parent_protocol>::on_child_failed(f);
  }
  void on_stop() override { log_->push_back("parent stopped"); }

 private:
  std::vector<std::string>* log_;
  bool handle_;
  actor_ref<counter_protocol> child_;
};

TEST(Supervision, EscalateHandsTheFailureToTheParent) {
  std::vector<std::string> log;
  actor_system system(deterministic_config());
  auto p = system.spawn<parent>(&log, true);
  p.send(spawn_child{});
  p.send(child_fail{});
  system.test().run_until_idle();
  EXPECT_EQ(log, std::vector<std::string>{"child failed: child broke"});
  EXPECT_FALSE(p.stopped());
}

TEST(Supervision, AnUnhandledEscalationAppliesTheParentsPolicy) {
  std::vector<std::string> log;
  actor_system system(deterministic_config());
  auto p = system.spawn<parent>(&log, false);
  p.send(spawn_child{});
  p.send(child_fail{});
  system.test().run_until_idle();
  EXPECT_EQ(log, (std::vector<std::string>{"child failed: child broke", "parent stopped"}));
  EXPECT_TRUE(p.stopped());
}

TEST(Supervision, EscalationPastTheTopReachesTheSystemHandler) {
  std::vector<actor_id> escalated;
  system_config config = deterministic_config();
  config.on_escalation = [&](const escalation& e) { escalated.push_back(e.failed); };
  actor_system system(config);
  spawn_options o;
  o.supervision = supervision_policy::escalate;
  auto c = system.spawn_with<counter>(o);
  c.send(fail{"top"});
  system.test().run_until_idle();
  EXPECT_EQ(escalated, std::vector<actor_id>{c.id()});
  EXPECT_FALSE(system.stopping());
}

TEST(Supervision, ByDefaultATopLevelEscalationStopsTheSystem) {
  actor_system system(deterministic_config());
  auto bystander = system.spawn<counter>();
  spawn_options o;
  o.supervision = supervision_policy::escalate;
  auto c = system.spawn_with<counter>(o);
  c.send(fail{"fatal"});
  system.test().run_until_idle();
  EXPECT_TRUE(system.stopping());
  EXPECT_TRUE(bystander.stopped());
  ASSERT_TRUE(system.first_escalation());
  EXPECT_THROW(std::rethrow_exception(system.first_escalation()), std::runtime_error);
}

}  // namespace
}  // namespace moeserve::actors::testing
