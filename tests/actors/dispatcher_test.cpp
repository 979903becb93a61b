#include <gtest/gtest.h>
#include <sys/resource.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <set>

#include "actors/asio_dispatcher.hpp"
#include "test_support.hpp"

namespace moeserve::actors::testing {
namespace {

// Records the thread each message runs on, and whether two handlers ever overlapped.
struct where {
  int tag;
};
using recorder_protocol = std::variant<where>;

struct thread_record {
  void add(int tag) {
    std::lock_guard lock(mutex);
    entries.emplace_back(tag, std::this_thread::get_id());
  }
  std::mutex mutex;
  std::vector<std::pair<int, std::thread::id>> entries;
};

class recorder : public actor<recorder_protocol> {
 public:
  explicit recorder(thread_record* record) : record_(record) {}
  void receive(recorder_protocol& m) override {
    if (busy_.exchange(true)) overlapped = true;
    record_->add(std::get<where>(m).tag);
    busy_ = false;
  }
  static inline std::atomic<bool> overlapped{false};

 private:
  thread_record* record_;
  std::atomic<bool> busy_{false};
};

TEST(Dispatcher, DedicatedActorsEachKeepOneThreadOfTheirOwn) {
  actor_system system(threaded_config());
  thread_record ra, rb;
  auto a = system.spawn_with<recorder>(spawn_options{.on = &system.dedicated()}, &ra);
  auto b = system.spawn_with<recorder>(spawn_options{.on = &system.dedicated()}, &rb);
  for (int i = 0; i < 200; ++i) {
    a.send(where{i});
    b.send(where{i});
  }
  system.stop();
  ASSERT_TRUE(system.join_for(5s));
  std::set<std::thread::id> ta, tb;
  for (auto& e : ra.entries) ta.insert(e.second);
  for (auto& e : rb.entries) tb.insert(e.second);
  ASSERT_EQ(ra.entries.size(), 200u);
  EXPECT_EQ(ta.size(), 1u);
  EXPECT_EQ(tb.size(), 1u);
  EXPECT_NE(*ta.begin(), *tb.begin());
  EXPECT_NE(*ta.begin(), std::this_thread::get_id());
}

TEST(Dispatcher, AnActorNeverRunsTwoHandlersAtOnceOnThePool) {
  actor_system system(threaded_config(2));
  thread_record r;
  recorder::overlapped = false;
  auto a = system.spawn<recorder>(&r);
  std::vector<std::thread> senders;
  for (int t = 0; t < 3; ++t) {
    senders.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) a.send(where{i});
    });
  }
  for (auto& s : senders) s.join();
  system.stop();
  ASSERT_TRUE(system.join_for(10s));
  EXPECT_EQ(r.entries.size(), 15000u);
  EXPECT_FALSE(recorder::overlapped.load());
}

// Fairness: with one worker, a flooded actor yields after its per-turn budget, so a
// message to another actor is handled long before the flood is through.
struct flood_msg {
  std::atomic<int>* handled;
};
using flood_protocol = std::variant<flood_msg>;
class flooded : public actor<flood_protocol> {
 public:
  void receive(flood_protocol& m) override {
    std::get<flood_msg>(m).handled->fetch_add(1);
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
};

TEST(Dispatcher, APerTurnBudgetKeepsABusyActorFromStarvingOthers) {
  system_config config = threaded_config(1);
  config.messages_per_turn = 8;
  actor_system system(config);
  std::atomic<int> handled{0};
  auto busy = system.spawn<flooded>();
  auto other = system.spawn<counter>();
  for (int i = 0; i < 2000; ++i) busy.send(flood_msg{&handled});
  other.send(add{1});
  EXPECT_EQ(ask_total(system, other), 1);
  EXPECT_LT(handled.load(), 1000);  // the flood is far from done
}

TEST(Dispatcher, AsioDispatcherRunsActorsOnTheServicesOwnLoop) {
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });
  {
    actor_system system(threaded_config());
    auto strand = boost::asio::make_strand(io);
    auto on_strand = asio_dispatcher<decltype(strand)>::create(strand, 4);
    thread_record r;
    auto a = system.spawn_with<recorder>(spawn_options{.on = on_strand.get()}, &r);
    for (int i = 0; i < 100; ++i) a.send(where{i});
    system.stop();
    ASSERT_TRUE(system.join_for(5s));
    ASSERT_EQ(r.entries.size(), 100u);
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(r.entries[static_cast<std::size_t>(i)].first, i);
      EXPECT_EQ(r.entries[static_cast<std::size_t>(i)].second, loop.get_id());
    }
  }
  guard.reset();
  loop.join();
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

TEST(Dispatcher, AnIdleSystemUsesAlmostNoCpu) {
  actor_system system(threaded_config(2));
  auto a = system.spawn<counter>();
  auto b = system.spawn_with<counter>(spawn_options{.on = &system.dedicated()});
  for (int i = 0; i < 1000; ++i) {
    a.send(add{1});
    b.send(add{1});
  }
  ASSERT_EQ(ask_total(system, a), 1000);
  ASSERT_EQ(ask_total(system, b), 1000);
  std::this_thread::sleep_for(50ms);  // past the spin phase
  const double before = process_cpu_seconds();
  std::this_thread::sleep_for(500ms);
  const double used = process_cpu_seconds() - before;
  EXPECT_LT(used, 0.01) << "an idle system used " << used << " s of CPU in 0.5 s";
}

}  // namespace
}  // namespace moeserve::actors::testing
