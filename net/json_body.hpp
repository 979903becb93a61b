#pragma once
// json_body: the first stage of every request parser, and the typed reads the parsers
// share. A body becomes a simdjson DOM only if it passes every structural check:
//
//   size          <= limits.max_body_bytes                          else 413
//   JSON          valid, UTF-8 throughout, nothing after the value   else 400
//   nesting       <= limits.max_depth (checked by simdjson while it builds the tape,
//                 without recursion; our walks below recurse at most that deep)
//   root          an object
//   keys          no object anywhere holds the same key twice (compared after unescaping,
//                 so "a" and "\u0061" are the same key); the error names the path
//
// The typed reads reject a value of the wrong JSON type with the parameter's path as
// `param` ("messages[2].content", "temperature"); JSON null is left to the caller (most
// parameters treat it as absent, as the OpenAI servers in Python do). They throw
// request_error, which the parsers' entry points turn into a parse_result: it never
// leaves net/.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/api_error.hpp"
#include "net/request_limits.hpp"

namespace moeserve::net {

struct request_error {
  api_error error;
};

// Throws request_error{bad_request(message, param)}.
[[noreturn]] void reject(std::string message, std::string_view param);

// The checks above; the root object lives as long as `parser` (and its next parse).
simdjson::dom::object parse_body(simdjson::dom::parser& parser, std::string_view body, const request_limits& limits);

// The path below `e` of the first key that some object at or under `e` holds twice
// (".a[2].b"), or nullopt. Recursion depth: the nesting of e, which parse_body bounds.
std::optional<std::string> find_duplicate_key(simdjson::dom::element e);

// "parent.key" (or "key" at the root) and "parent[i]", for error paths.
std::string member_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view parent, std::size_t index);

// "a string", "an integer", "a number", "a boolean", "null", "an array", "an object"
std::string_view json_type_name(simdjson::dom::element e);

inline bool is_null(simdjson::dom::element e) { return e.is_null(); }
std::string read_string(simdjson::dom::element e, std::string_view param);
bool read_bool(simdjson::dom::element e, std::string_view param);
double read_number(simdjson::dom::element e, std::string_view param);  // an integer or a float
// An integer within [lo, hi]; a float with an integral value counts as that integer (as
// pydantic's lax mode reads 16.0 as 16). "param must be in [lo, hi], got v" otherwise.
std::int64_t read_integer(simdjson::dom::element e, std::string_view param, std::int64_t lo, std::int64_t hi);
simdjson::dom::array read_array(simdjson::dom::element e, std::string_view param);
simdjson::dom::object read_object(simdjson::dom::element e, std::string_view param);

}  // namespace moeserve::net
