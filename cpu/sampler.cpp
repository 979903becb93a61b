#include "cpu/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>

namespace moeserve::cpu {
namespace {

constexpr float kFloatMax = std::numeric_limits<float>::max();
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Scratch reused by every sampler on this thread; each array grows to the vocabulary once.
struct workspace {
  std::vector<float> weights;       // exp(logit - max) per token
  std::vector<int> order;           // candidate token ids, partially sorted
  std::vector<std::uint32_t> mark;  // mark[t] == epoch: t was met in this call's prompt/output
  std::vector<std::int32_t> count;  // occurrences of t in the output (valid when marked)
  std::vector<int> distinct;        // the tokens marked in this call
  std::uint32_t epoch = 0;
};

workspace& thread_workspace() {
  thread_local workspace ws;
  return ws;
}

const model::sampling_params& validated(const model::sampling_params& p) {
  p.validate();
  return p;
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// A finite value pushed to +-inf by a penalty or the temperature saturates instead, so
// that softmax never sees inf - inf; -inf (a masked token) stays.
float saturate(float v, float before) {
  return std::isinf(v) && std::isfinite(before) ? std::copysign(kFloatMax, v) : v;
}

// `a` comes before `b` in the order of truncation: higher logit first, ties lowest id.
struct before_in_order {
  const float* x;
  bool operator()(int a, int b) const { return x[a] > x[b] || (x[a] == x[b] && a < b); }
};

void apply_penalties(std::span<float> logits, std::span<const int> prompt, std::span<const int> output,
                     const model::sampling_params& p, workspace& ws) {
  const bool repetition = p.repetition_penalty != 1.0f;
  if (!p.has_penalties()) return;
  const std::size_t vocab = logits.size();
  if (ws.mark.size() < vocab) {
    ws.mark.assign(vocab, 0);
    ws.count.resize(vocab);
    ws.epoch = 0;
  }
  if (++ws.epoch == 0) {  // wrapped after 2^32 calls: forget every old mark
    std::fill(ws.mark.begin(), ws.mark.end(), 0u);
    ws.epoch = 1;
  }
  ws.distinct.clear();
  auto meet = [&](int t, int occurrences) {
    if (t < 0 || static_cast<std::size_t>(t) >= vocab) {
      throw std::out_of_range("sampler: token id " + std::to_string(t) + " outside a vocabulary of " +
                              std::to_string(vocab));
    }
    const auto i = static_cast<std::size_t>(t);
    if (ws.mark[i] != ws.epoch) {
      ws.mark[i] = ws.epoch;
      ws.count[i] = 0;
      ws.distinct.push_back(t);
    }
    ws.count[i] += occurrences;
  };
  if (repetition) {
    for (int t : prompt) meet(t, 0);
  }
  for (int t : output) meet(t, 1);
  for (int t : ws.distinct) {
    const auto i = static_cast<std::size_t>(t);
    const float before = logits[i];
    float v = before;
    if (repetition) v = v > 0.0f ? v / p.repetition_penalty : v * p.repetition_penalty;
    if (ws.count[i] > 0) {
      v -= p.frequency_penalty * static_cast<float>(ws.count[i]);
      v -= p.presence_penalty;
    }
    logits[i] = saturate(v, before);
  }
}

// Divides by `temperature` (1: untouched), checks every value and returns the maximum.
float scale_and_max(std::span<float> logits, float temperature) {
  float max = kNegInf;
  bool bad = false;
  for (float& x : logits) {
    if (temperature != 1.0f) x = saturate(x / temperature, x);
    bad |= std::isnan(x) || x == -kNegInf;
    max = std::max(max, x);
  }
  if (bad) throw std::invalid_argument("sampler: logits contain NaN or +inf");
  if (max == kNegInf) throw std::invalid_argument("sampler: every logit is -inf");
  return max;
}

// The n first tokens in before_in_order, in that order: a bounded heap, O(vocab log n).
std::vector<int> best_tokens(std::span<const float> logits, int n) {
  const before_in_order before{logits.data()};
  const int vocab = static_cast<int>(logits.size());
  const auto keep = static_cast<std::size_t>(std::min(n, vocab));
  std::vector<int> heap;  // heap.front(): the last of the kept in the order
  heap.reserve(keep);
  for (int t = 0; t < vocab; ++t) {
    if (heap.size() < keep) {
      heap.push_back(t);
      std::push_heap(heap.begin(), heap.end(), before);
    } else if (before(t, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), before);
      heap.back() = t;
      std::push_heap(heap.begin(), heap.end(), before);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), before);
  return heap;
}

// The last token that top_k and top_p keep, in before_in_order; -1 when they keep all.
// `order` holds the tokens of positive weight; it is permuted.
int truncation_cutoff(const float* x, std::span<const float> w, std::vector<int>& order, double total,
                      const model::sampling_params& p) {
  const before_in_order before{x};
  std::size_t n = order.size();
  int cutoff = -1;
  double mass = total;
  if (p.top_k > 0 && static_cast<std::size_t>(p.top_k) < n) {
    n = static_cast<std::size_t>(p.top_k);
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n - 1), order.end(), before);
    cutoff = order[n - 1];
    if (p.top_p < 1.0f) {
      mass = 0.0;
      for (std::size_t j = 0; j < n; ++j) mass += w[static_cast<std::size_t>(order[j])];
    }
  }
  if (p.top_p >= 1.0f) return cutoff;
  // Sort growing prefixes of order[0, n) until their running mass reaches top_p.
  const double goal = static_cast<double>(p.top_p) * mass;
  const auto first = order.begin();
  double sum = 0.0;
  std::size_t sorted = 0;
  while (sorted < n) {
    const std::size_t end = std::min(n, std::max<std::size_t>(64, 2 * sorted));
    if (end < n) {
      std::nth_element(first + static_cast<std::ptrdiff_t>(sorted), first + static_cast<std::ptrdiff_t>(end),
                       first + static_cast<std::ptrdiff_t>(n), before);
    }
    std::sort(first + static_cast<std::ptrdiff_t>(sorted), first + static_cast<std::ptrdiff_t>(end), before);
    for (std::size_t j = sorted; j < end; ++j) {
      sum += w[static_cast<std::size_t>(order[j])];
      if (sum >= goal) return order[j];
    }
    sorted = end;
  }
  return order[n - 1];  // rounding kept the goal out of reach: keep the whole set
}

}  // namespace

