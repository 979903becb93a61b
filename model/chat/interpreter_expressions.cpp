// The expression half of the interpreter: evaluation of expressions, attribute and item
// access with jinja2's sandboxed semantics, and the `loop` variable's attributes.
#include "model/chat/interpreter.hpp"

#include "model/chat/builtins.hpp"
#include "model/chat/eval_failure.hpp"
#include "model/chat/methods.hpp"
#include "model/chat/operators.hpp"
#include "model/chat/string_ops.hpp"
#include "model/chat/value_format.hpp"

namespace moeserve::model::jinja {
namespace {

// `loop.cycle(a, b, ...)`.
class loop_cycle final : public callable {
 public:
  explicit loop_cycle(std::shared_ptr<loop_state> state) : state_(std::move(state)) {}
  std::string name() const override { return "cycle"; }
  value call(interpreter&, call_args args) const override {
    if (!args.keyword.empty()) fail("cycle() takes no keyword arguments");
    if (args.positional.empty()) fail("no items for cycling given");
    return args.positional[state_->index0 % args.positional.size()];
  }

 private:
  std::shared_ptr<loop_state> state_;
};

value loop_attribute(const value& loop, std::string_view name) {
  const loop_state& s = loop.as_loop();
  const auto length = static_cast<std::int64_t>(s.items->size());
  const auto i = static_cast<std::int64_t>(s.index0);
  if (name == "index") return value::integer(i + 1);
  if (name == "index0") return value::integer(i);
  if (name == "revindex") return value::integer(length - i);
  if (name == "revindex0") return value::integer(length - i - 1);
  if (name == "first") return value::boolean(i == 0);
  if (name == "last") return value::boolean(i == length - 1);
  if (name == "length") return value::integer(length);
  if (name == "depth") return value::integer(1);
  if (name == "depth0") return value::integer(0);
  if (name == "previtem") {
    if (i == 0) return value::undefined("there is no previous item");
    return (*s.items)[s.index0 - 1];
  }
  if (name == "nextitem") {
    if (i + 1 >= length) return value::undefined("there is no next item");
    return (*s.items)[s.index0 + 1];
  }
  if (name == "cycle") return value::function(std::make_shared<loop_cycle>(loop.loop_ptr()));
  return value::undefined("'LoopContext object' has no attribute '" + std::string(name) + "'");
}

std::string key_repr(const value& key) {
  if (key.is_string()) return "'" + key.text() + "'";
  return py_str(key).text();
}

}  // namespace

value interpreter::get_attribute(const value& object, std::string_view name) {
  if (object.is_undefined()) fail_undefined(object);
  if (name.size() >= 2 && name[0] == '_' && name[1] == '_') {
    return value::undefined("access to attribute '" + std::string(name) + "' of '" + type_name(object) +
                            "' object is unsafe.");
  }
  if (auto method = find_method(object, name)) return *method;
  switch (object.type()) {
    case value::kind::dict:
      if (const value* v = object.as_dict().find(name)) return *v;
      break;
    case value::kind::ns:
      if (const value* v = object.as_namespace().attrs.find(name)) return *v;
      break;
    case value::kind::loop:
      return loop_attribute(object, name);
    default:
      break;
  }
  return value::undefined(object_description(object) + " has no attribute '" + std::string(name) + "'");
}

value interpreter::get_item(const value& object, const value& key) {
  if (object.is_undefined()) fail_undefined(object);
  switch (object.type()) {
    case value::kind::dict:
      if (key.is_string()) {
        if (const value* v = object.as_dict().find(key.text())) return *v;
      }
      break;
    case value::kind::list:
      if (key.is_integral()) {
        const auto& items = object.items();
        std::int64_t i = key.integral();
        if (i < 0) i += static_cast<std::int64_t>(items.size());
        if (i >= 0 && i < static_cast<std::int64_t>(items.size())) return items[static_cast<std::size_t>(i)];
      }
      break;
    case value::kind::string:
      if (key.is_integral()) {
        if (auto c = code_point_at(object.as_string(), key.integral())) return value::string(std::move(*c));
      }
      break;
    default:
      break;
  }
  if (key.is_string() && !object.is_dict()) return get_attribute(object, key.text());
  if (key.is_string() && object.is_dict()) {
    if (auto method = find_method(object, key.text())) return *method;
  }
  if (key.is_string()) return value::undefined(object_description(object) + " has no attribute " + key_repr(key));
  return value::undefined(object_description(object) + " has no element " + key_repr(key));
}

// --- expressions ----------------------------------------------------------------------
value interpreter::eval(const ast::expr& e) {
  try {
    check_stack();
    return eval_inner(e);
  } catch (const template_error&) {
    throw;
  } catch (...) {
    rethrow_at(e.offset);
  }
}

value interpreter::eval_inner(const ast::expr& e) {
  using ast::expr_kind;
  switch (e.kind) {
    case expr_kind::literal:
      return static_cast<const ast::literal_expr&>(e).val;
    case expr_kind::name:
      return eval_name(static_cast<const ast::name_expr&>(e));
    case expr_kind::list: {
      const auto& node = static_cast<const ast::list_expr&>(e);
      std::vector<value> items;
      items.reserve(node.items.size());
      for (const auto& item : node.items) items.push_back(eval(*item));
      return value::list(std::move(items), node.is_tuple);
    }
    case expr_kind::dict: {
      const auto& node = static_cast<const ast::dict_expr&>(e);
      dict_data d;
      for (const auto& [k, v] : node.items) {
        value key = eval(*k);
        if (!key.is_string()) {
          fail_at(k->offset, template_error::kind::runtime,
                  "dict keys must be strings here, got '" + type_name(key) + "'");
        }
        d.set(std::move(key), eval(*v));
      }
      return value::dict(std::move(d));
    }
    case expr_kind::getattr: {
      const auto& node = static_cast<const ast::getattr_expr&>(e);
      return get_attribute(eval(*node.object), node.attr);
    }
    case expr_kind::getitem: {
      const auto& node = static_cast<const ast::getitem_expr&>(e);
      const value object = eval(*node.object);
      return get_item(object, eval(*node.index));
    }
    case expr_kind::slice:
      return eval_slice(static_cast<const ast::slice_expr&>(e));
    case expr_kind::call:
      return eval_call(static_cast<const ast::call_expr&>(e));
    case expr_kind::filter: {
      const auto& node = static_cast<const ast::filter_expr&>(e);
      return eval_filter(node, eval(*node.operand));
    }
    case expr_kind::test:
      return eval_test(static_cast<const ast::test_expr&>(e));
    case expr_kind::unary: {
      const auto& node = static_cast<const ast::unary_expr&>(e);
      return unary_operation(node.op, eval(*node.operand));
    }
    case expr_kind::binary: {
      const auto& node = static_cast<const ast::binary_expr&>(e);
      const value left = eval(*node.left);
      return binary_operation(*this, node.op, left, eval(*node.right));
    }
    case expr_kind::logical: {
      const auto& node = static_cast<const ast::logical_expr&>(e);
      value left = eval(*node.left);
      if (truthy(left) != node.is_and) return left;
      return eval(*node.right);
    }
    case expr_kind::compare:
      return eval_compare(static_cast<const ast::compare_expr&>(e));
    case expr_kind::condition: {
      const auto& node = static_cast<const ast::condition_expr&>(e);
      if (truthy(eval(*node.test))) return eval(*node.then_value);
      if (node.else_value) return eval(*node.else_value);
      return value::undefined("the inline if-expression evaluated to false and no else section was defined.");
    }
    case expr_kind::concat:
      return eval_concat(static_cast<const ast::concat_expr&>(e));
  }
  return {};
}

value interpreter::eval_name(const ast::name_expr& e) {
  if (const value* v = current_->find(e.name)) return *v;
  if (const value* v = context_.find(e.name)) return *v;
  if (const value* v = find_builtin(e.name)) return *v;
  return value::undefined("'" + e.name + "' is undefined");
}

value interpreter::eval_slice(const ast::slice_expr& e) {
  const value object = eval(*e.object);
  auto bound = [&](const ast::expr_ptr& p) -> std::optional<std::int64_t> {
    if (!p) return std::nullopt;
    const value v = eval(*p);
    if (v.is_none()) return std::nullopt;
    if (!v.is_integral()) fail("slice indices must be integers or None");
    return v.integral();
  };
  const auto start = bound(e.start);
  const auto stop = bound(e.stop);
  const auto step = bound(e.step).value_or(1);
  if (object.is_undefined()) fail_undefined(object);
  if (step == 0) fail("slice step cannot be zero");
  if (object.is_string()) {
    const auto range = adjust_slice(start, stop, step, utf8_length(object.text()));
    return value::string(slice_string(object.as_string(), range));
  }
  if (object.is_list()) {
    const auto& items = object.items();
    const auto range = adjust_slice(start, stop, step, items.size());
    std::vector<value> out;
    out.reserve(range.count);
    std::int64_t i = range.start;
    for (std::size_t k = 0; k < range.count; ++k, i += range.step) out.push_back(items[static_cast<std::size_t>(i)]);
    return value::list(std::move(out), object.is_tuple());
  }
  return value::undefined(object_description(object) + " has no element slice");
}

call_args interpreter::eval_arguments(const ast::call_arguments& a) {
  call_args args;
  args.positional.reserve(a.positional.size());
  for (const auto& p : a.positional) args.positional.push_back(eval(*p));
  if (a.star_args) {
    for (auto& v : iterate(eval(*a.star_args), options_.limits.max_loop_iterations)) {
      args.positional.push_back(std::move(v));
    }
  }
  for (const auto& [name, expr] : a.keyword) args.keyword.emplace_back(name, eval(*expr));
  if (a.star_kwargs) {
    const value kw = eval(*a.star_kwargs);
    if (!kw.is_dict()) fail("argument after ** must be a mapping, not " + type_name(kw));
    for (const auto& [k, v] : kw.as_dict().entries()) args.keyword.emplace_back(k.text(), v);
  }
  return args;
}

value interpreter::eval_call(const ast::call_expr& e) {
  const value callee = eval(*e.callee);
  return call(callee, eval_arguments(e.args));
}

value interpreter::eval_filter(const ast::filter_expr& f, const value& operand) {
  try {
    call_args args = eval_arguments(f.args);
    if (f.fn == nullptr) fail("No filter named '" + f.name + "'.");
    return f.fn(*this, operand, args);
  } catch (const template_error&) {
    throw;
  } catch (...) {
    rethrow_at(f.offset);
  }
}

value interpreter::eval_test(const ast::test_expr& t) {
  const value operand = eval(*t.operand);
  call_args args = eval_arguments(t.args);
  if (t.fn == nullptr) fail("No test named '" + t.name + "'.");
  return value::boolean(t.fn(*this, operand, args));
}

value interpreter::eval_compare(const ast::compare_expr& e) {
  value left = eval(*e.first);
  for (const auto& [op, operand] : e.rest) {
    value right = eval(*operand);
    if (!compare_values(op, left, right)) return value::boolean(false);
    left = std::move(right);
  }
  return value::boolean(true);
}

value interpreter::eval_concat(const ast::concat_expr& e) {
  tainted_string out;
  for (const auto& part : e.parts) {
    const value v = eval(*part);
    if (v.is_string()) {
      out.append(v.as_string());
    } else {
      out.append(py_str(v));
    }
    check_string_size(out.size());
  }
  return value::string(std::move(out));
}

}  // namespace moeserve::model::jinja
