#pragma once
// serving_context: what every request handler of `moeserve serve` shares: the model's
// tokenizer and template, the engine's Scheduler, the served names and limits, and the
// count of requests in the engine (admission control).
#include <atomic>
#include <mutex>
#include <unordered_map>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/actor.hpp"
#include "engine/metrics.hpp"
#include "engine/serving_messages.hpp"
#include "model/bundle/model_bundle.hpp"
#include "net/request_limits.hpp"

namespace moeserve::app {

struct serving_context {
  const model::model_bundle* model = nullptr;
  actors::actor_ref<engine::scheduler_protocol> scheduler;
  std::vector<std::string> served_names;  // empty: any name is accepted for the one model
  std::string display_name;               // what responses report as "model"
  std::string api_key;                    // empty: none required
  int max_model_len = 0;
  int max_concurrent = 0;  // requests in the engine (running + queued) before 429
  net::request_limits limits;
  std::atomic<int> in_engine{0};
  std::atomic<std::uint64_t> next_request{1};
  std::int64_t started = 0;  // unix seconds, for /v1/models
  engine::metrics_registry* metrics = nullptr;
  // Shutdown: new generation requests are refused (503) once set; the live ones are listed
  // so that those still running at the deadline can be ended with an error event.
  std::atomic<bool> shutting_down{false};
  std::mutex live_mutex;
  std::unordered_map<engine::request_id, actors::actor_ref<engine::output_protocol>> live;
};

}  // namespace moeserve::app
