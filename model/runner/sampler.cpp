#include "model/runner/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <ranges>
#include <stdexcept>
#include <string>

namespace moeserve::model {
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
  std::vector<double> bucket_mass;  // top_p's histogram
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
  if (!p.has_penalties()) return;
  const bool repetition = p.repetition_penalty != 1.0f;
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

// Walks `order` (non-empty) in before_in_order, sorting growing prefixes (64, 128, ...),
// until the running mass, starting at `sum`, reaches `goal`; returns the token that reaches
// it, or the last one when rounding keeps the goal out of reach.
int sorted_walk(const float* x, std::span<const float> w, std::span<int> order, double sum, double goal) {
  const before_in_order before{x};
  const auto at = [&](std::size_t j) { return order.begin() + static_cast<std::ptrdiff_t>(j); };
  for (std::size_t sorted = 0; sorted < order.size();) {
    const std::size_t end = std::min(order.size(), std::max<std::size_t>(64, 2 * sorted));
    if (end < order.size()) std::nth_element(at(sorted), at(end), order.end(), before);
    std::sort(at(sorted), at(end), before);
    for (; sorted < end; ++sorted) {
      sum += w[static_cast<std::size_t>(order[sorted])];
      if (sum >= goal) return order[sorted];
    }
  }
  return order.back();
}

// top_p over `order` without sorting it: a histogram of the mass by logit distance from the
// maximum (bucket b holds max - x in [b, b + 1) / kBucketsPerLogit) finds the bucket where
// the running mass reaches `goal`; only that bucket's tokens are then sorted. Buckets are
// monotone in the logit, so every token of an earlier bucket comes first. -1: not reached.
int top_p_cutoff(const float* x, std::span<const float> w, std::span<int> order, float max, double goal,
                 workspace& ws) {
  constexpr std::size_t kBuckets = 4096;
  constexpr float kBucketsPerLogit = 128.0f;  // buckets span 32 logits; beyond, the last one
  auto bucket_of = [&](int t) {
    const float distance = max - x[t];
    return distance < kBuckets / kBucketsPerLogit ? static_cast<std::size_t>(distance * kBucketsPerLogit)
                                                  : kBuckets - 1;
  };
  ws.bucket_mass.assign(kBuckets, 0.0);
  for (int t : order) ws.bucket_mass[bucket_of(t)] += w[static_cast<std::size_t>(t)];
  double before_bucket = 0.0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    if (before_bucket + ws.bucket_mass[b] < goal) {
      before_bucket += ws.bucket_mass[b];
      continue;
    }
    const auto in_b = std::partition(order.begin(), order.end(), [&](int t) { return bucket_of(t) == b; });
    return sorted_walk(x, w, order.first(static_cast<std::size_t>(in_b - order.begin())), before_bucket, goal);
  }
  return -1;
}

// Draws from `ids` (ascending) those `keep` accepts: the first whose running weight exceeds
// u * (their total). Walking in id order makes the same u pick the same token whatever
// order the selection algorithms left behind.
template <typename Ids, typename Keep>
int draw_in_id_order(const Ids& ids, std::span<const float> w, Keep keep, double u) {
  double mass = 0.0;
  for (auto t : ids) {
    if (keep(t)) mass += w[static_cast<std::size_t>(t)];
  }
  const double target = u * mass;
  double sum = 0.0;
  int last = -1;
  for (auto t : ids) {
    if (!keep(t)) continue;
    sum += w[static_cast<std::size_t>(t)];
    last = static_cast<int>(t);
    if (sum > target) break;
  }
  return last;  // also when u * mass rounded up to mass
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
                              int top_logprobs, bool want_logprob) {
  if (logits.empty()) throw std::invalid_argument("sampler: empty logits row");
  if (logits.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw std::invalid_argument("sampler: logits row longer than INT_MAX");
  }
  if (top_logprobs < 0) throw std::invalid_argument("sampler: top_logprobs must be >= 0");
  workspace& ws = thread_workspace();
  apply_penalties(logits, prompt, output, params_, ws);
  const bool greedy = params_.is_greedy();
  const float max = scale_and_max(logits, greedy ? 1.0f : params_.temperature);
  if (greedy && !want_logprob && top_logprobs == 0) {  // the argmax alone: no softmax needed
    sample_result r;
    r.token = static_cast<int>(std::find(logits.begin(), logits.end(), max) - logits.begin());
    return r;
  }

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
    r.token = draw(logits, std::span<const float>(ws.weights.data(), logits.size()), max, total);
  }
  r.logprob = logprob(r.token);
  if (top_logprobs > 0) {
    for (int t : best_tokens(logits, top_logprobs)) r.top.push_back({t, logprob(t)});
  }
  return r;
}

int sampler::draw(std::span<const float> logits, std::span<const float> weights, float max, double total) {
  constexpr int kSmallTopK = 1024;  // up to here top_k is a heap selection; beyond, nth_element
  const double u = rng_.uniform();
  const std::size_t vocab = logits.size();
  const float* x = logits.data();
  const model::sampling_params& p = params_;
  const bool top_k = p.top_k > 0 && static_cast<std::size_t>(p.top_k) < vocab;
  // min_p: p >= min_p * p_max, where p_max has weight exp(0) = 1.
  auto passes_min_p = [&](std::size_t t) { return weights[t] > 0.0f && weights[t] >= p.min_p; };

  if (top_k && p.top_k <= kSmallTopK) {  // the kept tokens are few: list them
    std::vector<int> kept = best_tokens(logits, p.top_k);
    if (p.top_p < 1.0f) {
      double mass = 0.0, sum = 0.0;
      for (int t : kept) mass += weights[static_cast<std::size_t>(t)];
      const double goal = static_cast<double>(p.top_p) * mass;
      for (std::size_t j = 0; j < kept.size(); ++j) {
        if ((sum += weights[static_cast<std::size_t>(kept[j])]) >= goal) {
          kept.resize(j + 1);
          break;
        }
      }
    }
    std::sort(kept.begin(), kept.end());
    return draw_in_id_order(
        kept, weights, [&](int t) { return passes_min_p(static_cast<std::size_t>(t)); }, u);
  }

  int cutoff = -1;  // the last token top_k and top_p keep, in before_in_order; -1: all
  if (top_k || p.top_p < 1.0f) {
    std::vector<int>& order = thread_workspace().order;
    order.clear();
    for (std::size_t i = 0; i < vocab; ++i) {
      if (weights[i] > 0.0f) order.push_back(static_cast<int>(i));
    }
    std::span<int> kept(order);
    double mass = total;
    if (top_k && static_cast<std::size_t>(p.top_k) < kept.size()) {
      const auto k = static_cast<std::size_t>(p.top_k);
      std::nth_element(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(k - 1), kept.end(), before_in_order{x});
      kept = kept.first(k);
      cutoff = kept.back();
      mass = 0.0;
      for (int t : kept) mass += weights[static_cast<std::size_t>(t)];
    }
    if (p.top_p < 1.0f) {
      const int last = top_p_cutoff(x, weights, kept, max, static_cast<double>(p.top_p) * mass, thread_workspace());
      if (last >= 0) cutoff = last;  // else rounding kept the goal out of reach: keep the whole set
    }
  }
  const before_in_order before{x};
  auto keep = [&](std::size_t i) { return passes_min_p(i) && (cutoff < 0 || !before(cutoff, static_cast<int>(i))); };
  return draw_in_id_order(std::views::iota(std::size_t{0}, vocab), weights, keep, u);
}

}  // namespace moeserve::model
