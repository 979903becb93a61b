#pragma once
// The data a chat template renders, as C++ structs, and the builder that turns them into
// the template's variables the way Hugging Face transformers passes them:
//
//   messages               list of dicts, keys in this order, each only when present:
//                          role, content (a string, None, or a list of parts),
//                          reasoning_content, tool_calls, tool_call_id, name
//     a part               {"type": "text", "text": ...} or
//                          {"type": "image_url", "image_url": {"url": ...}} or {"type": ...}
//     a tool call          {"id": ... (when given), "type": "function",
//                           "function": {"name": ..., "arguments": dict or JSON string}}
//   tools                  list of {"type": "function", "function": {"name": ...,
//                          "description": ... (when given), "parameters": ... (when given)}},
//                          or None when the request has none
//   documents              None
//   add_generation_prompt  bool
//   bos_token, eos_token, ...  the special tokens (trusted)
//   other kwargs           chat_template_kwargs of the request (enable_thinking, ...)
//
// Provenance: everything that comes from the request (roles, contents, names, ids, tool
// calls, tool definitions, kwargs) is made untrusted here, whatever the caller passed;
// only the builder's own constants (keys, "function", known part types) and the trusted
// variables (special tokens, server configuration) are trusted.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/chat/value.hpp"

namespace moeserve::model {

struct chat_tool_call {
  std::optional<std::string> id;
  std::string name;
  jinja::value arguments;  // a dict (the parsed JSON object) or a string (the JSON text)
};

struct chat_content_part {
  std::string type = "text";  // "text", "image_url", or another type passed as {"type": type}
  std::string text;           // for "text"
  std::string url;            // for "image_url"
};

struct chat_message {
  enum class content_kind { absent, null, text, parts };

  std::string role;
  content_kind content_type = content_kind::text;
  std::string content;                   // when content_type == text
  std::vector<chat_content_part> parts;  // when content_type == parts
  std::optional<std::string> reasoning_content;
  std::optional<std::vector<chat_tool_call>> tool_calls;
  std::optional<std::string> tool_call_id;
  std::optional<std::string> name;
};

struct chat_tool {
  std::string name;
  std::optional<std::string> description;
  jinja::value parameters;  // the JSON schema; undefined: no "parameters" key
};

struct chat_request {
  std::vector<chat_message> messages;
  std::optional<std::vector<chat_tool>> tools;  // nullopt: tools=None
  bool add_generation_prompt = true;
  // Extra template variables from the request (chat_template_kwargs); made untrusted.
  std::vector<std::pair<std::string, jinja::value>> template_kwargs;
};

// The template's variables for `request`. `trusted_variables` (special tokens such as
// bos_token, server-side settings) are added as they are, then the request's kwargs
// override them. Throws std::invalid_argument when a kwarg is named messages, tools,
// documents or add_generation_prompt (transformers refuses those too), or when request
// data nests deeper than jinja::max_value_depth in the result.
jinja::dict_data build_chat_context(const chat_request& request, const jinja::dict_data& trusted_variables);

// A deep copy of v with every string (and dict key) marked untrusted.
jinja::value make_untrusted(const jinja::value& v);

}  // namespace moeserve::model
