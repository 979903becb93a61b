// POST /v1/completions bodies: every accepted form of every parameter, the defaults, null
// as "not given", and every rejection with its status and parameter name.
#include "net/completion_request.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tests/net/net_test_support.hpp"

namespace moeserve::net {
namespace {

using testing::expect_rejected;
using ids = std::vector<std::int32_t>;

completion_request parsed(std::string_view body) {
  auto r = parse_completion_request(body);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : completion_request{};
}

// The body {"prompt":"a", <extra>}.
parse_result<completion_request> with(std::string_view extra) {
  return parse_completion_request("{\"prompt\":\"a\"," + std::string(extra) + "}");
}

TEST(CompletionRequest, MinimalBodyGivesTheDefaults) {
  const completion_request r = parsed(R"({"prompt":"Hello"})");
  ASSERT_EQ(r.prompts.size(), 1u);
  EXPECT_EQ(std::get<std::string>(r.prompts[0]), "Hello");
  EXPECT_FALSE(r.model);
  EXPECT_FALSE(r.max_tokens);
  EXPECT_EQ(r.n, 1);
  EXPECT_FALSE(r.stream);
  EXPECT_FALSE(r.include_usage);
  EXPECT_FALSE(r.logprobs);
  EXPECT_FALSE(r.echo);
  EXPECT_FALSE(r.ignore_eos);
  EXPECT_TRUE(r.skip_special_tokens);
  EXPECT_FALSE(r.user);
  EXPECT_TRUE(r.stop.empty());
  EXPECT_TRUE(r.stop_token_ids.empty());
  const model::sampling_params defaults;
  EXPECT_EQ(r.sampling.temperature, defaults.temperature);
  EXPECT_EQ(r.sampling.top_p, defaults.top_p);
  EXPECT_EQ(r.sampling.top_k, defaults.top_k);
  EXPECT_EQ(r.sampling.min_p, defaults.min_p);
  EXPECT_EQ(r.sampling.repetition_penalty, defaults.repetition_penalty);
  EXPECT_EQ(r.sampling.presence_penalty, defaults.presence_penalty);
  EXPECT_EQ(r.sampling.frequency_penalty, defaults.frequency_penalty);
  EXPECT_FALSE(r.sampling.seed);
}

TEST(CompletionRequest, AcceptsEveryPromptForm) {
  EXPECT_EQ(parsed(R"({"prompt":""})").prompts, std::vector<prompt_input>{std::string()});
  EXPECT_EQ(parsed(R"({"prompt":["a","b"]})").prompts, (std::vector<prompt_input>{"a", "b"}));
  EXPECT_EQ(parsed(R"({"prompt":[1,2,3]})").prompts, (std::vector<prompt_input>{ids{1, 2, 3}}));
  EXPECT_EQ(parsed(R"({"prompt":[[1],[2,2147483647]]})").prompts,
            (std::vector<prompt_input>{ids{1}, ids{2, 2147483647}}));
  EXPECT_EQ(parsed(R"({"prompt":[0,1.0]})").prompts, (std::vector<prompt_input>{ids{0, 1}}));
}

TEST(CompletionRequest, RejectsMalformedPrompts) {
  expect_rejected(parse_completion_request(R"({})"), 400, "prompt", "prompt is required");
  expect_rejected(parse_completion_request(R"({"prompt":null})"), 400, "prompt", "got null");
  expect_rejected(parse_completion_request(R"({"prompt":5})"), 400, "prompt", "got an integer");
  expect_rejected(parse_completion_request(R"({"prompt":{}})"), 400, "prompt", "got an object");
  expect_rejected(parse_completion_request(R"({"prompt":[]})"), 400, "prompt", "must not be empty");
  expect_rejected(parse_completion_request(R"({"prompt":[[]]})"), 400, "prompt[0]", "at least one token id");
  expect_rejected(parse_completion_request(R"({"prompt":[1,"a"]})"), 400, "prompt[1]", "array of token ids");
  expect_rejected(parse_completion_request(R"({"prompt":["a",1]})"), 400, "prompt[1]", "must not mix");
  expect_rejected(parse_completion_request(R"({"prompt":[[1],"a"]})"), 400, "prompt[1]", "got a string at index 1");
  expect_rejected(parse_completion_request(R"({"prompt":[[1],[1,[2]]]})"), 400, "prompt[1][1]");
  expect_rejected(parse_completion_request(R"({"prompt":[true]})"), 400, "prompt[0]", "got a boolean");
  expect_rejected(parse_completion_request(R"({"prompt":[-1]})"), 400, "prompt[0]", "must be in [0, 2147483647]");
  expect_rejected(parse_completion_request(R"({"prompt":[2147483648]})"), 400, "prompt[0]");
  expect_rejected(parse_completion_request(R"({"prompt":[1.5]})"), 400, "prompt[0]", "must be an integer");
  expect_rejected(parse_completion_request(R"({"prompt":[[1],[-5]]})"), 400, "prompt[1][0]");
}

TEST(CompletionRequest, BoundsTheNumberOfPrompts) {
  request_limits limits;
  limits.max_prompts = 2;
  EXPECT_TRUE(parse_completion_request(R"({"prompt":["a","b"]})", limits).ok());
  expect_rejected(parse_completion_request(R"({"prompt":["a","b","c"]})", limits), 400, "prompt",
                  "at most 2 prompts, got 3");
  expect_rejected(parse_completion_request(R"({"prompt":[[1],[2],[3]]})", limits), 400, "prompt", "at most 2");
  // One prompt of token ids is one prompt, however long.
  EXPECT_TRUE(parse_completion_request(R"({"prompt":[1,2,3,4,5]})", limits).ok());
}

TEST(CompletionRequest, ReadsEveryParameter) {
  const completion_request r = parsed(R"({
    "model": "m", "prompt": "p", "max_tokens": 7, "temperature": 0.5, "top_p": 0.9, "top_k": 40,
    "min_p": 0.05, "presence_penalty": 0.25, "frequency_penalty": -0.5, "repetition_penalty": 1.1,
    "seed": 1234, "stop": ["\n", "END"], "stop_token_ids": [2, 7], "n": 3, "stream": true,
    "stream_options": {"include_usage": true}, "logprobs": 5, "echo": true, "ignore_eos": true,
    "skip_special_tokens": false, "user": "u-1"})");
  EXPECT_EQ(r.model, "m");
  EXPECT_EQ(r.max_tokens, 7);
  EXPECT_EQ(r.sampling.temperature, 0.5f);
  EXPECT_EQ(r.sampling.top_p, 0.9f);
  EXPECT_EQ(r.sampling.top_k, 40);
  EXPECT_EQ(r.sampling.min_p, 0.05f);
  EXPECT_EQ(r.sampling.presence_penalty, 0.25f);
  EXPECT_EQ(r.sampling.frequency_penalty, -0.5f);
  EXPECT_EQ(r.sampling.repetition_penalty, 1.1f);
  EXPECT_EQ(r.sampling.seed, 1234u);
  EXPECT_EQ(r.stop, (std::vector<std::string>{"\n", "END"}));
  EXPECT_EQ(r.stop_token_ids, ids({2, 7}));
  EXPECT_EQ(r.n, 3);
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.logprobs, 5);
  EXPECT_TRUE(r.echo);
  EXPECT_TRUE(r.ignore_eos);
  EXPECT_FALSE(r.skip_special_tokens);
  EXPECT_EQ(r.user, "u-1");
}

