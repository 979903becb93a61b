#include "net/tokenize_response.hpp"

#include "net/json_writer.hpp"

namespace moeserve::net {

std::string to_json(const tokenize_response& response) {
  json_writer w;
  w.begin_object();
  w.key("count").integer(static_cast<std::int64_t>(response.tokens.size()));
  w.key("max_model_len").integer(response.max_model_len);
  w.key("tokens").begin_array();
  for (const std::int32_t t : response.tokens) w.integer(t);
  w.end_array();
  w.key("token_strs");
  if (response.token_strs) {
    w.begin_array();
    for (const auto& s : *response.token_strs) w.string(s);
    w.end_array();
  } else {
    w.null();
  }
  w.end_object();
  return w.take();
}

std::string detokenize_response_json(std::string_view prompt) {
  json_writer w;
  w.begin_object().key("prompt").string(prompt).end_object();
  return w.take();
}

}  // namespace moeserve::net
