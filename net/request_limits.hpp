#pragma once
// request_limits: what the request parsers accept at most. Every bound here is checked
// before the value is used, so a hostile body cannot blow the stack (nesting), the memory
// (counts, sizes) or the engine (n, max_tokens, logprobs). The defaults are safe for a
// public server; the server's configuration may change them.
//
// Relations a session can rely on once a request has parsed:
//   body <= max_body_bytes, nesting <= max_depth (the root object is level 1),
//   1 <= n <= max_n, 1 <= max_tokens <= max_tokens_cap when given,
//   logprobs (completions) and top_logprobs (chat) <= max_logprobs,
//   stop strings <= max_stop_strings, each 1..max_stop_bytes bytes,
//   stop_token_ids <= max_stop_token_ids, prompts <= max_prompts,
//   messages <= max_messages, tools <= max_tools, and the JSON values handed to the chat
//   template (tool parameters, tool call arguments, chat_template_kwargs) <= max_template_values
//   nodes in all.
#include <cstddef>

namespace moeserve::net {

struct request_limits {
  std::size_t max_body_bytes = 16u << 20;  // 16 MiB: a 1M-token prompt as ids fits; more is 413
  std::size_t max_depth = 64;              // nesting of arrays and objects
  int max_n = 16;
  int max_tokens_cap = 1 << 20;  // above any context served; the context check comes later
  int max_logprobs = 20;         // OpenAI's and vLLM's default cap
  std::size_t max_stop_strings = 16;
  std::size_t max_stop_bytes = 1024;
  std::size_t max_stop_token_ids = 256;
  std::size_t max_prompts = 256;  // prompts of one completions request (a batch)
  std::size_t max_messages = 16384;
  std::size_t max_tools = 1024;
  std::size_t max_template_values = 1u << 16;
};

}  // namespace moeserve::net