TEST(CompletionRequest, NullMeansNotGiven) {
  const completion_request r = parsed(R"({"prompt":"p","model":null,"max_tokens":null,"max_completion_tokens":null,
    "temperature":null,"top_p":null,"top_k":null,"min_p":null,"presence_penalty":null,"frequency_penalty":null,
    "repetition_penalty":null,"seed":null,"stop":null,"stop_token_ids":null,"n":null,"stream":null,
    "stream_options":null,"logprobs":null,"echo":null,"ignore_eos":null,"skip_special_tokens":null,"user":null})");
  EXPECT_FALSE(r.model);
  EXPECT_FALSE(r.max_tokens);
  EXPECT_EQ(r.sampling.temperature, 1.0f);
  EXPECT_FALSE(r.sampling.seed);
  EXPECT_EQ(r.n, 1);
  EXPECT_FALSE(r.logprobs);
  EXPECT_TRUE(r.stop.empty());
}

TEST(CompletionRequest, StopIsAStringOrAList) {
  EXPECT_EQ(parsed(R"({"prompt":"p","stop":"###"})").stop, std::vector<std::string>{"###"});
  EXPECT_EQ(parsed(R"({"prompt":"p","stop":[]})").stop, std::vector<std::string>{});
  // Empty stop strings would match everywhere: they are dropped.
  EXPECT_EQ(parsed(R"({"prompt":"p","stop":""})").stop, std::vector<std::string>{});
  EXPECT_EQ(parsed(R"({"prompt":"p","stop":["","x"]})").stop, std::vector<std::string>{"x"});
}

TEST(CompletionRequest, MaxCompletionTokensWinsOverMaxTokens) {
  EXPECT_EQ(parsed(R"({"prompt":"p","max_tokens":5,"max_completion_tokens":9})").max_tokens, 9);
  EXPECT_EQ(parsed(R"({"prompt":"p","max_completion_tokens":9,"max_tokens":5})").max_tokens, 9);
  EXPECT_EQ(parsed(R"({"prompt":"p","max_completion_tokens":9})").max_tokens, 9);
}

TEST(CompletionRequest, IncludeUsageOnlyWhenStreaming) {
  EXPECT_FALSE(parsed(R"({"prompt":"p","stream_options":{"include_usage":true}})").include_usage);
  EXPECT_FALSE(parsed(R"({"prompt":"p","stream":true,"stream_options":{}})").include_usage);
  EXPECT_FALSE(parsed(R"({"prompt":"p","stream":true,"stream_options":{"include_usage":null}})").include_usage);
  EXPECT_TRUE(parsed(R"({"prompt":"p","stream":true,"stream_options":{"include_usage":true,"x":1}})").include_usage);
}

TEST(CompletionRequest, ReadsIntegralFloatsAsIntegers) {
  const completion_request r = parsed(R"({"prompt":"p","max_tokens":16.0,"n":2.0,"top_k":-1.0,"logprobs":0.0})");
  EXPECT_EQ(r.max_tokens, 16);
  EXPECT_EQ(r.n, 2);
  EXPECT_EQ(r.sampling.top_k, -1);
  EXPECT_EQ(r.logprobs, 0);
}

TEST(CompletionRequest, ReadsIntegersForFloatParameters) {
  const completion_request r = parsed(R"({"prompt":"p","temperature":0,"top_p":1,"repetition_penalty":2})");
  EXPECT_EQ(r.sampling.temperature, 0.0f);
  EXPECT_TRUE(r.sampling.is_greedy());
  EXPECT_EQ(r.sampling.repetition_penalty, 2.0f);
}

TEST(CompletionRequest, SeedTakesTheWholeUnsignedRangeAndNegativeBits) {
  EXPECT_EQ(parsed(R"({"prompt":"p","seed":18446744073709551615})").sampling.seed,
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(parsed(R"({"prompt":"p","seed":-1})").sampling.seed, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(parsed(R"({"prompt":"p","seed":0})").sampling.seed, 0u);
  expect_rejected(with(R"("seed":1.5)"), 400, "seed", "must be an integer");
  expect_rejected(with(R"("seed":"1")"), 400, "seed", "got a string");
}

TEST(CompletionRequest, IgnoresUnknownFields) {
  const completion_request r = parsed(R"({"prompt":"p","best_of":3,"suffix":"s","logit_bias":{"50256":-100},
    "response_format":{"type":"json_object"},"whatever":[1,{"a":null}],"max_tokens":4})");
  EXPECT_EQ(r.max_tokens, 4);
}

struct rejection {
  const char* extra;  // members added to {"prompt":"a", ...}
  const char* param;
  const char* message;
};

TEST(CompletionRequest, RejectsOutOfRangeAndWrongTypes) {
  const rejection cases[] = {
      {R"("max_tokens":0)", "max_tokens", "max_tokens must be in [1, 1048576], got 0"},
      {R"("max_tokens":-1)", "max_tokens", "got -1"},
      {R"("max_tokens":1048577)", "max_tokens", "got 1048577"},
      {R"("max_tokens":1.5)", "max_tokens", "max_tokens must be an integer, got a number"},
      {R"("max_tokens":"16")", "max_tokens", "got a string"},
      {R"("max_tokens":true)", "max_tokens", "got a boolean"},
      {R"("max_completion_tokens":0)", "max_completion_tokens", "got 0"},
      {R"("temperature":-0.1)", "temperature", "temperature must be finite and >= 0, got -0.1"},
      {R"("temperature":"0.5")", "temperature", "temperature must be a number, got a string"},
      {R"("temperature":true)", "temperature", "got a boolean"},
      {R"("top_p":0)", "top_p", "top_p must be in (0, 1], got 0"},
      {R"("top_p":1.5)", "top_p", "top_p must be in (0, 1], got 1.5"},
      {R"("top_k":-2)", "top_k", "top_k must be -1 or 0 (disabled) or at least 1, got -2"},
      {R"("top_k":1.5)", "top_k", "must be an integer"},
      {R"("min_p":1.5)", "min_p", "min_p must be in [0, 1], got 1.5"},
      {R"("min_p":-0.5)", "min_p", "got -0.5"},
      {R"("presence_penalty":3)", "presence_penalty", "presence_penalty must be in [-2, 2], got 3"},
      {R"("frequency_penalty":-2.5)", "frequency_penalty", "frequency_penalty must be in [-2, 2], got -2.5"},
      {R"("repetition_penalty":0)", "repetition_penalty", "repetition_penalty must be finite and > 0, got 0"},
      {R"("repetition_penalty":[1])", "repetition_penalty", "got an array"},
      {R"("n":0)", "n", "n must be in [1, 16], got 0"},
      {R"("n":17)", "n", "got 17"},
      {R"("n":"2")", "n", "got a string"},
      {R"("stream":"true")", "stream", "stream must be a boolean"},
      {R"("stream_options":true)", "stream_options", "stream_options must be an object, got a boolean"},
      {R"("stream_options":{"include_usage":1})", "stream_options.include_usage", "must be a boolean"},
      {R"("stop":5)", "stop", "stop must be a string or an array of strings, got an integer"},
      {R"("stop":{"a":1})", "stop", "got an object"},
      {R"("stop":["a",1])", "stop[1]", "stop[1] must be a string, got an integer"},
      {R"("stop_token_ids":1)", "stop_token_ids", "stop_token_ids must be an array, got an integer"},
      {R"("stop_token_ids":[1,-1])", "stop_token_ids[1]", "must be in [0, 2147483647], got -1"},
      {R"("stop_token_ids":["1"])", "stop_token_ids[0]", "got a string"},
      {R"("logprobs":21)", "logprobs", "logprobs must be in [0, 20], got 21"},
      {R"("logprobs":-1)", "logprobs", "got -1"},
      {R"("logprobs":true)", "logprobs", "logprobs must be an integer, got a boolean"},
      {R"("echo":"no")", "echo", "echo must be a boolean"},
      {R"("ignore_eos":1)", "ignore_eos", "must be a boolean"},
      {R"("skip_special_tokens":"x")", "skip_special_tokens", "must be a boolean"},
      {R"("user":5)", "user", "user must be a string"},
      {R"("model":5)", "model", "model must be a string, got an integer"},
      {R"("model":["m"])", "model", "got an array"},
  };
  for (const rejection& c : cases) {
    SCOPED_TRACE(c.extra);
    expect_rejected(with(c.extra), 400, c.param, c.message);
  }
}

TEST(CompletionRequest, BoundsStopStringsAndStopTokenIds) {
  request_limits limits;
  limits.max_stop_strings = 2;
  limits.max_stop_bytes = 4;
  limits.max_stop_token_ids = 2;
  const auto parse = [&](std::string_view extra) {
    return parse_completion_request("{\"prompt\":\"a\"," + std::string(extra) + "}", limits);
  };
  EXPECT_TRUE(parse(R"("stop":["abcd","x"],"stop_token_ids":[1,2])").ok());
  expect_rejected(parse(R"("stop":["a","b","c"])"), 400, "stop", "at most 2 strings, got 3");
  expect_rejected(parse(R"("stop":["abcde"])"), 400, "stop[0]", "at most 4 bytes long, got 5");
  expect_rejected(parse(R"("stop":"abcde")"), 400, "stop", "at most 4 bytes long");
  expect_rejected(parse(R"("stop_token_ids":[1,2,3])"), 400, "stop_token_ids", "at most 2 ids, got 3");
}

TEST(CompletionRequest, HonoursConfiguredCaps) {
  request_limits limits;
  limits.max_n = 4;
  limits.max_logprobs = 5;
  limits.max_tokens_cap = 100;
  const auto parse = [&](std::string_view extra) {
    return parse_completion_request("{\"prompt\":\"a\"," + std::string(extra) + "}", limits);
  };
  EXPECT_TRUE(parse(R"("n":4,"logprobs":5,"max_tokens":100)").ok());
  expect_rejected(parse(R"("n":5)"), 400, "n", "must be in [1, 4]");
  expect_rejected(parse(R"("logprobs":6)"), 400, "logprobs", "must be in [0, 5]");
  expect_rejected(parse(R"("max_tokens":101)"), 400, "max_tokens", "must be in [1, 100]");
}

TEST(CompletionRequest, ReportsTheFirstBadParameterInBodyOrder) {
  expect_rejected(with(R"("n":0,"top_k":-5)"), 400, "n");
  expect_rejected(with(R"("top_k":1.5,"n":0)"), 400, "top_k");
  // Sampling values are validated together once every field has been read.
  expect_rejected(with(R"("top_p":5,"n":0)"), 400, "n");
}

TEST(CompletionRequest, ErrorsSerializeWithTheirParameter) {
  const auto r = with(R"("top_p":1.5)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(to_json(r.error()),
            R"({"error":{"message":"top_p must be in (0, 1], got 1.5","type":"invalid_request_error",)"
            R"("param":"top_p","code":400}})");
}

}  // namespace
}  // namespace moeserve::net
