#pragma once
// step_executor: what runs step plans (model/backend/step_plan.hpp) on a device: the CPU
// executor (cpu/cpu_executor.hpp), later one per GPU. The serving engine's Executor actor
// owns one and calls it from its own thread, one plan at a time.
#include <string>

#include "model/backend/step_plan.hpp"

namespace moeserve::model {

class step_executor {
 public:
  virtual ~step_executor() = default;
  // Never throws: a failed step is a step_result with an error.
  virtual step_result execute(const step_plan& plan) = 0;
  virtual std::string backend_name() const = 0;
};

}  // namespace moeserve::model
