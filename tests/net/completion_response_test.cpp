// /v1/completions answers: the non-streamed body, the completions shape of logprobs, and
// the stream's events, byte for byte; every output parses as JSON.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "net/completion_response.hpp"
#include "net/completion_stream.hpp"
#include "tests/net/net_test_support.hpp"

namespace moeserve::net {
namespace {

const response_header header{"cmpl-1", 1700000000, "m"};

TEST(CompletionResponse, GoldenJson) {
  completion_response r;
  r.header = header;
  r.choices = {{0, "Hello", std::nullopt, finish_reason::length}, {1, "Hi\n", std::nullopt, finish_reason::stop}};
  r.usage = {5, 7, 2};
  const std::string json = to_json(r);
  EXPECT_EQ(json, R"({"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"m","choices":[)"
                  R"({"index":0,"text":"Hello","logprobs":null,"finish_reason":"length"},)"
                  R"({"index":1,"text":"Hi\n","logprobs":null,"finish_reason":"stop"}],)"
                  R"("usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,)"
                  R"("prompt_tokens_details":{"cached_tokens":2}}})");
  EXPECT_TRUE(testing::is_json(json));
}

TEST(CompletionResponse, LogprobsInTheCompletionsShape) {
  completion_response r;
  r.header = header;
  std::vector<token_logprob> tokens = {
      {"The", std::nullopt, {}, 0},  // the first prompt token under echo: no logprob
      {" cat", -0.25f, {{" cat", -0.25f}, {" dog", -1.5f}}, 3},
      {"\xE7\x8C", -std::numeric_limits<float>::infinity(), {{"\xE7\x8C", -2.0f}, {"\xE7\x8D", -3.0f}}, 7},
  };
  r.choices = {{0, "The cat\xE7\x8C", tokens, finish_reason::abort}};
  r.usage = {1, 2, 0};
  const std::string json = to_json(r);
  // The two partial characters both read as U+FFFD: the dict keeps only the more likely.
  EXPECT_EQ(json,
            "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1700000000,\"model\":\"m\",\"choices\":["
            "{\"index\":0,\"text\":\"The cat\xEF\xBF\xBD\",\"logprobs\":{"
            "\"tokens\":[\"The\",\" cat\",\"\xEF\xBF\xBD\"],"
            "\"token_logprobs\":[null,-0.25,-9999],"
            "\"top_logprobs\":[null,{\" cat\":-0.25,\" dog\":-1.5},{\"\xEF\xBF\xBD\":-2}],"
            "\"text_offset\":[0,3,7]},\"finish_reason\":\"abort\"}],"
            "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3,"
            "\"prompt_tokens_details\":{\"cached_tokens\":0}}}");
  EXPECT_TRUE(testing::is_json(json));
}

TEST(CompletionResponse, EmptyLogprobsAndNanAreStillJson) {
  completion_response r;
  r.header = header;
  r.choices = {
      {0, "", std::vector<token_logprob>{}, finish_reason::stop},
      {1, "x", std::vector<token_logprob>{{"x", std::nanf(""), {{"x", std::nanf("")}}, 0}}, finish_reason::stop}};
  const std::string json = to_json(r);
  EXPECT_NE(json.find(R"("logprobs":{"tokens":[],"token_logprobs":[],"top_logprobs":[],"text_offset":[]})"),
            std::string::npos);
  EXPECT_NE(json.find(R"("token_logprobs":[-9999],"top_logprobs":[{"x":-9999}])"), std::string::npos);
  EXPECT_TRUE(testing::is_json(json));
}

// The SSE event of a chunk of this stream holding `choice`.
std::string event(std::string_view choice) {
  return R"(data: {"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"m","choices":[)" +
         std::string(choice) + "]}\n\n";
}

TEST(CompletionStream, GoldenEvents) {
  completion_stream s(header, 2, false, false);
  EXPECT_EQ(s.text(0, "Hel"),
            "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1700000000,\"model\":\"m\","
            "\"choices\":[{\"index\":0,\"text\":\"Hel\",\"logprobs\":null,\"finish_reason\":null}]}\n\n");
  EXPECT_EQ(s.text(1, ""), "");  // no empty events
  EXPECT_EQ(s.finish(1, finish_reason::length, "x"),
            event(R"({"index":1,"text":"x","logprobs":null,"finish_reason":"length"})"));
  EXPECT_FALSE(s.all_finished());
  EXPECT_EQ(s.finish(0, finish_reason::stop), event(R"({"index":0,"text":"","logprobs":null,"finish_reason":"stop"})"));
  EXPECT_TRUE(s.finished(0));
  EXPECT_TRUE(s.all_finished());
  EXPECT_EQ(s.text(0, "late"), "");  // nothing after a choice's last event
  EXPECT_EQ(s.finish(0, finish_reason::stop), "");
  EXPECT_EQ(s.end({3, 4, 0}), "data: [DONE]\n\n");
}

TEST(CompletionStream, UsageEventBeforeDone) {
  completion_stream s(header, 1, false, true);
  EXPECT_EQ(s.end({3, 4, 1}),
            R"(data: {"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"m","choices":[],)"
            R"("usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,)"
            R"("prompt_tokens_details":{"cached_tokens":1}}})"
            "\n\ndata: [DONE]\n\n");
}

TEST(CompletionStream, LogprobsOnEveryEvent) {
  completion_stream s(header, 1, true, false);
  const std::vector<token_logprob> tokens = {{"a", -0.5f, {{"a", -0.5f}}, 4}};
  EXPECT_EQ(s.text(0, "a", tokens), event(R"({"index":0,"text":"a","logprobs":{"tokens":["a"],"token_logprobs":[-0.5],)"
                                          R"("top_logprobs":[{"a":-0.5}],"text_offset":[4]},"finish_reason":null})"));
  // Tokens whose text is held back (a possible stop string) still make an event.
  EXPECT_NE(s.text(0, "", tokens), "");
  const std::string last = s.finish(0, finish_reason::stop);
  EXPECT_NE(last.find(R"("logprobs":{"tokens":[],)"), std::string::npos);
  testing::expect_sse_json(last + s.end({}));
}

}  // namespace
}  // namespace moeserve::net
