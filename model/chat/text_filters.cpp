// Filters on text: case, trim, replace, escape, indent, center, wordcount, string, safe,
// default, attr, and transformers' tojson.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "model/chat/call_binding.hpp"
#include "model/chat/eval_failure.hpp"
#include "model/chat/filter_support.hpp"
#include "model/chat/interpreter.hpp"
#include "model/chat/json_dump.hpp"
#include "model/chat/methods.hpp"
#include "model/chat/string_ops.hpp"
#include "model/chat/unicode_text.hpp"
#include "model/chat/value_format.hpp"

namespace moeserve::model::jinja {
namespace {

value f_trim(interpreter&, const value& v, call_args& args) {
  auto a = bind_arguments("trim", args, {"chars"});
  const tainted_string* chars = nullptr;
  if (a[0] && !a[0]->is_none()) chars = &string_argument("trim", *a[0]);
  return string_value(py_strip(py_str(v), chars, strip_side::both));
}

template <std::string (*Map)(std::string_view)>
value f_case(interpreter&, const value& v, call_args& args) {
  bind_arguments("case filter", args, {});
  const tainted_string s = py_str(v);
  return derived(Map(s.text()), s);
}

// jinja2's title: after each run of -, whitespace, (, {, [ or <, the first character goes
// to upper case and the rest of the word to lower case (as one string: final sigma).
std::string jinja_title(std::string_view s) {
  std::string out;
  std::size_t word_begin = std::string_view::npos;
  auto flush_word = [&](std::size_t end) {
    if (word_begin == std::string_view::npos) return;
    std::size_t second = word_begin;
    utf8_decode(s, second);
    out += py_upper(s.substr(word_begin, second - word_begin));
    out += py_lower(s.substr(second, end - second));
    word_begin = std::string_view::npos;
  };
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t begin = pos;
    const char32_t cp = utf8_decode(s, pos);
    const bool separator = py_isspace(cp) || cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<';
    if (separator) {
      flush_word(begin);
      out += s.substr(begin, pos - begin);
    } else if (word_begin == std::string_view::npos) {
      word_begin = begin;
    }
  }
  flush_word(s.size());
  return out;
}

value f_replace(interpreter& in, const value& v, call_args& args) {
  auto a = bind_arguments("replace", args, {"old", "new", "count"});
  if (!a[0] || !a[1]) fail("replace() missing required arguments 'old' and 'new'");
  std::int64_t count = -1;
  if (a[2] && !a[2]->is_none()) count = int_argument("replace", *a[2]);
  return string_value(py_replace(py_str(v), py_str(*a[0]), py_str(*a[1]), count, in.limits().max_output_bytes));
}

value f_string(interpreter&, const value& v, call_args& args) {
  bind_arguments("string", args, {});
  return string_value(py_str(v));
}

value f_safe(interpreter&, const value& v, call_args& args) {
  bind_arguments("safe", args, {});
  return string_value(py_str(v));
}

value f_escape(interpreter&, const value& v, call_args& args) {
  bind_arguments("escape", args, {});
  const tainted_string s = py_str(v);
  tainted_string out;
  for_each_code_point(s, [&](char32_t cp, std::string_view bytes, bool trusted) {
    switch (cp) {
      case '&':
        out.append("&amp;", trusted);
        break;
      case '<':
        out.append("&lt;", trusted);
        break;
      case '>':
        out.append("&gt;", trusted);
        break;
      case '"':
        out.append("&#34;", trusted);
        break;
      case '\'':
        out.append("&#39;", trusted);
        break;
      default:
        out.append(bytes, trusted);
    }
  });
  return string_value(std::move(out));
}

value f_indent(interpreter& in, const value& v, call_args& args) {
  auto a = bind_arguments("indent", args, {"width", "first", "blank"});
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_string()) fail("can only concatenate " + type_name(v) + " with str in indent");
  tainted_string indention;
  if (a[0] && a[0]->is_string()) {
    indention = a[0]->as_string();
  } else {
    const std::int64_t width = a[0] ? int_argument("indent", *a[0]) : 4;
    in.check_string_size(width > 0 ? static_cast<std::size_t>(width) : 0);
    indention = tainted_string::trusted(std::string(width > 0 ? static_cast<std::size_t>(width) : 0, ' '));
  }
  const bool first = a[1] && truthy(*a[1]);
  const bool blank = a[2] && truthy(*a[2]);
  tainted_string s = v.as_string();
  s.append("\n", true);
  const auto lines = py_splitlines(s, false);
  tainted_string out;
  if (first) out.append(indention);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      out.append("\n", true);
      if (blank || !lines[i].empty()) out.append(indention);
    }
    out.append(lines[i]);
    in.check_string_size(out.size());
  }
  return string_value(std::move(out));
}

