#pragma once
// response_parts: the pieces every completions and chat response shares: why a choice
// ended, the token counts, and the header fields of a response or stream.
//
//   "finish_reason": "stop" | "length" | "abort"
//   "usage": {"prompt_tokens":P,"completion_tokens":C,"total_tokens":P+C,
//             "prompt_tokens_details":{"cached_tokens":K}}
//   "id":"chatcmpl-…" | "cmpl-…", "created": <unix seconds, the same for a whole stream>, "model"
#include <cstdint>
#include <string>
#include <string_view>

#include "net/json_writer.hpp"

namespace moeserve::net {

enum class finish_reason {
  stop,    // an end-of-sequence token, a stop token id or a stop string
  length,  // max_tokens or the context ran out
  abort,   // the request was cancelled or failed inside the engine
};

std::string_view to_string(finish_reason reason);

struct usage_info {
  std::int64_t prompt_tokens = 0;      // over all prompts of the request
  std::int64_t completion_tokens = 0;  // over all choices
  std::int64_t cached_tokens = 0;      // prompt tokens served from the prefix cache
};

// Writes the usage object (a value: the caller has written the key, if any).
void write_usage(json_writer& w, const usage_info& usage);

struct response_header {
  std::string id;            // "chatcmpl-…" or "cmpl-…"
  std::int64_t created = 0;  // unix seconds
  std::string model;         // the name the response reports
};

// Writes "id", "object", "created" and "model" members into an open object.
void write_header_members(json_writer& w, const response_header& header, std::string_view object);

}  // namespace moeserve::net
