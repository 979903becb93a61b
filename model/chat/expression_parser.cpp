// The expression rules of the chat-template parser (see parser.hpp for the grammar).
#include "model/chat/ast_height.hpp"
#include "model/chat/filters.hpp"
#include "model/chat/template_parser.hpp"
#include "model/chat/template_tests.hpp"

namespace moeserve::model::jinja {

using namespace ast;

void template_parser::seal_in_place(expr& node) {
  node.height = operand_height(node) + 1;
  if (node.height > limits_.max_nesting_depth) {
    throw template_error(
        template_error::kind::limit,
        "expression nested too deeply (more than " + std::to_string(limits_.max_nesting_depth) + " levels)",
        locate_.line(node.offset), locate_.column(node.offset));
  }
}

expr_ptr template_parser::parse_expression(bool with_condexpr) {
  depth_guard guard(*this, current().offset);
  return with_condexpr ? parse_condexpr() : parse_or();
}

expr_ptr template_parser::parse_condexpr() {
  const std::size_t offset = current().offset;
  expr_ptr e = parse_or();
  while (at_name("if")) {
    scoped_set<bool> soft(soft_, true);
    advance();
    auto node = std::make_unique<condition_expr>(offset);
    node->then_value = std::move(e);
    node->test = parse_or();
    if (skip_name("else")) {
      depth_guard guard(*this, current().offset);
      node->else_value = parse_condexpr();
    }
    e = seal(std::move(node));
  }
  return e;
}

expr_ptr template_parser::parse_or() {
  expr_ptr left = parse_and();
  while (at_name("or")) {
    const std::size_t offset = current().offset;
    advance();
    left = seal(std::make_unique<logical_expr>(offset, false, std::move(left), parse_and()));
  }
  return left;
}

expr_ptr template_parser::parse_and() {
  expr_ptr left = parse_not();
  while (at_name("and")) {
    const std::size_t offset = current().offset;
    advance();
    left = seal(std::make_unique<logical_expr>(offset, true, std::move(left), parse_not()));
  }
  return left;
}

expr_ptr template_parser::parse_not() {
  if (at_name("not")) {
    const std::size_t offset = current().offset;
    depth_guard guard(*this, offset);
    advance();
    return seal(std::make_unique<unary_expr>(offset, unary_op::logical_not, parse_not()));
  }
  return parse_compare();
}

expr_ptr template_parser::parse_compare() {
  const std::size_t offset = current().offset;
  expr_ptr first = parse_math1();
  std::unique_ptr<compare_expr> node;
  while (true) {
    compare_op op;
    const token& t = current();
    if (is_op(t, "==")) {
      op = compare_op::eq;
    } else if (is_op(t, "!=")) {
      op = compare_op::ne;
    } else if (is_op(t, "<")) {
      op = compare_op::lt;
    } else if (is_op(t, "<=")) {
      op = compare_op::le;
    } else if (is_op(t, ">")) {
      op = compare_op::gt;
    } else if (is_op(t, ">=")) {
      op = compare_op::ge;
    } else if (is_name(t, "in")) {
      op = compare_op::in;
    } else if (is_name(t, "not") && is_name(peek(), "in")) {
      op = compare_op::not_in;
      advance();
    } else {
      break;
    }
    advance();
    if (!node) node = std::make_unique<compare_expr>(offset, std::move(first));
    node->rest.emplace_back(op, parse_math1());
  }
  if (!node) return first;
  return seal(std::move(node));
}

expr_ptr template_parser::parse_math1() {
  expr_ptr left = parse_concat();
  while (at_op("+") || at_op("-")) {
    const std::size_t offset = current().offset;
    const binary_op op = at_op("+") ? binary_op::add : binary_op::sub;
    advance();
    left = seal(std::make_unique<binary_expr>(offset, op, std::move(left), parse_concat()));
  }
  return left;
}

expr_ptr template_parser::parse_concat() {
  const std::size_t offset = current().offset;
  expr_ptr first = parse_math2();
  if (!at_op("~")) return first;
  auto node = std::make_unique<concat_expr>(offset);
  node->parts.push_back(std::move(first));
  while (skip_op("~")) node->parts.push_back(parse_math2());
  return seal(std::move(node));
}

expr_ptr template_parser::parse_math2() {
  expr_ptr left = parse_pow();
  while (true) {
    binary_op op;
    if (at_op("*")) {
      op = binary_op::mul;
    } else if (at_op("/")) {
      op = binary_op::div;
    } else if (at_op("//")) {
      op = binary_op::floordiv;
    } else if (at_op("%")) {
      op = binary_op::mod;
    } else {
      break;
    }
    const std::size_t offset = current().offset;
    advance();
    left = seal(std::make_unique<binary_expr>(offset, op, std::move(left), parse_pow()));
  }
  return left;
}

expr_ptr template_parser::parse_pow() {
  expr_ptr left = parse_unary(true);
  while (at_op("**")) {
    const std::size_t offset = current().offset;
    advance();
    left = seal(std::make_unique<binary_expr>(offset, binary_op::pow, std::move(left), parse_unary(true)));
  }
  return left;
}

expr_ptr template_parser::parse_unary(bool with_filter) {
  const std::size_t offset = current().offset;
  expr_ptr node;
  if (at_op("-") || at_op("+")) {
    depth_guard guard(*this, offset);
    const unary_op op = at_op("-") ? unary_op::negate : unary_op::plus;
    advance();
    node = seal(std::make_unique<unary_expr>(offset, op, parse_unary(false)));
  } else {
    node = parse_primary();
  }
  node = parse_postfix(std::move(node));
  if (with_filter) node = parse_filter_expr(std::move(node));
  return node;
}

expr_ptr template_parser::parse_primary() {
  const token& t = current();
  const std::size_t offset = t.offset;
  switch (t.kind) {
    case token_kind::name: {
      expr_ptr node;
      if (t.text == "true" || t.text == "True") {
        node = std::make_unique<literal_expr>(offset, value::boolean(true));
      } else if (t.text == "false" || t.text == "False") {
        node = std::make_unique<literal_expr>(offset, value::boolean(false));
      } else if (t.text == "none" || t.text == "None") {
        node = std::make_unique<literal_expr>(offset, value::none());
      } else {
        if (t.text == "varargs" || t.text == "kwargs") {
          for (auto* m : macros_) (t.text == "varargs" ? m->uses_varargs : m->uses_kwargs) = true;
        }
        node = std::make_unique<name_expr>(offset, t.text);
      }
      advance();
      return node;
    }
    case token_kind::string: {
      std::string text = t.text;
      advance();
      while (current().kind == token_kind::string) {
        text += current().text;
        advance();
      }
      return std::make_unique<literal_expr>(offset, value::trusted_string(std::move(text)));
    }
    case token_kind::integer: {
      auto node = std::make_unique<literal_expr>(offset, value::integer(t.int_value));
      advance();
      return node;
    }
    case token_kind::floating: {
      auto node = std::make_unique<literal_expr>(offset, value::floating(t.float_value));
      advance();
      return node;
    }
    case token_kind::op:
      if (t.text == "(") {
        advance();
        auto node = parse_tuple(false, true, {}, true);
        expect_op(")");
        return node;
      }
      if (t.text == "[") return parse_list();
      if (t.text == "{") return parse_dict();
      break;
    default:
      break;
  }
  error(offset, "unexpected " + describe(t));
}

// Comma-separated expressions: a tuple when there is a comma, else the one expression.
expr_ptr template_parser::parse_tuple(bool simplified, bool with_condexpr,
                                      std::initializer_list<std::string_view> end_names, bool explicit_parentheses) {
  const std::size_t offset = current().offset;
  std::vector<expr_ptr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty()) expect_op(",");
    const token& t = current();
    if (t.kind == token_kind::variable_end || t.kind == token_kind::block_end || is_op(t, ")") ||
        at_end_name(end_names)) {
      break;
    }
    items.push_back(simplified ? parse_primary() : parse_expression(with_condexpr));
    if (at_op(",")) {
      is_tuple = true;
    } else {
      break;
    }
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items.front());
    if (!explicit_parentheses) error(current().offset, "Expected an expression, got " + describe(current()));
  }
  auto node = std::make_unique<list_expr>(offset, true);
  node->items = std::move(items);
  return seal(std::move(node));
}

