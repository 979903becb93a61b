#pragma once
// Helpers of the net/ protocol tests: checking that encoder output is JSON (simdjson is
// the judge), splitting SSE output into events, and checking a parser's rejection.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/parse_result.hpp"

namespace moeserve::net::testing {

// True when `text` is one complete JSON value (nothing after it) by simdjson's judgement.
inline bool is_json(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  return !parser.parse(text.data(), text.size(), true).get(e);
}

// The payloads of "data: ...\n\n" events (comments skipped); fails the test on anything
// that is not such an event.
inline std::vector<std::string> sse_payloads(std::string_view stream) {
  std::vector<std::string> out;
  while (!stream.empty()) {
    const auto end = stream.find("\n\n");
    if (end == std::string_view::npos) {
      ADD_FAILURE() << "unterminated event: " << stream;
      break;
    }
    const std::string_view event = stream.substr(0, end);
    stream.remove_prefix(end + 2);
    if (event.starts_with(":")) continue;
    if (!event.starts_with("data: ") || event.find('\n') != std::string_view::npos) {
      ADD_FAILURE() << "not a one-line data event: " << event;
      continue;
    }
    out.emplace_back(event.substr(6));
  }
  return out;
}

// Every payload of an SSE stream is JSON, but [DONE].
inline void expect_sse_json(std::string_view stream) {
  for (const auto& payload : sse_payloads(stream)) {
    if (payload == "[DONE]") continue;
    EXPECT_TRUE(is_json(payload)) << payload;
  }
}

template <class T>
void expect_rejected(const parse_result<T>& r, int status, std::optional<std::string> param,
                     std::string_view message_part = {}) {
  ASSERT_FALSE(r.ok()) << "expected a rejection";
  EXPECT_EQ(r.error().status, status) << r.error().message;
  EXPECT_EQ(r.error().param, param) << r.error().message;
  EXPECT_NE(r.error().message.find(message_part), std::string::npos)
      << "message: " << r.error().message << "\nexpected to contain: " << message_part;
}

}  // namespace moeserve::net::testing
