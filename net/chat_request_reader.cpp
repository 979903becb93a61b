#include "net/chat_request_reader.hpp"

#include <string>
#include <utility>
#include <vector>

#include "net/json_body.hpp"

namespace moeserve::net {
namespace dom = simdjson::dom;
using model::chat_content_part;
using model::chat_message;
using model::chat_tool;
using model::chat_tool_call;
using model::jinja::dict_data;
using model::jinja::value;

namespace {

[[noreturn]] void missing(const std::string& param) { reject(param + " is required", param); }

std::optional<std::string> read_optional_string(dom::element e, std::string_view param) {
  if (is_null(e)) return std::nullopt;
  return read_string(e, param);
}

// A tool's or tool call's "type": "function" (or null) is all there is.
void check_function_type(dom::element e, const std::string& path) {
  if (!is_null(e) && read_string(e, path) != "function") reject(path + " must be \"function\"", path);
}

}  // namespace

value chat_request_reader::to_value(dom::element e, std::string_view param) {
  if (++template_values_ > limits_.max_template_values) {
    reject("the request holds more than " + std::to_string(limits_.max_template_values) +
               " JSON values for the chat template",
           param);
  }
  switch (e.type()) {
    case dom::element_type::NULL_VALUE:
      return value::none();
    case dom::element_type::BOOL:
      return value::boolean(bool(e));
    case dom::element_type::INT64:
      return value::integer(std::int64_t(e));
    case dom::element_type::UINT64:
      reject(std::string(param) + " holds an integer above 2^63 - 1", param);
    case dom::element_type::DOUBLE:
      return value::floating(double(e));
    case dom::element_type::STRING:
      return value::string(std::string(std::string_view(e)), false);
    case dom::element_type::ARRAY: {
      std::vector<value> items;
      for (dom::element item : dom::array(e)) items.push_back(to_value(item, param));
      return value::list(std::move(items));
    }
    case dom::element_type::OBJECT: {
      dict_data d;
      for (dom::key_value_pair kv : dom::object(e)) {
        d.set(value::string(std::string(kv.key), false), to_value(kv.value, param));
      }
      return value::dict(std::move(d));
    }
  }
  reject(std::string(param) + " holds an unknown JSON value", param);
}

value chat_request_reader::read_arguments(dom::element e, const std::string& param) {
  if (e.is_object()) return to_value(e, param);
  const std::string text = read_string(e, param);
  // A JSON object in a string (OpenAI's form) becomes the object, when it is one that a
  // request body could hold (same depth limit, no duplicate keys).
  dom::parser parser;
  dom::element parsed;
  if (!parser.allocate(std::max<std::size_t>(text.size(), 1), limits_.max_depth) &&
      !parser.parse(text.data(), text.size(), true).get(parsed) && parsed.is_object() && !find_duplicate_key(parsed)) {
    return to_value(parsed, param);
  }
  return value::string(text, false);
}

chat_content_part chat_request_reader::read_part(dom::element e, const std::string& param) {
  chat_content_part part;
  bool has_type = false;
  std::optional<std::string> text;
  std::optional<std::string> url;
  for (dom::key_value_pair kv : read_object(e, param)) {
    if (kv.key == "type") {
      part.type = read_string(kv.value, member_path(param, "type"));
      has_type = true;
    } else if (kv.key == "text") {
      text = read_optional_string(kv.value, member_path(param, "text"));
    } else if (kv.key == "image_url") {
      const std::string path = member_path(param, "image_url");
      if (kv.value.is_string()) {
        url = read_string(kv.value, path);
      } else if (!is_null(kv.value)) {
        for (dom::key_value_pair u : read_object(kv.value, path)) {
          if (u.key == "url") url = read_string(u.value, member_path(path, "url"));
        }
      }
    }
  }
  if (!has_type) missing(member_path(param, "type"));
  if (part.type == "text") {
    if (!text) missing(member_path(param, "text"));
    part.text = std::move(*text);
  } else if (part.type == "image_url") {
    if (!url) missing(member_path(param, "image_url.url"));
    part.url = std::move(*url);
  }
  return part;
}

chat_tool_call chat_request_reader::read_tool_call(dom::element e, const std::string& param) {
  chat_tool_call call;
  bool has_function = false;
  bool has_name = false;
  bool has_arguments = false;
  for (dom::key_value_pair kv : read_object(e, param)) {
    if (kv.key == "id") {
      call.id = read_optional_string(kv.value, member_path(param, "id"));
    } else if (kv.key == "type") {
      check_function_type(kv.value, member_path(param, "type"));
    } else if (kv.key == "function") {
      has_function = true;
      const std::string path = member_path(param, "function");
      for (dom::key_value_pair f : read_object(kv.value, path)) {
        if (f.key == "name") {
          call.name = read_string(f.value, member_path(path, "name"));
          has_name = true;
        } else if (f.key == "arguments") {
          call.arguments = read_arguments(f.value, member_path(path, "arguments"));
          has_arguments = true;
        }
      }
    }
  }
  if (!has_function) missing(member_path(param, "function"));
  if (!has_name) missing(member_path(param, "function.name"));
  if (!has_arguments) missing(member_path(param, "function.arguments"));
  return call;
}

chat_message chat_request_reader::read_message(dom::element e, const std::string& param) {
  chat_message m;
  m.content_type = chat_message::content_kind::absent;
  bool has_role = false;
  for (dom::key_value_pair kv : read_object(e, param)) {
    const std::string path = member_path(param, kv.key);
    if (kv.key == "role") {
      m.role = read_string(kv.value, path);
      has_role = true;
    } else if (kv.key == "content") {
      if (is_null(kv.value)) {
        m.content_type = chat_message::content_kind::null;
      } else if (kv.value.is_string()) {
        m.content_type = chat_message::content_kind::text;
        m.content = read_string(kv.value, path);
      } else if (kv.value.is_array()) {
        m.content_type = chat_message::content_kind::parts;
        std::size_t i = 0;
        for (dom::element p : dom::array(kv.value)) m.parts.push_back(read_part(p, index_path(path, i++)));
      } else {
        reject(
            path + " must be a string, null or an array of content parts, got " + std::string(json_type_name(kv.value)),
            path);
      }
    } else if (kv.key == "reasoning_content") {
      m.reasoning_content = read_optional_string(kv.value, path);
    } else if (kv.key == "tool_calls") {
      if (is_null(kv.value)) continue;
      m.tool_calls.emplace();
      std::size_t i = 0;
      for (dom::element c : read_array(kv.value, path))
        m.tool_calls->push_back(read_tool_call(c, index_path(path, i++)));
    } else if (kv.key == "tool_call_id") {
      m.tool_call_id = read_optional_string(kv.value, path);
    } else if (kv.key == "name") {
      m.name = read_optional_string(kv.value, path);
    }
  }
  if (!has_role) missing(member_path(param, "role"));
  return m;
}

chat_tool chat_request_reader::read_tool(dom::element e, const std::string& param) {
  chat_tool t;
  bool has_function = false;
  bool has_name = false;
  for (dom::key_value_pair kv : read_object(e, param)) {
    if (kv.key == "type") {
      check_function_type(kv.value, member_path(param, "type"));
    } else if (kv.key == "function") {
      has_function = true;
      const std::string path = member_path(param, "function");
      for (dom::key_value_pair f : read_object(kv.value, path)) {
        if (f.key == "name") {
          t.name = read_string(f.value, member_path(path, "name"));
          has_name = true;
        } else if (f.key == "description") {
          t.description = read_optional_string(f.value, member_path(path, "description"));
        } else if (f.key == "parameters" && !is_null(f.value)) {
          t.parameters = to_value(f.value, member_path(path, "parameters"));
        }
      }
    }
  }
  if (!has_function) missing(member_path(param, "function"));
  if (!has_name) missing(member_path(param, "function.name"));
  return t;
}

bool chat_request_reader::read(std::string_view key, dom::element v) {
  const bool null = is_null(v);
  if (key == "messages") {
    const dom::array items = read_array(v, key);
    if (items.size() == 0) reject("messages must hold at least one message", key);
    if (items.size() > limits_.max_messages) {
      reject("messages may hold at most " + std::to_string(limits_.max_messages) + " messages, got " +
                 std::to_string(items.size()),
             key);
    }
    r_.messages.clear();
    r_.messages.reserve(items.size());
    std::size_t i = 0;
    for (dom::element m : items) r_.messages.push_back(read_message(m, index_path(key, i++)));
    has_messages_ = true;
  } else if (key == "tools") {
    if (null) return true;
    const dom::array items = read_array(v, key);
    if (items.size() > limits_.max_tools) {
      reject(
          "tools may hold at most " + std::to_string(limits_.max_tools) + " tools, got " + std::to_string(items.size()),
          key);
    }
    r_.tools.emplace();
    std::size_t i = 0;
    for (dom::element t : items) r_.tools->push_back(read_tool(t, index_path(key, i++)));
  } else if (key == "add_generation_prompt") {
    if (!null) r_.add_generation_prompt = read_bool(v, key);
  } else if (key == "chat_template_kwargs") {
    if (null) return true;
    for (dom::key_value_pair kv : read_object(v, key)) {
      const std::string path = member_path(key, kv.key);
      if (kv.key == "messages" || kv.key == "tools" || kv.key == "documents" || kv.key == "add_generation_prompt") {
        reject("chat_template_kwargs may not set '" + std::string(kv.key) + "'", path);
      }
      r_.template_kwargs.emplace_back(std::string(kv.key), to_value(kv.value, path));
    }
  } else if (key == "chat_template") {
    if (!null) reject("chat_template may not be set by a request: the server uses the model's chat template", key);
  } else {
    return false;
  }
  return true;
}

void chat_request_reader::finish() {
  if (!has_messages_) missing("messages");
}

}  // namespace moeserve::net
