#include "model/chat/methods.hpp"

#include <algorithm>

#include "model/chat/call_binding.hpp"
#include "model/chat/eval_failure.hpp"
#include "model/chat/interpreter.hpp"
#include "model/chat/string_ops.hpp"
#include "model/chat/unicode_text.hpp"
#include "model/chat/value_format.hpp"

namespace moeserve::model::jinja {
namespace {

using method_fn = value (*)(interpreter& in, const value& self, call_args& args);

class bound_method final : public callable {
 public:
  bound_method(value receiver, std::string_view name, method_fn fn)
      : receiver_(std::move(receiver)), name_(name), fn_(fn) {}
  std::string name() const override { return name_; }
  value call(interpreter& in, call_args args) const override { return fn_(in, receiver_, args); }

 private:
  value receiver_;
  std::string name_;
  method_fn fn_;
};

const tainted_string* optional_string(std::string_view fn, const std::optional<value>& v) {
  if (!v || v->is_none()) return nullptr;
  return &string_argument(fn, *v);
}

std::int64_t optional_int(std::string_view fn, const std::optional<value>& v, std::int64_t fallback) {
  if (!v) return fallback;
  return int_argument(fn, *v);
}

value string_list(std::vector<tainted_string> parts) {
  std::vector<value> items;
  items.reserve(parts.size());
  for (auto& p : parts) items.push_back(value::string(std::move(p)));
  return value::list(std::move(items));
}

// --- str ------------------------------------------------------------------------------
template <strip_side Side>
value str_strip(interpreter&, const value& self, call_args& args) {
  auto a = bind_arguments("strip", args, {"chars"});
  return value::string(py_strip(self.as_string(), optional_string("strip", a[0]), Side));
}

template <bool FromRight>
value str_split(interpreter&, const value& self, call_args& args) {
  auto a = bind_arguments("split", args, {"sep", "maxsplit"});
  return string_list(
      py_split(self.as_string(), optional_string("split", a[0]), optional_int("split", a[1], -1), FromRight));
}

value str_splitlines(interpreter&, const value& self, call_args& args) {
  auto a = bind_arguments("splitlines", args, {"keepends"});
  return string_list(py_splitlines(self.as_string(), a[0] && truthy(*a[0])));
}

template <bool Ends>
value str_affix(interpreter&, const value& self, call_args& args) {
  const char* fn = Ends ? "endswith" : "startswith";
  auto a = bind_arguments(fn, args, {"prefix"});
  if (!a[0]) fail(std::string(fn) + "() takes at least 1 argument (0 given)");
  const std::string& text = self.text();
  auto test = [&](const value& affix) {
    const std::string& x = string_argument(fn, affix).text();
    if (x.size() > text.size()) return false;
    return Ends ? text.compare(text.size() - x.size(), x.size(), x) == 0 : text.compare(0, x.size(), x) == 0;
  };
  if (a[0]->is_tuple()) {
    for (const auto& item : a[0]->items()) {
      if (test(item)) return value::boolean(true);
    }
    return value::boolean(false);
  }
  if (!a[0]->is_string()) {
    fail(std::string(fn) + " first arg must be str or a tuple of str, not " + type_name(*a[0]));
  }
  return value::boolean(test(*a[0]));
}

template <std::string (*Map)(std::string_view)>
value str_case(interpreter&, const value& self, call_args& args) {
  bind_arguments("case mapping", args, {});
  return value::string(derived_string(Map(self.text()), !self.as_string().fully_trusted()));
}

value str_replace(interpreter& in, const value& self, call_args& args) {
  auto a = bind_arguments("replace", args, {"old", "new", "count"});
  if (!a[0] || !a[1]) fail("replace() takes at least 2 arguments");
  return value::string(py_replace(self.as_string(), string_argument("replace", *a[0]),
                                  string_argument("replace", *a[1]), optional_int("replace", a[2], -1),
                                  in.limits().max_output_bytes));
}

template <bool FromRight, bool Raise>
value str_find(interpreter&, const value& self, call_args& args) {
  auto a = bind_arguments("find", args, {"sub"});
  if (!a[0]) fail("find() takes at least 1 argument (0 given)");
  const std::int64_t i = py_find(self.as_string(), string_argument("find", *a[0]), FromRight);
  if (Raise && i < 0) fail("substring not found");
  return value::integer(i);
}

value str_count(interpreter&, const value& self, call_args& args) {
  auto a = bind_arguments("count", args, {"sub"});
  if (!a[0]) fail("count() takes at least 1 argument (0 given)");
  return value::integer(py_count(self.as_string(), string_argument("count", *a[0])));
}

value str_join(interpreter& in, const value& self, call_args& args) {
  auto a = bind_arguments("join", args, {"iterable"});
  if (!a[0]) fail("join() takes exactly one argument (0 given)");
  const auto items = iterate(*a[0], in.limits().max_loop_iterations);
  tainted_string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_string()) {
      fail("sequence item " + std::to_string(i) + ": expected str instance, " + type_name(items[i]) + " found");
    }
    if (i > 0) out.append(self.as_string());
    out.append(items[i].as_string());
    in.check_string_size(out.size());
  }
  return value::string(std::move(out));
}

