#include "model/chat/interpreter.hpp"

#include <chrono>

#include "model/chat/eval_failure.hpp"
#include "model/chat/filters.hpp"
#include "model/chat/template_tests.hpp"
#include "model/chat/value_format.hpp"

namespace moeserve::model::jinja {
namespace {

// A macro defined by the template, bound to the frame it was defined in.
class macro_function final : public callable {
 public:
  macro_function(const ast::macro_stmt& m, std::shared_ptr<scope> closure) : macro_(m), closure_(std::move(closure)) {}
  std::string name() const override { return macro_.name; }
  value call(interpreter& in, call_args args) const override {
    return in.call_macro(macro_, closure_, std::move(args));
  }

 private:
  const ast::macro_stmt& macro_;
  std::shared_ptr<scope> closure_;
};

}  // namespace

// Enters a child frame of the current one; leaves (and clears) it on destruction.
class interpreter::frame_guard {
 public:
  explicit frame_guard(interpreter& in) : frame_guard(in, in.current_) {}
  frame_guard(interpreter& in, std::shared_ptr<scope> parent) : in_(in), saved_(in.current_) {
    in_.current_ = std::make_shared<scope>(std::move(parent));
  }
  ~frame_guard() {
    in_.current_->clear();
    in_.current_ = std::move(saved_);
  }
  frame_guard(const frame_guard&) = delete;
  frame_guard& operator=(const frame_guard&) = delete;
  scope& frame() { return *in_.current_; }

 private:
  interpreter& in_;
  std::shared_ptr<scope> saved_;
};

// Sends output into `target` until destroyed.
class interpreter::output_guard {
 public:
  output_guard(interpreter& in, tainted_string& target) : in_(in), saved_(in.out_) { in_.out_ = &target; }
  ~output_guard() { in_.out_ = saved_; }
  output_guard(const output_guard&) = delete;
  output_guard& operator=(const output_guard&) = delete;

 private:
  interpreter& in_;
  tainted_string* saved_;
};

std::size_t item_count(const value& v) {
  switch (v.type()) {
    case value::kind::undefined:
      return 0;
    case value::kind::list:
      return v.items().size();
    case value::kind::dict:
      return v.as_dict().size();
    case value::kind::string:
      return utf8_length(v.text());
    default:
      fail("'" + type_name(v) + "' object is not iterable");
  }
}

std::vector<value> iterate(const value& v, std::uint64_t max_items) {
  if (const std::size_t n = item_count(v); n > max_items) {
    fail_limit("sequence too large (" + std::to_string(n) + " items, at most " + std::to_string(max_items) +
               " allowed here)");
  }
  switch (v.type()) {
    case value::kind::undefined:
      return {};
    case value::kind::list:
      return v.items();
    case value::kind::dict: {
      std::vector<value> keys;
      keys.reserve(v.as_dict().size());
      for (const auto& e : v.as_dict().entries()) keys.push_back(e.first);
      return keys;
    }
    case value::kind::string: {
      std::vector<value> chars;
      const auto offsets = utf8_offsets(v.text());
      chars.reserve(offsets.size() - 1);
      for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
        chars.push_back(value::string(v.as_string().substr(offsets[i], offsets[i + 1] - offsets[i])));
      }
      return chars;
    }
    default:
      fail("'" + type_name(v) + "' object is not iterable");
  }
}

interpreter::interpreter(const source_map& locate, const dict_data& context, const render_options& options)
    : locate_(locate), context_(context), options_(options), current_(std::make_shared<scope>(nullptr)) {}

interpreter::~interpreter() {
  // Break reference cycles through namespaces and frames (ns.self = ns, macros in frames).
  for (auto& ns : namespaces_) ns->attrs.clear();
  if (current_) current_->clear();
}

tainted_string interpreter::run(const ast::body& root) {
  stack_base_ = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  tainted_string output;
  output_guard to_output(*this, output);
  exec_body(root);
  return output;
}

// --- errors ---------------------------------------------------------------------------
void interpreter::fail_at(std::size_t offset, template_error::kind kind, const std::string& message) const {
  throw template_error(kind, message, locate_.line(offset), locate_.column(offset));
}

void interpreter::rethrow_at(std::size_t offset) const {
  try {
    throw;
  } catch (const eval_failure& f) {
    fail_at(offset, f.error_kind(), f.what());
  } catch (const std::bad_alloc&) {
    fail_at(offset, template_error::kind::limit, "out of memory");
  } catch (const std::length_error&) {
    fail_at(offset, template_error::kind::limit, "value too large");
  } catch (const std::exception& e) {
    fail_at(offset, template_error::kind::runtime, e.what());
  }
}

// --- services -------------------------------------------------------------------------
void interpreter::charge_iterations(std::uint64_t n) {
  iterations_ += n;
  if (iterations_ > options_.limits.max_loop_iterations) {
    fail_limit("too many loop iterations (more than " + std::to_string(options_.limits.max_loop_iterations) + ")");
  }
}

