#include "quant/scalar.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace moeserve::quant {

std::string_view to_string(scale_dtype t) { return t == scale_dtype::bf16 ? "bf16" : "fp32"; }

void require_finite(std::span<const float> x, std::string_view what) {
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      throw std::invalid_argument(std::string(what) + ": non-finite value at element " + std::to_string(i));
    }
  }
}

void require_matrix(std::size_t data_size, std::int64_t rows, std::int64_t cols, std::string_view what) {
  if (rows < 0 || cols < 0) {
    throw std::invalid_argument(std::string(what) + ": negative shape " + std::to_string(rows) + "x" +
                                std::to_string(cols));
  }
  const auto r = static_cast<std::uint64_t>(rows);
  const auto c = static_cast<std::uint64_t>(cols);
  if (c != 0 && r > std::numeric_limits<std::uint64_t>::max() / c) {
    throw std::invalid_argument(std::string(what) + ": shape overflows");
  }
  if (r * c != data_size) {
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(data_size) + " values for a " +
                                std::to_string(rows) + "x" + std::to_string(cols) + " matrix");
  }
}

}  // namespace moeserve::quant