random_source::random_source(std::uint64_t seed) {
  for (auto& word : s_) {  // splitmix64
    seed += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    word = z ^ (z >> 31);
  }
}

std::uint64_t random_source::next() {  // xoshiro256**
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

sampler::sampler(const model::sampling_params& p, std::uint64_t default_seed)
    : params_(validated(p)), rng_(p.seed.value_or(default_seed)) {}

sample_result sampler::sample(std::span<float> logits, std::span<const int> prompt, std::span<const int> output,
                              int top_logprobs) {
  if (logits.empty()) throw std::invalid_argument("sampler: empty logits row");
  if (logits.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw std::invalid_argument("sampler: logits row longer than INT_MAX");
  }
  if (top_logprobs < 0) throw std::invalid_argument("sampler: top_logprobs must be >= 0");
  workspace& ws = thread_workspace();
  apply_penalties(logits, prompt, output, params_, ws);
  const bool greedy = params_.is_greedy();
  const float max = scale_and_max(logits, greedy ? 1.0f : params_.temperature);

  ws.weights.resize(logits.size());
  double total = 0.0;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    ws.weights[i] = std::exp(logits[i] - max);
    total += ws.weights[i];
  }
  const double log_total = std::log(total);
  auto logprob = [&](int t) {
    return static_cast<float>(static_cast<double>(logits[static_cast<std::size_t>(t)]) - max - log_total);
  };

  sample_result r;
  if (greedy) {
    r.token = static_cast<int>(std::find(logits.begin(), logits.end(), max) - logits.begin());
  } else {
    r.token = draw(logits, std::span<const float>(ws.weights.data(), logits.size()), total);
  }
  r.logprob = logprob(r.token);
  if (top_logprobs > 0) {
    for (int t : best_tokens(logits, top_logprobs)) r.top.push_back({t, logprob(t)});
  }
  return r;
}

int sampler::draw(std::span<const float> logits, std::span<const float> weights, double total) {
  const double u = rng_.uniform();
  const std::size_t vocab = logits.size();
  const float* x = logits.data();
  const model::sampling_params& p = params_;
  const bool truncate_order = (p.top_k > 0 && static_cast<std::size_t>(p.top_k) < vocab) || p.top_p < 1.0f;
  const bool use_min_p = p.min_p > 0.0f;

  int cutoff = -1;
  if (truncate_order) {
    std::vector<int>& order = thread_workspace().order;
    order.clear();
    for (std::size_t i = 0; i < vocab; ++i) {
      if (weights[i] > 0.0f) order.push_back(static_cast<int>(i));
    }
    cutoff = truncation_cutoff(x, weights, order, total, p);
  }
  // min_p: p >= min_p * p_max, and p_max has weight exp(0) = 1.
  const before_in_order before{x};
  auto kept = [&](std::size_t i) {
    return weights[i] > 0.0f && (cutoff < 0 || !before(cutoff, static_cast<int>(i))) &&
           (!use_min_p || weights[i] >= p.min_p);
  };
  double mass = total;
  if (cutoff >= 0 || use_min_p) {
    mass = 0.0;
    for (std::size_t i = 0; i < vocab; ++i) {
      if (kept(i)) mass += weights[i];
    }
  }
  // Walk in token-id order: the same u picks the same token whatever nth_element did.
  const double target = u * mass;
  double sum = 0.0;
  int last = -1;
  for (std::size_t i = 0; i < vocab; ++i) {
    if (!kept(i)) continue;
    sum += weights[i];
    last = static_cast<int>(i);
    if (sum > target) return last;
  }
  return last;  // u * mass rounded up to mass
}

}  // namespace moeserve::cpu
