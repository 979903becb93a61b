#pragma once
// A string that knows which of its bytes came from untrusted input.
//
// Chat templates mix template literals (trusted: they may spell special tokens such as
// "<|im_start|>") with request data (untrusted: message contents, tool descriptions, ...).
// Every string value of the interpreter is a tainted_string; concatenation, slicing and
// output keep the untrusted byte ranges exact, and other operations mark their whole result
// untrusted when any input byte was. The renderer returns the output as segments so that
// the tokenizer recognizes special tokens only inside trusted segments.
//
// Invariant: untrusted ranges are sorted, non-empty, disjoint and never adjacent (touching
// ranges are merged), and lie within text().
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace moeserve::model {

// A piece of rendered output; adjacent segments never have the same `trusted`. (The
// tokenizer's text_segment, model/tokenizer/token_types.hpp, is a view of one.)
struct rendered_segment {
  std::string text;
  bool trusted = true;
  bool operator==(const rendered_segment&) const = default;
};

}  // namespace moeserve::model

namespace moeserve::model::jinja {

struct byte_range {
  std::size_t begin = 0;
  std::size_t end = 0;  // exclusive
  bool operator==(const byte_range&) const = default;
};

class tainted_string {
 public:
  tainted_string() = default;
  tainted_string(std::string text, bool trusted);

  static tainted_string trusted(std::string text) { return tainted_string(std::move(text), true); }
  static tainted_string untrusted(std::string text) { return tainted_string(std::move(text), false); }

  const std::string& text() const { return text_; }
  std::size_t size() const { return text_.size(); }
  bool empty() const { return text_.empty(); }
  const std::vector<byte_range>& untrusted_ranges() const { return untrusted_; }
  bool fully_trusted() const { return untrusted_.empty(); }

  void append(std::string_view text, bool trusted);
  void append(const tainted_string& other);
  // The bytes [pos, pos + len) with their provenance; pos <= size(), len clipped.
  tainted_string substr(std::size_t pos, std::size_t len) const;
  // Marks every byte untrusted.
  void mark_untrusted();
  void clear();
  void reserve(std::size_t n) { text_.reserve(n); }

  // The text split at every change of provenance.
  std::vector<rendered_segment> segments() const;

 private:
  void add_untrusted(std::size_t begin, std::size_t end);

  std::string text_;
  std::vector<byte_range> untrusted_;
};

// The result of an operation that does not track bytes (upper(), replace(), ...):
// untrusted as a whole when any byte of any of its inputs was.
tainted_string derived_string(std::string text, bool any_untrusted_source);

}  // namespace moeserve::model::jinja
