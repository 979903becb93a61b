#pragma once
// json_writer: the small JSON writer of the response encoders. It appends to one string,
// keeps track of commas, and makes every output valid JSON whatever it is given:
//
//   json_writer w;
//   w.begin_object().key("text").string("a\"b\n").key("n").integer(2).end_object();
//   w.take()  ->  {"text":"a\"b\n","n":2}
//
// Strings: `"` and `\` are escaped, control characters as \b \f \n \r \t or \u00XX, other
// text is written as UTF-8; bytes that are not valid UTF-8 become U+FFFD, one per maximal
// invalid subpart (as Python's errors="replace" and the WHATWG decoder do), so a token that
// is half a character still gives valid JSON. Numbers: integers exactly; floats as the
// shortest text that reads back to the same float (float and double each at their own
// precision); NaN and infinities are never written: they become null.
//
// The caller nests begin/end calls correctly and gives each object member a key; the
// writer does not check this (the encoders are its only callers).
#include <cstdint>
#include <string>
#include <string_view>

namespace moeserve::net {

class json_writer {
 public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view name);
  json_writer& string(std::string_view text);
  json_writer& integer(std::int64_t v);
  json_writer& real(double v);  // null when not finite
  json_writer& real(float v);   // null when not finite
  json_writer& boolean(bool v);
  json_writer& null();
  // Appends already-encoded JSON as one value (the caller vouches for it).
  json_writer& raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  template <class Number>
  json_writer& number(Number v);  // to_chars' shortest form

  std::string out_;
  bool need_comma_ = false;  // a value was written at this level: the next one needs a comma
  bool after_key_ = false;   // a key was just written: the value follows without a comma
};

// Appends `text` as a JSON string literal, quotes included, with the escaping above.
void append_json_string(std::string& out, std::string_view text);

// `text` with every invalid UTF-8 subpart replaced by U+FFFD (valid text is returned as is).
std::string to_valid_utf8(std::string_view text);

}  // namespace moeserve::net
