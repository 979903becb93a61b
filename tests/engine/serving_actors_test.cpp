// The Scheduler and Executor actors end to end on the CPU executor with the tiny llama
// fixture (tests/fixtures/arch/llama): requests with several choices get all their tokens
// in order and a finish; an abort ends a request's choices and frees its blocks; a request
// that cannot fit is refused with 400; status answers through the scheduler.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <mutex>

#include "actors/actor.hpp"
#include "actors/overloaded.hpp"
#include "cpu/cpu_executor.hpp"
#include "engine/executor_actor.hpp"
#include "engine/scheduler_actor.hpp"

namespace moeserve::engine {
namespace {

using namespace std::chrono_literals;

// Collects what the scheduler sends to a request's sink.
struct collected {
  std::mutex mutex;
  std::map<std::pair<request_id, int>, std::vector<std::int32_t>> tokens;
  std::map<std::pair<request_id, int>, finish_reason> finished;
  std::map<request_id, std::string> failures;
};

class sink final : public actors::actor<output_protocol> {
 public:
  explicit sink(collected& c) : c_(c) {}
  void receive(output_protocol& m) override {
    std::lock_guard lock(c_.mutex);
    std::visit(actors::overloaded{[&](sequence_output& o) {
                                    if (o.finished != finish_reason::abort) c_.tokens[{o.request, o.index}].push_back(o.token.token);
                                    if (o.finished != finish_reason::none) c_.finished[{o.request, o.index}] = o.finished;
                                  },
                                  [&](request_failed& f) { c_.failures[f.request] = f.message; }},
               m);
  }

 private:
  collected& c_;
};

sequence_request choice(int first, int max_tokens, float temperature) {
  sequence_request r;
  r.prompt = {first, first + 1, first + 2, first + 3, first + 4};
  r.max_tokens = max_tokens;
  r.sampling.temperature = temperature;
  r.sampling.seed = 7;
  return r;
}

TEST(serving_actors, requests_stream_their_tokens_and_aborts_free_blocks) {
  const model::model_files files(std::filesystem::path(MOESERVE_ARCH_FIXTURES) / "llama");
  actors::actor_system system;
  auto executor = system.spawn_with<executor_actor>(
      {.on = &system.dedicated()}, std::make_unique<cpu::cpu_executor>(files, cpu::cpu_executor_options{2, 4, 64}));
  auto scheduler = system.spawn<scheduler_actor>(scheduler_config{.max_num_batched_tokens = 16, .max_model_len = 64}, 64,
                                                 4, executor);
  collected c;
  auto out = system.spawn<sink>(c);
  scheduler.send(submit{1, {choice(10, 8, 0.0f), choice(10, 8, 1.0f)}, out});
  scheduler.send(submit{2, {choice(40, 200, 0.0f)}, out});  // a long one, aborted below
  scheduler.send(submit{3, {choice(50, 100, 0.0f)}, out});  // prompt + max_tokens > 64: refused
  std::this_thread::sleep_for(50ms);
  scheduler.send(abort_request{2});
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(c.mutex);
      if (c.finished.size() >= 2) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  const auto status = ask<engine_status>(system, scheduler, 2s, [](actors::reply_to<engine_status> r) {
                        return status_query{std::move(r)};
                      }).get();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status.value().healthy);
  EXPECT_EQ(status.value().running, 0u);
  EXPECT_EQ(status.value().kv_usage, 0.0);
  std::lock_guard lock(c.mutex);
  EXPECT_EQ((c.tokens[{1, 0}].size()), 8u);
  EXPECT_EQ((c.tokens[{1, 1}].size()), 8u);
  EXPECT_EQ((c.finished[{1, 0}]), finish_reason::length);
  EXPECT_EQ((c.finished[{1, 1}]), finish_reason::length);
  EXPECT_FALSE((c.finished.contains({2, 0})));  // aborted: no finish is sent, it just stops
  EXPECT_LT((c.tokens[{2, 0}].size()), 200u);
  ASSERT_TRUE(c.failures.contains(3));
  EXPECT_NE(c.failures[3].find("maximum context length is 64"), std::string::npos) << c.failures[3];
  system.stop();
  EXPECT_TRUE(system.join_for(5s));
}

}  // namespace
}  // namespace moeserve::engine
