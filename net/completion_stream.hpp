#pragma once
// completion_stream: the SSE events of a streamed POST /v1/completions answer.
//
//   data: {"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"m",
//          "choices":[{"index":0,"text":"Hel","logprobs":null,"finish_reason":null}]}
//   data: {... "choices":[{"index":0,"text":"lo","logprobs":null,"finish_reason":"length"}]}
//   data: {... "choices":[],"usage":{...}}            only with include_usage
//   data: [DONE]
//
// - An event with neither text nor tokens is not sent: text() returns "".
// - The last event of a choice carries finish_reason (and the text not yet sent, maybe "").
// - created is the same in every event. One chunk holds one choice; choices of a batch of
//   prompts are numbered prompt_index * n + i.
// - With logprobs requested, each event carries the completions shape of logprobs.hpp for
//   the tokens it was given (text_offset as the caller counted it); else null.
// - Under echo the caller sends the prompt's text (and its tokens) through text() first.
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

class completion_stream {
 public:
  // choices: the number of prompts times n. logprobs: whether the request asked for them.
  completion_stream(response_header header, int choices, bool logprobs, bool include_usage);

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
  std::string chunk(int index, std::string_view text, std::span<const token_logprob> tokens,
                    const finish_reason* finish) const;
  void check_index(int index) const;

  response_header header_;
  bool logprobs_;
  bool include_usage_;
  std::vector<bool> finished_;
};

}  // namespace moeserve::net
