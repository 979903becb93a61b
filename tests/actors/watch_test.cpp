#include <gtest/gtest.h>

#include "test_support.hpp"

namespace moeserve::actors::testing {
namespace {

struct watch_this {
  actor_ref<counter_protocol> target;
};
struct unwatch_this {
  actor_ref<counter_protocol> target;
};
using watcher_protocol = std::variant<watch_this, unwatch_this>;

class watcher : public actor<watcher_protocol> {
 public:
  explicit watcher(std::vector<down_msg>* downs) : downs_(downs) {}
  void receive(watcher_protocol& m) override {
    std::visit(overloaded{[&](watch_this& w) { watch(w.target); }, [&](unwatch_this& u) { unwatch(u.target); }}, m);
  }
  void on_down(const down_msg& d) override { downs_->push_back(d); }

 private:
  std::vector<down_msg>* downs_;
};

struct watch_fixture : ::testing::Test {
  std::vector<down_msg> downs;
  actor_system system{deterministic_config()};
  actor_ref<watcher_protocol> w = system.spawn<watcher>(&downs);
  actor_ref<counter_protocol> c = system.spawn<counter>();
  void run() { system.test().run_until_idle(); }
};

TEST_F(watch_fixture, ANormalStopIsReported) {
  w.send(watch_this{c});
  run();
  c.send(stop_now{});
  run();
  ASSERT_EQ(downs.size(), 1u);
  EXPECT_EQ(downs[0].who, c.id());
  EXPECT_EQ(downs[0].reason, exit_reason::normal);
}

TEST_F(watch_fixture, AFailureIsReportedWithItsMessage) {
  w.send(watch_this{c});
  run();
  c.send(fail{"disk on fire"});
  run();
  ASSERT_EQ(downs.size(), 1u);
  EXPECT_EQ(downs[0].reason, exit_reason::failure);
  EXPECT_EQ(downs[0].error, "disk on fire");
}

TEST_F(watch_fixture, WatchingAnActorThatAlreadyStoppedReportsAtOnce) {
  c.send(stop_now{});
  run();
  w.send(watch_this{c});
  run();
  ASSERT_EQ(downs.size(), 1u);
  EXPECT_EQ(downs[0].who, c.id());
  EXPECT_EQ(downs[0].reason, exit_reason::normal);
}

TEST_F(watch_fixture, UnwatchedActorsAreNotReported) {
  w.send(watch_this{c});
  w.send(unwatch_this{c});
  run();
  c.send(stop_now{});
  run();
  EXPECT_TRUE(downs.empty());
}

TEST_F(watch_fixture, AStoppedWatcherNoLongerHoldsItsEntry) {
  w.send(watch_this{c});
  run();
  w.stop();
  run();
  c.send(stop_now{});
  run();
  EXPECT_TRUE(downs.empty());
}

TEST_F(watch_fixture, ShutdownIsReportedAsShutdown) {
  w.send(watch_this{c});
  run();
  // c is newer than w, so shutdown stops c first and w still runs to hear about it.
  system.stop();
  run();
  ASSERT_EQ(downs.size(), 1u);
  EXPECT_EQ(downs[0].reason, exit_reason::shutdown);
}

}  // namespace
}  // namespace moeserve::actors::testing