value f_center(interpreter& in, const value& v, call_args& args) {
  auto a = bind_arguments("center", args, {"width"});
  call_args inner;
  inner.positional.push_back(a[0] ? *a[0] : value::integer(80));
  const auto method = in.get_attribute(value::string(py_str(v)), "center");
  return in.call(method, std::move(inner));
}

value f_wordcount(interpreter&, const value& v, call_args& args) {
  bind_arguments("wordcount", args, {});
  const tainted_string s = py_str(v);
  std::int64_t words = 0;
  bool in_word = false;
  for (std::size_t pos = 0; pos < s.text().size();) {
    const char32_t cp = utf8_decode(s.text(), pos);
    const bool word_char = py_isalpha(cp) || py_isdigit(cp) || cp == '_';
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return value::integer(words);
}

value f_default(interpreter&, const value& v, call_args& args) {
  auto a = bind_arguments("default", args, {"default_value", "boolean"});
  const bool boolean = a[1] && truthy(*a[1]);
  if (v.is_undefined() || (boolean && !truthy(v))) return a[0] ? *a[0] : value::trusted_string("");
  return v;
}

value f_attr(interpreter& in, const value& v, call_args& args) {
  auto a = bind_arguments("attr", args, {"name"});
  if (!a[0]) fail("attr() missing required argument 'name'");
  // Python attributes only: a dict's keys are not attributes (its methods are).
  const std::string& name = string_argument("attr", *a[0]).text();
  if (v.is_dict()) {
    if (auto method = find_method(v, name)) return *method;
    return value::undefined("'dict object' has no attribute '" + name + "'");
  }
  return in.get_attribute(v, name);
}

// select / reject / selectattr / rejectattr.
value f_tojson(interpreter& in, const value& v, call_args& args) {
  auto a = bind_arguments("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  json_options options;
  options.ensure_ascii = a[0] && truthy(*a[0]);
  if (a[1] && !a[1]->is_none()) {
    if (a[1]->is_string()) {
      options.indent = a[1]->text();
    } else {
      const std::int64_t n = int_argument("tojson", *a[1]);
      in.check_string_size(n > 0 ? static_cast<std::size_t>(n) : 0);
      options.indent = std::string(n > 0 ? static_cast<std::size_t>(n) : 0, ' ');
    }
  }
  if (a[2] && !a[2]->is_none()) {
    if (!a[2]->is_list() || a[2]->items().size() != 2) fail("tojson: separators must be a pair of strings");
    options.item_separator = string_argument("tojson", a[2]->items()[0]).text();
    options.key_separator = string_argument("tojson", a[2]->items()[1]).text();
  }
  options.sort_keys = a[3] && truthy(*a[3]);
  options.max_bytes = in.limits().max_output_bytes;
  tainted_string out = to_json(v, options);
  in.check_string_size(out.size());
  return string_value(std::move(out));
}

constexpr filter_entry table[] = {
    {"attr", f_attr},
    {"capitalize", f_case<py_capitalize>},
    {"center", f_center},
    {"d", f_default},
    {"default", f_default},
    {"e", f_escape},
    {"escape", f_escape},
    {"forceescape", f_escape},
    {"indent", f_indent},
    {"lower", f_case<py_lower>},
    {"replace", f_replace},
    {"safe", f_safe},
    {"string", f_string},
    {"title", f_case<jinja_title>},
    {"tojson", f_tojson},
    {"trim", f_trim},
    {"upper", f_case<py_upper>},
    {"wordcount", f_wordcount},
};

}  // namespace

std::span<const filter_entry> text_filters() { return table; }

}  // namespace moeserve::model::jinja