expr_ptr template_parser::parse_list() {
  auto node = std::make_unique<list_expr>(current().offset, false);
  expect_op("[");
  while (!at_op("]")) {
    if (!node->items.empty()) expect_op(",");
    if (at_op("]")) break;
    node->items.push_back(parse_expression(true));
  }
  expect_op("]");
  return seal(std::move(node));
}

expr_ptr template_parser::parse_dict() {
  auto node = std::make_unique<dict_expr>(current().offset);
  expect_op("{");
  while (!at_op("}")) {
    if (!node->items.empty()) expect_op(",");
    if (at_op("}")) break;
    auto key = parse_expression(true);
    expect_op(":");
    node->items.emplace_back(std::move(key), parse_expression(true));
  }
  expect_op("}");
  return seal(std::move(node));
}

expr_ptr template_parser::parse_postfix(expr_ptr node) {
  while (true) {
    if (at_op(".") || at_op("[")) {
      node = parse_subscript(std::move(node));
    } else if (at_op("(")) {
      node = parse_call(std::move(node));
    } else {
      return node;
    }
  }
}

expr_ptr template_parser::parse_filter_expr(expr_ptr node) {
  while (true) {
    if (at_op("|")) {
      while (skip_op("|")) {
        auto f = parse_one_filter();
        f->operand = std::move(node);
        node = seal(std::move(f));
      }
    } else if (at_name("is")) {
      node = parse_test(std::move(node));
    } else if (at_op("(")) {
      node = parse_call(std::move(node));
    } else {
      return node;
    }
  }
}

