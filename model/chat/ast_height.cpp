#include "model/chat/ast_height.hpp"

#include <algorithm>

namespace moeserve::model::jinja {

using namespace ast;

std::size_t operand_height(const expr& node) {
  std::size_t h = 0;
  auto see = [&h](const expr_ptr& child) {
    if (child) h = std::max(h, child->height);
  };
  auto see_args = [&](const call_arguments& a) {
    for (const auto& p : a.positional) see(p);
    for (const auto& k : a.keyword) see(k.second);
    see(a.star_args);
    see(a.star_kwargs);
  };
  switch (node.kind) {
    case expr_kind::literal:
    case expr_kind::name:
      break;
    case expr_kind::list:
      for (const auto& item : static_cast<const list_expr&>(node).items) see(item);
      break;
    case expr_kind::dict:
      for (const auto& [k, v] : static_cast<const dict_expr&>(node).items) {
        see(k);
        see(v);
      }
      break;
    case expr_kind::getattr:
      see(static_cast<const getattr_expr&>(node).object);
      break;
    case expr_kind::getitem:
      see(static_cast<const getitem_expr&>(node).object);
      see(static_cast<const getitem_expr&>(node).index);
      break;
    case expr_kind::slice: {
      const auto& s = static_cast<const slice_expr&>(node);
      see(s.object);
      see(s.start);
      see(s.stop);
      see(s.step);
      break;
    }
    case expr_kind::call:
      see(static_cast<const call_expr&>(node).callee);
      see_args(static_cast<const call_expr&>(node).args);
      break;
    case expr_kind::filter:
      see(static_cast<const filter_expr&>(node).operand);
      see_args(static_cast<const filter_expr&>(node).args);
      break;
    case expr_kind::test:
      see(static_cast<const test_expr&>(node).operand);
      see_args(static_cast<const test_expr&>(node).args);
      break;
    case expr_kind::unary:
      see(static_cast<const unary_expr&>(node).operand);
      break;
    case expr_kind::binary:
      see(static_cast<const binary_expr&>(node).left);
      see(static_cast<const binary_expr&>(node).right);
      break;
    case expr_kind::logical:
      see(static_cast<const logical_expr&>(node).left);
      see(static_cast<const logical_expr&>(node).right);
      break;
    case expr_kind::compare:
      see(static_cast<const compare_expr&>(node).first);
      for (const auto& r : static_cast<const compare_expr&>(node).rest) see(r.second);
      break;
    case expr_kind::condition: {
      const auto& c = static_cast<const condition_expr&>(node);
      see(c.test);
      see(c.then_value);
      see(c.else_value);
      break;
    }
    case expr_kind::concat:
      for (const auto& p : static_cast<const concat_expr&>(node).parts) see(p);
      break;
  }
  return h;
}

}  // namespace moeserve::model::jinja
