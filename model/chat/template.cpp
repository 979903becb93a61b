#include "model/chat/template.hpp"

#include "model/chat/lexer.hpp"
#include "model/chat/parser.hpp"
#include "model/chat/template_error.hpp"
#include "model/chat/unicode_text.hpp"

namespace moeserve::model::jinja {

struct compiled_template::program {
  explicit program(std::string normalized) : locate(std::move(normalized)) {}
  source_map locate;
  ast::body root;
};

compiled_template compiled_template::parse(std::string_view source, const parse_limits& limits) {
  if (source.size() > limits.max_template_bytes) {
    throw template_error(template_error::kind::limit,
                         "template too large (" + std::to_string(source.size()) + " bytes, the limit is " +
                             std::to_string(limits.max_template_bytes) + ")",
                         1, 1);
  }
  if (!utf8_valid(source)) throw template_error(template_error::kind::syntax, "template is not valid UTF-8", 1, 1);
  auto p = std::make_shared<program>(normalize_newlines(source));
  p->root = parse_template(p->locate.source(), p->locate, limits);
  return compiled_template(std::move(p));
}

tainted_string compiled_template::render_tainted(const dict_data& context, const render_options& options) const {
  interpreter in(program_->locate, context, options);
  return in.run(program_->root);
}

std::vector<rendered_segment> compiled_template::render(const dict_data& context, const render_options& options) const {
  return render_tainted(context, options).segments();
}

std::string join_segments(const std::vector<rendered_segment>& segments) {
  std::string out;
  for (const auto& s : segments) out += s.text;
  return out;
}

}  // namespace moeserve::model::jinja
