#include "model/chat/value.hpp"

#include <algorithm>

#include "model/chat/eval_failure.hpp"

namespace moeserve::model::jinja {

void fail(const std::string& message) { throw eval_failure(template_error::kind::runtime, message); }

void fail_limit(const std::string& message) { throw eval_failure(template_error::kind::limit, message); }

void fail_undefined(const value& undefined) {
  const std::string_view hint = undefined.undefined_hint();
  fail(hint.empty() ? std::string("value is undefined") : std::string(hint));
}

value value::undefined(std::string hint) {
  value v;
  v.v_ = undefined_value{std::make_shared<const std::string>(std::move(hint))};
  return v;
}

value value::string(tainted_string s) {
  value v;
  v.v_ = std::make_shared<const tainted_string>(std::move(s));
  return v;
}

value value::string(std::string text, bool trusted) { return string(tainted_string(std::move(text), trusted)); }

namespace {

std::size_t checked_depth(std::size_t child_depth) {
  if (child_depth + 1 > max_value_depth) {
    fail("value nested too deeply (more than " + std::to_string(max_value_depth) + " levels of lists and dicts)");
  }
  return child_depth + 1;
}

}  // namespace

value value::list(std::vector<value> items, bool is_tuple) {
  std::size_t child = 0;
  for (const auto& item : items) child = std::max(child, item.nesting());
  value v;
  v.v_ = std::make_shared<const list_data>(list_data{std::move(items), is_tuple, checked_depth(child)});
  return v;
}

value value::dict(dict_data d) {
  std::size_t child = 0;
  for (const auto& e : d.entries()) child = std::max(child, e.second.nesting());
  d.depth_ = checked_depth(child);
  value v;
  v.v_ = std::make_shared<const dict_data>(std::move(d));
  return v;
}

std::size_t value::nesting() const {
  if (is_list()) return as_list().depth;
  if (is_dict()) return as_dict().depth();
  return 0;
}

value value::function(std::shared_ptr<const callable> f) {
  value v;
  v.v_ = std::move(f);
  return v;
}

value value::name_space(std::shared_ptr<namespace_data> ns) {
  value v;
  v.v_ = std::move(ns);
  return v;
}

value value::loop(std::shared_ptr<loop_state> state) {
  value v;
  v.v_ = std::move(state);
  return v;
}

bool value::is_tuple() const { return is_list() && as_list().is_tuple; }

const std::vector<value>& value::items() const { return as_list().items; }

std::string_view value::undefined_hint() const {
  const auto* u = std::get_if<undefined_value>(&v_);
  if (u == nullptr || !u->hint) return {};
  return *u->hint;
}

void dict_data::set(value key, value v) {
  if (const auto i = find_index(key.text()); i < entries_.size()) {
    entries_[i].second = std::move(v);
    return;
  }
  entries_.emplace_back(std::move(key), std::move(v));
  if (entries_.size() > index_threshold) {
    if (index_.empty()) {
      for (std::size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first.text(), i);
    } else {
      index_.emplace(entries_.back().first.text(), entries_.size() - 1);
    }
  }
}

std::size_t dict_data::find_index(std::string_view key) const {
  if (!index_.empty()) {
    const auto it = index_.find(key);
    return it == index_.end() ? entries_.size() : it->second;
  }
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first.text() == key) return i;
  }
  return entries_.size();
}

const value* dict_data::find(std::string_view key) const {
  const std::size_t i = find_index(key);
  return i < entries_.size() ? &entries_[i].second : nullptr;
}

void dict_data::clear() {
  index_.clear();
  entries_.clear();
}

std::string type_name(const value& v) {
  switch (v.type()) {
    case value::kind::undefined:
      return "Undefined";
    case value::kind::none:
      return "NoneType";
    case value::kind::boolean:
      return "bool";
    case value::kind::integer:
      return "int";
    case value::kind::floating:
      return "float";
    case value::kind::string:
      return "str";
    case value::kind::list:
      return v.is_tuple() ? "tuple" : "list";
    case value::kind::dict:
      return "dict";
    case value::kind::callable:
      return "function";
    case value::kind::ns:
      return "Namespace";
    case value::kind::loop:
      return "LoopContext";
  }
  return "object";
}

std::string object_description(const value& v) {
  if (v.is_none()) return "None";
  return "'" + type_name(v) + " object'";
}

bool truthy(const value& v) {
  switch (v.type()) {
    case value::kind::undefined:
    case value::kind::none:
      return false;
    case value::kind::boolean:
      return v.as_bool();
    case value::kind::integer:
      return v.as_int() != 0;
    case value::kind::floating:
      return v.as_float() != 0.0;
    case value::kind::string:
      return !v.as_string().empty();
    case value::kind::list:
      return !v.items().empty();
    case value::kind::dict:
      return !v.as_dict().empty();
    case value::kind::callable:
    case value::kind::ns:
    case value::kind::loop:
      return true;
  }
  return false;
}

namespace {

bool equal_at(const value& a, const value& b, std::size_t depth) {
  if (depth > max_value_depth) fail("value nested too deeply to compare");
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.number() == b.number();
    return a.integral() == b.integral();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case value::kind::undefined:
    case value::kind::none:
      return true;
    case value::kind::string:
      return a.text() == b.text();
    case value::kind::list: {
      if (a.is_tuple() != b.is_tuple()) return false;
      const auto& x = a.items();
      const auto& y = b.items();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!equal_at(x[i], y[i], depth + 1)) return false;
      }
      return true;
    }
    case value::kind::dict: {
      const auto& x = a.as_dict();
      const auto& y = b.as_dict();
      if (x.size() != y.size()) return false;
      for (const auto& [key, val] : x.entries()) {
        const value* other = y.find(key.text());
        if (other == nullptr || !equal_at(val, *other, depth + 1)) return false;
      }
      return true;
    }
    case value::kind::callable:
      return &a.as_callable() == &b.as_callable();
    case value::kind::ns:
      return a.namespace_ptr() == b.namespace_ptr();
    case value::kind::loop:
      return a.loop_ptr() == b.loop_ptr();
    default:
      return false;
  }
}

}  // namespace

bool values_equal(const value& a, const value& b) { return equal_at(a, b, 0); }

}  // namespace moeserve::model::jinja
