#include "net/chat_completion_response.hpp"

namespace moeserve::net {

std::string to_json(const chat_completion_response& response) {
  json_writer w;
  w.begin_object();
  write_header_members(w, response.header, "chat.completion");
  w.key("choices").begin_array();
  for (const chat_choice& c : response.choices) {
    w.begin_object();
    w.key("index").integer(c.index);
    w.key("message").begin_object().key("role").string("assistant").key("content").string(c.content).end_object();
    w.key("logprobs");
    if (c.logprobs) {
      write_chat_logprobs(w, *c.logprobs);
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
