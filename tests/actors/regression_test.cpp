// Cases found in review: each once misbehaved (crash, hang, leak or a callback after
// cancel) and must not again.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "actors/asio_dispatcher.hpp"
#include "test_support.hpp"

namespace moeserve::actors::testing {
namespace {

// Talks to itself, starts a timer and asks from its constructor, before spawn returns.
struct note {
  std::string what;
};
using eager_protocol = std::variant<note, get>;

class eager : public actor<eager_protocol> {
 public:
  eager(event_log* log, std::string tag) : log_(log), tag_(std::move(tag)) {
    self().send(note{"message"});
    after(1ms, [this] { log_->add(tag_ + " timer"); });
  }
  void on_start() override { log_->add(tag_ + " start"); }
  void receive(eager_protocol& m) override {
    if (auto* n = std::get_if<note>(&m)) log_->add(tag_ + " " + n->what);
    if (auto* g = std::get_if<get>(&m)) g->reply.send(1);
  }

 private:
  event_log* log_;
  std::string tag_;
};

TEST(Regression, MessagesFromTheConstructorWaitForOnStart) {
  for (int round = 0; round < 50; ++round) {
    event_log log;
    actor_system system(threaded_config(2));
    auto pooled = system.spawn<eager>(&log, std::string("p"));
    auto dedicated = system.spawn_with<eager>(spawn_options{.on = &system.dedicated()}, &log, std::string("d"));
    ASSERT_TRUE(eventually([&] { return log.snapshot().size() == 6; }));
    system.stop();
    ASSERT_TRUE(system.join_for(5s));
    // Per actor: start, then its own message, then the timer.
    const auto events = log.snapshot();
    for (const std::string tag : {"p", "d"}) {
      std::vector<std::string> mine;
      for (const auto& e : events) {
        if (e.rfind(tag + " ", 0) == 0) mine.push_back(e);
      }
      EXPECT_EQ(mine, (std::vector<std::string>{tag + " start", tag + " message", tag + " timer"}));
    }
  }
}

TEST(Regression, SpawnsRacingWithStopAreStoppedOrRefused) {
  for (int round = 0; round < 20; ++round) {
    actor_system system(threaded_config(2));
    std::atomic<bool> go{true};
    std::vector<std::thread> spawners;
    for (int t = 0; t < 2; ++t) {
      spawners.emplace_back([&, t] {
        while (go) {
          spawn_options o;
          if (t == 1) o.on = &system.dedicated();
          (void)system.spawn_with<counter>(o);
        }
      });
    }
    std::this_thread::sleep_for(2ms);
    system.stop();
    EXPECT_TRUE(system.join_for(10s)) << "round " << round;
    go = false;
    for (auto& s : spawners) s.join();
    EXPECT_EQ(system.live_actors(), 0u);
  }
}

TEST(Regression, SpawnsAreRefusedOnceJoinEndedTheThreads) {
  actor_system system(threaded_config(1));
  auto c = system.spawn<counter>();
  c.send(stop_now{});
  ASSERT_TRUE(system.join_for(5s));
  EXPECT_FALSE(system.spawn<counter>());
}

// Starts a fast periodic timer and handles each firing slowly.
struct go_tick {};
struct cancel_tick {};
using slow_protocol = std::variant<go_tick, cancel_tick>;
class slow_ticker : public actor<slow_protocol> {
 public:
  slow_ticker(std::atomic<int>* fired, std::atomic<bool>* cancelled, std::atomic<int>* after_cancel)
      : fired_(fired), cancelled_(cancelled), after_cancel_(after_cancel) {}
  void receive(slow_protocol& m) override {
    if (std::holds_alternative<go_tick>(m)) {
      timer_ = every(1ms, [this] {
        if (cancelled_->load()) after_cancel_->fetch_add(1);
        fired_->fetch_add(1);
        std::this_thread::sleep_for(5ms);
      });
    } else {
      cancel(timer_);
      cancelled_->store(true);
    }
  }

