// Concurrency stress: many producers, per-sender FIFO order, nothing lost or duplicated,
// and a clean shutdown while messages are still flowing. Sized to finish in seconds on
// two cores, also under ThreadSanitizer.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace moeserve::actors::testing {
namespace {

struct numbered {
  int sender;
  int seq;
};
struct report {
  reply_to<std::string> reply;
};
using checker_protocol = std::variant<numbered, report>;

// Checks that each sender's numbers arrive exactly once and in order.
class order_checker : public actor<checker_protocol> {
 public:
  explicit order_checker(int senders) : next_(static_cast<std::size_t>(senders), 0) {}
  void receive(checker_protocol& m) override {
    if (auto* n = std::get_if<numbered>(&m)) {
      int& expected = next_[static_cast<std::size_t>(n->sender)];
      if (n->seq != expected && errors_.size() < 5) {
        errors_ += "sender " + std::to_string(n->sender) + " expected " + std::to_string(expected) + " got " +
                   std::to_string(n->seq) + "; ";
      }
      expected = n->seq + 1;
      ++received_;
      return;
    }
    std::get<report>(m).reply.send(errors_ + "received " + std::to_string(received_));
  }

 private:
  std::vector<int> next_;
  std::string errors_;
  long received_ = 0;
};

std::string ask_report(actor_system& system, const actor_ref<checker_protocol>& c) {
  auto r = ask<std::string>(system, c, 30s, [](reply_to<std::string> rt) { return report{std::move(rt)}; }).get();
  return r ? r.value() : std::string(to_string(r.error()));
}

TEST(Stress, ManyThreadsToOneActorKeepPerSenderOrder) {
  constexpr int senders = 6, each = 20'000;
  actor_system system(threaded_config(2));
  auto checker = system.spawn<order_checker>(senders);
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&, s] {
      for (int i = 0; i < each; ++i) ASSERT_EQ(checker.send(numbered{s, i}), send_status::ok);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ask_report(system, checker), "received " + std::to_string(senders * each));
}

// Actors that forward numbered messages to the checker: senders that are actors on the
// pool and on dedicated threads, mixed.
struct forward_range {
  int sender;
  int count;
};
using forwarder_protocol = std::variant<forward_range>;
class forwarder : public actor<forwarder_protocol> {
 public:
  explicit forwarder(actor_ref<checker_protocol> to) : to_(std::move(to)) {}
  void receive(forwarder_protocol& m) override {
    auto& r = std::get<forward_range>(m);
    for (int i = 0; i < r.count; ++i) to_.send(numbered{r.sender, i});
  }

 private:
  actor_ref<checker_protocol> to_;
};

TEST(Stress, ActorsOnEveryDispatcherSendingToOne) {
  constexpr int senders = 8, each = 10'000;
  actor_system system(threaded_config(2));
  auto checker = system.spawn<order_checker>(senders);
  std::vector<actor_ref<forwarder_protocol>> forwarders;
  for (int s = 0; s < senders; ++s) {
    spawn_options o;
    if (s % 4 == 0) o.on = &system.dedicated();
    forwarders.push_back(system.spawn_with<forwarder>(o, checker));
  }
  for (int s = 0; s < senders; ++s) forwarders[static_cast<std::size_t>(s)].send(forward_range{s, each});
  ASSERT_TRUE(eventually([&] { return system.stats().front().processed >= senders * each + 1; }, 30'000ms));
  EXPECT_EQ(ask_report(system, checker), "received " + std::to_string(senders * each));
}

// Counts what it handles into a shared total when it stops.
struct tick {};
using tally_protocol = std::variant<tick>;
class tally : public actor<tally_protocol> {
 public:
  explicit tally(std::atomic<long>* total) : total_(total) {}
  void receive(tally_protocol&) override { ++handled_; }
  void on_stop() override { total_->fetch_add(handled_); }

 private:
  std::atomic<long>* total_;
  long handled_ = 0;
};

TEST(Stress, ShutdownUnderLoadAccountsForEveryMessage) {
  constexpr int senders = 4, actors = 16;
  actor_system system(threaded_config(2));
  std::atomic<long> handled{0};
  std::vector<actor_ref<tally_protocol>> tallies;
  for (int i = 0; i < actors; ++i) {
    spawn_options o;
    if (i % 8 == 0) o.on = &system.dedicated();
    tallies.push_back(system.spawn_with<tally>(o, &handled));
  }
  std::atomic<bool> go{true};
  std::atomic<long> accepted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&, s] {
      for (int i = 0; go.load(std::memory_order_relaxed) && i < 5'000'000; ++i) {
        const auto st = tallies[static_cast<std::size_t>((i + s) % actors)].send(tick{});
        (st == send_status::ok ? accepted : refused).fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(100ms);
  system.stop(stop_mode::drop);
  ASSERT_TRUE(system.join_for(20s));
  std::this_thread::sleep_for(20ms);  // senders keep going against stopped actors
  go = false;
  for (auto& t : threads) t.join();
  EXPECT_EQ(system.live_actors(), 0u);
  for (auto& t : tallies) EXPECT_TRUE(t.stopped());
  EXPECT_GT(accepted.load(), 0);
  EXPECT_GT(refused.load(), 0);
  // Every message was handled, or dropped at the stop, or refused; the last two are the
  // dead letters.
  const long dropped = static_cast<long>(system.dead_letters()) - refused.load();
  EXPECT_EQ(accepted.load(), handled.load() + dropped);
}

TEST(Stress, ManyActorsPingPongOnThePool) {
  constexpr int pairs = 200, rounds = 200;  // pairs: counters split between two drivers
  actor_system system(threaded_config(2));
  // Each counter is driven by repeated asks from outside: a latency-bound pattern
  // that exercises idle/wake transitions of the pool thousands of times.
  std::vector<actor_ref<counter_protocol>> cs;
  for (int i = 0; i < pairs; ++i) cs.push_back(system.spawn<counter>());
  std::vector<std::thread> drivers;
  for (int d = 0; d < 2; ++d) {
    drivers.emplace_back([&, d] {
      for (int r = 0; r < rounds; ++r) {
        for (int i = d; i < pairs; i += 2) cs[static_cast<std::size_t>(i)].send(add{1});
        if (r % 50 == 49) {
          for (int i = d; i < pairs; i += 2) ASSERT_EQ(ask_total(system, cs[static_cast<std::size_t>(i)]), r + 1);
        }
      }
    });
  }
  for (auto& t : drivers) t.join();
  for (auto& c : cs) EXPECT_EQ(ask_total(system, c), rounds);
}

}  // namespace
}  // namespace moeserve::actors::testing
