#include "engine/scheduler_actor.hpp"

#include <stdexcept>

#include "actors/overloaded.hpp"

namespace moeserve::engine {

scheduler_actor::scheduler_actor(const scheduler_config& config, int num_blocks, int block_size,
                                 actors::actor_ref<executor_protocol> executor, metrics_registry* metrics,
                                 std::chrono::milliseconds hung_after)
    : pool_(num_blocks, block_size),
      scheduler_(config, pool_),
      executor_(std::move(executor)),
      metrics_(metrics),
      hung_after_(hung_after) {}

void scheduler_actor::publish_gauges() {
  if (!metrics_) return;
  metrics_->requests_running.store(static_cast<std::int64_t>(scheduler_.running_count()));
  metrics_->requests_waiting.store(static_cast<std::int64_t>(scheduler_.waiting_count()));
  metrics_->kv_cache_usage.store(scheduler_.kv_usage());
  metrics_->preemptions.store(scheduler_.preemptions());
  metrics_->prefix_cache_queries.store(scheduler_.cache().query_tokens());
  metrics_->prefix_cache_hits.store(scheduler_.cache().hit_tokens());
}

void scheduler_actor::receive(scheduler_protocol& message) {
  std::visit(actors::overloaded{[&](submit& s) { on_submit(s); }, [&](abort_request& a) { on_abort(a.request, a.index); },
                                [&](step_done& d) { on_step_done(d); },
                                [&](status_query& q) {
                                  engine_status st;
                                  st.running = scheduler_.running_count();
                                  st.waiting = scheduler_.waiting_count();
                                  st.kv_usage = scheduler_.kv_usage();
                                  st.preemptions = scheduler_.preemptions();
                                  st.prefix_query_tokens = scheduler_.cache().query_tokens();
                                  st.prefix_hit_tokens = scheduler_.cache().hit_tokens();
                                  st.healthy = executor_error_.empty();
                                  st.detail = executor_error_;
                                  if (stepping_ && std::chrono::steady_clock::now() - step_started_ > hung_after_) {
                                    st.healthy = false;
                                    st.detail = "a step has been running for longer than the limit";
                                  }
                                  q.reply.send(std::move(st));
                                }},
             message);
}

void scheduler_actor::on_submit(submit& s) {
  std::vector<sequence_id> ids;
  try {
    for (std::size_t i = 0; i < s.choices.size(); ++i) {
      auto& c = s.choices[i];
      c.id = next_sequence_++;
      const auto prompt_tokens = static_cast<int>(c.prompt.size());
      scheduler_.add(std::move(c));
      ids.push_back(next_sequence_ - 1);
      choices_[ids.back()] = {s.request, static_cast<int>(i), prompt_tokens, s.sink};
    }
  } catch (const std::invalid_argument& e) {
    for (const auto id : ids) {
      scheduler_.abort(id);
      choices_.erase(id);
    }
    s.sink.send(request_failed{s.request, 400, e.what()});
    return;
  }
  requests_[s.request] = std::move(ids);
  kick();
}

void scheduler_actor::on_abort(request_id r, int index) {
  const auto it = requests_.find(r);
  if (it == requests_.end()) return;
  std::erase_if(it->second, [&](sequence_id id) {
    if (index >= 0 && choices_.at(id).index != index) return false;
    scheduler_.abort(id);
    choices_.erase(id);
    return true;
  });
  if (it->second.empty()) requests_.erase(it);
  publish_gauges();
}

void scheduler_actor::on_step_done(step_done& d) {
  stepping_ = false;
  if (!d.result.error.empty()) executor_error_ = d.result.error;
  for (auto& e : scheduler_.apply(d.result)) {
    const auto it = choices_.find(e.id);
    if (it == choices_.end()) continue;
    const choice c = it->second;
    sequence_output out{c.request,     c.index,         std::move(e.token), e.finished, c.prompt_tokens,
                        e.cached_tokens, e.first_scheduled};
    if (e.finished != finish_reason::none) {
      choices_.erase(it);
      auto& ids = requests_[c.request];
      std::erase(ids, e.id);
      if (ids.empty()) requests_.erase(c.request);
    }
    c.sink.send(std::move(out));
  }
  kick();
}

void scheduler_actor::kick() {
  if (stepping_) return;
  auto plan = scheduler_.schedule();
  publish_gauges();
  if (!plan) return;
  if (metrics_) metrics_->iteration_tokens.observe(static_cast<double>(plan->batch.tokens.size()));
  stepping_ = true;
  step_started_ = std::chrono::steady_clock::now();
  if (executor_.send(execute{std::move(*plan), self()}) != actors::send_status::ok) {
    stepping_ = false;
    executor_error_ = "the executor has stopped";
    step_result failed;
    failed.error = executor_error_;
    step_done d{std::move(failed)};
    on_step_done(d);
  }
}

}  // namespace moeserve::engine
