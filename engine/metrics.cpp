#include "engine/metrics.hpp"

#include <cmath>
#include <cstdio>

namespace moeserve::engine {

namespace {

constexpr std::string_view prefix = "moeserve:";

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void add_to(std::atomic<double>& a, double v) {
  double old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
}

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += prefix;
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += prefix;
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, std::string_view name, std::string_view labels, double v) {
  out += prefix;
  out += name;
  out += labels;
  out += ' ';
  out += number(v);
  out += '\n';
}

std::vector<double> seconds_buckets() {
  return {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640};
}
std::vector<double> token_buckets() { return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768}; }

}  // namespace

histogram::histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}

void histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  add_to(sum_, v);
}

void histogram::render(std::string& out, std::string_view name, std::string_view help) const {
  metric(out, name, "histogram", help);
  std::uint64_t cumulative = 0;
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    sample(out, bucket, "{le=\"" + number(bounds_[i]) + "\"}", static_cast<double>(cumulative));
  }
  cumulative += counts_.back().load(std::memory_order_relaxed);
  sample(out, bucket, "{le=\"+Inf\"}", static_cast<double>(cumulative));
  sample(out, std::string(name) + "_sum", "", sum_.load(std::memory_order_relaxed));
  sample(out, std::string(name) + "_count", "", static_cast<double>(cumulative));
}

metrics_registry::metrics_registry()
    : time_to_first_token(seconds_buckets()),
      inter_token_latency(seconds_buckets()),
      time_per_output_token(seconds_buckets()),
      e2e_latency(seconds_buckets()),
      decode_time(seconds_buckets()),
      queue_time(seconds_buckets()),
      prefill_time(seconds_buckets()),
      prompt_tokens_per_request(token_buckets()),
      generation_tokens_per_request(token_buckets()),
      iteration_tokens(token_buckets()) {}

std::string metrics_registry::render() const {
  std::string out;
  const auto gauge = [&](std::string_view name, std::string_view help, double v) {
    metric(out, name, "gauge", help);
    sample(out, name, "", v);
  };
  const auto counter = [&](std::string_view name, std::string_view help, double v) {
    metric(out, name, "counter", help);
    sample(out, name, "", v);
  };
  gauge("num_requests_running", "Sequences in the engine's running batch.", static_cast<double>(requests_running.load()));
  gauge("num_requests_waiting", "Sequences waiting to be scheduled.", static_cast<double>(requests_waiting.load()));
  gauge("kv_cache_usage_perc", "Fraction of KV cache blocks in use (0-1).", kv_cache_usage.load());
  counter("prompt_tokens_total", "Prompt tokens of admitted requests.", static_cast<double>(prompt_tokens.load()));
  counter("generation_tokens_total", "Generated tokens.", static_cast<double>(generation_tokens.load()));
  metric(out, "request_success_total", "counter", "Finished requests by finish reason.");
  const char* reasons[] = {"stop", "length", "abort"};
  for (std::size_t i = 0; i < 3; ++i)
    sample(out, "request_success_total", std::string("{finished_reason=\"") + reasons[i] + "\"}",
           static_cast<double>(request_success[i].load()));
  counter("num_preemptions_total", "Sequences preempted for lack of KV blocks.", static_cast<double>(preemptions.load()));
  counter("prefix_cache_queries_total", "Prompt tokens looked up in the prefix cache.",
          static_cast<double>(prefix_cache_queries.load()));
  counter("prefix_cache_hits_total", "Prompt tokens reused from the prefix cache.",
          static_cast<double>(prefix_cache_hits.load()));
  counter("admission_rejections_total", "Requests refused with 429 before tokenizing.",
          static_cast<double>(admission_rejections.load()));
  time_to_first_token.render(out, "time_to_first_token_seconds", "Time to the first token.");
  inter_token_latency.render(out, "inter_token_latency_seconds", "Time between consecutive tokens of a sequence.");
  time_per_output_token.render(out, "request_time_per_output_token_seconds", "Decode time per output token.");
  e2e_latency.render(out, "e2e_request_latency_seconds", "Request latency, arrival to last token.");
  decode_time.render(out, "request_decode_time_seconds", "Time from the first to the last token.");
  queue_time.render(out, "request_queue_time_seconds", "Time from arrival to the first step that runs the request.");
  prefill_time.render(out, "request_prefill_time_seconds", "Time from the first step that runs the request to its first token.");
  prompt_tokens_per_request.render(out, "request_prompt_tokens", "Prompt tokens per request.");
  generation_tokens_per_request.render(out, "request_generation_tokens", "Generated tokens per request.");
  iteration_tokens.render(out, "iteration_tokens_total", "Tokens per engine step.");
  return out;
}

}  // namespace moeserve::engine
