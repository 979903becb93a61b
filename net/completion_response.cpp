#include "net/completion_response.hpp"

namespace moeserve::net {

std::string to_json(const completion_response& response) {
  json_writer w;
  w.begin_object();
  write_header_members(w, response.header, "text_completion");
  w.key("choices").begin_array();
  for (const completion_choice& c : response.choices) {
    w.begin_object();
    w.key("index").integer(c.index);
    w.key("text").string(c.text);
    w.key("logprobs");
    if (c.logprobs) {
      write_completion_logprobs(w, *c.logprobs);
    } else {
      w.null();
    }
    w.key("finish_reason").string(to_string(c.finish));
    w.end_object();
  }
  w.end_array();
  w.key("usage");
  write_usage(w, response.usage);
  w.end_object();
  return w.take();
}

}  // namespace moeserve::net
