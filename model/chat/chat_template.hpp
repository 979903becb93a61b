#pragma once
// A model's chat template, ready to render chat requests into prompt segments.
//
//   chat_template t(source_from_tokenizer_config, {.special_tokens = {{"bos_token", "<s>"}}});
//   std::vector<rendered_segment> prompt = t.render(request);   // on any thread
//
// The template comes from the model (tokenizer_config.json or GGUF metadata), never from a
// request (the OpenAI server refuses request-supplied templates). Rendering is sandboxed
// and bounded (template.hpp); the segments mark the request's text untrusted so that the
// tokenizer reads special tokens only in the template's own text.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/chat/chat_context.hpp"
#include "model/chat/template.hpp"

namespace moeserve::model {

struct chat_template_options {
  // Special tokens by template variable name: bos_token, eos_token, unk_token, ... (trusted).
  std::vector<std::pair<std::string, std::string>> special_tokens;
  jinja::parse_limits parse_limits;
  jinja::render_options render_options;
};

class chat_template {
 public:
  // Parses the template; throws template_error.
  chat_template(std::string_view source, chat_template_options options);

  // Renders a request; throws template_error (the template failed or raised), or
  // std::invalid_argument (a kwarg may not be set). Safe to call from several threads.
  std::vector<rendered_segment> render(const chat_request& request) const;

 private:
  jinja::compiled_template template_;
  jinja::dict_data trusted_variables_;
  jinja::render_options render_options_;
};

}  // namespace moeserve::model
