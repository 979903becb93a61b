#pragma once
// The messages of the serving engine's actors (DESIGN.md §2):
//
//   Tokenizer ──submit──► Scheduler ◄──step_done── Executor
//                            │  └──execute──────────►
//                            └──sequence_output / request_failed──► the request's sink
//   (sink: the request's Detokenizer, which may send abort_request back)
//
// A request has one sequence per choice (n); the scheduler gives each its own sequence id
// and reports its tokens, in order, to the request's sink with the choice's index.
#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "actors/actor.hpp"
#include "engine/scheduler.hpp"

namespace moeserve::engine {

using request_id = std::uint64_t;

// One token of one choice, or the end of a choice that failed (token absent).
struct sequence_output {
  request_id request = 0;
  int index = 0;  // choice
  sampled_token token;
  finish_reason finished = finish_reason::none;
  int prompt_tokens = 0;
  int cached_tokens = 0;
  std::chrono::steady_clock::time_point first_scheduled{};  // when the engine first ran this choice
};

// The request could not run at all (e.g. it does not fit the context): status and message.
struct request_failed {
  request_id request = 0;
  int status = 400;
  std::string message;
};

using output_protocol = std::variant<sequence_output, request_failed>;

// Scheduler protocol.
struct submit {
  request_id request = 0;
  std::vector<sequence_request> choices;  // ids are assigned by the scheduler
  actors::actor_ref<output_protocol> sink;
};
struct abort_request {
  request_id request = 0;
  int index = -1;  // one choice, or -1: all of them
};
struct step_done {
  step_result result;
};
struct engine_status {
  bool healthy = false;
  std::size_t running = 0;
  std::size_t waiting = 0;
  double kv_usage = 0;
  std::int64_t preemptions = 0;
  std::int64_t prefix_query_tokens = 0;
  std::int64_t prefix_hit_tokens = 0;
  std::string detail;  // why unhealthy
};
struct status_query {
  actors::reply_to<engine_status> reply;
};
using scheduler_protocol = std::variant<submit, abort_request, step_done, status_query>;

// Executor protocol.
struct execute {
  step_plan plan;
  actors::actor_ref<scheduler_protocol> reply_to;
};
using executor_protocol = std::variant<execute>;

}  // namespace moeserve::engine
