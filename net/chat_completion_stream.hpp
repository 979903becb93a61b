#pragma once
// chat_completion_stream: the SSE events of a streamed POST /v1/chat/completions answer,
// with the stream's rules kept here rather than by each caller:
//
//   data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",
//          "choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,
//                      "finish_reason":null}]}                     first event of each choice
//   data: {... "choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,
//                          "finish_reason":null}]}                 text as it comes
//   data: {... "choices":[{"index":0,"delta":{"content":"lo"},"logprobs":null,
//                          "finish_reason":"stop"}]}               last event of the choice
//   data: {... "choices":[],"usage":{...}}                         only with include_usage
//   data: [DONE]
//
// - A choice's first event is its role event (begin() sends them for every choice at once,
//   as vLLM does before the first token; text() and finish() send it when still owed).
// - An event with neither text nor tokens is not sent: text() returns "".
// - The last event of a choice carries finish_reason and a "content" (possibly ""), so that
//   a client printing delta.content (the seed's Python example) never prints None.
// - created is the same in every event. One chunk holds one choice.
// - With logprobs requested, each text event carries {"content":[...]} for the tokens it
//   was given (the role event carries null).
//
// Not thread-safe: one stream belongs to one HTTP session.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/logprobs.hpp"
#include "net/response_parts.hpp"

namespace moeserve::net {

class chat_completion_stream {
 public:
  // choices: the request's n. logprobs: whether the request asked for them.
  chat_completion_stream(response_header header, int choices, bool logprobs, bool include_usage);

  // The role events of every choice that has not begun.
  std::string begin();
  // New text of choice `index` and the tokens it came from; "" when there is nothing to send.
  std::string text(int index, std::string_view text, std::span<const token_logprob> tokens = {});
  // The last event of choice `index`, with the text not yet sent; "" when already finished.
  std::string finish(int index, finish_reason reason, std::string_view text = {},
                     std::span<const token_logprob> tokens = {});
  // The end of the stream: the usage event when include_usage, then data: [DONE].
  std::string end(const usage_info& usage) const;

  bool finished(int index) const;
  bool all_finished() const;

 private:
  enum class state : std::uint8_t { not_begun, begun, finished };

  std::string role_event(int index);
  std::string chunk(int index, std::string_view text, std::span<const token_logprob> tokens,
                    const finish_reason* finish, bool role) const;
  state& state_of(int index);

  response_header header_;
  bool logprobs_;
  bool include_usage_;
  std::vector<state> states_;
};

}  // namespace moeserve::net
