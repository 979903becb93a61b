#include "model/chat/parser.hpp"

#include "model/chat/filters.hpp"
#include "model/chat/template_parser.hpp"

namespace moeserve::model::jinja {

using namespace ast;

body template_parser::parse_all() {
  body result = subparse({});
  if (current().kind != token_kind::end_of_input) error(current().offset, "unexpected token");
  return result;
}

// Parses until a {% tag %} named in end_tags (left as the current token) or the end.
body template_parser::subparse(std::initializer_list<std::string_view> end_tags) {
  depth_guard guard(*this, current().offset);
  body result;
  while (current().kind != token_kind::end_of_input) {
    const token& t = current();
    if (t.kind == token_kind::data) {
      result.push_back(std::make_unique<text_stmt>(t.offset, value::trusted_string(t.text)));
      advance();
    } else if (t.kind == token_kind::variable_begin) {
      advance();
      auto e = parse_tuple(false, true, {}, false);
      result.push_back(std::make_unique<output_stmt>(t.offset, std::move(e)));
      if (current().kind != token_kind::variable_end) {
        error(current().offset, "expected end of print statement, got " + describe(current()));
      }
      advance();
    } else if (t.kind == token_kind::block_begin) {
      advance();
      for (auto tag : end_tags) {
        if (at_name(tag)) return result;
      }
      result.push_back(parse_statement());
      expect_block_end();
    } else {
      error(t.offset, "unexpected " + describe(t));
    }
  }
  if (end_tags.size() != 0) {
    std::string wanted;
    for (auto tag : end_tags) wanted += (wanted.empty() ? "'" : " or '") + std::string(tag) + "'";
    error(current().offset, "unexpected end of template, expected " + wanted);
  }
  return result;
}

// After a tag's header: its %}, the body up to one of end_tags (left current).
body template_parser::parse_statements(std::initializer_list<std::string_view> end_tags) {
  skip_op(":");
  expect_block_end();
  return subparse(end_tags);
}

stmt_ptr template_parser::parse_statement() {
  const token& t = current();
  if (t.kind != token_kind::name) error(t.offset, "tag name expected");
  const std::string& tag = t.text;
  if (tag == "if") return parse_if();
  if (tag == "for") return parse_for();
  if (tag == "set") return parse_set();
  if (tag == "macro") return parse_macro();
  if (tag == "with") return parse_with();
  if (tag == "filter") return parse_filter_block();
  if (tag == "print") return parse_print();
  if (tag == "generation") return parse_generation();
  if (tag == "break" || tag == "continue") return parse_loop_control();
  if (tag == "extends" || tag == "include" || tag == "import" || tag == "from" || tag == "block") {
    error(t.offset, "'" + tag + "' is not supported: chat templates cannot load other templates");
  }
  if (tag == "call" || tag == "autoescape") error(t.offset, "'" + tag + "' blocks are not supported");
  error(t.offset, "Encountered unknown tag '" + tag + "'.");
}

stmt_ptr template_parser::parse_if() {
  auto node = std::make_unique<if_stmt>(current().offset);
  advance();
  scoped_set<bool> soft(soft_, true);
  while (true) {
    auto test = parse_tuple(false, false, {}, false);
    auto branch = parse_statements({"elif", "else", "endif"});
    node->branches.emplace_back(std::move(test), std::move(branch));
    if (skip_name("elif")) continue;
    if (skip_name("else")) {
      node->else_body = parse_statements({"endif"});
    }
    break;
  }
  advance();  // endif
  return node;
}

stmt_ptr template_parser::parse_for() {
  auto node = std::make_unique<for_stmt>(current().offset);
  advance();
  node->target = parse_assign_target(false, {"in"});
  if (!skip_name("in")) error(current().offset, "expected 'in', got " + describe(current()));
  node->iterable = parse_tuple(false, false, {"recursive"}, false);
  scoped_set<bool> soft(soft_, false);
  scoped_set<int> loops(loop_depth_, loop_depth_ + 1);
  if (skip_name("if")) node->filter = parse_expression(true);
  if (at_name("recursive")) error(current().offset, "recursive loops are not supported");
  node->loop_body = parse_statements({"endfor", "else"});
  if (skip_name("else")) {
    scoped_set<int> no_loop(loop_depth_, 0);
    node->else_body = parse_statements({"endfor"});
  }
  advance();  // endfor
  return node;
}

stmt_ptr template_parser::parse_set() {
  const std::size_t offset = current().offset;
  advance();
  assign_target target = parse_assign_target(true, {});
  if (skip_op("=")) {
    auto node = std::make_unique<set_stmt>(offset);
    node->target = std::move(target);
    node->expression = parse_tuple(false, true, {}, false);
    return node;
  }
  auto node = std::make_unique<set_block_stmt>(offset);
  node->target = std::move(target);
  scoped_set<bool> soft(soft_, false);
  while (at_op("|")) {
    advance();
    node->filters.push_back(parse_one_filter());
    seal_in_place(*node->filters.back());
  }
  node->block_body = parse_statements({"endset"});
  advance();
  return node;
}

stmt_ptr template_parser::parse_macro() {
  auto node = std::make_unique<macro_stmt>(current().offset);
  advance();
  node->name = expect_name();
  expect_op("(");
  while (!at_op(")")) {
    if (!node->params.empty()) expect_op(",");
    if (at_op(")")) break;
    const std::size_t at = current().offset;
    node->params.push_back(expect_name());
    if (skip_op("=")) {
      node->defaults.push_back(parse_expression(true));
    } else if (!node->defaults.empty()) {
      error(at, "non-default argument follows default argument");
    }
  }
  expect_op(")");
  scoped_set<bool> soft(soft_, false);
  scoped_set<int> loops(loop_depth_, 0);
  macros_.push_back(node.get());
  node->macro_body = parse_statements({"endmacro"});
  macros_.pop_back();
  advance();
  return node;
}

stmt_ptr template_parser::parse_with() {
  auto node = std::make_unique<scope_stmt>(current().offset);
  advance();
  while (current().kind != token_kind::block_end) {
    if (!node->assignments.empty()) expect_op(",");
    assign_target target = parse_assign_target(false, {});
    expect_op("=");
    node->assignments.emplace_back(std::move(target), parse_expression(true));
  }
  scoped_set<bool> soft(soft_, false);
  node->scope_body = parse_statements({"endwith"});
  advance();
  return node;
}

stmt_ptr template_parser::parse_generation() {
  auto node = std::make_unique<scope_stmt>(current().offset);
  advance();
  scoped_set<bool> soft(soft_, false);
  node->scope_body = parse_statements({"endgeneration"});
  advance();
  return node;
}

stmt_ptr template_parser::parse_filter_block() {
  auto node = std::make_unique<filter_block_stmt>(current().offset);
  advance();
  scoped_set<bool> soft(soft_, false);
  node->filters.push_back(parse_one_filter());
  while (skip_op("|")) node->filters.push_back(parse_one_filter());
  for (auto& f : node->filters) seal_in_place(*f);
  node->block_body = parse_statements({"endfilter"});
  advance();
  return node;
}

// {% print a, b %} prints a, then b.
stmt_ptr template_parser::parse_print() {
  const std::size_t offset = current().offset;
  advance();
  auto parts = std::make_unique<concat_expr>(offset);
  while (current().kind != token_kind::block_end) {
    if (!parts->parts.empty()) expect_op(",");
    parts->parts.push_back(parse_expression(true));
  }
  return std::make_unique<output_stmt>(offset, seal(std::move(parts)));
}

stmt_ptr template_parser::parse_loop_control() {
  const token& t = current();
  if (loop_depth_ == 0) error(t.offset, "'" + t.text + "' outside loop");
  stmt_ptr node;
  if (t.text == "break") {
    node = std::make_unique<break_stmt>(t.offset);
  } else {
    node = std::make_unique<continue_stmt>(t.offset);
  }
  advance();
  return node;
}

// A name, a tuple of names (with or without parentheses), or, when with_namespace,
// name.attr.
assign_target template_parser::parse_assign_target(bool with_namespace,
                                                   std::initializer_list<std::string_view> end_names) {
  if (with_namespace && current().kind == token_kind::name && is_op(peek(), ".")) {
    assign_target target;
    target.offset = current().offset;
    target.name = current().text;
    advance();
    advance();
    target.attr = expect_name();
    return target;
  }
  assign_target target;
  target.offset = current().offset;
  bool is_tuple = false;
  std::vector<assign_target> elements;
  while (true) {
    if (!elements.empty()) expect_op(",");
    if (current().kind == token_kind::block_end || at_op(")") || at_op("=") || at_end_name(end_names)) break;
    elements.push_back(parse_target_primary());
    if (at_op(",")) {
      is_tuple = true;
    } else {
      break;
    }
  }
  if (elements.empty()) error(current().offset, "expected an assignment target, got " + describe(current()));
  if (!is_tuple) return std::move(elements.front());
  target.is_tuple = true;
  target.elements = std::move(elements);
  return target;
}

assign_target template_parser::parse_target_primary() {
  assign_target target;
  target.offset = current().offset;
  if (skip_op("(")) {
    depth_guard guard(*this, target.offset);
    target.is_tuple = true;
    while (!at_op(")")) {
      if (!target.elements.empty()) expect_op(",");
      if (at_op(")")) break;
      target.elements.push_back(parse_target_primary());
    }
    expect_op(")");
    if (target.elements.size() == 1 && !is_op(tokens_[pos_ - 2], ",")) return std::move(target.elements.front());
    return target;
  }
  if (current().kind != token_kind::name) error(current().offset, "can't assign to " + describe(current()));
  target.name = current().text;
  if (target.name == "true" || target.name == "false" || target.name == "none" || target.name == "True" ||
      target.name == "False" || target.name == "None") {
    error(current().offset, "can't assign to constant '" + target.name + "'");
  }
  advance();
  return target;
}

bool template_parser::at_end_name(std::initializer_list<std::string_view> names) const {
  for (auto n : names) {
    if (at_name(n)) return true;
  }
  return false;
}
body parse_template(std::string_view source, const source_map& locate, const parse_limits& limits) {
  if (source.size() > limits.max_template_bytes) {
    throw template_error(template_error::kind::limit,
                         "template too large (" + std::to_string(source.size()) + " bytes, the limit is " +
                             std::to_string(limits.max_template_bytes) + ")",
                         1, 1);
  }
  return template_parser(tokenize(source, locate), locate, limits).parse_all();
}

}  // namespace moeserve::model::jinja
