#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "actors/mpsc_queue.hpp"
#include "test_support.hpp"

namespace moeserve::actors::testing {
namespace {

struct item : mpsc_node {
  int producer;
  int seq;
};

TEST(MpscQueue, IsFifoForOneProducer) {
  mpsc_queue q;
  std::vector<item> items(100);
  for (int i = 0; i < 100; ++i) {
    items[static_cast<std::size_t>(i)].seq = i;
    q.push(&items[static_cast<std::size_t>(i)]);
  }
  for (int i = 0; i < 100; ++i) {
    auto* n = static_cast<item*>(q.pop());
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->seq, i);
  }
  EXPECT_EQ(q.pop(), nullptr);
}

TEST(MpscQueue, ManyProducersLoseNothingAndKeepEachProducersOrder) {
  constexpr int producers = 4, per_producer = 50'000;
  mpsc_queue q;
  std::vector<std::unique_ptr<item[]>> storage;
  for (int p = 0; p < producers; ++p) storage.emplace_back(new item[per_producer]);
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < per_producer; ++i) {
        item& it = storage[static_cast<std::size_t>(p)][i];
        it.producer = p;
        it.seq = i;
        q.push(&it);
      }
    });
  }
  std::vector<int> next(producers, 0);
  int seen = 0;
  while (seen < producers * per_producer) {
    auto* n = static_cast<item*>(q.pop());
    if (n == nullptr) continue;
    ASSERT_EQ(n->seq, next[static_cast<std::size_t>(n->producer)]) << "producer " << n->producer;
    ++next[static_cast<std::size_t>(n->producer)];
    ++seen;
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(q.pop(), nullptr);
}

TEST(BoundedMailbox, RefusesBeyondCapacityWithoutBlocking) {
  actor_system system(deterministic_config());
  spawn_options o;
  o.mailbox_capacity = 3;
  auto c = system.spawn_with<counter>(o);
  EXPECT_EQ(c.send(add{1}), send_status::ok);
  EXPECT_EQ(c.send(add{1}), send_status::ok);
  EXPECT_EQ(c.send(add{1}), send_status::ok);
  EXPECT_EQ(c.send(add{1}), send_status::mailbox_full);
  system.test().run_until_idle();
  EXPECT_EQ(c.send(add{10}), send_status::ok);  // room again once handled
  EXPECT_EQ(ask_total(system, c), 13);
}

TEST(BoundedMailbox, SystemMessagesAreNeverRefusedForSpace) {
  actor_system system(deterministic_config());
  spawn_options o;
  o.mailbox_capacity = 1;
  auto c = system.spawn_with<counter>(o);
  system.test().run_until_idle();
  EXPECT_EQ(c.send(add{1}), send_status::ok);
  c.stop();  // a system message into a full mailbox
  system.test().run_until_idle();
  EXPECT_TRUE(c.stopped());
}

TEST(BoundedMailbox, ConcurrentSendersNeverExceedTheCapacity) {
  actor_system system(deterministic_config());  // nothing runs while they send
  spawn_options o;
  o.mailbox_capacity = 1000;
  auto c = system.spawn_with<counter>(o);
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (c.send(add{1}) == send_status::ok) accepted.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1000);
  system.test().run_until_idle();
  EXPECT_EQ(ask_total(system, c), 1000);
}

}  // namespace
}  // namespace moeserve::actors::testing
