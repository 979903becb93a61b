#pragma once
// A hash map keyed by std::string that is looked up with std::string_view, without building
// a std::string per lookup (C++20 heterogeneous lookup).

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace moeserve::model {

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class V>
using string_map = std::unordered_map<std::string, V, string_hash, std::equal_to<>>;

}  // namespace moeserve::model
