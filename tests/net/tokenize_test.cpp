// POST /tokenize and /detokenize: the request forms vLLM accepts, their defaults and
// rejections, and the golden answers.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "net/tokenize_request.hpp"
#include "net/tokenize_response.hpp"
#include "tests/net/net_test_support.hpp"

namespace moeserve::net {
namespace {

using testing::expect_rejected;

TEST(TokenizeRequest, PromptFormAddsSpecialTokensByDefault) {
  const auto r = parse_tokenize_request(R"({"model":"m","prompt":"Hello"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().model, "m");
  EXPECT_EQ(std::get<std::string>(r.value().input), "Hello");
  EXPECT_TRUE(r.value().add_special_tokens);
  EXPECT_FALSE(r.value().return_token_strs);
  const auto off = parse_tokenize_request(R"({"prompt":"Hello","add_special_tokens":false,"return_token_strs":true})");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off.value().add_special_tokens);
  EXPECT_TRUE(off.value().return_token_strs);
}

TEST(TokenizeRequest, MessagesFormLeavesSpecialTokensToTheTemplate) {
  const auto r = parse_tokenize_request(
      R"({"messages":[{"role":"user","content":"Hi"}],"add_generation_prompt":false,
          "chat_template_kwargs":{"enable_thinking":false},"tools":[{"function":{"name":"f"}}]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& chat = std::get<model::chat_request>(r.value().input);
  ASSERT_EQ(chat.messages.size(), 1u);
  EXPECT_EQ(chat.messages[0].content, "Hi");
  EXPECT_FALSE(chat.add_generation_prompt);
  EXPECT_EQ(chat.template_kwargs.size(), 1u);
  EXPECT_TRUE(chat.tools);
  EXPECT_FALSE(r.value().add_special_tokens);
  const auto on = parse_tokenize_request(R"({"messages":[{"role":"user","content":"Hi"}],"add_special_tokens":true})");
  ASSERT_TRUE(on.ok());
  EXPECT_TRUE(on.value().add_special_tokens);
}

TEST(TokenizeRequest, Rejections) {
  expect_rejected(parse_tokenize_request(R"({})"), 400, "prompt", "prompt or messages is required");
  expect_rejected(parse_tokenize_request(R"({"prompt":null})"), 400, "prompt", "prompt or messages is required");
  expect_rejected(parse_tokenize_request(R"({"prompt":"a","messages":[{"role":"user","content":"b"}]})"), 400,
                  "messages", "either prompt or messages");
  expect_rejected(parse_tokenize_request(R"({"prompt":[1,2]})"), 400, "prompt", "must be a string");
  expect_rejected(parse_tokenize_request(R"({"prompt":"a","add_special_tokens":1})"), 400, "add_special_tokens");
  expect_rejected(parse_tokenize_request(R"({"messages":[]})"), 400, "messages");
  expect_rejected(parse_tokenize_request(R"({"messages":[{"role":"user","content":"b"}],"chat_template":"x"})"), 400,
                  "chat_template");
  expect_rejected(parse_tokenize_request(R"({"prompt":"a","prompt":"b"})"), 400, "prompt", "duplicate key");
  expect_rejected(parse_tokenize_request(R"({"prompt":"a"} [])"), 400, std::nullopt, "not valid JSON");
}

TEST(DetokenizeRequest, ReadsTokens) {
  const auto r = parse_detokenize_request(R"({"model":"m","tokens":[1,2,2147483647]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().model, "m");
  EXPECT_EQ(r.value().tokens, (std::vector<std::int32_t>{1, 2, 2147483647}));
  const auto empty = parse_detokenize_request(R"({"tokens":[]})");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty.value().tokens.empty());
}

TEST(DetokenizeRequest, Rejections) {
  expect_rejected(parse_detokenize_request(R"({})"), 400, "tokens", "tokens is required");
  expect_rejected(parse_detokenize_request(R"({"tokens":"1 2"})"), 400, "tokens", "must be an array");
  expect_rejected(parse_detokenize_request(R"({"tokens":[1,-1]})"), 400, "tokens[1]", "must be in [0, 2147483647]");
  expect_rejected(parse_detokenize_request(R"({"tokens":[1,"2"]})"), 400, "tokens[1]", "got a string");
  expect_rejected(parse_detokenize_request(R"({"tokens":[2147483648]})"), 400, "tokens[0]");
  expect_rejected(parse_detokenize_request(R"({"tokens":[1],"model":7})"), 400, "model");
}

TEST(TokenizeResponse, GoldenJson) {
  tokenize_response r;
  r.tokens = {1, 15043, 2};
  r.max_model_len = 8192;
  EXPECT_EQ(to_json(r), R"({"count":3,"max_model_len":8192,"tokens":[1,15043,2],"token_strs":null})");
  r.token_strs = std::vector<std::string>{"<s>", "\xE2\x96\x81Hello", "\xE6"};
  const std::string json = to_json(r);
  EXPECT_EQ(json,
            "{\"count\":3,\"max_model_len\":8192,\"tokens\":[1,15043,2],\"token_strs\":[\"<s>\",\""
            "\xE2\x96\x81Hello\",\"\xEF\xBF\xBD\"]}");
  EXPECT_TRUE(testing::is_json(json));
}

TEST(DetokenizeResponse, GoldenJson) {
  EXPECT_EQ(detokenize_response_json("Hello \"world\"\n"), R"({"prompt":"Hello \"world\"\n"})");
  EXPECT_TRUE(testing::is_json(detokenize_response_json("\xFF\x01")));
}

}  // namespace
}  // namespace moeserve::net
