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

}  // namespace moeserve::net
