#pragma once
// sse: the framing of a streamed response (Content-Type: text/event-stream). Every event
// is one `data:` line and a blank line; there are no `event:` or `id:` lines.
//
//   data: {"id":"chatcmpl-…",...}\n\n     a chunk
//   data: {"error":{...}}\n\n             an error after the stream started; then close
//   : ping\n\n                            a comment that keeps proxies from timing out
//   data: [DONE]\n\n                      the end
//
// The JSON of an event never holds a raw newline (json_writer escapes control characters),
// so one data line always suffices.
#include <string>
#include <string_view>

#include "net/api_error.hpp"
#include "net/response_parts.hpp"

namespace moeserve::net {

inline constexpr std::string_view sse_content_type = "text/event-stream";
inline constexpr std::string_view sse_done = "data: [DONE]\n\n";
inline constexpr std::string_view sse_ping = ": ping\n\n";

// "data: " + json + "\n\n"
std::string sse_event(std::string_view json);
// The event of an error after the stream started.
std::string sse_error(const api_error& error);
// The end of a stream: with include_usage, the usage chunk (`object`, choices [], usage),
// then data: [DONE].
std::string sse_end(const response_header& header, std::string_view object, bool include_usage,
                    const usage_info& usage);

}  // namespace moeserve::net
