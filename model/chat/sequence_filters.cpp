// Filters on sequences and mappings: length, first, last, list, items, join, batch,
// reverse, sort, dictsort, min, max, unique, select, reject, selectattr, rejectattr, map.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "model/chat/call_binding.hpp"
#include "model/chat/eval_failure.hpp"
#include "model/chat/filter_support.hpp"
#include "model/chat/interpreter.hpp"
#include "model/chat/operators.hpp"
#include "model/chat/string_ops.hpp"
#include "model/chat/unicode_text.hpp"
#include "model/chat/value_format.hpp"

namespace moeserve::model::jinja {
namespace {

value f_length(interpreter&, const value& v, call_args& args) {
  bind_arguments("length", args, {});
  switch (v.type()) {
    case value::kind::undefined:
      return value::integer(0);
    case value::kind::string:
      return value::integer(static_cast<std::int64_t>(utf8_length(v.text())));
    case value::kind::list:
      return value::integer(static_cast<std::int64_t>(v.items().size()));
    case value::kind::dict:
      return value::integer(static_cast<std::int64_t>(v.as_dict().size()));
    case value::kind::ns:
      return value::integer(static_cast<std::int64_t>(v.as_namespace().attrs.size()));
    default:
      fail("object of type '" + type_name(v) + "' has no len()");
  }
}

value f_first(interpreter& in, const value& v, call_args& args) {
  bind_arguments("first", args, {});
  if (v.is_string()) {
    if (auto c = code_point_at(v.as_string(), 0)) return value::string(std::move(*c));
  } else {
    const auto items = to_items(in, v);
    if (!items.empty()) return items.front();
  }
  return value::undefined("No first item, sequence was empty.");
}

value f_last(interpreter& in, const value& v, call_args& args) {
  bind_arguments("last", args, {});
  if (v.is_string()) {
    if (auto c = code_point_at(v.as_string(), -1)) return value::string(std::move(*c));
  } else {
    const auto items = to_items(in, v);
    if (!items.empty()) return items.back();
  }
  return value::undefined("No last item, sequence was empty.");
}

value f_list(interpreter& in, const value& v, call_args& args) {
  bind_arguments("list", args, {});
  return value::list(to_items(in, v));
}

value f_items(interpreter&, const value& v, call_args& args) {
  bind_arguments("items", args, {});
  if (v.is_undefined()) return value::list({});
  if (!v.is_dict()) fail("Can only get item pairs from a mapping.");
  std::vector<value> out;
  for (const auto& [k, val] : v.as_dict().entries()) out.push_back(value::list({k, val}, true));
  return value::list(std::move(out));
}

value f_join(interpreter& in, const value& v, call_args& args) {
  auto a = bind_arguments("join", args, {"d", "attribute"});
  const tainted_string separator = a[0] ? py_str(*a[0]) : tainted_string();
  attribute_getter get(in, a[1]);
  tainted_string out;
  bool first = true;
  for (const auto& item : to_items(in, v)) {
    if (!first) out.append(separator);
    first = false;
    out.append(py_str(get(item)));
    in.check_string_size(out.size());
  }
  return string_value(std::move(out));
}

// batch(linecount, fill_with=None): lists of linecount items, the last one padded.
value f_batch(interpreter& in, const value& v, call_args& args) {
  auto a = bind_arguments("batch", args, {"linecount", "fill_with"});
  if (!a[0]) fail("batch() missing required argument 'linecount'");
  const std::int64_t count = int_argument("batch", *a[0]);
  std::vector<value> out;
  std::vector<value> tmp;
  for (auto& item : to_items(in, v)) {
    if (static_cast<std::int64_t>(tmp.size()) == count) out.push_back(value::list(std::exchange(tmp, {})));
    tmp.push_back(std::move(item));
  }
  if (!tmp.empty()) {
    if (a[1] && !a[1]->is_none() && static_cast<std::int64_t>(tmp.size()) < count) {
      in.check_sequence_size(static_cast<std::uint64_t>(count));
      tmp.resize(static_cast<std::size_t>(count), *a[1]);
    }
    out.push_back(value::list(std::move(tmp)));
  }
  return value::list(std::move(out));
}

value f_reverse(interpreter& in, const value& v, call_args& args) {
  bind_arguments("reverse", args, {});
  if (v.is_string()) {
    const auto n = utf8_length(v.text());
    return value::string(slice_string(v.as_string(), adjust_slice(std::nullopt, std::nullopt, -1, n)));
  }
  auto items = to_items(in, v);
  std::reverse(items.begin(), items.end());
  return value::list(std::move(items));
}

value f_sort(interpreter& in, const value& v, call_args& args) {
  auto a = bind_arguments("sort", args, {"reverse", "case_sensitive", "attribute"});
  const bool reverse = a[0] && truthy(*a[0]);
  const bool case_sensitive = a[1] && truthy(*a[1]);
  std::vector<attribute_getter> keys;
  if (a[2] && a[2]->is_string() && a[2]->text().find(',') != std::string::npos) {
    const tainted_string comma = tainted_string::trusted(",");
    for (auto& part : py_split(a[2]->as_string(), &comma, -1, false)) {
      keys.emplace_back(in, value::string(std::move(part)), std::nullopt, !case_sensitive);
    }
  } else {
    keys.emplace_back(in, a[2], std::nullopt, !case_sensitive);
  }
  // The key is always a list, as jinja2's make_multi_attrgetter makes it: list comparison
  // tests equality first, so equal keys (even undefined ones) are never ordered.
  auto items = to_items(in, v);
  std::vector<std::pair<value, value>> keyed;
  keyed.reserve(items.size());
  for (auto& item : items) {
    std::vector<value> parts;
    for (const auto& k : keys) parts.push_back(k(item));
    keyed.emplace_back(value::list(std::move(parts)), item);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? less_than(y.first, x.first) : less_than(x.first, y.first);
  });
  std::vector<value> out;
  out.reserve(keyed.size());
  for (auto& [k, item] : keyed) out.push_back(std::move(item));
  return value::list(std::move(out));
}

value f_dictsort(interpreter&, const value& v, call_args& args) {
  auto a = bind_arguments("dictsort", args, {"case_sensitive", "by", "reverse"});
  const bool case_sensitive = a[0] && truthy(*a[0]);
  std::size_t pos = 0;
  if (a[1]) {
    const std::string& by = string_argument("dictsort", *a[1]).text();
    if (by == "value") {
      pos = 1;
    } else if (by != "key") {
      fail("You can only sort by either \"key\" or \"value\"");
    }
  }
  const bool reverse = a[2] && truthy(*a[2]);
  if (!v.is_dict()) fail("dictsort requires a mapping");
  std::vector<std::pair<value, value>> keyed;
  for (const auto& [k, val] : v.as_dict().entries()) {
    const value& key = pos == 0 ? k : val;
    keyed.emplace_back(case_sensitive ? key : ignore_case(key), value::list({k, val}, true));
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? less_than(y.first, x.first) : less_than(x.first, y.first);
  });
  std::vector<value> out;
  for (auto& [k, item] : keyed) out.push_back(std::move(item));
  return value::list(std::move(out));
}

