#include "engine/scheduler.hpp"

#include <algorithm>
#include <stdexcept>

namespace moeserve::engine {

std::string_view to_string(finish_reason r) {
  switch (r) {
    case finish_reason::none: return "none";
    case finish_reason::stop: return "stop";
    case finish_reason::length: return "length";
    case finish_reason::abort: return "abort";
  }
  return "unknown";
}

scheduler::scheduler(const scheduler_config& config, block_pool& pool)
    : config_(config), pool_(pool), cache_(pool) {
  if (config.max_num_seqs < 1 || config.max_num_batched_tokens < 1 || config.max_model_len < 2 ||
      config.max_long_partial_prefills < 1 || config.long_prefill_threshold < 1)
    throw std::invalid_argument("scheduler: every limit must be positive");
}

double scheduler::kv_usage() const {
  return static_cast<double>(pool_.used_count()) / static_cast<double>(pool_.num_blocks());
}

int scheduler::output_count(const sequence& s) const {
  return static_cast<int>(s.tokens.size() - s.request.prompt.size());
}

void scheduler::add(sequence_request request) {
  const auto prompt = static_cast<int>(request.prompt.size());
  if (prompt == 0) throw std::invalid_argument("the prompt is empty");
  if (request.max_tokens < 1) throw std::invalid_argument("max_tokens must be at least 1");
  if (prompt + request.max_tokens > config_.max_model_len)
    throw std::invalid_argument("this model's maximum context length is " + std::to_string(config_.max_model_len) +
                                " tokens; the request has " + std::to_string(prompt) + " prompt tokens and asks for " +
                                std::to_string(request.max_tokens) + " more");
  const int blocks_needed = (prompt + request.max_tokens + pool_.block_size() - 1) / pool_.block_size();
  if (blocks_needed > pool_.num_blocks())
    throw std::invalid_argument("the request needs " + std::to_string(blocks_needed) + " KV blocks; the cache has " +
                                std::to_string(pool_.num_blocks()));
  if (sequences_.contains(request.id)) throw std::invalid_argument("sequence id in use");
  const sequence_id id = request.id;
  sequence s;
  s.tokens = request.prompt;
  s.request = std::move(request);
  sequences_.emplace(id, std::move(s));
  waiting_.push_back(id);
}

void scheduler::release(sequence& s) {
  pool_.release_sequence(s.blocks);
  s.blocks.clear();
  s.computed = 0;
  s.chain = {};
}

bool scheduler::abort(sequence_id id) {
  const auto it = sequences_.find(id);
  if (it == sequences_.end()) return false;
  release(it->second);
  std::erase(waiting_, id);
  std::erase(running_, id);
  sequences_.erase(it);
  released_.push_back(id);
  return true;
}

void scheduler::preempt(sequence_id id) {
  auto& s = sequences_.at(id);
  release(s);
  s.running = false;
  std::erase(running_, id);
  waiting_.push_front(id);
  ++preemptions_;
}

bool scheduler::grow_blocks(sequence& s, int tokens) {
  const int needed = (tokens + pool_.block_size() - 1) / pool_.block_size() - static_cast<int>(s.blocks.size());
  return needed <= 0 || pool_.allocate_n(needed, s.blocks);
}

bool scheduler::is_long(const sequence& s) const {
  return static_cast<int>(s.tokens.size()) - s.computed > config_.long_prefill_threshold;
}

scheduler::group_state scheduler::running_group(std::uint64_t group) const {
  group_state g;
  for (const sequence_id id : running_) {
    const sequence& other = sequences_.at(id);
    if (other.request.prompt_group != group) continue;
    const bool sampled = output_count(other) > 0;
    g.filling_prompt |= other.fills_group_prompt && !sampled;
    g.has_output |= sampled;
  }
  return g;
}

void scheduler::add_to_plan(step_plan& plan, sequence_id id, sequence& s, int count) {
  auto& batch = plan.batch;
  model::sequence_slice slice;
  slice.first_token = batch.token_count();
  slice.token_count = count;
  slice.block_table.assign(s.blocks.begin(), s.blocks.end());
  const int bs = pool_.block_size();
  for (int p = s.computed; p < s.computed + count; ++p) {
    batch.tokens.push_back(s.tokens[static_cast<std::size_t>(p)]);
    batch.positions.push_back(p);
    batch.slots.push_back(std::int64_t{s.blocks[static_cast<std::size_t>(p / bs)]} * bs + p % bs);
  }
  batch.sequences.push_back(std::move(slice));
  s.computed += count;
  planned_sequence ps;
  ps.id = id;
  ps.samples = s.computed == static_cast<int>(s.tokens.size());
  ps.prompt_len = static_cast<int>(s.request.prompt.size());
  ps.logprobs = s.request.logprobs;
  ps.top_logprobs = s.request.top_logprobs;
  ps.sampling = s.request.sampling;
  if (ps.samples) batch.logit_rows.push_back(batch.token_count() - 1);
  plan.sequences.push_back(ps);
  in_flight_.push_back(id);
}

std::optional<step_plan> scheduler::schedule() {
  step_plan plan;
  int budget = config_.max_num_batched_tokens;
  in_flight_.clear();
  // 1. Decodes (one token each), oldest first; a decode without a block preempts the newest.
  for (std::size_t i = 0; i < running_.size() && budget > 0; ++i) {
    const sequence_id id = running_[i];
    auto& s = sequences_.at(id);
    if (static_cast<int>(s.tokens.size()) - s.computed != 1) continue;
    bool placed = grow_blocks(s, s.computed + 1);
    while (!placed && running_.back() != id) {
      const sequence_id victim = running_.back();
      std::erase(in_flight_, victim);  // cannot be planned yet: it is newer than id
      preempt(victim);
      placed = grow_blocks(s, s.computed + 1);
    }
    if (!placed) {  // id is the newest running sequence: it yields
      preempt(id);
      break;
    }
    add_to_plan(plan, id, s, 1);
    --budget;
  }
  // 2. Running prompts still being filled in, in admission order.
  int long_in_progress = 0;
  for (const sequence_id id : running_) long_in_progress += is_long(sequences_.at(id)) ? 1 : 0;
  for (std::size_t i = 0; i < running_.size() && budget > 0; ++i) {
    const sequence_id id = running_[i];
    auto& s = sequences_.at(id);
    const int remaining = static_cast<int>(s.tokens.size()) - s.computed;
    if (remaining < 1 || std::find(in_flight_.begin(), in_flight_.end(), id) != in_flight_.end()) continue;
    int count = std::min(remaining, budget);
    while (count > 0 && !grow_blocks(s, s.computed + count)) count = (count - 1) / pool_.block_size() * pool_.block_size();
    if (count <= 0) continue;
    add_to_plan(plan, id, s, count);
    budget -= count;
  }
  // 3. New sequences, first come first served.
  while (!waiting_.empty() && budget > 0 && static_cast<int>(running_.size()) < config_.max_num_seqs) {
    const sequence_id id = waiting_.front();
    auto& s = sequences_.at(id);
    const bool long_prompt = static_cast<int>(s.tokens.size()) > config_.long_prefill_threshold;
    if (long_prompt && long_in_progress >= config_.max_long_partial_prefills) break;
    if (config_.enable_prefix_caching && s.request.prompt_group != 0 && running_group(s.request.prompt_group).filling_prompt)
      break;  // a sibling is filling the shared prompt in: wait for its blocks
    prefix_cache::match_result match;
    if (config_.enable_prefix_caching) {
      match = cache_.match(s.tokens, s.request.cache_salt, s.chain);
      s.blocks = match.blocks;
      s.computed = match.cached_tokens;
    }
    const int count = std::min(static_cast<int>(s.tokens.size()) - s.computed, budget);
    if (!grow_blocks(s, s.computed + count)) {
      if (config_.enable_prefix_caching) cache_.give_back(std::move(match));
      s.blocks.clear();
      s.computed = 0;
      s.chain = {};
      break;
    }
    if (s.tokens.size() == s.request.prompt.size()) s.cached_tokens = s.computed;
    if (s.first_scheduled == std::chrono::steady_clock::time_point{}) s.first_scheduled = std::chrono::steady_clock::now();
    s.fills_group_prompt = s.request.prompt_group != 0 && !running_group(s.request.prompt_group).has_output;
    waiting_.pop_front();
    s.running = true;
    running_.push_back(id);
    if (long_prompt) ++long_in_progress;
    add_to_plan(plan, id, s, count);
    budget -= count;
  }
  plan.released = std::move(released_);
  released_.clear();
  if (plan.batch.tokens.empty()) {
    released_ = std::move(plan.released);  // nothing ran: hand them over with the next plan
    return std::nullopt;
  }
  plan.step = ++step_;
  return plan;
}

std::vector<sequence_event> scheduler::end_all_in_flight() {
  std::vector<sequence_event> events;
  for (const sequence_id id : in_flight_) {
    if (!sequences_.contains(id)) continue;
    sequence_event e;
    e.id = id;
    e.finished = finish_reason::abort;
    e.output_tokens = output_count(sequences_.at(id));
    events.push_back(e);
    abort(id);
  }
  in_flight_.clear();
  return events;
}

std::vector<sequence_event> scheduler::apply(const step_result& result) {
  if (!result.error.empty()) return end_all_in_flight();
  std::vector<sequence_event> events;
  std::size_t next = 0;
  for (const sequence_id id : in_flight_) {
    const auto it = sequences_.find(id);
    if (it == sequences_.end()) continue;  // aborted while the step ran
    sequence& s = it->second;
    if (s.computed == static_cast<int>(s.tokens.size())) {  // this sequence sampled
      while (next < result.tokens.size() && result.tokens[next].id != id) ++next;
      if (next == result.tokens.size()) continue;  // no token came back for it
      const sampled_token& t = result.tokens[next++];
      s.tokens.push_back(t.token);
      sequence_event e;
      e.id = id;
      e.token = t;
      e.output_tokens = output_count(s);
      e.cached_tokens = s.cached_tokens;
      e.first_scheduled = s.first_scheduled;
      const auto& stops = s.request.stop_token_ids;
      if (std::find(stops.begin(), stops.end(), t.token) != stops.end())
        e.finished = finish_reason::stop;
      else if (e.output_tokens >= s.request.max_tokens || static_cast<int>(s.tokens.size()) >= config_.max_model_len)
        e.finished = finish_reason::length;
      events.push_back(std::move(e));
    }
    if (config_.enable_prefix_caching)
      cache_.commit_full_blocks(std::span(s.tokens).first(static_cast<std::size_t>(s.computed)), s.blocks,
                                s.request.cache_salt, s.chain);
  }
  in_flight_.clear();
  for (const auto& e : events)
    if (e.finished != finish_reason::none) abort(e.id);
  return events;
}

}  // namespace moeserve::engine
