// POST /v1/chat/completions bodies: messages in every content form, tool calls and tools,
// template kwargs, logprobs, the refused chat_template, every rejection with its parameter
// path; and that the result renders: build_chat_context accepts what the parser produced.
#include "net/chat_completion_request.hpp"

#include <gtest/gtest.h>

#include <string>

#include "model/chat/chat_context.hpp"
#include "tests/net/net_test_support.hpp"

namespace moeserve::net {
namespace {

using model::chat_message;
using model::jinja::value;
using testing::expect_rejected;

chat_completion_request parsed(std::string_view body, const request_limits& limits = {}) {
  auto r = parse_chat_completion_request(body, limits);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : chat_completion_request{};
}

// {"messages":[{"role":"user","content":"hi"}], <extra>}
parse_result<chat_completion_request> with(std::string_view extra) {
  return parse_chat_completion_request(R"({"messages":[{"role":"user","content":"hi"}],)" + std::string(extra) + "}");
}

// {"messages":[<message>]}
parse_result<chat_completion_request> message(std::string_view m) {
  return parse_chat_completion_request("{\"messages\":[" + std::string(m) + "]}");
}

TEST(ChatCompletionRequest, MinimalBody) {
  const auto r = parsed(R"({"messages":[{"role":"user","content":"Hello"}]})");
  ASSERT_EQ(r.chat.messages.size(), 1u);
  EXPECT_EQ(r.chat.messages[0].role, "user");
  EXPECT_EQ(r.chat.messages[0].content_type, chat_message::content_kind::text);
  EXPECT_EQ(r.chat.messages[0].content, "Hello");
  EXPECT_TRUE(r.chat.add_generation_prompt);
  EXPECT_FALSE(r.chat.tools);
  EXPECT_TRUE(r.chat.template_kwargs.empty());
  EXPECT_FALSE(r.logprobs);
  EXPECT_EQ(r.n, 1);
}

TEST(ChatCompletionRequest, ReadsContentAsStringNullAbsentOrParts) {
  const auto r = parsed(R"({"messages":[
    {"role":"system","content":"s"},
    {"role":"assistant","content":null},
    {"role":"assistant"},
    {"role":"user","content":[{"type":"text","text":"look"},
                              {"type":"image_url","image_url":{"url":"http://x/y.png","detail":"low"}},
                              {"type":"image_url","image_url":"data:image/png;base64,AA"},
                              {"type":"input_audio","input_audio":{"data":"..."}}]}]})");
  ASSERT_EQ(r.chat.messages.size(), 4u);
  EXPECT_EQ(r.chat.messages[0].content_type, chat_message::content_kind::text);
  EXPECT_EQ(r.chat.messages[1].content_type, chat_message::content_kind::null);
  EXPECT_EQ(r.chat.messages[2].content_type, chat_message::content_kind::absent);
  const auto& m = r.chat.messages[3];
  ASSERT_EQ(m.content_type, chat_message::content_kind::parts);
  ASSERT_EQ(m.parts.size(), 4u);
  EXPECT_EQ(m.parts[0].type, "text");
  EXPECT_EQ(m.parts[0].text, "look");
  EXPECT_EQ(m.parts[1].type, "image_url");
  EXPECT_EQ(m.parts[1].url, "http://x/y.png");
  EXPECT_EQ(m.parts[2].url, "data:image/png;base64,AA");
  EXPECT_EQ(m.parts[3].type, "input_audio");
}

