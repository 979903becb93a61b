#include "model/chat/chat_template.hpp"

namespace moeserve::model {

chat_template::chat_template(std::string_view source, chat_template_options options)
    : template_(jinja::compiled_template::parse(source, options.parse_limits)),
      render_options_(std::move(options.render_options)) {
  for (auto& [name, token] : options.special_tokens) {
    trusted_variables_.set(name, jinja::value::trusted_string(std::move(token)));
  }
}

std::vector<rendered_segment> chat_template::render(const chat_request& request) const {
  const jinja::dict_data context = build_chat_context(request, trusted_variables_);
  return template_.render(context, render_options_);
}

}  // namespace moeserve::model