void interpreter::check_string_size(std::size_t bytes) const {
  if (bytes > options_.limits.max_output_bytes) {
    fail_limit("string too large (more than " + std::to_string(options_.limits.max_output_bytes) + " bytes)");
  }
}

void interpreter::check_stack() const {
  // The stack grows down on every platform we build for.
  const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  if (stack_base_ > here && stack_base_ - here > options_.limits.max_stack_bytes) {
    fail_limit("template recursion uses too much stack (more than " + std::to_string(options_.limits.max_stack_bytes) +
               " bytes)");
  }
}

void interpreter::check_sequence_size(std::uint64_t items) const {
  if (items > options_.limits.max_loop_iterations) {
    fail_limit("sequence too large (more than " + std::to_string(options_.limits.max_loop_iterations) + " items)");
  }
}

value interpreter::call(const value& callee, call_args args) {
  if (callee.is_undefined()) fail_undefined(callee);
  if (!callee.is_callable()) fail("'" + type_name(callee) + "' object is not callable");
  return callee.as_callable().call(*this, std::move(args));
}

value interpreter::apply_filter(std::string_view name, const value& operand, call_args args) {
  const filter_fn fn = find_filter(name);
  if (fn == nullptr) fail("No filter named '" + std::string(name) + "'.");
  return fn(*this, operand, args);
}

bool interpreter::apply_test(std::string_view name, const value& operand, call_args args) {
  const test_fn fn = find_test(name);
  if (fn == nullptr) fail("No test named '" + std::string(name) + "'.");
  return fn(*this, operand, args);
}

value interpreter::make_namespace() {
  namespaces_.push_back(std::make_shared<namespace_data>());
  return value::name_space(namespaces_.back());
}

std::tm interpreter::now() const {
  if (options_.clock) return options_.clock();
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm local{};
  localtime_r(&t, &local);
  return local;
}

value interpreter::call_macro(const ast::macro_stmt& m, const std::shared_ptr<scope>& closure, call_args args) {
  if (call_depth_ >= options_.limits.max_call_depth) {
    fail_limit("macro calls nested too deeply (more than " + std::to_string(options_.limits.max_call_depth) + ")");
  }
  ++call_depth_;
  struct depth_release {
    std::size_t& depth;
    ~depth_release() { --depth; }
  } release{call_depth_};

  frame_guard frame(*this, closure);
  const std::size_t n = m.params.size();
  std::vector<bool> bound(n, false);
  std::vector<value> extra_positional;
  for (std::size_t i = 0; i < args.positional.size(); ++i) {
    if (i < n) {
      frame.frame().set(m.params[i], std::move(args.positional[i]));
      bound[i] = true;
    } else if (m.uses_varargs) {
      extra_positional.push_back(std::move(args.positional[i]));
    } else {
      fail("macro '" + m.name + "' takes not more than " + std::to_string(n) + " argument(s)");
    }
  }
  dict_data extra_keywords;
  for (auto& [name, v] : args.keyword) {
    std::size_t i = 0;
    while (i < n && m.params[i] != name) ++i;
    if (i < n) {
      if (bound[i]) fail("macro '" + m.name + "' got multiple values for argument '" + name + "'");
      frame.frame().set(name, std::move(v));
      bound[i] = true;
    } else if (m.uses_kwargs) {
      extra_keywords.set(name, std::move(v));
    } else {
      fail("macro '" + m.name + "' takes no keyword argument '" + name + "'");
    }
  }
  const std::size_t first_default = n - m.defaults.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (bound[i]) continue;
    if (i >= first_default) {
      frame.frame().set(m.params[i], eval(*m.defaults[i - first_default]));
    } else {
      frame.frame().set(m.params[i], value::undefined("parameter '" + m.params[i] + "' was not provided"));
    }
  }
  if (m.uses_varargs) frame.frame().set("varargs", value::list(std::move(extra_positional), true));
  if (m.uses_kwargs) frame.frame().set("kwargs", value::dict(std::move(extra_keywords)));
  tainted_string result;
  {
    output_guard to_result(*this, result);
    exec_body(m.macro_body);
  }
  return value::string(std::move(result));
}

// --- statements -----------------------------------------------------------------------
interpreter::flow interpreter::exec_body(const ast::body& b) {
  for (const auto& s : b) {
    const flow f = exec(*s);
    if (f != flow::normal) return f;
  }
  return flow::normal;
}

interpreter::flow interpreter::exec(const ast::stmt& s) {
  try {
    check_stack();
    return exec_inner(s);
  } catch (const template_error&) {
    throw;
  } catch (...) {
    rethrow_at(s.offset);
  }
}

void interpreter::emit(const tainted_string& text) {
  if (out_->size() + text.size() > options_.limits.max_output_bytes) {
    fail_limit("output too large (more than " + std::to_string(options_.limits.max_output_bytes) + " bytes)");
  }
  out_->append(text);
}

