#pragma once
// Python's str() and repr() of interpreter values, as jinja2 prints them.
//
// {{ x }} prints str(x): strings as they are, None as "None", booleans as "True"/"False",
// floats as Python's shortest round-trip repr ("1e+16", "0.1", "2.0"), lists and dicts as
// Python's repr (['a', 1], {'k': None}), undefined as "". The results are tainted strings:
// text copied from a string value keeps that string's provenance byte for byte, text made
// up by the formatting (quotes, brackets, escapes of trusted text) is trusted.
//
// Known differences from CPython: the repr of a string escapes non-printable characters
// only as far as py_isprintable knows them (see unicode_text.hpp); items(), keys(), range()
// and bound methods print as lists and "<built-in method ...>" placeholders, where CPython
// prints dict_items([...]), range(0, 3) and object addresses.
#include <cstdint>
#include <string>

#include "model/chat/tainted_string.hpp"
#include "model/chat/unicode_text.hpp"
#include "model/chat/value.hpp"

namespace moeserve::model::jinja {

// Python repr(float).
std::string format_float(double d);
// str(v) as {{ v }} prints it (undefined prints as "").
tainted_string py_str(const value& v);
// repr(v).
tainted_string py_repr(const value& v);
// Python's repr of a string, quotes included, keeping the provenance of each character.
void append_string_repr(tainted_string& out, const tainted_string& s);

// Visits s code point by code point: f(code point, its bytes, whether they are trusted).
template <typename F>
void for_each_code_point(const tainted_string& s, F&& f) {
  const std::string& text = s.text();
  const auto& ranges = s.untrusted_ranges();
  std::size_t r = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t start = pos;
    const char32_t cp = utf8_decode(text, pos);
    while (r < ranges.size() && ranges[r].end <= start) ++r;
    const bool trusted = !(r < ranges.size() && ranges[r].begin <= start);
    f(cp, std::string_view(text).substr(start, pos - start), trusted);
  }
}

}  // namespace moeserve::model::jinja
