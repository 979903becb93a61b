#pragma once
// executor_actor: the Executor of DESIGN.md §2, an actor on its own thread (spawn it on the
// system's dedicated dispatcher) that owns a step_executor (the CPU executor, or a GPU's)
// and runs the plans the scheduler sends, one at a time, answering each with step_done.
#include <memory>

#include "actors/actor.hpp"
#include "engine/serving_messages.hpp"
#include "model/runner/step_executor.hpp"

namespace moeserve::engine {

class executor_actor final : public actors::actor<executor_protocol> {
 public:
  explicit executor_actor(std::unique_ptr<model::step_executor> executor) : executor_(std::move(executor)) {}

  void receive(executor_protocol& message) override {
    auto& e = std::get<execute>(message);
    e.reply_to.send(step_done{executor_->execute(e.plan)});
  }

 private:
  std::unique_ptr<model::step_executor> executor_;
};

}  // namespace moeserve::engine
