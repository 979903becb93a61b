// moeserve_render_template: renders a chat template with a chat request read from JSON,
// for the oracle test against Python's jinja2 (tools/check_chat_templates.py).
//
//   moeserve_render_template [--segments] [--now "YYYY-MM-DD HH:MM:SS"] TEMPLATE CONTEXT.json
//
// CONTEXT.json: {"messages": [...], "tools": [...] | null, "add_generation_prompt": bool,
//                "special_tokens": {"bos_token": "...", ...}, "template_kwargs": {...}}
// with messages and tools in OpenAI's shape (see model/chat/chat_context.hpp); unknown
// keys are errors, so that the fixture says exactly what the builder passes.
//
// Prints the rendering as raw bytes, or with --segments a JSON list of
// {"trusted": bool, "text": str}. --now fixes strftime_now()'s clock. Exit status: 0 on
// success, 2 when the template fails (the message on stderr starts with the error kind),
// 1 for usage, file and JSON errors.
#include <simdjson.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "model/chat/chat_template.hpp"
#include "model/chat/json_dump.hpp"
#include "model/chat/template_error.hpp"

namespace {

using moeserve::model::chat_content_part;
using moeserve::model::chat_message;
using moeserve::model::chat_request;
using moeserve::model::chat_tool;
using moeserve::model::chat_tool_call;
using moeserve::model::jinja::dict_data;
using moeserve::model::jinja::value;
namespace dom = simdjson::dom;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

[[noreturn]] void bad(const std::string& what) { throw std::runtime_error("context: " + what); }

std::string text_of(dom::element e, const std::string& what) {
  if (!e.is_string()) bad(what + " must be a string");
  return std::string(std::string_view(e));
}

// Any JSON value, strings untrusted (the builder marks request data untrusted anyway).
value to_value(dom::element e) {
  switch (e.type()) {
    case dom::element_type::NULL_VALUE:
      return value::none();
    case dom::element_type::BOOL:
      return value::boolean(bool(e));
    case dom::element_type::INT64:
      return value::integer(int64_t(e));
    case dom::element_type::UINT64:
      bad("integer out of range");
    case dom::element_type::DOUBLE:
      return value::floating(double(e));
    case dom::element_type::STRING:
      return value::string(std::string(std::string_view(e)), false);
    case dom::element_type::ARRAY: {
      std::vector<value> items;
      for (dom::element item : dom::array(e)) items.push_back(to_value(item));
      return value::list(std::move(items));
    }
    case dom::element_type::OBJECT: {
      dict_data d;
      for (dom::key_value_pair kv : dom::object(e)) {
        d.set(value::string(std::string(kv.key), false), to_value(kv.value));
      }
      return value::dict(std::move(d));
    }
  }
  bad("unexpected JSON value");
}

chat_tool_call to_tool_call(dom::element e) {
  if (!e.is_object()) bad("a tool call must be an object");
  chat_tool_call call;
  bool has_function = false;
  for (dom::key_value_pair kv : dom::object(e)) {
    if (kv.key == "id") {
      call.id = text_of(kv.value, "tool_calls[].id");
    } else if (kv.key == "type") {
      if (text_of(kv.value, "tool_calls[].type") != "function") bad("tool_calls[].type must be \"function\"");
    } else if (kv.key == "function") {
      has_function = true;
      if (!kv.value.is_object()) bad("tool_calls[].function must be an object");
      for (dom::key_value_pair f : dom::object(kv.value)) {
        if (f.key == "name") {
          call.name = text_of(f.value, "function.name");
        } else if (f.key == "arguments") {
          call.arguments = to_value(f.value);
        } else {
          bad("unknown key in tool_calls[].function: " + std::string(f.key));
        }
      }
    } else {
      bad("unknown key in a tool call: " + std::string(kv.key));
    }
  }
  if (!has_function) bad("a tool call needs a function");
  return call;
}

chat_content_part to_part(dom::element e) {
  if (!e.is_object()) bad("a content part must be an object");
  chat_content_part part;
  for (dom::key_value_pair kv : dom::object(e)) {
    if (kv.key == "type") {
      part.type = text_of(kv.value, "part type");
    } else if (kv.key == "text") {
      part.text = text_of(kv.value, "part text");
    } else if (kv.key == "image_url") {
      if (!kv.value.is_object()) bad("image_url must be an object");
      part.url = text_of(kv.value["url"], "image_url.url");
    } else {
      bad("unknown key in a content part: " + std::string(kv.key));
    }
  }
  return part;
}

chat_message to_message(dom::element e) {
  if (!e.is_object()) bad("a message must be an object");
  chat_message m;
  m.content_type = chat_message::content_kind::absent;
  for (dom::key_value_pair kv : dom::object(e)) {
    if (kv.key == "role") {
      m.role = text_of(kv.value, "role");
    } else if (kv.key == "content") {
      if (kv.value.is_null()) {
        m.content_type = chat_message::content_kind::null;
      } else if (kv.value.is_string()) {
        m.content_type = chat_message::content_kind::text;
        m.content = text_of(kv.value, "content");
      } else if (kv.value.is_array()) {
        m.content_type = chat_message::content_kind::parts;
        for (dom::element p : dom::array(kv.value)) m.parts.push_back(to_part(p));
      } else {
        bad("content must be a string, null or a list of parts");
      }
    } else if (kv.key == "reasoning_content") {
      m.reasoning_content = text_of(kv.value, "reasoning_content");
    } else if (kv.key == "tool_calls") {
      if (!kv.value.is_array()) bad("tool_calls must be a list");
      m.tool_calls.emplace();
      for (dom::element c : dom::array(kv.value)) m.tool_calls->push_back(to_tool_call(c));
    } else if (kv.key == "tool_call_id") {
      m.tool_call_id = text_of(kv.value, "tool_call_id");
    } else if (kv.key == "name") {
      m.name = text_of(kv.value, "name");
    } else {
      bad("unknown key in a message: " + std::string(kv.key));
    }
  }
  return m;
}

chat_tool to_tool(dom::element e) {
  if (!e.is_object()) bad("a tool must be an object");
  chat_tool t;
  for (dom::key_value_pair kv : dom::object(e)) {
    if (kv.key == "type") {
      if (text_of(kv.value, "tools[].type") != "function") bad("tools[].type must be \"function\"");
    } else if (kv.key == "function") {
      if (!kv.value.is_object()) bad("tools[].function must be an object");
      for (dom::key_value_pair f : dom::object(kv.value)) {
        if (f.key == "name") {
          t.name = text_of(f.value, "tool name");
        } else if (f.key == "description") {
          t.description = text_of(f.value, "tool description");
        } else if (f.key == "parameters") {
          t.parameters = to_value(f.value);
        } else {
          bad("unknown key in tools[].function: " + std::string(f.key));
        }
      }
    } else {
      bad("unknown key in a tool: " + std::string(kv.key));
    }
  }
  return t;
}

std::tm parse_now(const std::string& text) {
  std::tm tm{};
  if (std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec) != 6) {
    throw std::runtime_error("--now wants \"YYYY-MM-DD HH:MM:SS\"");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  // Fill in the weekday and the day of the year.
  const std::time_t t = timegm(&tm);
  std::tm out{};
  gmtime_r(&t, &out);
  return out;
}

int run(int argc, char** argv) {
  bool segments = false;
  std::string now;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--segments") {
      segments = true;
    } else if (arg == "--now" && i + 1 < argc) {
      now = argv[++i];
    } else {
      files.push_back(arg);
    }
  }
  if (files.size() != 2) {
    std::cerr << "usage: moeserve_render_template [--segments] [--now \"YYYY-MM-DD HH:MM:SS\"] TEMPLATE CONTEXT.json\n";
    return 1;
  }
  const std::string source = read_file(files[0]);
  const std::string json = read_file(files[1]);

  dom::parser parser;
  dom::element doc = parser.parse(json);
  if (!doc.is_object()) bad("the context must be an object");
  chat_request request;
  request.add_generation_prompt = false;
  moeserve::model::chat_template_options options;
  for (dom::key_value_pair kv : dom::object(doc)) {
    if (kv.key == "messages") {
      if (!kv.value.is_array()) bad("messages must be a list");
      for (dom::element m : dom::array(kv.value)) request.messages.push_back(to_message(m));
    } else if (kv.key == "tools") {
      if (kv.value.is_null()) continue;
      if (!kv.value.is_array()) bad("tools must be a list or null");
      request.tools.emplace();
      for (dom::element t : dom::array(kv.value)) request.tools->push_back(to_tool(t));
    } else if (kv.key == "add_generation_prompt") {
      if (!kv.value.is_bool()) bad("add_generation_prompt must be a boolean");
      request.add_generation_prompt = bool(kv.value);
    } else if (kv.key == "special_tokens") {
      if (!kv.value.is_object()) bad("special_tokens must be an object");
      for (dom::key_value_pair t : dom::object(kv.value)) {
        options.special_tokens.emplace_back(std::string(t.key), text_of(t.value, "a special token"));
      }
    } else if (kv.key == "template_kwargs") {
      if (!kv.value.is_object()) bad("template_kwargs must be an object");
      for (dom::key_value_pair t : dom::object(kv.value)) {
        request.template_kwargs.emplace_back(std::string(t.key), to_value(t.value));
      }
    } else {
      bad("unknown key: " + std::string(kv.key));
    }
  }
  if (!now.empty()) {
    const std::tm fixed = parse_now(now);
    options.render_options.clock = [fixed] { return fixed; };
  }

  try {
    const moeserve::model::chat_template tmpl(source, options);
    const auto rendered = tmpl.render(request);
    if (!segments) {
      for (const auto& s : rendered) std::cout << s.text;
      std::cout.flush();
      return 0;
    }
    std::vector<value> list;
    for (const auto& s : rendered) {
      dict_data d;
      d.set("trusted", value::boolean(s.trusted));
      d.set("text", value::trusted_string(s.text));
      list.push_back(value::dict(std::move(d)));
    }
    std::cout << moeserve::model::jinja::to_json(value::list(std::move(list)), {}).text();
    std::cout.flush();
    return 0;
  } catch (const moeserve::model::template_error& e) {
    std::cerr << to_string(e.error_kind()) << " error: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "moeserve_render_template: " << e.what() << "\n";
    return 1;
  }
}
