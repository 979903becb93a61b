#pragma once
// generation_request: the parameters that /v1/completions and /v1/chat/completions share,
// parsed into native values (no JSON after parsing). Both request structs derive from it.
//
//   parameter              JSON                          here
//   model                  string | null | absent        model (nullopt: absent or null)
//   max_tokens             int >= 1 | null               max_tokens
//   max_completion_tokens  int >= 1 | null               max_tokens (wins over max_tokens)
//   temperature, top_p, min_p, presence_penalty, frequency_penalty, repetition_penalty
//                          number | null                 sampling.* (validated as a whole)
//   top_k                  int | null                    sampling.top_k (-1 or 0: disabled)
//   seed                   int64 or uint64 | null        sampling.seed (a negative seed keeps
//                                                        its two's-complement bits)
//   stop                   string | [string] | null      stop (empty strings dropped)
//   stop_token_ids         [int >= 0] | null             stop_token_ids
//   n                      1..max_n | null               n
//   stream                 bool | null                   stream
//   stream_options         {"include_usage": bool|null} | null
//                                                        include_usage (false unless stream)
//   ignore_eos             bool | null                   ignore_eos
//   skip_special_tokens    bool | null                   skip_special_tokens (vLLM's extension)
//   user                   string | null                 user
//
// logprobs differ by route (completions: an int 0..max_logprobs; chat: a bool with
// top_logprobs) and are normalized into `logprobs` by each route's parser.
// JSON null means "not given" for every optional parameter, as in the Python servers.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/runner/sampling_params.hpp"
#include "net/request_limits.hpp"

namespace moeserve::net {

struct generation_request {
  std::optional<std::string> model;
  // Generated tokens at most; nullopt: not given (the route's default applies: whatever
  // room the context leaves, as FastDeploy and vLLM's chat route do).
  std::optional<int> max_tokens;
  model::sampling_params sampling;  // validated
  std::vector<std::string> stop;
  std::vector<std::int32_t> stop_token_ids;
  int n = 1;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage, only when streaming
  // nullopt: no logprobs. k: each generated token's logprob and its k most likely
  // alternatives (completions' logprobs=k; chat's logprobs=true with top_logprobs=k).
  std::optional<int> logprobs;
  bool ignore_eos = false;
  bool skip_special_tokens = true;
  std::optional<std::string> user;
};

// Reads the shared parameters of one request body into a generation_request:
//
//   generation_reader reader(request, limits);
//   for (auto [key, value] : body) if (!reader.read(key, value)) { ...route's own keys... }
//   reader.finish();
//
// read() and finish() throw request_error (json_body.hpp) for a wrong type or range.
class generation_reader {
 public:
  generation_reader(generation_request& request, const request_limits& limits) : r_(request), limits_(limits) {}
  // True when `key` is one of the shared parameters (then read into the request).
  bool read(std::string_view key, simdjson::dom::element value);
  // The checks that need every field: max_completion_tokens over max_tokens, sampling
  // validation, include_usage only when streaming. Call once, after the last field.
  void finish();

 private:
  generation_request& r_;
  const request_limits& limits_;
  std::optional<int> max_tokens_;
  std::optional<int> max_completion_tokens_;
};

}  // namespace moeserve::net
