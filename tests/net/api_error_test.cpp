// api_error: the error JSON, its types by status, the SSE framing of errors, pings and the
// end of a stream, and the models list.
#include "net/api_error.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/model_list.hpp"
#include "net/sse.hpp"
#include "tests/net/net_test_support.hpp"

namespace moeserve::net {
namespace {

TEST(ApiError, GoldenJsonWithAndWithoutParam) {
  EXPECT_EQ(
      to_json(bad_request("n must be in [1, 16], got 0", "n")),
      R"({"error":{"message":"n must be in [1, 16], got 0","type":"invalid_request_error","param":"n","code":400}})");
  EXPECT_EQ(
      to_json(bad_request("the body is not valid JSON")),
      R"({"error":{"message":"the body is not valid JSON","type":"invalid_request_error","param":null,"code":400}})");
}

TEST(ApiError, ModelNotFoundReadsAsFastDeployAndOpenAiSayIt) {
  const api_error e = model_not_found("gpt-4");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(to_json(e),
            R"({"error":{"message":"The model `gpt-4` does not exist.","type":"not_found_error","param":"model",)"
            R"("code":404}})");
}

TEST(ApiError, TypesFollowTheStatus) {
  EXPECT_EQ(unauthorized("no key").type, "authentication_error");
  EXPECT_EQ(unauthorized("no key").status, 401);
  EXPECT_EQ(body_too_large(10).status, 413);
  EXPECT_EQ(body_too_large(10).message, "the request body is larger than 10 bytes");
  EXPECT_EQ(queue_full("busy").status, 429);
  EXPECT_EQ(queue_full("busy").type, "rate_limit_error");
  EXPECT_EQ(internal_error("x").status, 500);
  EXPECT_EQ(internal_error("x").type, "server_error");
  EXPECT_EQ(service_unavailable("x").status, 503);
  EXPECT_EQ(service_unavailable("x").type, "service_unavailable_error");
  EXPECT_EQ(error_type_for_status(418), "server_error");
}

TEST(ApiError, EscapesMessagesAndParams) {
  const std::string json = to_json(bad_request("bad \"x\"\n\xFF", "a\"b"));
  EXPECT_EQ(json,
            "{\"error\":{\"message\":\"bad \\\"x\\\"\\n\xEF\xBF\xBD\",\"type\":\"invalid_request_error\","
            "\"param\":\"a\\\"b\",\"code\":400}}");
  EXPECT_TRUE(testing::is_json(json));
}

TEST(Sse, FramesEventsCommentsAndTheEnd) {
  EXPECT_EQ(sse_event(R"({"a":1})"), "data: {\"a\":1}\n\n");
  EXPECT_EQ(sse_done, "data: [DONE]\n\n");
  EXPECT_EQ(sse_ping, ": ping\n\n");
  EXPECT_EQ(sse_content_type, "text/event-stream");
  EXPECT_EQ(sse_error(service_unavailable("engine stopped")),
            "data: {\"error\":{\"message\":\"engine stopped\",\"type\":\"service_unavailable_error\",\"param\":null,"
            "\"code\":503}}\n\n");
  // A message with newlines still makes one data line.
  const auto payloads = testing::sse_payloads(sse_error(internal_error("a\n\nb")) + std::string(sse_ping));
  ASSERT_EQ(payloads.size(), 1u);
  EXPECT_TRUE(testing::is_json(payloads[0]));
}

TEST(ModelList, GoldenJson) {
  const std::vector<model_card> models = {{"null", 1700000000, "models/x.gguf", 8192}};
  EXPECT_EQ(model_list_json(models),
            R"({"object":"list","data":[{"id":"null","object":"model","created":1700000000,"owned_by":"moeserve",)"
            R"("root":"models/x.gguf","parent":null,"max_model_len":8192}]})");
  EXPECT_EQ(model_list_json({}), R"({"object":"list","data":[]})");
}

}  // namespace
}  // namespace moeserve::net
