#include "net/api_error.hpp"

#include <utility>

#include "net/json_writer.hpp"

namespace moeserve::net {
namespace {

api_error make(int status, std::string message, std::optional<std::string> param = std::nullopt) {
  return api_error{status, std::move(message), std::string(error_type_for_status(status)), std::move(param)};
}

}  // namespace

std::string_view error_type_for_status(int status) {
  switch (status) {
    case 400:
    case 413:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 404:
      return "not_found_error";
    case 429:
      return "rate_limit_error";
    case 503:
      return "service_unavailable_error";
    default:
      return "server_error";
  }
}

api_error bad_request(std::string message, std::optional<std::string> param) {
  return make(400, std::move(message), std::move(param));
}

api_error unauthorized(std::string message) { return make(401, std::move(message)); }

api_error model_not_found(std::string_view model) {
  return make(404, "The model `" + std::string(model) + "` does not exist.", "model");
}

api_error body_too_large(std::size_t limit_bytes) {
  return make(413, "the request body is larger than " + std::to_string(limit_bytes) + " bytes");
}

api_error queue_full(std::string message) { return make(429, std::move(message)); }

api_error internal_error(std::string message) { return make(500, std::move(message)); }

api_error service_unavailable(std::string message) { return make(503, std::move(message)); }

std::string to_json(const api_error& error) {
  json_writer w;
  w.begin_object().key("error").begin_object();
  w.key("message").string(error.message);
  w.key("type").string(error.type);
  w.key("param");
  if (error.param) {
    w.string(*error.param);
  } else {
    w.null();
  }
  w.key("code").integer(error.status);
  w.end_object().end_object();
  return w.take();
}

}  // namespace moeserve::net
