#include "cpu/moe.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "cpu/cpu_matrix.hpp"
#include "cpu/linear.hpp"
#include "cpu/row_ops.hpp"

namespace moeserve::cpu {

namespace {

const cpu_matrix& as_cpu(const model::backend_weight* w) { return static_cast<const cpu_matrix&>(*w); }

// y = down(silu(gate x) * up x) for m rows of x.
void swiglu(thread_pool& pool, const cpu_matrix& gate, const cpu_matrix& up, const cpu_matrix& down, const float* x,
            std::int64_t m, float* y) {
  const std::int64_t inter = gate.rows();
  std::vector<float> g(static_cast<std::size_t>(m * inter)), u(g.size());
  linear(pool, gate, x, m, nullptr, g.data());
  linear(pool, up, x, m, nullptr, u.data());
  silu_mul(g.data(), u.data(), m * inter, g.data());
  linear(pool, down, g.data(), m, nullptr, y);
}

}  // namespace

routing route_token(const float* logits, int experts, const float* selection_bias, const model::moe_params& p) {
  std::vector<float> prob(static_cast<std::size_t>(experts));
  const float max = *std::max_element(logits, logits + experts);
  float sum = 0;
  for (int e = 0; e < experts; ++e) sum += (prob[static_cast<std::size_t>(e)] = std::exp(logits[e] - max));
  for (auto& v : prob) v /= sum;
  std::vector<int> order(static_cast<std::size_t>(experts));
  std::iota(order.begin(), order.end(), 0);
  const auto key = [&](int e) {
    return prob[static_cast<std::size_t>(e)] + (selection_bias ? selection_bias[e] : 0.0f);
  };
  std::partial_sort(order.begin(), order.begin() + p.top_k, order.end(), [&](int a, int b) {
    const float ka = key(a), kb = key(b);
    return ka > kb || (ka == kb && a < b);
  });
  routing r;
  r.experts.assign(order.begin(), order.begin() + p.top_k);
  float total = 0;
  for (int e : r.experts) total += prob[static_cast<std::size_t>(e)];
  const float divisor = p.normalize ? std::max(total, p.norm_min) : 1.0f;
  for (int e : r.experts) r.weights.push_back(prob[static_cast<std::size_t>(e)] / divisor);
  return r;
}

void moe_block(thread_pool& pool, const model::moe_weights& w, const model::moe_params& p, const float* x,
               std::int64_t n, std::int64_t hidden, float* out) {
  const auto experts = static_cast<int>(w.router->rows());
  const auto& stack = static_cast<const model::expert_stack&>(*w.experts);
  std::vector<float> logits(static_cast<std::size_t>(n * experts));
  linear(pool, as_cpu(w.router), x, n, nullptr, logits.data());
  const float* bias = w.selection_bias ? as_cpu(w.selection_bias).floats() : nullptr;

  // Tokens (and their weights) per expert.
  std::vector<std::vector<std::int64_t>> tokens(static_cast<std::size_t>(experts));
  std::vector<std::vector<float>> weights(static_cast<std::size_t>(experts));
  for (std::int64_t t = 0; t < n; ++t) {
    const routing r = route_token(logits.data() + t * experts, experts, bias, p);
    for (std::size_t i = 0; i < r.experts.size(); ++i) {
      tokens[static_cast<std::size_t>(r.experts[i])].push_back(t);
      weights[static_cast<std::size_t>(r.experts[i])].push_back(r.weights[i]);
    }
  }
  std::fill_n(out, n * hidden, 0.0f);
  std::vector<float> xe, ye;
  for (int e = 0; e < experts; ++e) {
    const auto& list = tokens[static_cast<std::size_t>(e)];
    if (list.empty()) continue;
    const auto m = static_cast<std::int64_t>(list.size());
    xe.resize(static_cast<std::size_t>(m * hidden));
    ye.resize(xe.size());
    for (std::int64_t i = 0; i < m; ++i)
      std::copy_n(x + list[static_cast<std::size_t>(i)] * hidden, hidden, xe.data() + i * hidden);
    const auto ue = static_cast<std::size_t>(e);
    swiglu(pool, as_cpu(stack.gate[ue].get()), as_cpu(stack.up[ue].get()), as_cpu(stack.down[ue].get()), xe.data(), m, ye.data());
    for (std::int64_t i = 0; i < m; ++i) {
      const float wt = weights[ue][static_cast<std::size_t>(i)];
      float* o = out + list[static_cast<std::size_t>(i)] * hidden;
      for (std::int64_t d = 0; d < hidden; ++d) o[d] += wt * ye[static_cast<std::size_t>(i * hidden + d)];
    }
  }
  if (w.shared_gate) {
    ye.resize(static_cast<std::size_t>(n * hidden));
    swiglu(pool, as_cpu(w.shared_gate), as_cpu(w.shared_up), as_cpu(w.shared_down), x, n, ye.data());
    for (std::int64_t i = 0; i < n * hidden; ++i) out[i] += ye[static_cast<std::size_t>(i)];
  }
}

}  // namespace moeserve::cpu