template <bool Max>
value f_min_max(interpreter& in, const value& v, call_args& args) {
  auto a = bind_arguments(Max ? "max" : "min", args, {"case_sensitive", "attribute"});
  const bool case_sensitive = a[0] && truthy(*a[0]);
  attribute_getter key(in, a[1], std::nullopt, !case_sensitive);
  const auto items = to_items(in, v);
  if (items.empty()) return value::undefined("No aggregated item, sequence was empty.");
  std::size_t best = 0;
  value best_key = key(items[0]);
  for (std::size_t i = 1; i < items.size(); ++i) {
    value k = key(items[i]);
    if (Max ? less_than(best_key, k) : less_than(k, best_key)) {
      best = i;
      best_key = std::move(k);
    }
  }
  return items[best];
}

value f_unique(interpreter& in, const value& v, call_args& args) {
  auto a = bind_arguments("unique", args, {"case_sensitive", "attribute"});
  const bool case_sensitive = a[0] && truthy(*a[0]);
  attribute_getter key(in, a[1], std::nullopt, !case_sensitive);
  std::vector<value> seen;
  std::vector<value> out;
  for (const auto& item : to_items(in, v)) {
    value k = key(item);
    if ((k.is_list() && !k.is_tuple()) || k.is_dict()) fail("unhashable type: '" + type_name(k) + "'");
    if (std::none_of(seen.begin(), seen.end(), [&](const value& s) { return values_equal(s, k); })) {
      seen.push_back(std::move(k));
      out.push_back(item);
    }
  }
  return value::list(std::move(out));
}

