#pragma once
// Helpers shared by the filter implementations (text_filters.cpp, number_filters.cpp,
// sequence_filters.cpp) and their registry (filters.cpp). Internal to model/chat.
#include <algorithm>
#include <charconv>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/chat/ast.hpp"
#include "model/chat/interpreter.hpp"
#include "model/chat/string_ops.hpp"
#include "model/chat/unicode_text.hpp"
#include "model/chat/value.hpp"

namespace moeserve::model::jinja {

struct filter_entry {
  std::string_view name;
  filter_fn fn;
};

// The filters of each part, sorted by name.
std::span<const filter_entry> text_filters();
std::span<const filter_entry> number_filters();
std::span<const filter_entry> sequence_filters();

inline value string_value(tainted_string s) { return value::string(std::move(s)); }

// A string result computed from `source` without tracking bytes.
inline value derived(std::string text, const tainted_string& source) {
  return value::string(derived_string(std::move(text), !source.fully_trusted()));
}

// jinja2's ignore_case: strings compare lower-cased.
inline value ignore_case(const value& v) {
  if (!v.is_string()) return v;
  return derived(py_lower(v.text()), v.as_string());
}

// jinja2's make_attrgetter: "a.b.0" looks up a, then b, then item 0.
class attribute_getter {
 public:
  attribute_getter(interpreter& in, const std::optional<value>& attribute, std::optional<value> fallback = {},
                   bool lower = false)
      : in_(in), fallback_(std::move(fallback)), lower_(lower) {
    if (!attribute || attribute->is_none()) return;
    if (!attribute->is_string()) {
      parts_.push_back(*attribute);
      return;
    }
    for (const auto& part : split_dots(attribute->as_string())) {
      if (!part.empty() &&
          std::all_of(part.text().begin(), part.text().end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::int64_t i = 0;
        std::from_chars(part.text().data(), part.text().data() + part.size(), i);
        parts_.push_back(value::integer(i));
      } else {
        parts_.push_back(value::string(part));
      }
    }
  }

  value operator()(value item) const {
    for (const auto& part : parts_) {
      item = in_.get_item(item, part);
      if (fallback_ && item.is_undefined()) item = *fallback_;
    }
    return lower_ ? ignore_case(item) : item;
  }

 private:
  static std::vector<tainted_string> split_dots(const tainted_string& s) {
    const tainted_string dot = tainted_string::trusted(".");
    return py_split(s, &dot, -1, false);
  }

  interpreter& in_;
  std::vector<value> parts_;
  std::optional<value> fallback_;
  bool lower_;
};

// The items of v (a string's characters: at most max_loop_iterations of them).
inline std::vector<value> to_items(interpreter& in, const value& v) {
  return iterate(v, in.limits().max_loop_iterations);
}

}  // namespace moeserve::model::jinja
