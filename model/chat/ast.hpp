#pragma once
// The syntax tree of a parsed chat template (see parser.hpp for the grammar).
//
// Nodes are plain structs owned through unique_ptr; `kind` says which struct an expr or
// stmt is, and the interpreter dispatches on it. Every node records the byte offset of its
// source position for error messages. The tree is immutable after parsing and shared by
// concurrent renders.
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/chat/value.hpp"

namespace moeserve::model::jinja {

class interpreter;

// A filter: f(operand, args) -> value. A test: t(operand, args) -> bool.
using filter_fn = value (*)(interpreter& in, const value& operand, call_args& args);
using test_fn = bool (*)(interpreter& in, const value& operand, call_args& args);

namespace ast {

enum class expr_kind : std::uint8_t {
  literal,
  name,
  list,  // list or tuple display
  dict,
  getattr,
  getitem,
  slice,
  call,
  filter,
  test,
  unary,
  binary,
  logical,  // and / or
  compare,
  condition,  // a if b else c
  concat,     // a ~ b ~ c
};

struct expr {
  expr(expr_kind k, std::size_t at) : kind(k), offset(at) {}
  virtual ~expr() = default;
  expr_kind kind;
  std::size_t offset;
  std::size_t height = 1;  // 1 + the largest height of its operands (the parser bounds it)
};
using expr_ptr = std::unique_ptr<expr>;

struct literal_expr : expr {
  literal_expr(std::size_t at, value v) : expr(expr_kind::literal, at), val(std::move(v)) {}
  value val;
};

struct name_expr : expr {
  name_expr(std::size_t at, std::string n) : expr(expr_kind::name, at), name(std::move(n)) {}
  std::string name;
};

struct list_expr : expr {
  list_expr(std::size_t at, bool tuple) : expr(expr_kind::list, at), is_tuple(tuple) {}
  std::vector<expr_ptr> items;
  bool is_tuple;
};

struct dict_expr : expr {
  explicit dict_expr(std::size_t at) : expr(expr_kind::dict, at) {}
  std::vector<std::pair<expr_ptr, expr_ptr>> items;
};

struct getattr_expr : expr {
  getattr_expr(std::size_t at, expr_ptr obj, std::string a)
      : expr(expr_kind::getattr, at), object(std::move(obj)), attr(std::move(a)) {}
  expr_ptr object;
  std::string attr;
};

struct getitem_expr : expr {
  getitem_expr(std::size_t at, expr_ptr obj, expr_ptr idx)
      : expr(expr_kind::getitem, at), object(std::move(obj)), index(std::move(idx)) {}
  expr_ptr object;
  expr_ptr index;
};

struct slice_expr : expr {
  explicit slice_expr(std::size_t at) : expr(expr_kind::slice, at) {}
  expr_ptr object;
  expr_ptr start, stop, step;  // each may be null
};

// Arguments as written at a call site, a filter or a test.
struct call_arguments {
  std::vector<expr_ptr> positional;
  std::vector<std::pair<std::string, expr_ptr>> keyword;
  expr_ptr star_args;    // *list, or null
  expr_ptr star_kwargs;  // **dict, or null
};

struct call_expr : expr {
  call_expr(std::size_t at, expr_ptr c) : expr(expr_kind::call, at), callee(std::move(c)) {}
  expr_ptr callee;
  call_arguments args;
};

struct filter_expr : expr {
  filter_expr(std::size_t at, std::string n) : expr(expr_kind::filter, at), name(std::move(n)) {}
  expr_ptr operand;  // null in {% filter %} and {% set x | f %} blocks
  std::string name;
  filter_fn fn = nullptr;  // null: unknown filter, an error when evaluated
  call_arguments args;
};

struct test_expr : expr {
  test_expr(std::size_t at, std::string n) : expr(expr_kind::test, at), name(std::move(n)) {}
  expr_ptr operand;
  std::string name;
  test_fn fn = nullptr;  // null: unknown test, an error when evaluated
  call_arguments args;
};

enum class unary_op : std::uint8_t { logical_not, negate, plus };

struct unary_expr : expr {
  unary_expr(std::size_t at, unary_op o, expr_ptr e) : expr(expr_kind::unary, at), op(o), operand(std::move(e)) {}
  unary_op op;
  expr_ptr operand;
};

enum class binary_op : std::uint8_t { add, sub, mul, div, floordiv, mod, pow };

struct binary_expr : expr {
  binary_expr(std::size_t at, binary_op o, expr_ptr l, expr_ptr r)
      : expr(expr_kind::binary, at), op(o), left(std::move(l)), right(std::move(r)) {}
  binary_op op;
  expr_ptr left, right;
};

struct logical_expr : expr {
  logical_expr(std::size_t at, bool conjunction, expr_ptr l, expr_ptr r)
      : expr(expr_kind::logical, at), is_and(conjunction), left(std::move(l)), right(std::move(r)) {}
  bool is_and;
  expr_ptr left, right;
};

enum class compare_op : std::uint8_t { eq, ne, lt, le, gt, ge, in, not_in };

struct compare_expr : expr {
  compare_expr(std::size_t at, expr_ptr f) : expr(expr_kind::compare, at), first(std::move(f)) {}
  expr_ptr first;
  std::vector<std::pair<compare_op, expr_ptr>> rest;  // a < b < c: Python's chained comparison
};

struct condition_expr : expr {
  condition_expr(std::size_t at) : expr(expr_kind::condition, at) {}
  expr_ptr test, then_value, else_value;  // else_value may be null (undefined result)
};

struct concat_expr : expr {
  explicit concat_expr(std::size_t at) : expr(expr_kind::concat, at) {}
  std::vector<expr_ptr> parts;
};

// The left side of {% set %}, {% for %} and {% with %}: a name, a (nested) tuple of
// names, or a namespace attribute (ns.attr, {% set %} only).
struct assign_target {
  std::size_t offset = 0;
  std::string name;  // the name, or the namespace's name when attr is set
  std::string attr;  // non-empty: namespace attribute
  bool is_tuple = false;
  std::vector<assign_target> elements;
};

enum class stmt_kind : std::uint8_t {
  text,
  output,
  if_block,
  for_block,
  set,
  set_block,
  macro,
  break_loop,
  continue_loop,
  scope,  // {% with %} and {% generation %}: a body in a child scope
  filter_block,
};

struct stmt {
  stmt(stmt_kind k, std::size_t at) : kind(k), offset(at) {}
  virtual ~stmt() = default;
  stmt_kind kind;
  std::size_t offset;
};
using stmt_ptr = std::unique_ptr<stmt>;
using body = std::vector<stmt_ptr>;

struct text_stmt : stmt {
  text_stmt(std::size_t at, value t) : stmt(stmt_kind::text, at), text(std::move(t)) {}
  value text;  // a trusted string
};

struct output_stmt : stmt {
  output_stmt(std::size_t at, expr_ptr e) : stmt(stmt_kind::output, at), expression(std::move(e)) {}
  expr_ptr expression;
};

struct if_stmt : stmt {
  explicit if_stmt(std::size_t at) : stmt(stmt_kind::if_block, at) {}
  std::vector<std::pair<expr_ptr, body>> branches;  // if, elif...
  body else_body;
};

struct for_stmt : stmt {
  explicit for_stmt(std::size_t at) : stmt(stmt_kind::for_block, at) {}
  assign_target target;
  expr_ptr iterable;
  expr_ptr filter;  // {% for x in xs if cond %}, or null
  body loop_body;
  body else_body;
};

struct set_stmt : stmt {
  explicit set_stmt(std::size_t at) : stmt(stmt_kind::set, at) {}
  assign_target target;
  expr_ptr expression;
};

struct set_block_stmt : stmt {
  explicit set_block_stmt(std::size_t at) : stmt(stmt_kind::set_block, at) {}
  assign_target target;
  std::vector<std::unique_ptr<filter_expr>> filters;  // applied to the rendered body in order
  body block_body;
};

struct macro_stmt : stmt {
  explicit macro_stmt(std::size_t at) : stmt(stmt_kind::macro, at) {}
  std::string name;
  std::vector<std::string> params;
  std::vector<expr_ptr> defaults;  // for the last defaults.size() params
  body macro_body;
  bool uses_varargs = false;  // the body refers to `varargs`: extra positional arguments
  bool uses_kwargs = false;   // the body refers to `kwargs`: extra keyword arguments
};

struct break_stmt : stmt {
  explicit break_stmt(std::size_t at) : stmt(stmt_kind::break_loop, at) {}
};

struct continue_stmt : stmt {
  explicit continue_stmt(std::size_t at) : stmt(stmt_kind::continue_loop, at) {}
};

struct scope_stmt : stmt {
  explicit scope_stmt(std::size_t at) : stmt(stmt_kind::scope, at) {}
  std::vector<std::pair<assign_target, expr_ptr>> assignments;  // evaluated in the outer scope
  body scope_body;
};

struct filter_block_stmt : stmt {
  explicit filter_block_stmt(std::size_t at) : stmt(stmt_kind::filter_block, at) {}
  std::vector<std::unique_ptr<filter_expr>> filters;
  body block_body;
};

}  // namespace ast
}  // namespace moeserve::model::jinja