template <bool (*Pred)(std::string_view)>
value str_predicate(interpreter&, const value& self, call_args& args) {
  bind_arguments("predicate", args, {});
  return value::boolean(Pred(self.text()));
}

// center / ljust / rjust: 0 = center, 1 = ljust, 2 = rjust.
template <int Mode>
value str_pad(interpreter& in, const value& self, call_args& args) {
  auto a = bind_arguments("center", args, {"width", "fillchar"});
  if (!a[0]) fail("center() takes at least 1 argument (0 given)");
  const std::int64_t width = int_argument("center", *a[0]);
  tainted_string fill = tainted_string::trusted(" ");
  if (a[1]) {
    fill = string_argument("center", *a[1]);
    if (utf8_length(fill.text()) != 1) fail("The fill character must be exactly one character long");
  }
  const auto len = static_cast<std::int64_t>(utf8_length(self.text()));
  if (width <= len) return self;
  const std::int64_t marg = width - len;
  in.check_string_size(static_cast<std::size_t>(marg) * fill.size() + self.as_string().size());
  std::int64_t left = 0;
  if (Mode == 0) left = marg / 2 + (marg & width & 1);
  if (Mode == 2) left = marg;
  tainted_string out;
  for (std::int64_t i = 0; i < left; ++i) out.append(fill);
  out.append(self.as_string());
  for (std::int64_t i = left; i < marg; ++i) out.append(fill);
  return value::string(std::move(out));
}

value str_format(interpreter& in, const value& self, call_args& args) {
  const tainted_string& fmt = self.as_string();
  const std::string& text = fmt.text();
  tainted_string out;
  std::size_t auto_index = 0;
  std::size_t literal_start = 0;
  auto flush = [&](std::size_t end) {
    if (end > literal_start) out.append(fmt.substr(literal_start, end - literal_start));
  };
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      flush(i + 1);
      i += 2;
      literal_start = i;
      continue;
    }
    if (c == '}') fail("Single '}' encountered in format string");
    if (c != '{') {
      ++i;
      continue;
    }
    flush(i);
    const std::size_t close = text.find('}', i);
    if (close == std::string::npos) fail("Single '{' encountered in format string");
    std::string field = text.substr(i + 1, close - i - 1);
    char conversion = 0;
    if (const auto colon = field.find(':'); colon != std::string::npos) {
      if (colon + 1 < field.size()) fail("format specs are not supported in str.format()");
      field.resize(colon);
    }
    if (const auto bang = field.find('!'); bang != std::string::npos) {
      if (bang + 2 != field.size() || (field[bang + 1] != 'r' && field[bang + 1] != 's')) {
        fail("invalid conversion in format string");
      }
      conversion = field[bang + 1];
      field.resize(bang);
    }
    const value* arg = nullptr;
    if (field.empty() || std::all_of(field.begin(), field.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      const std::size_t index = field.empty() ? auto_index++ : std::stoul(field);
      if (index >= args.positional.size()) fail("Replacement index " + std::to_string(index) + " out of range");
      arg = &args.positional[index];
    } else {
      for (const auto& [name, v] : args.keyword) {
        if (name == field) arg = &v;
      }
      if (arg == nullptr) fail("KeyError: '" + field + "'");
    }
    out.append(conversion == 'r' ? py_repr(*arg) : py_str(*arg));
    in.check_string_size(out.size());
    i = close + 1;
    literal_start = i;
  }
  flush(text.size());
  return value::string(std::move(out));
}

// --- dict -----------------------------------------------------------------------------
value dict_items(interpreter&, const value& self, call_args& args) {
  bind_arguments("items", args, {});
  std::vector<value> out;
  for (const auto& [k, v] : self.as_dict().entries()) out.push_back(value::list({k, v}, true));
  return value::list(std::move(out));
}

value dict_keys(interpreter&, const value& self, call_args& args) {
  bind_arguments("keys", args, {});
  std::vector<value> out;
  for (const auto& e : self.as_dict().entries()) out.push_back(e.first);
  return value::list(std::move(out));
}

value dict_values(interpreter&, const value& self, call_args& args) {
  bind_arguments("values", args, {});
  std::vector<value> out;
  for (const auto& e : self.as_dict().entries()) out.push_back(e.second);
  return value::list(std::move(out));
}