interpreter::flow interpreter::exec_inner(const ast::stmt& s) {
  using ast::stmt_kind;
  switch (s.kind) {
    case stmt_kind::text:
      emit(static_cast<const ast::text_stmt&>(s).text.as_string());
      return flow::normal;
    case stmt_kind::output: {
      const value v = eval(*static_cast<const ast::output_stmt&>(s).expression);
      emit(v.is_string() ? v.as_string() : py_str(v));
      return flow::normal;
    }
    case stmt_kind::if_block: {
      const auto& node = static_cast<const ast::if_stmt&>(s);
      for (const auto& [test, branch] : node.branches) {
        if (truthy(eval(*test))) return exec_body(branch);
      }
      return exec_body(node.else_body);
    }
    case stmt_kind::for_block:
      return exec_for(static_cast<const ast::for_stmt&>(s));
    case stmt_kind::set: {
      const auto& node = static_cast<const ast::set_stmt&>(s);
      assign(node.target, eval(*node.expression));
      return flow::normal;
    }
    case stmt_kind::set_block:
      exec_set_block(static_cast<const ast::set_block_stmt&>(s));
      return flow::normal;
    case stmt_kind::macro: {
      const auto& node = static_cast<const ast::macro_stmt&>(s);
      current_->set(node.name, value::function(std::make_shared<macro_function>(node, current_)));
      return flow::normal;
    }
    case stmt_kind::break_loop:
      return flow::break_loop;
    case stmt_kind::continue_loop:
      return flow::continue_loop;
    case stmt_kind::scope:
      exec_scope(static_cast<const ast::scope_stmt&>(s));
      return flow::normal;
    case stmt_kind::filter_block:
      exec_filter_block(static_cast<const ast::filter_block_stmt&>(s));
      return flow::normal;
  }
  return flow::normal;
}

interpreter::flow interpreter::exec_for(const ast::for_stmt& s) {
  const value iterable = eval(*s.iterable);
  const std::uint64_t budget =
      options_.limits.max_loop_iterations - std::min(iterations_, options_.limits.max_loop_iterations);
  if (item_count(iterable) > budget) {
    fail_limit("too many loop iterations (more than " + std::to_string(options_.limits.max_loop_iterations) + ")");
  }
  std::vector<value> items = iterate(iterable, budget);
  if (s.filter) {
    std::vector<value> kept;
    for (auto& item : items) {
      charge_iterations(1);
      frame_guard frame(*this);
      assign(s.target, item);
      if (truthy(eval(*s.filter))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    frame_guard frame(*this);
    exec_body(s.else_body);
    return flow::normal;
  }
  auto state = std::make_shared<loop_state>();
  state->items = std::make_shared<const std::vector<value>>(std::move(items));
  const value loop = value::loop(state);
  for (std::size_t i = 0; i < state->items->size(); ++i) {
    charge_iterations(1);
    state->index0 = i;
    frame_guard frame(*this);
    frame.frame().set("loop", loop);
    assign(s.target, (*state->items)[i]);
    if (exec_body(s.loop_body) == flow::break_loop) break;
  }
  return flow::normal;
}

void interpreter::exec_set_block(const ast::set_block_stmt& s) {
  tainted_string rendered;
  {
    frame_guard frame(*this);
    output_guard to_rendered(*this, rendered);
    exec_body(s.block_body);
  }
  value v = value::string(std::move(rendered));
  for (const auto& f : s.filters) v = eval_filter(*f, v);
  assign(s.target, v);
}

void interpreter::exec_scope(const ast::scope_stmt& s) {
  std::vector<value> values;
  values.reserve(s.assignments.size());
  for (const auto& a : s.assignments) values.push_back(eval(*a.second));
  frame_guard frame(*this);
  for (std::size_t i = 0; i < values.size(); ++i) assign(s.assignments[i].first, values[i]);
  exec_body(s.scope_body);
}

void interpreter::exec_filter_block(const ast::filter_block_stmt& s) {
  tainted_string rendered;
  {
    frame_guard frame(*this);
    output_guard to_rendered(*this, rendered);
    exec_body(s.block_body);
  }
  value v = value::string(std::move(rendered));
  for (const auto& f : s.filters) v = eval_filter(*f, v);
  emit(v.is_string() ? v.as_string() : py_str(v));
}

void interpreter::assign(const ast::assign_target& target, const value& v) {
  if (!target.attr.empty()) {
    const value* ns = current_->find(target.name);
    if (ns == nullptr || !ns->is_namespace()) {
      fail_at(target.offset, template_error::kind::runtime, "cannot assign attribute on non-namespace object");
    }
    ns->as_namespace().attrs.set(target.attr, v);
    return;
  }
  if (!target.is_tuple) {
    current_->set(target.name, v);
    return;
  }
  const std::size_t count = item_count(v);
  if (count != target.elements.size()) {
    fail_at(target.offset, template_error::kind::runtime,
            count > target.elements.size()
                ? "too many values to unpack (expected " + std::to_string(target.elements.size()) + ")"
                : "not enough values to unpack (expected " + std::to_string(target.elements.size()) + ", got " +
                      std::to_string(count) + ")");
  }
  const std::vector<value> items = iterate(v, count);
  for (std::size_t i = 0; i < items.size(); ++i) assign(target.elements[i], items[i]);
}

}  // namespace moeserve::model::jinja