 private:
  std::atomic<int>* fired_;
  std::atomic<bool>* cancelled_;
  std::atomic<int>* after_cancel_;
  timer_handle timer_;
};

TEST(Regression, CancelDropsFiringsAlreadyQueuedAndBusyTimersCoalesce) {
  actor_system system(threaded_config(2));
  std::atomic<int> fired{0}, after_cancel{0};
  std::atomic<bool> cancelled{false};
  auto t = system.spawn<slow_ticker>(&fired, &cancelled, &after_cancel);
  t.send(go_tick{});
  ASSERT_TRUE(eventually([&] { return fired.load() >= 5; }));
  auto stats = system.stats();
  EXPECT_LE(stats.front().mailbox_depth, 2);  // firings do not pile up behind a slow handler
  t.send(cancel_tick{});
  ASSERT_TRUE(eventually([&] { return cancelled.load(); }));
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(after_cancel.load(), 0);
}

TEST(Regression, APerConnectionAsioDispatcherIsFreedWithItsActor) {
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });
  std::vector<std::weak_ptr<void>> dispatchers;
  {
    actor_system system(threaded_config(1));
    for (int i = 0; i < 20; ++i) {
      auto strand = boost::asio::make_strand(io);
      auto d = asio_dispatcher<decltype(strand)>::create(strand);
      dispatchers.push_back(d);
      auto session = system.spawn_with<counter>(spawn_options{.on = d.get()});
      session.send(add{1});
      EXPECT_EQ(ask_total(system, session), 1);
      session.send(stop_now{});
    }
    ASSERT_TRUE(eventually([&] { return system.live_actors() == 0; }));
    ASSERT_TRUE(eventually([&] {
      for (auto& w : dispatchers) {
        if (!w.expired()) return false;
      }
      return true;
    }));
  }
  guard.reset();
  loop.join();
}

TEST(Regression, DropAfterDrainHurriesTheStop) {
  actor_system system(deterministic_config());
  event_log log;
  auto c = system.spawn<counter>(&log);
  system.test().run_until_idle();
  for (int i = 0; i < 3; ++i) c.send(add{1});
  system.stop(stop_mode::drain);
  system.stop(stop_mode::drop);
  system.join();
  EXPECT_EQ(log.snapshot(), (std::vector<std::string>{"counter: start", "counter: stop"}));
}

TEST(Regression, WatchingAnActorThatAlreadyFailedCarriesItsError) {
  actor_system system(deterministic_config());
  auto c = system.spawn<counter>();
  c.send(fail{"it broke"});
  system.test().run_until_idle();
  struct watch_it {
    actor_ref<counter_protocol> target;
  };
  using w_protocol = std::variant<watch_it>;
  struct late_watcher : actor<w_protocol> {
    explicit late_watcher(std::vector<down_msg>* d) : downs(d) {}
    void receive(w_protocol& m) override { watch(std::get<watch_it>(m).target); }
    void on_down(const down_msg& d) override { downs->push_back(d); }
    std::vector<down_msg>* downs;
  };
  std::vector<down_msg> downs;
  auto w = system.spawn<late_watcher>(&downs);
  w.send(watch_it{c});
  system.test().run_until_idle();
  ASSERT_EQ(downs.size(), 1u);
  EXPECT_EQ(downs[0].reason, exit_reason::failure);
  EXPECT_EQ(downs[0].error, "it broke");
  w.stop();
  system.test().run_until_idle();
}

TEST(Regression, AFullMailboxCountsRejectionsInStats) {
  actor_system system(deterministic_config());
  spawn_options o;
  o.mailbox_capacity = 1;
  auto c = system.spawn_with<counter>(o);
  c.send(add{1});
  EXPECT_EQ(c.send(add{1}), send_status::mailbox_full);
  EXPECT_EQ(system.stats()[0].rejected, 1u);
  EXPECT_EQ(system.stats()[0].dropped, 0u);
}

}  // namespace
}  // namespace moeserve::actors::testing
