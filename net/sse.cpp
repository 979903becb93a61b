#include "net/sse.hpp"

namespace moeserve::net {

std::string sse_event(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 8);
  out.append("data: ");
  out.append(json);
  out.append("\n\n");
  return out;
}

std::string sse_error(const api_error& error) { return sse_event(to_json(error)); }

std::string sse_end(const response_header& header, std::string_view object, bool include_usage,
                    const usage_info& usage) {
  std::string out;
  if (include_usage) {
    json_writer w;
    w.begin_object();
    write_header_members(w, header, object);
    w.key("choices").begin_array().end_array();
    w.key("usage");
    write_usage(w, usage);
    w.end_object();
    out = sse_event(w.str());
  }
  out.append(sse_done);
  return out;
}

}  // namespace moeserve::net