TEST(ChatCompletionRequest, ReadsToolCallsToolMessagesAndNames) {
  const auto r = parsed(R"({"messages":[
    {"role":"user","content":"weather?","name":"alice"},
    {"role":"assistant","content":null,"reasoning_content":"think","tool_calls":[
      {"id":"call_1","type":"function","function":{"name":"get","arguments":"{\"city\":\"Paris\",\"n\":[1,2.5]}"}},
      {"type":"function","function":{"name":"raw","arguments":"not json"}},
      {"id":null,"function":{"name":"obj","arguments":{"a":true}}}]},
    {"role":"tool","content":"20C","tool_call_id":"call_1"}]})");
  ASSERT_EQ(r.chat.messages.size(), 3u);
  EXPECT_EQ(r.chat.messages[0].name, "alice");
  const auto& a = r.chat.messages[1];
  EXPECT_EQ(a.reasoning_content, "think");
  ASSERT_TRUE(a.tool_calls);
  ASSERT_EQ(a.tool_calls->size(), 3u);
  const auto& c0 = (*a.tool_calls)[0];
  EXPECT_EQ(c0.id, "call_1");
  EXPECT_EQ(c0.name, "get");
  // A JSON object in a string reaches the template as the object (as vLLM passes it).
  ASSERT_TRUE(c0.arguments.is_dict());
  ASSERT_NE(c0.arguments.as_dict().find("city"), nullptr);
  EXPECT_EQ(c0.arguments.as_dict().find("city")->text(), "Paris");
  EXPECT_EQ(c0.arguments.as_dict().find("n")->items()[1].as_float(), 2.5);
  const auto& c1 = (*a.tool_calls)[1];
  EXPECT_FALSE(c1.id);
  ASSERT_TRUE(c1.arguments.is_string());
  EXPECT_EQ(c1.arguments.text(), "not json");
  const auto& c2 = (*a.tool_calls)[2];
  EXPECT_FALSE(c2.id);
  ASSERT_TRUE(c2.arguments.is_dict());
  EXPECT_TRUE(c2.arguments.as_dict().find("a")->as_bool());
  EXPECT_EQ(r.chat.messages[2].tool_call_id, "call_1");
}

TEST(ChatCompletionRequest, ArgumentsStringsThatAreNotPlainObjectsStayStrings) {
  const auto r = parsed(R"({"messages":[{"role":"assistant","tool_calls":[
    {"function":{"name":"a","arguments":"[1,2]"}},
    {"function":{"name":"b","arguments":"{\"k\":1,\"k\":2}"}},
    {"function":{"name":"c","arguments":"{\"k\":1} trailing"}},
    {"function":{"name":"d","arguments":""}}]}]})");
  for (const auto& call : *r.chat.messages[0].tool_calls) {
    SCOPED_TRACE(call.name);
    EXPECT_TRUE(call.arguments.is_string());
  }
}

TEST(ChatCompletionRequest, ReadsToolsAndKwargs) {
  const auto r = parsed(R"({"messages":[{"role":"user","content":"x"}],
    "tools":[{"type":"function","function":{"name":"get","description":"d",
              "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
             {"function":{"name":"bare","description":null,"parameters":null}}],
    "add_generation_prompt":false,
    "chat_template_kwargs":{"enable_thinking":false,"depth":2,"ratio":0.5,"names":["a",null]}})");
  ASSERT_TRUE(r.chat.tools);
  ASSERT_EQ(r.chat.tools->size(), 2u);
  EXPECT_EQ((*r.chat.tools)[0].name, "get");
  EXPECT_EQ((*r.chat.tools)[0].description, "d");
  ASSERT_TRUE((*r.chat.tools)[0].parameters.is_dict());
  EXPECT_EQ((*r.chat.tools)[0].parameters.as_dict().find("type")->text(), "object");
  EXPECT_FALSE((*r.chat.tools)[1].description);
  EXPECT_TRUE((*r.chat.tools)[1].parameters.is_undefined());
  EXPECT_FALSE(r.chat.add_generation_prompt);
  ASSERT_EQ(r.chat.template_kwargs.size(), 4u);
  EXPECT_EQ(r.chat.template_kwargs[0].first, "enable_thinking");
  EXPECT_TRUE(r.chat.template_kwargs[0].second.is_bool());
  EXPECT_FALSE(r.chat.template_kwargs[0].second.as_bool());
  EXPECT_EQ(r.chat.template_kwargs[1].second.as_int(), 2);
  EXPECT_EQ(r.chat.template_kwargs[2].second.as_float(), 0.5);
  EXPECT_TRUE(r.chat.template_kwargs[3].second.items()[1].is_none());
  EXPECT_FALSE(parsed(R"({"messages":[{"role":"user","content":"x"}],"tools":null})").chat.tools);
  EXPECT_TRUE(parsed(R"({"messages":[{"role":"user","content":"x"}],"tools":[]})").chat.tools);
}

TEST(ChatCompletionRequest, TheResultBuildsATemplateContext) {
  const auto r = parsed(R"({"messages":[{"role":"system","content":"s"},
    {"role":"user","content":[{"type":"text","text":"t"}]},
    {"role":"assistant","content":null,"tool_calls":[{"id":"1","function":{"name":"f","arguments":"{\"x\":1}"}}]},
    {"role":"tool","content":"r","tool_call_id":"1"}],
    "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
    "chat_template_kwargs":{"enable_thinking":true}})");
  const auto context = model::build_chat_context(r.chat, {});
  ASSERT_NE(context.find("messages"), nullptr);
  EXPECT_EQ(context.find("messages")->items().size(), 4u);
  EXPECT_EQ(context.find("tools")->items().size(), 1u);
  EXPECT_TRUE(context.find("enable_thinking")->as_bool());
  const value& call = context.find("messages")->items()[2].as_dict().find("tool_calls")->items()[0];
  EXPECT_EQ(call.as_dict().find("function")->as_dict().find("arguments")->as_dict().find("x")->as_int(), 1);
}

