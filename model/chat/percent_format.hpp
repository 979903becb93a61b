#pragma once
// Python's printf-style string formatting, `format % args`, as templates may use it:
// conversions s, r, d, i, f, x and %%, with an optional (key) for mapping arguments, the
// flags - 0 + and space, a width and a precision. args is a tuple (positional values), a
// mapping, or one value. Other conversions (e, g, o, c, *) are an error.
//
// Provenance: the format's own text keeps its provenance, inserted strings theirs; numbers
// and padding are trusted.
#include "model/chat/tainted_string.hpp"
#include "model/chat/value.hpp"

namespace moeserve::model::jinja {

// Fails when the result would exceed max_bytes.
tainted_string percent_format(const tainted_string& format, const value& args, std::size_t max_bytes);

}  // namespace moeserve::model::jinja
