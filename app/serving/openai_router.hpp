#pragma once
// openai_router: the routes of `moeserve serve` (REFERENCE.md "OpenAI API"):
//
//   POST /v1/completions, /v1/chat/completions   -> a generation_actor per request
//   GET  /v1/models                              -> the served model
//   POST /tokenize, /detokenize                  -> answered at once with the tokenizer
//   GET  /metrics                                -> Prometheus text (engine/metrics.hpp)
//   GET  /health                                 -> a round trip through the Scheduler
//                                                   (200, or 503 when the engine is dead,
//                                                   hung or does not answer in time)
//
// /v1 routes need `Authorization: Bearer <api key>` when a key is set. A request for a
// model name not served is a 404; with more requests in the engine than the limit, a 429
// with Retry-After, decided before any tokenizing.
#include "actors/actor_system.hpp"
#include "app/serving/serving_context.hpp"
#include "net/http/http_messages.hpp"

namespace moeserve::app {

net::request_router make_openai_router(serving_context& context, actors::actor_system& system);

}  // namespace moeserve::app