TEST(ChatCompletionRequest, Logprobs) {
  EXPECT_FALSE(parsed(R"({"messages":[{"role":"user","content":"x"}],"logprobs":false})").logprobs);
  EXPECT_EQ(parsed(R"({"messages":[{"role":"user","content":"x"}],"logprobs":true})").logprobs, 0);
  EXPECT_EQ(parsed(R"({"messages":[{"role":"user","content":"x"}],"logprobs":true,"top_logprobs":20})").logprobs, 20);
  EXPECT_EQ(parsed(R"({"messages":[{"role":"user","content":"x"}],"top_logprobs":5,"logprobs":true})").logprobs, 5);
  EXPECT_FALSE(parsed(R"({"messages":[{"role":"user","content":"x"}],"top_logprobs":0})").logprobs);
  EXPECT_FALSE(parsed(R"({"messages":[{"role":"user","content":"x"}],"logprobs":null,"top_logprobs":null})").logprobs);
  expect_rejected(with(R"("top_logprobs":5)"), 400, "top_logprobs", "needs logprobs set to true");
  expect_rejected(with(R"("logprobs":false,"top_logprobs":1)"), 400, "top_logprobs");
  expect_rejected(with(R"("logprobs":true,"top_logprobs":21)"), 400, "top_logprobs", "must be in [0, 20], got 21");
  expect_rejected(with(R"("logprobs":true,"top_logprobs":-1)"), 400, "top_logprobs");
  expect_rejected(with(R"("logprobs":5)"), 400, "logprobs", "logprobs must be a boolean, got an integer");
}

TEST(ChatCompletionRequest, SharesTheGenerationParameters) {
  const auto r = parsed(R"({"messages":[{"role":"user","content":"x"}],"model":"null","max_completion_tokens":12,
    "temperature":0,"top_k":5,"stop":"\n","n":2,"stream":true,"stream_options":{"include_usage":true},"seed":3})");
  EXPECT_EQ(r.model, "null");
  EXPECT_EQ(r.max_tokens, 12);
  EXPECT_TRUE(r.sampling.is_greedy());
  EXPECT_EQ(r.sampling.top_k, 5);
  EXPECT_EQ(r.stop, std::vector<std::string>{"\n"});
  EXPECT_EQ(r.n, 2);
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.sampling.seed, 3u);
  expect_rejected(with(R"("temperature":-1)"), 400, "temperature");
  expect_rejected(with(R"("max_completion_tokens":0)"), 400, "max_completion_tokens");
}

TEST(ChatCompletionRequest, RefusesARequestSuppliedChatTemplate) {
  expect_rejected(with(R"("chat_template":"{{ messages }}")"), 400, "chat_template", "may not be set by a request");
  expect_rejected(with(R"("chat_template":"")"), 400, "chat_template");
  EXPECT_TRUE(with(R"("chat_template":null)").ok());
}