expr_ptr template_parser::parse_subscript(expr_ptr node) {
  const token t = current();
  advance();
  if (t.text == ".") {
    const token& attr = current();
    if (attr.kind == token_kind::name) {
      auto e = std::make_unique<getattr_expr>(t.offset, std::move(node), attr.text);
      advance();
      return seal(std::move(e));
    }
    if (attr.kind != token_kind::integer) error(attr.offset, "expected name or number");
    auto index = std::make_unique<literal_expr>(attr.offset, value::integer(attr.int_value));
    advance();
    return seal(std::make_unique<getitem_expr>(t.offset, std::move(node), std::move(index)));
  }
  std::vector<expr_ptr> args;
  while (!at_op("]")) {
    if (!args.empty()) expect_op(",");
    args.push_back(parse_subscribed());
  }
  expect_op("]");
  if (args.size() == 1) {
    if (args.front()->kind == expr_kind::slice) {
      auto& s = static_cast<slice_expr&>(*args.front());
      s.object = std::move(node);
      return seal(std::move(args.front()));
    }
    return seal(std::make_unique<getitem_expr>(t.offset, std::move(node), std::move(args.front())));
  }
  for (auto& a : args) {
    if (a->kind == expr_kind::slice) error(a->offset, "multi-dimensional slices are not supported");
  }
  auto tuple = std::make_unique<list_expr>(t.offset, true);
  tuple->items = std::move(args);
  return seal(std::make_unique<getitem_expr>(t.offset, std::move(node), seal(std::move(tuple))));
}

expr_ptr template_parser::parse_subscribed() {
  const std::size_t offset = current().offset;
  auto node = std::make_unique<slice_expr>(offset);
  if (at_op(":")) {
    advance();
  } else {
    expr_ptr e = parse_expression(true);
    if (!at_op(":")) return e;
    advance();
    node->start = std::move(e);
  }
  if (!at_op(":") && !at_op("]") && !at_op(",")) node->stop = parse_expression(true);
  if (skip_op(":")) {
    if (!at_op("]") && !at_op(",")) node->step = parse_expression(true);
  }
  return node;
}

expr_ptr template_parser::parse_call(expr_ptr callee) {
  auto node = std::make_unique<call_expr>(current().offset, std::move(callee));
  node->args = parse_call_args();
  return seal(std::move(node));
}

call_arguments template_parser::parse_call_args() {
  const std::size_t offset = current().offset;
  expect_op("(");
  call_arguments args;
  bool require_comma = false;
  auto ensure = [&](bool ok) {
    if (!ok) error(offset, "invalid syntax for function call expression");
  };
  while (!at_op(")")) {
    if (require_comma) {
      expect_op(",");
      if (at_op(")")) break;
    }
    if (at_op("*")) {
      ensure(!args.star_args && !args.star_kwargs);
      advance();
      args.star_args = parse_expression(true);
    } else if (at_op("**")) {
      ensure(!args.star_kwargs);
      advance();
      args.star_kwargs = parse_expression(true);
    } else if (current().kind == token_kind::name && is_op(peek(), "=")) {
      ensure(!args.star_kwargs);
      std::string key = current().text;
      advance();
      advance();
      args.keyword.emplace_back(std::move(key), parse_expression(true));
    } else {
      ensure(!args.star_args && !args.star_kwargs && args.keyword.empty());
      args.positional.push_back(parse_expression(true));
    }
    require_comma = true;
  }
  expect_op(")");
  return args;
}

std::unique_ptr<filter_expr> template_parser::parse_one_filter() {
  const std::size_t offset = current().offset;
  std::string name = expect_name();
  while (skip_op(".")) name += "." + expect_name();
  auto node = std::make_unique<filter_expr>(offset, name);
  node->fn = find_filter(name);
  if (node->fn == nullptr && !soft_) error(offset, "No filter named '" + name + "'.");
  if (at_op("(")) node->args = parse_call_args();
  return node;
}

expr_ptr template_parser::parse_test(expr_ptr operand) {
  const std::size_t offset = current().offset;
  advance();  // is
  const bool negated = skip_name("not");
  const std::size_t name_offset = current().offset;
  std::string name = expect_name();
  while (skip_op(".")) name += "." + expect_name();
  auto node = std::make_unique<test_expr>(offset, name);
  node->operand = std::move(operand);
  node->fn = find_test(name);
  if (node->fn == nullptr && !soft_) error(name_offset, "No test named '" + name + "'.");
  const token& t = current();
  if (is_op(t, "(")) {
    node->args = parse_call_args();
  } else if ((t.kind == token_kind::name || t.kind == token_kind::string || t.kind == token_kind::integer ||
              t.kind == token_kind::floating || is_op(t, "[") || is_op(t, "{")) &&
             !is_name(t, "else") && !is_name(t, "or") && !is_name(t, "and")) {
    if (is_name(t, "is")) error(t.offset, "You cannot chain multiple tests with is");
    node->args.positional.push_back(parse_postfix(parse_primary()));
  }
  if (!negated) return seal(std::move(node));
  return seal(std::make_unique<unary_expr>(offset, unary_op::logical_not, seal(std::move(node))));
}
}  // namespace moeserve::model::jinja
