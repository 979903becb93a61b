#pragma once
// What the rest of the server sends to an HTTP session (an actor per connection, on the
// connection's strand), and what a session hands to the server's router.
//
//   full_response            a complete response (status, content type, body, headers)
//   stream_begin             starts a streamed response (200, text/event-stream, chunked)
//   stream_data              the next events of the stream (already SSE-formatted)
//   stream_end               the last chunk; the connection then serves its next request
//
// Each carries the request number the session gave the request, so that a late message for
// an earlier (disconnected, finished) request is dropped.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "actors/actor.hpp"

namespace moeserve::net {

// A parsed request as the router sees it.
struct http_request {
  std::string method;
  std::string target;  // path and query
  std::string body;
  std::string authorization;
  std::uint64_t number = 0;  // the session's request number
};

struct full_response {
  std::uint64_t request = 0;
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};
struct stream_begin {
  std::uint64_t request = 0;
};
struct stream_data {
  std::uint64_t request = 0;
  std::string data;
};
struct stream_end {
  std::uint64_t request = 0;
  std::string data;  // sent before the end
};
// The session's own I/O completions, posted to itself (handlers never touch the actor).
struct read_done {
  int error = 0;  // 0: a request was read; else why not (closed, timeout, too large, ...)
  int status = 0;  // for a request that cannot be read: the HTTP status to answer with
  http_request request;
  bool keep_alive_hint = true;
};
struct write_done {
  bool ok = true;
};
struct peer_event {
  bool gone = false;   // the client closed the connection
  bool stale = false;  // readable was reported but nothing was there (an edge already consumed)
};
using session_protocol = std::variant<full_response, stream_begin, stream_data, stream_end, read_done, write_done,
                                      peer_event>;

// The router: answers `request` by sending session_protocol messages to `session`
// (exactly one full_response, or stream_begin ... stream_end). It returns a function the
// session calls if the client goes away before the answer is complete (may be empty).
using request_router = std::function<std::function<void()>(http_request request,
                                                           actors::actor_ref<session_protocol> session)>;

}  // namespace moeserve::net
