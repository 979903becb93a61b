// /v1/chat/completions answers: the non-streamed body, the chat shape of logprobs, and the
// stream's rules (role event first, no empty deltas, finish_reason last, usage, [DONE]),
// byte for byte; every output parses as JSON.
#include <gtest/gtest.h>

#include <simdjson.h>

#include <string>
#include <vector>

#include "net/chat_completion_response.hpp"
#include "net/chat_completion_stream.hpp"
#include "net/sse.hpp"
#include "tests/net/net_test_support.hpp"

namespace moeserve::net {
namespace {

const response_header header{"chatcmpl-1", 1700000000, "m"};

// The SSE event of a chunk of this stream holding `choice`.
std::string event(std::string_view choice) {
  return R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[)" +
         std::string(choice) + "]}\n\n";
}

// The role event of choice i.
std::string role_event(int i) {
  return event(R"({"index":)" + std::to_string(i) +
               R"(,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null})");
}

TEST(ChatCompletionResponse, GoldenJson) {
  chat_completion_response r;
  r.header = header;
  r.choices = {{0, "Hello!", std::nullopt, finish_reason::stop}};
  r.usage = {9, 3, 0};
  const std::string json = to_json(r);
  EXPECT_EQ(json,
            R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m","choices":[)"
            R"({"index":0,"message":{"role":"assistant","content":"Hello!"},"logprobs":null,"finish_reason":"stop"}],)"
            R"("usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,)"
            R"("prompt_tokens_details":{"cached_tokens":0}}})");
  EXPECT_TRUE(testing::is_json(json));
}

TEST(ChatCompletionResponse, LogprobsInTheChatShape) {
  chat_completion_response r;
  r.header = header;
  const std::vector<token_logprob> tokens = {{"Hi", -0.125f, {{"Hi", -0.125f}, {"\xE4", -3.5f}}, 0}};
  r.choices = {{0, "Hi", tokens, finish_reason::length}};
  const std::string json = to_json(r);
  EXPECT_EQ(json,
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"m\",\"choices\":["
            "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"logprobs\":{\"content\":["
            "{\"token\":\"Hi\",\"logprob\":-0.125,\"bytes\":[72,105],\"top_logprobs\":["
            "{\"token\":\"Hi\",\"logprob\":-0.125,\"bytes\":[72,105]},"
            "{\"token\":\"\xEF\xBF\xBD\",\"logprob\":-3.5,\"bytes\":[228]}]}]},\"finish_reason\":\"length\"}],"
            "\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":0,\"total_tokens\":0,"
            "\"prompt_tokens_details\":{\"cached_tokens\":0}}}");
  EXPECT_TRUE(testing::is_json(json));
}

TEST(ChatCompletionStream, GoldenEventsOfOneChoice) {
  chat_completion_stream s(header, 1, false, false);
  EXPECT_EQ(s.begin(),
            "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\","
            "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
            "\"finish_reason\":null}]}\n\n");
  EXPECT_EQ(s.begin(), "");  // once per choice
  EXPECT_EQ(s.text(0, "Hel"), event(R"({"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null})"));
  EXPECT_EQ(s.text(0, ""), "");  // no empty deltas
  EXPECT_EQ(s.finish(0, finish_reason::stop, "lo"),
            event(R"({"index":0,"delta":{"content":"lo"},"logprobs":null,"finish_reason":"stop"})"));
  EXPECT_EQ(s.text(0, "late"), "");
  EXPECT_EQ(s.end({}), "data: [DONE]\n\n");
}

TEST(ChatCompletionStream, TheRoleEventComesFirstEvenWithoutBegin) {
  chat_completion_stream s(header, 2, false, false);
  EXPECT_EQ(s.text(1, "x"),
            role_event(1) + event(R"({"index":1,"delta":{"content":"x"},"logprobs":null,"finish_reason":null})"));
  // A choice that ends before any text still gets its role event, then a last event whose
  // delta has a content ("" here), never an empty delta.
  EXPECT_EQ(s.finish(0, finish_reason::abort),
            role_event(0) + event(R"({"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"abort"})"));
  EXPECT_FALSE(s.all_finished());
  EXPECT_EQ(s.begin(), "");  // both choices have begun
  s.finish(1, finish_reason::length);
  EXPECT_TRUE(s.all_finished());
}

TEST(ChatCompletionStream, BeginSendsEveryChoicesRoleEvent) {
  chat_completion_stream s(header, 3, false, false);
  const auto payloads = testing::sse_payloads(s.begin());
  ASSERT_EQ(payloads.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(payloads[i].find("\"index\":" + std::to_string(i) + ",\"delta\":{\"role\":\"assistant\""),
              std::string::npos);
  }
}

TEST(ChatCompletionStream, UsageEventHasNoChoices) {
  chat_completion_stream s(header, 1, false, true);
  EXPECT_EQ(s.end({10, 20, 8}),
            R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",)"
            R"("choices":[],"usage":{"prompt_tokens":10,"completion_tokens":20,"total_tokens":30,)"
            R"("prompt_tokens_details":{"cached_tokens":8}}})"
            "\n\ndata: [DONE]\n\n");
}

TEST(ChatCompletionStream, LogprobsOnTextEventsNotOnTheRoleEvent) {
  chat_completion_stream s(header, 1, true, false);
  const std::vector<token_logprob> tokens = {{"a", -1.0f, {}, 0}};
  const std::string a_logprobs = R"({"content":[{"token":"a","logprob":-1,"bytes":[97],"top_logprobs":[]}]})";
  EXPECT_EQ(s.text(0, "a", tokens), role_event(0) + event(R"({"index":0,"delta":{"content":"a"},"logprobs":)" +
                                                          a_logprobs + R"(,"finish_reason":null})"));
  // Tokens whose text is held back still make an event (their logprobs are due).
  EXPECT_EQ(s.text(0, "", tokens),
            event(R"({"index":0,"delta":{"content":""},"logprobs":)" + a_logprobs + R"(,"finish_reason":null})"));
  EXPECT_EQ(s.finish(0, finish_reason::stop),
            event(R"({"index":0,"delta":{"content":""},"logprobs":{"content":[]},"finish_reason":"stop"})"));
}

TEST(ChatCompletionStream, EveryEventIsJsonAndCreatedNeverChanges) {
  chat_completion_stream s(header, 2, true, true);
  std::string stream = s.begin();
  const std::vector<token_logprob> tokens = {{"\"\n\xF0\x9F", -0.5f, {{"\\", -0.75f}}, 0}};
  stream += s.text(0, "quote \" newline \n tab \t bad \xF0\x9F", tokens);
  stream += sse_ping;
  stream += s.finish(0, finish_reason::stop, "\x01");
  stream += s.finish(1, finish_reason::length, "end", tokens);
  stream += s.end({1, 2, 0});
  testing::expect_sse_json(stream);
  simdjson::dom::parser parser;
  const auto payloads = testing::sse_payloads(stream);
  ASSERT_EQ(payloads.back(), "[DONE]");
  for (std::size_t i = 0; i + 1 < payloads.size(); ++i) {
    simdjson::dom::element e;
    ASSERT_FALSE(parser.parse(payloads[i]).get(e)) << payloads[i];
    EXPECT_EQ(std::int64_t(e["created"]), 1700000000);
    EXPECT_EQ(std::string_view(e["object"]), "chat.completion.chunk");
  }
}

}  // namespace
}  // namespace moeserve::net
