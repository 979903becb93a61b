#pragma once
// parse_result<T>: what a request parser returns, the parsed request or the api_error to
// answer with. Nothing in the parsers throws out of them; failures are values.
//
//   parse_result<completion_request> r = parse_completion_request(body);
//   if (!r) return send_error(r.error());
//   use(r.value());
#include <cassert>
#include <utility>
#include <variant>

#include "net/api_error.hpp"

namespace moeserve::net {

template <class T>
class parse_result {
 public:
  parse_result(T value) : v_(std::in_place_index<0>, std::move(value)) {}          // NOLINT: implicit
  parse_result(api_error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const api_error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, api_error> v_;
};

}  // namespace moeserve::net
