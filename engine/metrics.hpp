#pragma once
// metrics: the server's Prometheus metrics (REFERENCE.md "Metrics", names as vLLM's under
// the prefix "moeserve:"), updated lock-free from any thread (atomics) and rendered in the
// Prometheus text format for /metrics. The engine's actors and the request handlers feed it.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moeserve::engine {

// A histogram with fixed upper bounds (+Inf implied).
class histogram {
 public:
  explicit histogram(std::vector<double> bounds);
  void observe(double v);
  void render(std::string& out, std::string_view name, std::string_view help) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> counts_;  // per bucket, non-cumulative; last: +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

class metrics_registry {
 public:
  metrics_registry();

  // Gauges.
  std::atomic<std::int64_t> requests_running{0};
  std::atomic<std::int64_t> requests_waiting{0};
  std::atomic<double> kv_cache_usage{0.0};
  // Counters.
  std::atomic<std::int64_t> prompt_tokens{0};
  std::atomic<std::int64_t> generation_tokens{0};
  std::array<std::atomic<std::int64_t>, 3> request_success{};  // stop, length, abort
  std::atomic<std::int64_t> preemptions{0};
  std::atomic<std::int64_t> prefix_cache_queries{0};
  std::atomic<std::int64_t> prefix_cache_hits{0};
  std::atomic<std::int64_t> admission_rejections{0};
  // Histograms.
  histogram time_to_first_token;
  histogram inter_token_latency;
  histogram time_per_output_token;
  histogram e2e_latency;
  histogram decode_time;
  histogram queue_time;    // arrival to the first step that runs the request
  histogram prefill_time;  // that step to the first token
  histogram prompt_tokens_per_request;
  histogram generation_tokens_per_request;
  histogram iteration_tokens;

  std::string render() const;
};

}  // namespace moeserve::engine