TEST(ChatCompletionRequest, RefusesKwargsThatWouldReplaceTheConversation) {
  for (const char* name : {"messages", "tools", "documents", "add_generation_prompt"}) {
    SCOPED_TRACE(name);
    expect_rejected(with("\"chat_template_kwargs\":{\"" + std::string(name) + "\":1}"), 400,
                    "chat_template_kwargs." + std::string(name), "may not set");
  }
  expect_rejected(with(R"("chat_template_kwargs":[1])"), 400, "chat_template_kwargs", "must be an object");
}

TEST(ChatCompletionRequest, RejectsMalformedMessages) {
  expect_rejected(parse_chat_completion_request(R"({})"), 400, "messages", "messages is required");
  expect_rejected(parse_chat_completion_request(R"({"model":"m"})"), 400, "messages", "messages is required");
  expect_rejected(parse_chat_completion_request(R"({"messages":null})"), 400, "messages", "got null");
  expect_rejected(parse_chat_completion_request(R"({"messages":[]})"), 400, "messages", "at least one message");
  expect_rejected(parse_chat_completion_request(R"({"messages":"hi"})"), 400, "messages", "must be an array");
  expect_rejected(message(R"(1)"), 400, "messages[0]", "messages[0] must be an object, got an integer");
  expect_rejected(message(R"({"content":"x"})"), 400, "messages[0].role", "messages[0].role is required");
  expect_rejected(message(R"({"role":5,"content":"x"})"), 400, "messages[0].role", "must be a string");
  expect_rejected(message(R"({"role":"user","content":5})"), 400, "messages[0].content",
                  "must be a string, null or an array of content parts, got an integer");
  expect_rejected(message(R"({"role":"user","content":{"type":"text"}})"), 400, "messages[0].content");
  expect_rejected(message(R"({"role":"user","content":["x"]})"), 400, "messages[0].content[0]", "must be an object");
  expect_rejected(message(R"({"role":"user","content":[{"text":"x"}]})"), 400, "messages[0].content[0].type",
                  "is required");
  expect_rejected(message(R"({"role":"user","content":[{"type":"text"}]})"), 400, "messages[0].content[0].text",
                  "is required");
  expect_rejected(message(R"({"role":"user","content":[{"type":"text","text":1}]})"), 400,
                  "messages[0].content[0].text");
  expect_rejected(message(R"({"role":"user","content":[{"type":"image_url"}]})"), 400,
                  "messages[0].content[0].image_url.url", "is required");
  expect_rejected(message(R"({"role":"user","content":[{"type":"image_url","image_url":{"url":1}}]})"), 400,
                  "messages[0].content[0].image_url.url");
  expect_rejected(message(R"({"role":"user","content":"x","name":1})"), 400, "messages[0].name");
  expect_rejected(message(R"({"role":"tool","content":"x","tool_call_id":1})"), 400, "messages[0].tool_call_id");
  expect_rejected(message(R"({"role":"assistant","reasoning_content":[]})"), 400, "messages[0].reasoning_content");
  expect_rejected(parse_chat_completion_request(R"({"messages":[{"role":"user","content":"a"},{"role":"user"},3]})"),
                  400, "messages[2]");
}

