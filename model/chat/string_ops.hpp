#pragma once
// Python str algorithms on tainted strings, shared by the string methods and the filters:
// strip, split, rsplit, splitlines, replace, find, count, slicing by code points.
//
// Results that are pieces of the input (strip, split, slices) keep its provenance byte for
// byte; replace marks its whole result untrusted when any of its inputs was.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "model/chat/tainted_string.hpp"

namespace moeserve::model::jinja {

enum class strip_side { both, left, right };

// str.strip / lstrip / rstrip; chars == nullptr strips whitespace.
tainted_string py_strip(const tainted_string& s, const tainted_string* chars, strip_side side);
// str.split / str.rsplit; sep == nullptr splits on whitespace runs; maxsplit < 0: no limit.
std::vector<tainted_string> py_split(const tainted_string& s, const tainted_string* sep, std::int64_t maxsplit,
                                     bool from_right);
// str.splitlines(keepends).
std::vector<tainted_string> py_splitlines(const tainted_string& s, bool keepends);
// str.replace(old, new, count); count < 0: all. Fails when the result exceeds max_bytes.
tainted_string py_replace(const tainted_string& s, const tainted_string& old, const tainted_string& replacement,
                          std::int64_t count, std::size_t max_bytes);
// str.find / str.rfind: the code point index of sub, or -1.
std::int64_t py_find(const tainted_string& s, const tainted_string& sub, bool from_right);
// str.count(sub).
std::int64_t py_count(const tainted_string& s, const tainted_string& sub);

// Python's slice indices for a sequence of `length` items (PySlice_AdjustIndices): the
// visited indices are start, start + step, ... while before stop. step != 0.
struct slice_range {
  std::int64_t start = 0;
  std::int64_t stop = 0;
  std::int64_t step = 1;
  std::size_t count = 0;
};
slice_range adjust_slice(std::optional<std::int64_t> start, std::optional<std::int64_t> stop, std::int64_t step,
                         std::size_t length);
// s[range] by code points.
tainted_string slice_string(const tainted_string& s, const slice_range& range);
// The code point at index i (negative from the end), or nullopt when out of range.
std::optional<tainted_string> code_point_at(const tainted_string& s, std::int64_t i);

}  // namespace moeserve::model::jinja
