#pragma once
// The `tojson` filter as Hugging Face transformers defines it for chat templates:
// json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False), byte
// for byte (Python's separators, float repr, NaN/Infinity, escapes; indent as a count of
// spaces or a string). Undefined values, callables, namespaces and loops are not JSON
// serializable (an error, as in Python).
//
// Provenance: the escaped text of a string keeps that string's provenance, code point by
// code point; punctuation, quotes, numbers and literals are trusted.
#include <optional>
#include <string>

#include "model/chat/tainted_string.hpp"
#include "model/chat/value.hpp"

namespace moeserve::model::jinja {

struct json_options {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // none: one line; else the text of one level
  std::optional<std::string> item_separator;
  std::optional<std::string> key_separator;
  bool sort_keys = false;
  std::size_t max_bytes = ~std::size_t{0};  // a larger result is a limit error
};

tainted_string to_json(const value& v, const json_options& options);

}  // namespace moeserve::model::jinja
