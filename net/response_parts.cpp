#include "net/response_parts.hpp"

namespace moeserve::net {

std::string_view to_string(finish_reason reason) {
  switch (reason) {
    case finish_reason::stop:
      return "stop";
    case finish_reason::length:
      return "length";
    case finish_reason::abort:
      return "abort";
  }
  return "stop";
}

void write_usage(json_writer& w, const usage_info& usage) {
  w.begin_object();
  w.key("prompt_tokens").integer(usage.prompt_tokens);
  w.key("completion_tokens").integer(usage.completion_tokens);
  w.key("total_tokens").integer(usage.prompt_tokens + usage.completion_tokens);
  w.key("prompt_tokens_details").begin_object().key("cached_tokens").integer(usage.cached_tokens).end_object();
  w.end_object();
}

void write_header_members(json_writer& w, const response_header& header, std::string_view object) {
  w.key("id").string(header.id);
  w.key("object").string(object);
  w.key("created").integer(header.created);
  w.key("model").string(header.model);
}

}  // namespace moeserve::net
