#pragma once
// Helpers of the chat-template unit tests: render a template string, catch its error.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "model/chat/template.hpp"
#include "model/chat/template_error.hpp"

namespace moeserve::model::jinja::testing {

// Renders `source` with `context`; the output text.
inline std::string render(std::string_view source, const dict_data& context = {}, const render_options& options = {}) {
  return join_segments(compiled_template::parse(source).render(context, options));
}

// The error that parsing or rendering `source` throws, or nullopt when it succeeds.
inline std::optional<template_error> error_of(std::string_view source, const dict_data& context = {},
                                              const render_options& options = {}, const parse_limits& limits = {}) {
  try {
    compiled_template::parse(source, limits).render(context, options);
  } catch (const template_error& e) {
    return e;
  }
  return std::nullopt;
}

// A context with one variable.
inline dict_data context_with(std::string_view name, value v) {
  dict_data d;
  d.set(name, std::move(v));
  return d;
}

inline value untrusted(std::string text) { return value::string(std::move(text), false); }
inline value trusted(std::string text) { return value::trusted_string(std::move(text)); }

}  // namespace moeserve::model::jinja::testing
