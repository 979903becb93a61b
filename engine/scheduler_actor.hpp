#pragma once
// scheduler_actor: the Scheduler of DESIGN.md §2: the scheduler (scheduler.hpp) and its
// block pool, driven by messages. Requests come in as `submit` (one sequence per choice);
// while any sequence can run it keeps exactly one step in flight at the Executor, and on
// each step_done routes the sampled tokens to the requests' sinks and plans the next step.
// `abort_request` ends a request's sequences wherever they are (queued or running) and
// frees their blocks before the next step. `status_query` answers from here, so /health
// measures the round trip; a step in flight for longer than `hung_after` reports unhealthy.
// With a metrics registry it keeps the engine's gauges and counters there current.
#include <chrono>
#include <cstdint>
#include <unordered_map>

#include "actors/actor.hpp"
#include "engine/block_pool.hpp"
#include "engine/metrics.hpp"
#include "engine/scheduler.hpp"
#include "engine/serving_messages.hpp"

namespace moeserve::engine {

class scheduler_actor final : public actors::actor<scheduler_protocol> {
 public:
  scheduler_actor(const scheduler_config& config, int num_blocks, int block_size,
                  actors::actor_ref<executor_protocol> executor, metrics_registry* metrics = nullptr,
                  std::chrono::milliseconds hung_after = std::chrono::seconds(60));

  void receive(scheduler_protocol& message) override;

 private:
  struct choice {
    request_id request = 0;
    int index = 0;
    int prompt_tokens = 0;
    actors::actor_ref<output_protocol> sink;
  };

  void on_submit(submit& s);
  void on_abort(request_id r, int index);
  void on_step_done(step_done& d);
  void kick();
  void publish_gauges();

  block_pool pool_;
  scheduler scheduler_;
  actors::actor_ref<executor_protocol> executor_;
  metrics_registry* metrics_;
  std::chrono::milliseconds hung_after_;
  std::unordered_map<sequence_id, choice> choices_;
  std::unordered_map<request_id, std::vector<sequence_id>> requests_;
  sequence_id next_sequence_ = 1;
  bool stepping_ = false;
  std::chrono::steady_clock::time_point step_started_{};
  std::string executor_error_;
};

}  // namespace moeserve::engine
