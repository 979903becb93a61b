#include "model/runner/sampling_params.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>

namespace moeserve::model {
namespace {

// The shortest text that reads back as `v` ("1.5", "nan", "-inf").
std::string show(float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

[[noreturn]] void reject(std::string_view name, std::string_view range, const std::string& value) {
  throw std::invalid_argument(std::string(name) + " must be " + std::string(range) + ", got " + value);
}

}  // namespace

void sampling_params::validate() const {
  // Each test is written so that NaN fails it.
  if (!(std::isfinite(temperature) && temperature >= 0.0f)) reject("temperature", "finite and >= 0", show(temperature));
  if (top_k < -1) reject("top_k", "-1 or 0 (disabled) or at least 1", std::to_string(top_k));
  if (!(top_p > 0.0f && top_p <= 1.0f)) reject("top_p", "in (0, 1]", show(top_p));
  if (!(min_p >= 0.0f && min_p <= 1.0f)) reject("min_p", "in [0, 1]", show(min_p));
  if (!(std::isfinite(repetition_penalty) && repetition_penalty > 0.0f)) {
    reject("repetition_penalty", "finite and > 0", show(repetition_penalty));
  }
  if (!(presence_penalty >= -2.0f && presence_penalty <= 2.0f)) {
    reject("presence_penalty", "in [-2, 2]", show(presence_penalty));
  }
  if (!(frequency_penalty >= -2.0f && frequency_penalty <= 2.0f)) {
    reject("frequency_penalty", "in [-2, 2]", show(frequency_penalty));
  }
}

}  // namespace moeserve::model
