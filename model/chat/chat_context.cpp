#include "model/chat/chat_context.hpp"

#include <stdexcept>

#include "model/chat/eval_failure.hpp"

namespace moeserve::model {
namespace {

using jinja::dict_data;
using jinja::value;

value untrusted(const std::string& text) { return value::string(text, false); }

value untrusted_at(const value& v, std::size_t depth) {
  if (depth > jinja::max_value_depth) throw std::invalid_argument("chat request value nested too deeply");
  switch (v.type()) {
    case value::kind::string: {
      if (!v.as_string().fully_trusted() || v.as_string().empty()) return v;
      return value::string(v.text(), false);
    }
    case value::kind::list: {
      std::vector<value> items;
      items.reserve(v.items().size());
      for (const auto& item : v.items()) items.push_back(untrusted_at(item, depth + 1));
      return value::list(std::move(items), v.is_tuple());
    }
    case value::kind::dict: {
      dict_data d;
      for (const auto& [k, val] : v.as_dict().entries())
        d.set(untrusted_at(k, depth + 1), untrusted_at(val, depth + 1));
      return value::dict(std::move(d));
    }
    default:
      return v;
  }
}

value content_part(const chat_content_part& part) {
  dict_data d;
  const bool known_type = part.type == "text" || part.type == "image_url";
  d.set("type", value::string(part.type, known_type));
  if (part.type == "text") {
    d.set("text", untrusted(part.text));
  } else if (part.type == "image_url") {
    dict_data url;
    url.set("url", untrusted(part.url));
    d.set("image_url", value::dict(std::move(url)));
  }
  return value::dict(std::move(d));
}

value tool_call(const chat_tool_call& call) {
  dict_data function;
  function.set("name", untrusted(call.name));
  function.set("arguments", make_untrusted(call.arguments));
  dict_data d;
  if (call.id) d.set("id", untrusted(*call.id));
  d.set("type", value::trusted_string("function"));
  d.set("function", value::dict(std::move(function)));
  return value::dict(std::move(d));
}

value message(const chat_message& m) {
  dict_data d;
  d.set("role", untrusted(m.role));
  switch (m.content_type) {
    case chat_message::content_kind::absent:
      break;
    case chat_message::content_kind::null:
      d.set("content", value::none());
      break;
    case chat_message::content_kind::text:
      d.set("content", untrusted(m.content));
      break;
    case chat_message::content_kind::parts: {
      std::vector<value> parts;
      parts.reserve(m.parts.size());
      for (const auto& p : m.parts) parts.push_back(content_part(p));
      d.set("content", value::list(std::move(parts)));
      break;
    }
  }
  if (m.reasoning_content) d.set("reasoning_content", untrusted(*m.reasoning_content));
  if (m.tool_calls) {
    std::vector<value> calls;
    calls.reserve(m.tool_calls->size());
    for (const auto& c : *m.tool_calls) calls.push_back(tool_call(c));
    d.set("tool_calls", value::list(std::move(calls)));
  }
  if (m.tool_call_id) d.set("tool_call_id", untrusted(*m.tool_call_id));
  if (m.name) d.set("name", untrusted(*m.name));
  return value::dict(std::move(d));
}

value tool(const chat_tool& t) {
  dict_data function;
  function.set("name", untrusted(t.name));
  if (t.description) function.set("description", untrusted(*t.description));
  if (!t.parameters.is_undefined()) function.set("parameters", make_untrusted(t.parameters));
  dict_data d;
  d.set("type", value::trusted_string("function"));
  d.set("function", value::dict(std::move(function)));
  return value::dict(std::move(d));
}

dict_data build_context(const chat_request& request, const dict_data& trusted_variables) {
  dict_data context;
  std::vector<value> messages;
  messages.reserve(request.messages.size());
  for (const auto& m : request.messages) messages.push_back(message(m));
  context.set("messages", value::list(std::move(messages)));
  if (request.tools) {
    std::vector<value> tools;
    tools.reserve(request.tools->size());
    for (const auto& t : *request.tools) tools.push_back(tool(t));
    context.set("tools", value::list(std::move(tools)));
  } else {
    context.set("tools", value::none());
  }
  context.set("documents", value::none());
  context.set("add_generation_prompt", value::boolean(request.add_generation_prompt));
  for (const auto& [k, v] : trusted_variables.entries()) {
    if (!context.contains(k.text())) context.set(k, v);
  }
  for (const auto& [name, v] : request.template_kwargs) {
    if (name == "messages" || name == "tools" || name == "documents" || name == "add_generation_prompt") {
      throw std::invalid_argument("chat_template_kwargs may not set '" + name + "'");
    }
    context.set(value::trusted_string(name), make_untrusted(v));
  }
  return context;
}

}  // namespace

value make_untrusted(const value& v) { return untrusted_at(v, 0); }

dict_data build_chat_context(const chat_request& request, const dict_data& trusted_variables) {
  try {
    return build_context(request, trusted_variables);
  } catch (const jinja::eval_failure& e) {  // data nested deeper than max_value_depth
    throw std::invalid_argument(std::string("chat request: ") + e.what());
  }
}

}  // namespace moeserve::model
