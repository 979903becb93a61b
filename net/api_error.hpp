#pragma once
// api_error: a caller error (or a server condition the caller must see) in OpenAI's shape,
// with the HTTP status that carries it. The official clients pick their exception from the
// status alone, so the status is what matters; type and code are informational.
//
//   {"error":{"message":"top_p must be in (0, 1], got 1.5","type":"invalid_request_error",
//             "param":"top_p","code":400}}
//
// `code` is always the HTTP status as an integer (never null). Types by status, following
// OpenAI's names where it has one:
//   400 invalid_request_error      bad JSON, wrong types, out-of-range values, context overflow
//   401 authentication_error       missing or wrong API key
//   404 not_found_error            unknown model ("The model `X` does not exist.")
//   413 invalid_request_error      body too large
//   429 rate_limit_error           waiting queue full (the response adds Retry-After)
//   500 server_error               internal failure
//   503 service_unavailable_error  shutting down, engine dead or hung
#include <optional>
#include <string>
#include <string_view>

namespace moeserve::net {

struct api_error {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::optional<std::string> param;  // the request parameter at fault ("messages[0].role"), if any
};

// The error type OpenAI's clients see for an HTTP status (the table above; "server_error"
// for a status not listed).
std::string_view error_type_for_status(int status);

// Constructors for the statuses above, each with its type.
api_error bad_request(std::string message, std::optional<std::string> param = std::nullopt);
api_error unauthorized(std::string message);
api_error model_not_found(std::string_view model);  // "The model `X` does not exist."
api_error body_too_large(std::size_t limit_bytes);
api_error queue_full(std::string message);
api_error internal_error(std::string message);
api_error service_unavailable(std::string message);

// {"error":{"message":...,"type":...,"param":...|null,"code":status}}
std::string to_json(const api_error& error);

}  // namespace moeserve::net
