#pragma once
// The state of the chat-template parser and its token-stream helpers. Internal to
// model/chat: parser.cpp defines the statement rules and parse_template(),
// expression_parser.cpp the expression rules (the grammar is in parser.hpp).
#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "model/chat/ast.hpp"
#include "model/chat/lexer.hpp"
#include "model/chat/template_error.hpp"
#include "model/chat/template_limits.hpp"

namespace moeserve::model::jinja {

class template_parser {
 public:
  template_parser(std::vector<token> tokens, const source_map& locate, const parse_limits& limits)
      : tokens_(std::move(tokens)), locate_(locate), limits_(limits) {}

  // The whole template; the tokens must end with end_of_input.
  ast::body parse_all();

 private:
  using expr_ptr = ast::expr_ptr;
  using stmt_ptr = ast::stmt_ptr;
  using body = ast::body;
  using assign_target = ast::assign_target;
  using call_arguments = ast::call_arguments;
  using filter_expr = ast::filter_expr;

  // --- token stream -------------------------------------------------------------------
  const token& current() const { return tokens_[pos_]; }
  const token& peek(std::size_t n = 1) const { return tokens_[std::min(pos_ + n, tokens_.size() - 1)]; }
  void advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  static bool is_op(const token& t, std::string_view op) { return t.kind == token_kind::op && t.text == op; }
  static bool is_name(const token& t, std::string_view name) { return t.kind == token_kind::name && t.text == name; }
  bool at_op(std::string_view op) const { return is_op(current(), op); }
  bool at_name(std::string_view name) const { return is_name(current(), name); }
  bool skip_op(std::string_view op) {
    if (!at_op(op)) return false;
    advance();
    return true;
  }
  bool skip_name(std::string_view name) {
    if (!at_name(name)) return false;
    advance();
    return true;
  }

  [[noreturn]] void error(std::size_t offset, const std::string& message) const {
    throw template_error(template_error::kind::syntax, message, locate_.line(offset), locate_.column(offset));
  }

  static std::string describe(const token& t) {
    switch (t.kind) {
      case token_kind::data:
        return "template data";
      case token_kind::variable_begin:
        return "begin of print statement";
      case token_kind::variable_end:
        return "end of print statement";
      case token_kind::block_begin:
        return "begin of statement block";
      case token_kind::block_end:
        return "end of statement block";
      case token_kind::name:
        return "'" + t.text + "'";
      case token_kind::string:
        return "string";
      case token_kind::integer:
        return "integer";
      case token_kind::floating:
        return "float";
      case token_kind::op:
        return "'" + t.text + "'";
      case token_kind::end_of_input:
        return "end of template";
    }
    return "token";
  }

  void expect_op(std::string_view op) {
    if (!skip_op(op)) error(current().offset, "expected '" + std::string(op) + "', got " + describe(current()));
  }
  std::string expect_name() {
    if (current().kind != token_kind::name) error(current().offset, "expected a name, got " + describe(current()));
    std::string name = current().text;
    advance();
    return name;
  }
  void expect_block_end() {
    if (current().kind != token_kind::block_end) {
      error(current().offset, "expected end of statement block, got " + describe(current()));
    }
    advance();
  }

  // Bounds the recursion of the parser and thus of the interpreter.
  class depth_guard {
   public:
    depth_guard(template_parser& p, std::size_t offset) : p_(p) {
      if (++p_.depth_ > p_.limits_.max_nesting_depth) {
        throw template_error(
            template_error::kind::limit,
            "template nested too deeply (more than " + std::to_string(p_.limits_.max_nesting_depth) + " levels)",
            p_.locate_.line(offset), p_.locate_.column(offset));
      }
    }
    ~depth_guard() { --p_.depth_; }
    depth_guard(const depth_guard&) = delete;
    depth_guard& operator=(const depth_guard&) = delete;

   private:
    template_parser& p_;
  };

  // Saves and restores a member around the parse of a nested construct.
  template <typename T>
  class scoped_set {
   public:
    scoped_set(T& target, T v) : target_(target), saved_(target) { target_ = v; }
    ~scoped_set() { target_ = saved_; }
    scoped_set(const scoped_set&) = delete;
    scoped_set& operator=(const scoped_set&) = delete;

   private:
    T& target_;
    T saved_;
  };
  // --- statements (parser.cpp) -------------------------------------------------------
  // Parses until a {% tag %} named in end_tags (left as the current token) or the end.
  body subparse(std::initializer_list<std::string_view> end_tags);
  // After a tag's header: its %}, the body up to one of end_tags (left current).
  body parse_statements(std::initializer_list<std::string_view> end_tags);
  stmt_ptr parse_statement();
  stmt_ptr parse_if();
  stmt_ptr parse_for();
  stmt_ptr parse_set();
  stmt_ptr parse_macro();
  stmt_ptr parse_with();
  stmt_ptr parse_generation();
  stmt_ptr parse_filter_block();
  // {% print a, b %} prints a, then b.
  stmt_ptr parse_print();
  stmt_ptr parse_loop_control();
  // A name, a tuple of names (with or without parentheses), or, when with_namespace,
  // name.attr.
  assign_target parse_assign_target(bool with_namespace, std::initializer_list<std::string_view> end_names);
  assign_target parse_target_primary();
  bool at_end_name(std::initializer_list<std::string_view> names) const;

  // --- expressions (expression_parser.cpp) ---------------------------------------------
  // Sets a new node's height from its operands and enforces max_nesting_depth on it: long
  // operator, filter and attribute chains nest the tree (and the interpreter's recursion)
  // without nesting the parser's.
  template <typename Node>
  expr_ptr seal(std::unique_ptr<Node> node) {
    seal_in_place(*node);
    return node;
  }
  void seal_in_place(ast::expr& node);
  expr_ptr parse_expression(bool with_condexpr);
  expr_ptr parse_condexpr();
  expr_ptr parse_or();
  expr_ptr parse_and();
  expr_ptr parse_not();
  expr_ptr parse_compare();
  expr_ptr parse_math1();
  expr_ptr parse_concat();
  expr_ptr parse_math2();
  expr_ptr parse_pow();
  expr_ptr parse_unary(bool with_filter);
  expr_ptr parse_primary();
  // Comma-separated expressions: a tuple when there is a comma, else the one expression.
  expr_ptr parse_tuple(bool simplified, bool with_condexpr, std::initializer_list<std::string_view> end_names,
                       bool explicit_parentheses);
  expr_ptr parse_list();
  expr_ptr parse_dict();
  expr_ptr parse_postfix(expr_ptr node);
  expr_ptr parse_filter_expr(expr_ptr node);
  expr_ptr parse_subscript(expr_ptr node);
  expr_ptr parse_subscribed();
  expr_ptr parse_call(expr_ptr callee);
  call_arguments parse_call_args();
  std::unique_ptr<filter_expr> parse_one_filter();
  expr_ptr parse_test(expr_ptr operand);

  std::vector<token> tokens_;
  const source_map& locate_;
  const parse_limits& limits_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
  bool soft_ = false;   // inside an if block or inline if: unknown filters fail when evaluated
  int loop_depth_ = 0;  // enclosing for loops (within the current macro)
  std::vector<ast::macro_stmt*> macros_;
};

}  // namespace moeserve::model::jinja
