#pragma once
// chat_request_reader: the chat parts of a request body, read straight into the
// model::chat_request the tokenizer stage renders with the model's chat template
// (model/chat/chat_context.hpp says how the template sees them):
//
//   messages               [message, ...], required, 1..max_messages
//     role                 string, required (any role: system, user, assistant, tool, ...)
//     content              string | null | [part, ...] | absent
//       part               {"type": "text", "text": string}
//                          {"type": "image_url", "image_url": {"url": string} | string}
//                          {"type": other}             (passed on as {"type": other})
//     reasoning_content    string | null
//     tool_calls           [{"id": string|null, "type": "function",
//                            "function": {"name": string, "arguments": string | object}}] | null
//                          arguments given as a string holding a JSON object are handed to
//                          the template as that object (vLLM does the same: tool-use
//                          templates expect a dict); any other string stays a string
//     tool_call_id, name   string | null
//   tools                  [{"type": "function", "function": {"name": string,
//                            "description": string|null, "parameters": any JSON|null}}] | null
//   add_generation_prompt  bool | null (default true)
//   chat_template_kwargs   {name: any JSON} | null; messages, tools, documents and
//                          add_generation_prompt may not be set this way
//   chat_template          refused unless null: the server renders with the model's template
//
// Unknown keys are ignored at every level. JSON values handed to the template (tool
// parameters, tool call arguments, kwargs) count against limits.max_template_values.
#include <simdjson.h>

#include <cstddef>
#include <string_view>

#include "model/chat/chat_context.hpp"
#include "net/request_limits.hpp"

namespace moeserve::net {

class chat_request_reader {
 public:
  chat_request_reader(model::chat_request& request, const request_limits& limits) : r_(request), limits_(limits) {}
  // True when `key` is one of the keys above (then read into the request). Throws
  // request_error (json_body.hpp).
  bool read(std::string_view key, simdjson::dom::element value);
  // Checks that messages were given. Call once, after the last field.
  void finish();

 private:
  model::jinja::value to_value(simdjson::dom::element e, std::string_view param);
  model::chat_message read_message(simdjson::dom::element e, const std::string& param);
  model::chat_content_part read_part(simdjson::dom::element e, const std::string& param);
  model::chat_tool_call read_tool_call(simdjson::dom::element e, const std::string& param);
  model::chat_tool read_tool(simdjson::dom::element e, const std::string& param);
  model::jinja::value read_arguments(simdjson::dom::element e, const std::string& param);

  model::chat_request& r_;
  const request_limits& limits_;
  bool has_messages_ = false;
  std::size_t template_values_ = 0;  // JSON values converted for the template so far
};

}  // namespace moeserve::net