template <bool Select, bool ByAttribute>
value f_select(interpreter& in, const value& v, call_args& args) {
  std::vector<value> rest = std::move(args.positional);
  std::size_t off = 0;
  std::optional<value> attribute;
  if (ByAttribute) {
    if (rest.empty()) fail("Missing parameter for attribute name");
    attribute = rest[0];
    off = 1;
  }
  attribute_getter get(in, attribute);
  std::optional<std::string> test_name;
  if (rest.size() > off) test_name = string_argument("select", rest[off]).text();
  std::vector<value> test_args;
  if (rest.size() > off + 1) test_args.assign(rest.begin() + static_cast<std::ptrdiff_t>(off + 1), rest.end());
  std::vector<value> out;
  if (!truthy(v)) return value::list({});  // jinja2 does not iterate a false value
  for (const auto& item : to_items(in, v)) {
    const value x = get(item);
    bool ok;
    if (test_name) {
      call_args ta{test_args, args.keyword};
      ok = in.apply_test(*test_name, x, std::move(ta));
    } else {
      ok = truthy(x);
    }
    if (ok == Select) out.push_back(item);
  }
  return value::list(std::move(out));
}

value f_map(interpreter& in, const value& v, call_args& args) {
  std::vector<value> out;
  if (!truthy(v)) return value::list({});  // jinja2 does not iterate a false value
  if (args.positional.empty()) {
    std::optional<value> attribute, fallback;
    for (auto& [name, val] : args.keyword) {
      if (name == "attribute") {
        attribute = val;
      } else if (name == "default") {
        fallback = val;
      } else {
        fail("Unexpected keyword argument '" + name + "'");
      }
    }
    if (!attribute) fail("map requires a filter argument");
    attribute_getter get(in, attribute, fallback);
    for (const auto& item : to_items(in, v)) out.push_back(get(item));
    return value::list(std::move(out));
  }
  const std::string name = string_argument("map", args.positional[0]).text();
  std::vector<value> filter_args(args.positional.begin() + 1, args.positional.end());
  for (const auto& item : to_items(in, v))
    out.push_back(in.apply_filter(name, item, call_args{filter_args, args.keyword}));
  return value::list(std::move(out));
}

// transformers' tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None,
// sort_keys=False).
constexpr filter_entry table[] = {
    {"batch", f_batch},
    {"count", f_length},
    {"dictsort", f_dictsort},
    {"first", f_first},
    {"items", f_items},
    {"join", f_join},
    {"last", f_last},
    {"length", f_length},
    {"list", f_list},
    {"map", f_map},
    {"max", f_min_max<true>},
    {"min", f_min_max<false>},
    {"reject", f_select<false, false>},
    {"rejectattr", f_select<false, true>},
    {"reverse", f_reverse},
    {"select", f_select<true, false>},
    {"selectattr", f_select<true, true>},
    {"sort", f_sort},
    {"unique", f_unique},
};

}  // namespace

std::span<const filter_entry> sequence_filters() { return table; }

}  // namespace moeserve::model::jinja
