#include <gtest/gtest.h>

#include "test_support.hpp"

namespace moeserve::actors::testing {
namespace {

// Answers `get` only when told to, or never, or by dropping the reply_to.
struct hold {
  reply_to<int> reply;
};
struct answer {
  int value;
};
struct drop_it {};
using holder_protocol = std::variant<hold, answer, drop_it>;

class holder : public actor<holder_protocol> {
 public:
  void receive(holder_protocol& m) override {
    std::visit(overloaded{[&](hold& h) { held_.push_back(std::move(h.reply)); },
                          [&](answer& a) {
                            for (auto& r : held_) r.send(a.value);
                            held_.clear();
                          },
                          [&](drop_it&) { held_.clear(); }},
               m);
  }

 private:
  std::vector<reply_to<int>> held_;
};

// Asks a target and records each outcome, checking it runs in its own context.
struct ask_it {
  actor_ref<holder_protocol> target;
  std::chrono::milliseconds timeout;
};
using asker_protocol = std::variant<ask_it>;

class asker : public actor<asker_protocol> {
 public:
  explicit asker(std::vector<std::string>* outcomes) : outcomes_(outcomes) {}
  void receive(asker_protocol& m) override {
    auto& a = std::get<ask_it>(m);
    ask<int>(
        a.target, a.timeout, [](reply_to<int> r) { return hold{std::move(r)}; },
        [this](ask_result<int> r) {
          const bool own_context = actor_cell::current() == &cell();
          outcomes_->push_back((r ? std::to_string(r.value()) : std::string(to_string(r.error()))) +
                               (own_context ? "" : " (wrong context)"));
        });
  }

 private:
  std::vector<std::string>* outcomes_;
};

struct ask_fixture : ::testing::Test {
  std::vector<std::string> outcomes;
  actor_system system{deterministic_config()};
  actor_ref<asker_protocol> a = system.spawn<asker>(&outcomes);
  actor_ref<holder_protocol> h = system.spawn<holder>();
  void run() { system.test().run_until_idle(); }
};

TEST_F(ask_fixture, ReplyRunsTheContinuationInTheAskersContext) {
  a.send(ask_it{h, 1000ms});
  run();
  EXPECT_TRUE(outcomes.empty());
  h.send(answer{42});
  run();
  EXPECT_EQ(outcomes, std::vector<std::string>{"42"});
}

TEST_F(ask_fixture, NoReplyBeforeTheDeadlineIsATimeoutAndALateReplyIsIgnored) {
  a.send(ask_it{h, 100ms});
  run();
  system.test().advance(99ms);
  EXPECT_TRUE(outcomes.empty());
  system.test().advance(1ms);
  EXPECT_EQ(outcomes, std::vector<std::string>{"timeout"});
  h.send(answer{1});
  run();
  EXPECT_EQ(outcomes, std::vector<std::string>{"timeout"});
}

TEST_F(ask_fixture, DroppingTheReplyToAnswersNoReply) {
  a.send(ask_it{h, 1000ms});
  run();
  h.send(drop_it{});
  run();
  EXPECT_EQ(outcomes, std::vector<std::string>{"no_reply"});
  EXPECT_EQ(system.test().pending_timers(), 0u);  // the timeout was cancelled
}

TEST_F(ask_fixture, AskingAStoppedActorAnswersActorStopped) {
  h.stop();
  run();
  a.send(ask_it{h, 1000ms});
  run();
  EXPECT_EQ(outcomes, std::vector<std::string>{"actor_stopped"});
}

TEST_F(ask_fixture, AHeldRequestAnswersNoReplyWhenTheTargetStops) {
  a.send(ask_it{h, 1000ms});
  run();
  h.stop();
  run();
  EXPECT_EQ(outcomes, std::vector<std::string>{"no_reply"});
}

TEST(Ask, AFullMailboxAnswersMailboxFull) {
  std::vector<std::string> outcomes;
  actor_system system(deterministic_config());
  auto a = system.spawn<asker>(&outcomes);
  spawn_options small;
  small.mailbox_capacity = 1;
  auto h = system.spawn_with<holder>(small);
  EXPECT_EQ(h.send(drop_it{}), send_status::ok);  // fills the only slot
  a.send(ask_it{h, 1000ms});
  system.test().run_until_idle();
  ASSERT_FALSE(outcomes.empty());
  EXPECT_EQ(outcomes.front(), "mailbox_full");
}

TEST(Ask, FromOutsideAnyActorThroughAFuture) {
  actor_system system(threaded_config());
  auto c = system.spawn<counter>();
  c.send(add{5});
  auto f = ask<int>(system, c, 2s, [](reply_to<int> r) { return get{std::move(r)}; });
  auto r = f.get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 5);
}

TEST(Ask, FromOutsideTimesOutOnRealTime) {
  actor_system system(threaded_config());
  auto h = system.spawn<holder>();
  const auto start = std::chrono::steady_clock::now();
  auto f = ask<int>(system, h, 50ms, [](reply_to<int> r) { return hold{std::move(r)}; });
  auto r = f.get();
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), ask_error::timeout);
  EXPECT_GE(waited, 50ms);
  EXPECT_LT(waited, 2s);
}

TEST(Ask, TheReplyCanBeSentFromAnotherThread) {
  actor_system system(threaded_config());
  auto h = system.spawn<holder>();
  auto f = ask<int>(system, h, 5s, [](reply_to<int> r) { return hold{std::move(r)}; });
  std::thread other([&] { h.send(answer{7}); });
  other.join();
  EXPECT_EQ(f.get().value(), 7);
}

}  // namespace
}  // namespace moeserve::actors::testing
