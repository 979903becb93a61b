#include "model/chat/builtins.hpp"

#include <ctime>

#include "model/chat/call_binding.hpp"
#include "model/chat/eval_failure.hpp"
#include "model/chat/interpreter.hpp"
#include "model/chat/value_format.hpp"

namespace moeserve::model::jinja {
namespace {

constexpr std::int64_t max_range = 100000;  // jinja2's sandbox MAX_RANGE

// dict(mapping or pairs, **kwargs) into `out`.
void fill_dict(interpreter& in, std::string_view fn, dict_data& out, call_args& args) {
  if (args.positional.size() > 1) fail(std::string(fn) + "() expected at most 1 argument");
  if (!args.positional.empty()) {
    const value& source = args.positional[0];
    if (source.is_dict()) {
      for (const auto& [k, v] : source.as_dict().entries()) out.set(k, v);
    } else if (source.is_namespace()) {
      for (const auto& [k, v] : source.as_namespace().attrs.entries()) out.set(k, v);
    } else {
      for (const auto& item : iterate(source, in.limits().max_loop_iterations)) {
        if (!item.is_list() || item.items().size() != 2) {
          fail(std::string(fn) + "(): each element must be a sequence of 2 items");
        }
        if (!item.items()[0].is_string()) fail(std::string(fn) + "(): only string keys are supported");
        out.set(item.items()[0], item.items()[1]);
      }
    }
  }
  for (auto& [name, v] : args.keyword) out.set(name, std::move(v));
}

class range_function final : public callable {
 public:
  std::string name() const override { return "range"; }
  value call(interpreter& in, call_args args) const override {
    if (!args.keyword.empty()) fail("range() takes no keyword arguments");
    const auto& p = args.positional;
    if (p.empty() || p.size() > 3) fail("range expected 1 to 3 arguments, got " + std::to_string(p.size()));
    std::int64_t start = 0, stop = 0, step = 1;
    if (p.size() == 1) {
      stop = int_argument("range", p[0]);
    } else {
      start = int_argument("range", p[0]);
      stop = int_argument("range", p[1]);
      if (p.size() == 3) step = int_argument("range", p[2]);
    }
    if (step == 0) fail("range() arg 3 must not be zero");
    std::int64_t count = 0;
    if (step > 0 && start < stop) count = (stop - start - 1) / step + 1;
    if (step < 0 && start > stop) count = (start - stop - 1) / (-step) + 1;
    if (count > max_range) {
      fail("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + std::to_string(max_range) + ").");
    }
    in.check_sequence_size(static_cast<std::uint64_t>(count));
    std::vector<value> items;
    items.reserve(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) items.push_back(value::integer(start + i * step));
    return value::list(std::move(items));
  }
};

class dict_function final : public callable {
 public:
  std::string name() const override { return "dict"; }
  value call(interpreter& in, call_args args) const override {
    dict_data d;
    fill_dict(in, "dict", d, args);
    return value::dict(std::move(d));
  }
};

class namespace_function final : public callable {
 public:
  std::string name() const override { return "namespace"; }
  value call(interpreter& in, call_args args) const override {
    value ns = in.make_namespace();
    fill_dict(in, "namespace", ns.as_namespace().attrs, args);
    return ns;
  }
};

class raise_exception_function final : public callable {
 public:
  std::string name() const override { return "raise_exception"; }
  value call(interpreter&, call_args args) const override {
    auto a = bind_arguments("raise_exception", args, {"message"});
    if (!a[0]) fail("raise_exception() missing 1 required positional argument: 'message'");
    throw eval_failure(template_error::kind::raised, py_str(*a[0]).text());
  }
};

class strftime_now_function final : public callable {
 public:
  std::string name() const override { return "strftime_now"; }
  value call(interpreter& in, call_args args) const override {
    auto a = bind_arguments("strftime_now", args, {"format"});
    if (!a[0]) fail("strftime_now() missing 1 required positional argument: 'format'");
    const tainted_string& format = string_argument("strftime_now", *a[0]);
    if (format.size() > 1024) fail("strftime_now(): format too long");
    // A naive datetime: no zone; no sub-second part.
    std::string fmt;
    for (std::size_t i = 0; i < format.text().size(); ++i) {
      const char c = format.text()[i];
      if (c == '%' && i + 1 < format.text().size()) {
        const char d = format.text()[++i];
        if (d == 'z' || d == 'Z') continue;
        if (d == 'f') {
          fmt += "000000";
          continue;
        }
        fmt += '%';
        fmt += d;
        continue;
      }
      fmt += c;
    }
    const std::tm now = in.now();
    std::string out;
    if (!fmt.empty()) {
      std::vector<char> buf(256 + fmt.size() * 16);
      const std::size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &now);
      if (n == 0) fail("strftime_now(): result too long");
      out.assign(buf.data(), n);
    }
    return value::string(derived_string(std::move(out), !format.fully_trusted()));
  }
};

struct builtin_entry {
  std::string_view name;
  value function;
};

const std::vector<builtin_entry>& builtin_table() {
  static const std::vector<builtin_entry> table = {
      {"dict", value::function(std::make_shared<dict_function>())},
      {"namespace", value::function(std::make_shared<namespace_function>())},
      {"raise_exception", value::function(std::make_shared<raise_exception_function>())},
      {"range", value::function(std::make_shared<range_function>())},
      {"strftime_now", value::function(std::make_shared<strftime_now_function>())},
  };
  return table;
}

}  // namespace

const value* find_builtin(std::string_view name) {
  for (const auto& b : builtin_table()) {
    if (b.name == name) return &b.function;
  }
  return nullptr;
}

}  // namespace moeserve::model::jinja
