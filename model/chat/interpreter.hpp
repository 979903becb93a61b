#pragma once
// The tree-walking interpreter of the chat-template language: executes a parsed template
// against a context and produces tainted output.
//
// Statements are in interpreter.cpp, expressions in interpreter_expressions.cpp.
// One interpreter renders one template once, on one thread; it owns all per-render state
// (output buffers, frames, namespaces, counters) and enforces render_limits. Filters,
// tests, methods and built-in functions receive it to reach these services. Errors below
// it (eval_failure) are rethrown as template_error at the innermost node being evaluated.
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/chat/ast.hpp"
#include "model/chat/lexer.hpp"
#include "model/chat/scope.hpp"
#include "model/chat/tainted_string.hpp"
#include "model/chat/template_error.hpp"
#include "model/chat/template_limits.hpp"
#include "model/chat/value.hpp"

namespace moeserve::model::jinja {

struct render_options {
  render_limits limits;
  // The clock of strftime_now(): the broken-down local time to format. Empty: the local
  // time now (as transformers' datetime.now()).
  std::function<std::tm()> clock;
};

class interpreter {
 public:
  interpreter(const source_map& locate, const dict_data& context, const render_options& options);
  ~interpreter();
  interpreter(const interpreter&) = delete;
  interpreter& operator=(const interpreter&) = delete;

  // Renders the template; call once.
  tainted_string run(const ast::body& root);

  // --- services for filters, tests, methods and functions ----------------------------
  const render_limits& limits() const { return options_.limits; }
  // Counts n iterations against max_loop_iterations.
  void charge_iterations(std::uint64_t n);
  // Fails when a string of `bytes` bytes would exceed max_output_bytes.
  void check_string_size(std::size_t bytes) const;
  // Fails when a sequence of `items` items would exceed max_loop_iterations.
  void check_sequence_size(std::uint64_t items) const;
  // Calls a callable value (or fails as jinja2 does for undefined and non-callables).
  value call(const value& callee, call_args args);
  // Applies the filter / test of that name, as map(), select() and friends do.
  value apply_filter(std::string_view name, const value& operand, call_args args);
  bool apply_test(std::string_view name, const value& operand, call_args args);
  // A new namespace owned by this render.
  value make_namespace();
  // The current local time for strftime_now().
  std::tm now() const;
  // Runs a macro defined by `m` in frame `closure`.
  value call_macro(const ast::macro_stmt& m, const std::shared_ptr<scope>& closure, call_args args);

  // Attribute and item access with jinja2's sandboxed semantics.
  value get_attribute(const value& object, std::string_view name);
  value get_item(const value& object, const value& key);

 private:
  enum class flow { normal, break_loop, continue_loop };

  class frame_guard;
  class output_guard;

  flow exec_body(const ast::body& b);
  flow exec(const ast::stmt& s);
  flow exec_inner(const ast::stmt& s);
  flow exec_for(const ast::for_stmt& s);
  void exec_set_block(const ast::set_block_stmt& s);
  void exec_scope(const ast::scope_stmt& s);
  void exec_filter_block(const ast::filter_block_stmt& s);
  void assign(const ast::assign_target& target, const value& v);
  void emit(const tainted_string& text);

  value eval(const ast::expr& e);
  value eval_inner(const ast::expr& e);
  value eval_name(const ast::name_expr& e);
  value eval_slice(const ast::slice_expr& e);
  value eval_call(const ast::call_expr& e);
  value eval_filter(const ast::filter_expr& f, const value& operand);
  value eval_test(const ast::test_expr& t);
  value eval_compare(const ast::compare_expr& e);
  value eval_concat(const ast::concat_expr& e);
  call_args eval_arguments(const ast::call_arguments& a);

  // Rethrows the eval_failure being handled as a template_error at `offset`.
  [[noreturn]] void rethrow_at(std::size_t offset) const;
  [[noreturn]] void fail_at(std::size_t offset, template_error::kind kind, const std::string& message) const;

  const source_map& locate_;
  const dict_data& context_;
  const render_options& options_;
  std::shared_ptr<scope> current_;
  tainted_string* out_ = nullptr;
  std::uint64_t iterations_ = 0;
  std::size_t call_depth_ = 0;
  std::uintptr_t stack_base_ = 0;  // the frame of run()
  void check_stack() const;
  std::vector<std::shared_ptr<namespace_data>> namespaces_;
};

// Every item a for loop over v visits, as jinja2 iterates: a list's items, a dict's keys,
// a string's characters, nothing for undefined; other values are an error. More than
// max_items items is a limit error, found before they are built.
std::vector<value> iterate(const value& v, std::uint64_t max_items);
// How many items iterate(v) yields.
std::size_t item_count(const value& v);

}  // namespace moeserve::model::jinja
