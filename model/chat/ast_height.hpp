#pragma once
// The height of syntax-tree expressions, which the parser bounds: the interpreter evaluates
// a node's operands recursively, and destroys the tree recursively.
#include <cstddef>

#include "model/chat/ast.hpp"

namespace moeserve::model::jinja {

// The largest `height` among the direct operands of e (0 for literals and names).
std::size_t operand_height(const ast::expr& e);

}  // namespace moeserve::model::jinja
