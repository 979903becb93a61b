// The structural checks every request body passes first (net/json_body.hpp): valid JSON,
// nothing after it, an object at the root, no duplicate key at any depth, nesting and size
// limits, numbers out of range. Checked through the public parsers.
#include "net/json_body.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "net/chat_completion_request.hpp"
#include "net/completion_request.hpp"
#include "net/tokenize_request.hpp"
#include "tests/net/net_test_support.hpp"

namespace moeserve::net {
namespace {

using testing::expect_rejected;

parse_result<completion_request> parse(std::string_view body) { return parse_completion_request(body); }

TEST(JsonBody, RejectsInvalidJson) {
  for (const char* body : {"", " ", "{", "{\"prompt\":}", "{\"prompt\":\"a\",}", "{prompt:\"a\"}", "{'prompt':'a'}",
                           "{\"prompt\":\"a\"", "{\"prompt\":NaN}", "{\"prompt\":\"a\\x\"}", "{\"prompt\":01}"}) {
    SCOPED_TRACE(body);
    expect_rejected(parse(body), 400, std::nullopt, "not valid JSON");
  }
}

TEST(JsonBody, RejectsARootThatIsNotAnObject) {
  for (const char* body : {"[]", "null", "\"prompt\"", "1", "true"}) {
    SCOPED_TRACE(body);
    expect_rejected(parse(body), 400, std::nullopt, "must be a JSON object");
  }
}

TEST(JsonBody, RejectsContentAfterTheValue) {
  expect_rejected(parse(R"({"prompt":"a"} x)"), 400, std::nullopt, "not valid JSON");
  expect_rejected(parse(R"({"prompt":"a"}{})"), 400, std::nullopt, "not valid JSON");
  expect_rejected(parse(R"({"prompt":"a"},)"), 400, std::nullopt, "not valid JSON");
  expect_rejected(parse(std::string("{\"prompt\":\"a\"}\0", 15)), 400, std::nullopt, "not valid JSON");
  EXPECT_TRUE(parse(" \t\r\n{\"prompt\":\"a\"} \n").ok());
}

TEST(JsonBody, RejectsInvalidUtf8AnywhereInTheBody) {
  expect_rejected(parse("{\"prompt\":\"\xC3\"}"), 400, std::nullopt, "not valid UTF-8");
  expect_rejected(parse("{\"x\xFF\":1,\"prompt\":\"a\"}"), 400, std::nullopt, "not valid UTF-8");
}

TEST(JsonBody, RejectsDuplicateTopLevelKeys) {
  expect_rejected(parse(R"({"prompt":"a","prompt":"b"})"), 400, "prompt", "duplicate key");
  expect_rejected(parse(R"({"prompt":"a","n":1,"n":1})"), 400, "n", "duplicate key");
  // The same key after unescaping.
  expect_rejected(parse(R"({"prompt":"a","\u0070rompt":"b"})"), 400, "prompt", "duplicate key");
  // Unknown keys too: a body with two values for one name is refused whatever the name.
  expect_rejected(parse(R"({"prompt":"a","foo":1,"foo":2})"), 400, "foo", "duplicate key");
}

TEST(JsonBody, RejectsDuplicateKeysAtAnyDepth) {
  expect_rejected(parse(R"({"prompt":"a","stream_options":{"include_usage":true,"include_usage":false}})"), 400,
                  "stream_options.include_usage");
  expect_rejected(parse(R"({"prompt":"a","extra":{"x":[1,{"k":1,"k":2}]}})"), 400, "extra.x[1].k");
  expect_rejected(parse(R"({"prompt":"a","extra":[[[{"a":{"b":{"c":0,"c":1}}}]]]})"), 400, "extra[0][0][0].a.b.c");
  const auto chat = parse_chat_completion_request(
      R"({"messages":[{"role":"user","content":"a"},{"role":"user","content":"b","content":"c"}]})");
  expect_rejected(chat, 400, "messages[1].content", "duplicate key");
}

TEST(JsonBody, FindsDuplicatesAmongManyKeys) {
  std::string body = R"({"prompt":"a","extra":{)";
  for (int i = 0; i < 40; ++i) body += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  EXPECT_TRUE(parse(body + "\"k40\":0}}").ok());
  expect_rejected(parse(body + "\"k17\":0}}"), 400, "extra.k17", "duplicate key");
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonBody, AcceptsNestingUpToTheLimitAndRejectsDeeper) {
  // The root object is level 1, so "extra" may hold 63 levels of arrays under the default 64.
  EXPECT_TRUE(parse(R"({"prompt":"a","extra":)" + nested_arrays(63) + "}").ok());
  expect_rejected(parse(R"({"prompt":"a","extra":)" + nested_arrays(64) + "}"), 400, std::nullopt,
                  "nested deeper than 64");
}

TEST(JsonBody, SurvivesVeryDeepNesting) {
  // Far beyond any stack: rejected by the iterative depth check, not by a crash.
  const std::string open(1'000'000, '[');
  expect_rejected(parse(R"({"prompt":"a","extra":)" + open + std::string(1'000'000, ']') + "}"), 400, std::nullopt,
                  "nested deeper");
  expect_rejected(parse(R"({"prompt":"a","extra":)" + open), 400, std::nullopt, "not valid JSON");
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += "{\"a\":";
  expect_rejected(parse("{\"prompt\":\"a\",\"extra\":" + objects + "1" + std::string(100'000, '}') + "}"), 400,
                  std::nullopt, "nested deeper");
}

TEST(JsonBody, RejectsNumbersJsonCannotHoldInAnyField) {
  expect_rejected(parse(R"({"prompt":"a","extra":1e400})"), 400, std::nullopt, "number out of range");
  expect_rejected(parse(R"({"prompt":"a","max_tokens":-1e400})"), 400, std::nullopt, "number out of range");
}

TEST(JsonBody, RejectsHugeNumbersForParameters) {
  const auto big_int = parse(R"({"prompt":"a","max_tokens":99999999999999999999999999})");
  ASSERT_FALSE(big_int.ok());
  EXPECT_EQ(big_int.error().status, 400);
  expect_rejected(parse(R"({"prompt":"a","max_tokens":18446744073709551615})"), 400, "max_tokens",
                  "got 18446744073709551615");
  expect_rejected(parse(R"({"prompt":"a","max_tokens":1e300})"), 400, "max_tokens", "got 1e+300");
  expect_rejected(parse(R"({"prompt":"a","n":9223372036854775807})"), 400, "n", "must be in [1, 16]");
  expect_rejected(parse(R"({"prompt":"a","temperature":1e300})"), 400, "temperature", "got inf");
  expect_rejected(parse(R"({"prompt":"a","top_k":4294967297})"), 400, "top_k");
  expect_rejected(parse(R"({"prompt":[4294967297]})"), 400, "prompt[0]");
}

TEST(JsonBody, RejectsBodiesOverTheSizeLimitWith413) {
  request_limits limits;
  limits.max_body_bytes = 32;
  const std::string body = R"({"prompt":"0123456789012345678"})";  // 32 bytes: at the limit
  ASSERT_EQ(body.size(), 32u);
  EXPECT_TRUE(parse_completion_request(body, limits).ok());
  const auto r = parse_completion_request(R"({"prompt":"01234567890123456789"})", limits);
  expect_rejected(r, 413, std::nullopt, "larger than 32 bytes");
  EXPECT_EQ(r.error().type, "invalid_request_error");
}

TEST(JsonBody, NamesTheJsonTypeOfAWrongValue) {
  expect_rejected(parse(R"({"prompt":"a","stream":"yes"})"), 400, "stream", "stream must be a boolean, got a string");
  expect_rejected(parse(R"({"prompt":"a","stream":1})"), 400, "stream", "got an integer");
  expect_rejected(parse(R"({"prompt":"a","stream":1.5})"), 400, "stream", "got a number");
  expect_rejected(parse(R"({"prompt":"a","stream":[]})"), 400, "stream", "got an array");
  expect_rejected(parse(R"({"prompt":"a","stream":{}})"), 400, "stream", "got an object");
  expect_rejected(parse(R"({"prompt":"a","user":true})"), 400, "user", "user must be a string, got a boolean");
}

TEST(JsonBody, ParsingIsPure) {
  const std::string body =
      R"({"prompt":["a","b"],"n":2,"temperature":0.5,"stop":["x"],"seed":7,"logprobs":3,"stream":true})";
  const auto a = parse(body);
  const auto b = parse(body);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a.value().prompts, b.value().prompts);
  EXPECT_EQ(a.value().n, b.value().n);
  EXPECT_EQ(a.value().sampling.temperature, b.value().sampling.temperature);
  EXPECT_EQ(a.value().sampling.seed, b.value().sampling.seed);
  EXPECT_EQ(a.value().stop, b.value().stop);
  const auto e1 = parse(R"({"prompt":"a","top_p":2})");
  const auto e2 = parse(R"({"prompt":"a","top_p":2})");
  EXPECT_EQ(to_json(e1.error()), to_json(e2.error()));
}

TEST(JsonBody, MutatedBodiesGiveARequestOrA400NeverACrash) {
  const std::string seeds[] = {
      R"({"prompt":["a","b"],"n":2,"stop":["x"],"logprobs":3,"stream":true,"stream_options":{"include_usage":true}})",
      R"({"prompt":[[1,2],[3]],"max_tokens":5,"temperature":0.5,"seed":-1,"stop_token_ids":[1]})",
      R"({"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]},{"role":"assistant","content":null,)"
      R"("tool_calls":[{"id":"1","function":{"name":"f","arguments":"{\"a\":[1,{\"b\":null}]}"}}]}],)"
      R"("tools":[{"function":{"name":"f","parameters":{"type":"object"}}}],"chat_template_kwargs":{"k":[1.5]},)"
      R"("logprobs":true,"top_logprobs":2})",
  };
  EXPECT_TRUE(parse_completion_request(seeds[0]).ok());
  EXPECT_TRUE(parse_completion_request(seeds[1]).ok());
  EXPECT_TRUE(parse_chat_completion_request(seeds[2]).ok());
  std::mt19937 rng(7);
  static constexpr char alphabet[] = "{}[]\",:0123456789.-eE truefalsnl\\u\x01\xff";
  for (int round = 0; round < 3000; ++round) {
    std::string body = seeds[rng() % std::size(seeds)];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      const std::size_t at = rng() % body.size();
      switch (rng() % 4) {
        case 0:
          body[at] = alphabet[rng() % (sizeof alphabet - 1)];
          break;
        case 1:
          body.erase(at, 1 + rng() % 8);
          break;
        case 2:
          body.insert(at, 1, alphabet[rng() % (sizeof alphabet - 1)]);
          break;
        default:
          body.insert(at, body.substr(rng() % body.size(), rng() % 16));
      }
    }
    const auto check = [&](const auto& r) {
      if (r.ok()) return;
      EXPECT_EQ(r.error().status, 400) << body;
      EXPECT_FALSE(r.error().message.empty()) << body;
      EXPECT_TRUE(testing::is_json(to_json(r.error()))) << body;
    };
    check(parse_completion_request(body));
    check(parse_chat_completion_request(body));
    check(parse_tokenize_request(body));
    check(parse_detokenize_request(body));
  }
}

}  // namespace
}  // namespace moeserve::net
