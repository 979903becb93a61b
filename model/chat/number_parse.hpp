#pragma once
// Python's int(str, base) and float(str) for the int and float filters: surrounding
// whitespace, a sign, underscores between digits, 0x/0o/0b prefixes (base 0 or the
// matching base), inf/nan spellings. nullopt where Python raises ValueError, and for
// integers beyond 64 bits.
#include <cstdint>
#include <optional>
#include <string_view>

namespace moeserve::model::jinja {

std::optional<std::int64_t> parse_py_int(std::string_view text, std::int64_t base);
std::optional<double> parse_py_float(std::string_view text);

}  // namespace moeserve::model::jinja
