#pragma once
// generation_actor: one completions or chat completions request on its way through the
// engine (the Tokenizer and Detokenizer stages of DESIGN.md §2 for that request, on the
// actor pool, off the network threads):
//
//   on_start    render the chat template / encode the prompts, check the context, submit
//               one sequence per choice (prompts x n) to the Scheduler with itself as sink
//   tokens      incremental detokenization and stop strings per choice; streamed as SSE
//               events to the HTTP session, or gathered into one response
//   the end     all choices finished (stop, length, abort): the usage, the last event or
//               the response; a stop string aborts its choice in the engine
//
// A request the engine refuses (context) is a 400; if the client goes away, the session
// aborts the request in the engine and stops this actor.
#include <chrono>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "actors/actor.hpp"
#include "app/serving/serving_context.hpp"
#include "engine/serving_messages.hpp"
#include "model/tokenizer/detokenizer.hpp"
#include "model/tokenizer/stop_matcher.hpp"
#include "net/chat_completion_request.hpp"
#include "net/chat_completion_stream.hpp"
#include "net/completion_request.hpp"
#include "net/completion_stream.hpp"
#include "net/http/http_messages.hpp"
#include "net/logprobs.hpp"

namespace moeserve::app {

using generation_input = std::variant<net::completion_request, net::chat_completion_request>;

class generation_actor final : public actors::actor<engine::output_protocol> {
 public:
  generation_actor(serving_context& context, engine::request_id id, generation_input input,
                   actors::actor_ref<net::session_protocol> session, std::uint64_t http_request);
  ~generation_actor() override;

  void on_start() override;
  void receive(engine::output_protocol& message) override;

 private:
  struct choice {
    std::unique_ptr<model::detokenizer> detok;
    std::unique_ptr<model::stop_matcher> stops;
    std::string text;  // gathered (not streamed)
    std::vector<net::token_logprob> logprobs;
    std::int64_t text_offset = 0;
    int tokens = 0;  // received so far
    bool finished = false;
    net::finish_reason reason = net::finish_reason::stop;
    std::chrono::steady_clock::time_point last_token{};
  };

  const net::generation_request& request() const;
  bool is_chat() const { return input_.index() == 1; }
  std::string log_id() const;  // the response id ("chatcmpl-7"), which every log line of the request carries
  void on_output(engine::sequence_output& o);
  void finish_choice(int index, net::finish_reason reason, std::string tail, std::vector<net::token_logprob> tokens);
  void fail(int status, const std::string& message);
  void complete();
  net::token_logprob describe(const engine::sequence_output& o, std::int64_t offset) const;

  serving_context& ctx_;
  engine::request_id id_;
  generation_input input_;
  actors::actor_ref<net::session_protocol> session_;
  std::uint64_t http_request_;
  bool counted_ = false;
  bool streaming_started_ = false;
  std::vector<choice> choices_;
  std::vector<std::string> echo_;  // completions with echo: each prompt's text
  int n_ = 1;
  net::usage_info usage_;
  net::response_header header_;
  std::unique_ptr<net::completion_stream> completion_stream_;
  std::unique_ptr<net::chat_completion_stream> chat_stream_;
  bool done_ = false;
  std::chrono::steady_clock::time_point arrived_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point first_token_{};
};

}  // namespace moeserve::app
