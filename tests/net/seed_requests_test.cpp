// The client examples of the seed (shared/seeds/wint2.md) must work verbatim: their request
// bodies parse, render, and the stream they get back reads the way their code reads it.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "model/chat/chat_context.hpp"
#include "net/chat_completion_request.hpp"
#include "net/chat_completion_stream.hpp"
#include "tests/net/net_test_support.hpp"

namespace moeserve::net {
namespace {

// The curl example's -d body, as the seed writes it (no model, stream on).
constexpr std::string_view curl_body = R"({
"messages": [
{"role": "user", "content": "Write me a poem about large language model."}
],
"stream": true
})";

// What the seed's Python example (openai.Client ... chat.completions.create(model="null",
// messages=[...], stream=True)) sends: the official client's JSON of those arguments.
constexpr std::string_view python_body =
    R"({"messages": [{"role": "system", "content": "I'm a helpful AI assistant."}, )"
    R"({"role": "user", "content": "Write me a poem about large language model."}], "model": "null", "stream": true})";

TEST(SeedRequests, CurlExampleParses) {
  const auto r = parse_chat_completion_request(curl_body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& req = r.value();
  EXPECT_FALSE(req.model);
  EXPECT_TRUE(req.stream);
  EXPECT_FALSE(req.include_usage);
  EXPECT_FALSE(req.max_tokens);
  ASSERT_EQ(req.chat.messages.size(), 1u);
  EXPECT_EQ(req.chat.messages[0].role, "user");
  EXPECT_EQ(req.chat.messages[0].content, "Write me a poem about large language model.");
  EXPECT_TRUE(req.chat.add_generation_prompt);
  EXPECT_NO_THROW(model::build_chat_context(req.chat, {}));
}

TEST(SeedRequests, PythonExampleParses) {
  const auto r = parse_chat_completion_request(python_body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& req = r.value();
  EXPECT_EQ(req.model, "null");  // any name is accepted for the one served model without --served-model-name
  EXPECT_TRUE(req.stream);
  ASSERT_EQ(req.chat.messages.size(), 2u);
  EXPECT_EQ(req.chat.messages[0].role, "system");
  EXPECT_EQ(req.chat.messages[0].content, "I'm a helpful AI assistant.");
  EXPECT_EQ(req.chat.messages[1].role, "user");
  EXPECT_NO_THROW(model::build_chat_context(req.chat, {}));
}

// The Python example's loop: for chunk in response: if chunk.choices[0].delta:
// print(chunk.choices[0].delta.content, end=''). Every event it sees has a choice whose
// delta holds a string content, so it never indexes an empty list nor prints None.
TEST(SeedRequests, PythonExampleReadsTheStreamItGets) {
  const auto r = parse_chat_completion_request(python_body);
  ASSERT_TRUE(r.ok());
  chat_completion_stream s({"chatcmpl-7", 1700000000, "null"}, r.value().n, r.value().logprobs.has_value(),
                           r.value().include_usage);
  std::string stream = s.begin();
  for (const char* piece : {"Silicon", " minds", "", " dream"}) stream += s.text(0, piece);
  stream += s.finish(0, finish_reason::stop);
  stream += s.end({20, 4, 0});
  std::string printed;
  simdjson::dom::parser parser;
  for (const auto& payload : testing::sse_payloads(stream)) {
    if (payload == "[DONE]") break;
    simdjson::dom::element e;
    ASSERT_FALSE(parser.parse(payload).get(e)) << payload;
    simdjson::dom::array choices;
    ASSERT_FALSE(e["choices"].get(choices)) << payload;
    ASSERT_GT(choices.size(), 0u) << payload;
    std::string_view content;
    ASSERT_FALSE((*choices.begin())["delta"]["content"].get(content)) << payload;
    printed += content;
  }
  EXPECT_EQ(printed, "Silicon minds dream");
}

}  // namespace
}  // namespace moeserve::net