value dict_get(interpreter&, const value& self, call_args& args) {
  auto a = bind_arguments("get", args, {"key", "default"});
  if (!a[0]) fail("get expected at least 1 argument, got 0");
  if (a[0]->is_string()) {
    if (const value* v = self.as_dict().find(a[0]->text())) return *v;
  } else if ((a[0]->is_list() && !a[0]->is_tuple()) || a[0]->is_dict()) {
    fail("unhashable type: '" + type_name(*a[0]) + "'");
  }
  return a[1] ? *a[1] : value::none();
}

value same_object(interpreter&, const value& self, call_args& args) {
  bind_arguments("copy", args, {});
  return self;
}

// --- list -----------------------------------------------------------------------------
value list_index(interpreter&, const value& self, call_args& args) {
  auto a = bind_arguments("index", args, {"value"});
  if (!a[0]) fail("index expected at least 1 argument, got 0");
  const auto& items = self.items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (values_equal(items[i], *a[0])) return value::integer(static_cast<std::int64_t>(i));
  }
  fail(std::string(py_repr(*a[0]).text()) + " is not in list");
}

value list_count(interpreter&, const value& self, call_args& args) {
  auto a = bind_arguments("count", args, {"value"});
  if (!a[0]) fail("count() takes exactly one argument (0 given)");
  std::int64_t n = 0;
  for (const auto& item : self.items()) n += values_equal(item, *a[0]) ? 1 : 0;
  return value::integer(n);
}

struct method_entry {
  std::string_view name;
  method_fn fn;
};

constexpr method_entry string_methods[] = {
    {"capitalize", str_case<py_capitalize>},
    {"center", str_pad<0>},
    {"count", str_count},
    {"endswith", str_affix<true>},
    {"find", str_find<false, false>},
    {"format", str_format},
    {"index", str_find<false, true>},
    {"isalnum", str_predicate<py_str_isalnum>},
    {"isalpha", str_predicate<py_str_isalpha>},
    {"isdigit", str_predicate<py_str_isdigit>},
    {"islower", str_predicate<py_str_islower>},
    {"isspace", str_predicate<py_str_isspace>},
    {"isupper", str_predicate<py_str_isupper>},
    {"join", str_join},
    {"ljust", str_pad<1>},
    {"lower", str_case<py_lower>},
    {"lstrip", str_strip<strip_side::left>},
    {"replace", str_replace},
    {"rfind", str_find<true, false>},
    {"rindex", str_find<true, true>},
    {"rjust", str_pad<2>},
    {"rsplit", str_split<true>},
    {"rstrip", str_strip<strip_side::right>},
    {"split", str_split<false>},
    {"splitlines", str_splitlines},
    {"startswith", str_affix<false>},
    {"strip", str_strip<strip_side::both>},
    {"title", str_case<py_title>},
    {"upper", str_case<py_upper>},
};

constexpr method_entry dict_methods[] = {
    {"copy", same_object}, {"get", dict_get}, {"items", dict_items}, {"keys", dict_keys}, {"values", dict_values},
};

constexpr method_entry list_methods[] = {
    {"copy", same_object},
    {"count", list_count},
    {"index", list_index},
};

constexpr std::string_view unsafe_dict_methods[] = {"clear", "pop", "popitem", "setdefault", "update"};
constexpr std::string_view unsafe_list_methods[] = {"append", "clear",  "extend",  "insert",
                                                    "pop",    "remove", "reverse", "sort"};

template <std::size_t N>
const method_entry* lookup(const method_entry (&table)[N], std::string_view name) {
  for (const auto& e : table) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

template <std::size_t N>
bool listed(const std::string_view (&names)[N], std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

}  // namespace

std::optional<value> find_method(const value& object, std::string_view name) {
  const method_entry* entry = nullptr;
  if (object.is_string()) {
    entry = lookup(string_methods, name);
  } else if (object.is_dict()) {
    entry = lookup(dict_methods, name);
    if (entry == nullptr && listed(unsafe_dict_methods, name)) {
      return value::undefined("access to attribute '" + std::string(name) + "' of 'dict' object is unsafe.");
    }
  } else if (object.is_list()) {
    if (object.is_tuple()) {
      if (name == "count" || name == "index") entry = lookup(list_methods, name);
    } else {
      entry = lookup(list_methods, name);
      if (entry == nullptr && listed(unsafe_list_methods, name)) {
        return value::undefined("access to attribute '" + std::string(name) + "' of 'list' object is unsafe.");
      }
    }
  }
  if (entry == nullptr) return std::nullopt;
  return value::function(std::make_shared<bound_method>(object, entry->name, entry->fn));
}

}  // namespace moeserve::model::jinja