TEST(ChatCompletionRequest, RejectsMalformedToolCalls) {
  const auto call = [](std::string_view c) {
    return message(R"({"role":"assistant","tool_calls":[)" + std::string(c) + "]}");
  };
  expect_rejected(message(R"({"role":"assistant","tool_calls":{}})"), 400, "messages[0].tool_calls", "an array");
  expect_rejected(call(R"("x")"), 400, "messages[0].tool_calls[0]", "must be an object");
  expect_rejected(call(R"({"id":"1"})"), 400, "messages[0].tool_calls[0].function", "is required");
  expect_rejected(call(R"({"type":"retrieval","function":{"name":"f","arguments":"{}"}})"), 400,
                  "messages[0].tool_calls[0].type", "must be \"function\"");
  expect_rejected(call(R"({"function":{"arguments":"{}"}})"), 400, "messages[0].tool_calls[0].function.name");
  expect_rejected(call(R"({"function":{"name":"f"}})"), 400, "messages[0].tool_calls[0].function.arguments");
  expect_rejected(call(R"({"function":{"name":"f","arguments":5}})"), 400,
                  "messages[0].tool_calls[0].function.arguments", "must be a string");
  expect_rejected(call(R"({"id":5,"function":{"name":"f","arguments":"{}"}})"), 400, "messages[0].tool_calls[0].id");
  expect_rejected(call(R"({"function":"f"})"), 400, "messages[0].tool_calls[0].function", "must be an object");
}

TEST(ChatCompletionRequest, RejectsMalformedTools) {
  expect_rejected(with(R"("tools":{})"), 400, "tools", "must be an array");
  expect_rejected(with(R"("tools":[1])"), 400, "tools[0]", "must be an object");
  expect_rejected(with(R"("tools":[{"type":"function"}])"), 400, "tools[0].function", "is required");
  expect_rejected(with(R"("tools":[{"type":"retrieval","function":{"name":"f"}}])"), 400, "tools[0].type");
  expect_rejected(with(R"("tools":[{"function":{"description":"d"}}])"), 400, "tools[0].function.name");
  expect_rejected(with(R"("tools":[{"function":{"name":"f","description":3}}])"), 400, "tools[0].function.description");
  expect_rejected(with(R"("tools":[{"function":{"name":"f","parameters":{"x":18446744073709551615}}}])"), 400,
                  "tools[0].function.parameters", "above 2^63 - 1");
  expect_rejected(with(R"("add_generation_prompt":"yes")"), 400, "add_generation_prompt");
}

TEST(ChatCompletionRequest, BoundsMessagesToolsAndTemplateValues) {
  request_limits limits;
  limits.max_messages = 2;
  limits.max_tools = 1;
  limits.max_template_values = 5;
  const auto parse = [&](std::string_view body) { return parse_chat_completion_request(body, limits); };
  expect_rejected(parse(R"({"messages":[{"role":"a"},{"role":"b"},{"role":"c"}]})"), 400, "messages",
                  "at most 2 messages, got 3");
  expect_rejected(parse(R"({"messages":[{"role":"a"}],"tools":[{"function":{"name":"f"}},{"function":{"name":"g"}}]})"),
                  400, "tools", "at most 1 tools, got 2");
  // {"a":[1,2,3]} is 5 values: the dict, the list and three numbers.
  EXPECT_TRUE(parse(R"({"messages":[{"role":"a"}],"chat_template_kwargs":{"k":{"a":[1,2,3]}}})").ok());
  expect_rejected(parse(R"({"messages":[{"role":"a"}],"chat_template_kwargs":{"k":{"a":[1,2,3,4]}}})"), 400,
                  "chat_template_kwargs.k", "more than 5 JSON values");
  // The count covers every value handed to the template, across tools, calls and kwargs.
  expect_rejected(
      parse(R"({"messages":[{"role":"a","tool_calls":[{"function":{"name":"f","arguments":"{\"x\":[1]}"}}]}],
    "chat_template_kwargs":{"k":[1,2]}})"),
      400, "chat_template_kwargs.k");
}

TEST(ChatCompletionRequest, IgnoresUnknownFieldsAtEveryLevel) {
  const auto r = parsed(R"({"messages":[{"role":"user","content":[{"type":"text","text":"x","cache_control":{}}],
    "extra":1}],"tool_choice":"auto","parallel_tool_calls":true,"response_format":{"type":"text"},
    "tools":[{"type":"function","function":{"name":"f","strict":true},"extra":[]}],"metadata":{"k":"v"}})");
  EXPECT_EQ(r.chat.messages[0].parts[0].text, "x");
  EXPECT_EQ(r.chat.tools->size(), 1u);
}

}  // namespace
}  // namespace moeserve::net
