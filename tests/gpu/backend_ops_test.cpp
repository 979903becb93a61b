// Every op of model::backend run on the CPU backend and on the GPU backend alike, in the
// shape of ggml's test-backend-ops: the same random inputs and weights (rounded to bf16 so
// that both start from the same values) go through both, and the GPU's result must lie
// within a bf16 bound of the CPU's FP32 one:
//
//   ‖gpu − cpu‖ / ‖cpu‖ ≤ 1e-2 for one op (one bf16 rounding of the output, 2^-9
//   relative, plus the inputs' order of summation), 2e-2 for the MoE block (bf16 rounded
//   between its GEMMs).
//
// Attention runs two steps over a paged cache: prefills, then a ragged step of decodes and
// a prefill chunk whose sequence shares the first blocks of another (a prefix-cache hit),
// with GQA, in several block sizes and head sizes. Skips where no CUDA device is present.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "cpu/cpu_backend.hpp"
#include "gpu/runner/gpu_backend.hpp"
#include "tests/gpu/gpu_test_support.hpp"

namespace moeserve::gpu {
namespace {

using model::backend;
using model::tensor;

float round_bf16(float x) { return __bfloat162float(__float2bfloat16(x)); }

std::vector<float> random_bf16(std::size_t n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = round_bf16(d(rng));
  return v;
}

double relative_error(const std::vector<float>& got, const std::vector<float>& want) {
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (!std::isfinite(got[i])) return INFINITY;
    diff += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
    norm += double(want[i]) * want[i];
  }
  return std::sqrt(diff / std::max(norm, 1e-30));
}

// A float32 host weight and its tensor view.
struct host_weight {
  std::vector<float> values;
  model::tensor_view view;
  host_weight(std::int64_t rows, std::int64_t cols, std::mt19937& rng, float scale = 0.1f)
      : values(random_bf16(static_cast<std::size_t>(rows * cols), rng, scale)) {
    view.name = "w";
    view.type = model::dtype::f32;
    view.rank = rows == 1 ? 1 : 2;
    view.shape = rows == 1 ? std::array<std::int64_t, 4>{cols, 0, 0, 0} : std::array<std::int64_t, 4>{rows, cols, 0, 0};
    view.data = std::as_bytes(std::span(values));
  }
};

tensor input(backend& b, std::int64_t rows, std::int64_t cols, const std::vector<float>& values) {
  tensor t = b.allocate(rows, cols);
  b.write(t, values);
  return t;
}

std::vector<float> output(backend& b, tensor t) {
  std::vector<float> v(static_cast<std::size_t>(t.size()));
  b.read(t, v);
  return v;
}

// A ragged batch over `tables`: per sequence (first position, token count); logit rows
// at each sequence's last token.
model::step_batch make_batch(const std::vector<std::vector<std::int32_t>>& tables,
                             const std::vector<std::pair<int, int>>& spans, int block_size, std::mt19937& rng,
                             int vocab = 64) {
  model::step_batch batch;
  std::uniform_int_distribution<int> token(0, vocab - 1);
  for (std::size_t s = 0; s < spans.size(); ++s) {
    model::sequence_slice slice;
    slice.first_token = batch.token_count();
    slice.token_count = spans[s].second;
    slice.block_table = tables[s];
    for (int p = spans[s].first; p < spans[s].first + spans[s].second; ++p) {
      batch.tokens.push_back(token(rng));
      batch.positions.push_back(p);
      batch.slots.push_back(std::int64_t{tables[s][static_cast<std::size_t>(p / block_size)]} * block_size +
                            p % block_size);
    }
    batch.logit_rows.push_back(batch.token_count() - 1);
    batch.sequences.push_back(std::move(slice));
  }
  return batch;
}

class backend_ops : public ::testing::Test {
 protected:
  void SetUp() override {
    MOESERVE_REQUIRE_CUDA_DEVICE();
    gpu_ = std::make_unique<gpu_backend>(0, step_capacity{256, 16, 256});
    backends_ = {&cpu_, gpu_.get()};
  }
  // One KV cache and one step on both backends.
  void begin(const model::step_batch& batch, const model::kv_cache_spec& spec) {
    for (auto* b : backends_) {
      b->allocate_kv_cache(spec);
      b->begin_step(batch);
    }
  }
  // f(backend) on both; returns the relative error of the GPU's result to the CPU's.
  double compare(const std::function<std::vector<float>(backend&)>& f) {
    const auto want = f(cpu_);
    const auto got = f(*gpu_);
    EXPECT_EQ(got.size(), want.size());
    return relative_error(got, want);
  }

  cpu::cpu_backend cpu_{2};
  std::unique_ptr<gpu_backend> gpu_;
  std::vector<backend*> backends_;
  std::mt19937 rng_{1234};
  const model::kv_cache_spec small_cache_{1, 2, 64, 16, 8};
};

TEST_F(backend_ops, linear_with_and_without_bias_to_bf16_and_f32) {
  for (const std::int64_t n : {1, 3, 17, 64}) {
    host_weight w(96, 160, rng_), bias(1, 96, rng_);
    const auto x = random_bf16(static_cast<std::size_t>(n * 160), rng_);
    const auto batch = make_batch({{0}}, {{0, 1}}, 16, rng_);
    begin(batch, small_cache_);
    for (const bool with_bias : {false, true})
      for (const bool logits : {false, true}) {
        if (with_bias && logits) continue;  // a bias is for bf16 projections
        const double err = compare([&](backend& b) {
          auto wb = b.load_matrix(w.view);
          auto bb = b.load_vector(bias.view);
          tensor out = logits ? b.allocate_logits(n, 96) : b.allocate(n, 96);
          b.linear(input(b, n, 160, x), *wb, with_bias ? bb.get() : nullptr, out);
          return output(b, out);
        });
        EXPECT_LE(err, 1e-2) << "n " << n << " bias " << with_bias << " f32 " << logits;
      }
  }
}

TEST_F(backend_ops, norms_and_elementwise) {
  const std::int64_t n = 19, cols = 256, head_dim = 64;
  const auto x = random_bf16(static_cast<std::size_t>(n * cols), rng_);
  const auto r = random_bf16(x.size(), rng_);
  host_weight w(1, cols, rng_, 1.0f), hw(1, head_dim, rng_, 1.0f);
  const auto batch = make_batch({{0, 1}}, {{0, static_cast<int>(n)}}, 16, rng_);
  begin(batch, small_cache_);
  const auto run = [&](const char* what, const std::function<std::vector<float>(backend&)>& f) {
    const double err = compare(f);
    EXPECT_LE(err, 1e-2) << what;
  };
  run("rms_norm", [&](backend& b) {
    auto wb = b.load_vector(w.view);
    tensor out = b.allocate(n, cols);
    b.rms_norm(input(b, n, cols, x), *wb, 1e-6f, out);
    return output(b, out);
  });
  for (const bool want_residual : {false, true})
    run(want_residual ? "add_rms_norm residual" : "add_rms_norm out", [&](backend& b) {
      auto wb = b.load_vector(w.view);
      tensor res = input(b, n, cols, r), out = b.allocate(n, cols);
      b.add_rms_norm(res, input(b, n, cols, x), *wb, 1e-6f, out);
      return output(b, want_residual ? res : out);
    });
  run("head_rms_norm", [&](backend& b) {
    auto wb = b.load_vector(hw.view);
    tensor t = input(b, n, cols, x);
    b.head_rms_norm(t, static_cast<int>(head_dim), *wb, 1e-6f);
    return output(b, t);
  });
  run("silu_mul", [&](backend& b) {
    tensor g = input(b, n, cols, x), out = b.allocate(n, cols);
    b.silu_mul(g, input(b, n, cols, r), out);
    return output(b, out);
  });
}

TEST_F(backend_ops, embed_and_gather_rows) {
  host_weight table(64, 96, rng_, 1.0f);
  const auto batch = make_batch({{0, 1}, {2}, {3}}, {{0, 20}, {4, 1}, {0, 7}}, 16, rng_);
  begin(batch, small_cache_);
  const double err = compare([&](backend& b) {
    auto t = b.load_matrix(table.view);
    tensor x = b.allocate(batch.token_count(), 96), g = b.allocate(3, 96);
    b.embed(*t, x);
    b.gather_rows(x, batch.logit_rows, g);
    auto all = output(b, x), some = output(b, g);
    all.insert(all.end(), some.begin(), some.end());
    return all;
  });
  EXPECT_EQ(err, 0.0);  // copies of bf16 values
}

TEST_F(backend_ops, rope_both_pairings_full_and_partial) {
  const int head_dim = 64, heads = 3;
  for (const auto style : {model::rope_style::neox, model::rope_style::interleaved})
    for (const int rotary : {head_dim, head_dim / 2}) {
      model::rope_table table;
      table.style = style;
      table.rotary_dims = rotary;
      for (int i = 0; i < rotary / 2; ++i)
        table.inv_freq.push_back(static_cast<float>(std::pow(10000.0, -2.0 * i / rotary)));
      // Positions up to ~4,100: large angles.
      const auto batch = make_batch({std::vector<std::int32_t>(70, 0)}, {{4090, 9}}, 64, rng_);
      const auto x = random_bf16(static_cast<std::size_t>(9 * heads * head_dim), rng_);
      begin(batch, {1, 2, 64, 64, 70});
      const double err = compare([&](backend& b) {
        tensor t = input(b, 9, heads * head_dim, x);
        b.rope(t, head_dim, table);
        return output(b, t);
      });
      EXPECT_LE(err, 1e-2) << "style " << int(style) << " rotary " << rotary;
    }
}

struct attention_case {
  int block_size, heads, kv_heads, head_dim;
};

class paged_attention_cases : public backend_ops, public ::testing::WithParamInterface<attention_case> {};

// Step 1: A prefills 40 tokens, B 20. Step 2: A decodes at 40, B at 20, and C prefills 14
// tokens after the first 32 positions, which it shares with A (A's first blocks, when the
// block size divides 32).
TEST_P(paged_attention_cases, prefill_then_ragged_decode_with_shared_prefix) {
  const auto c = GetParam();
  const int bs = c.block_size, blocks = 4096 / bs;
  const auto table = [&](int first, int count) {
    std::vector<std::int32_t> t;
    for (int i = 0; i < count; ++i) t.push_back((first + 7 * i) % blocks);
    return t;
  };
  const int a_blocks = (41 + bs - 1) / bs, b_blocks = (21 + bs - 1) / bs, shared = 32 / bs;
  const auto ta = table(3, a_blocks), tb = table(1000 % blocks + 1, b_blocks);
  auto tc = std::vector<std::int32_t>(ta.begin(), ta.begin() + shared);
  const auto tail = table(2000 % blocks + 2, (46 + bs - 1) / bs - shared);
  tc.insert(tc.end(), tail.begin(), tail.end());
  const bool shares = 32 % bs == 0 && shared > 0;
  const auto step1 = make_batch({ta, tb}, {{0, 40}, {0, 20}}, bs, rng_);
  const auto step2 = shares ? make_batch({ta, tb, tc}, {{40, 1}, {20, 1}, {32, 14}}, bs, rng_)
                            : make_batch({ta, tb}, {{40, 1}, {20, 1}}, bs, rng_);
  const model::kv_cache_spec spec{1, c.kv_heads, c.head_dim, bs, blocks};
  const model::attention_params p{0, c.heads, c.kv_heads, c.head_dim, 1.0f / std::sqrt(float(c.head_dim))};
  const auto q_dim = std::int64_t{c.heads} * c.head_dim, kv_dim = std::int64_t{c.kv_heads} * c.head_dim;
  std::vector<std::vector<float>> data;
  for (const auto* step : {&step1, &step2})
    for (const auto dim : {q_dim, kv_dim, kv_dim}) data.push_back(random_bf16(std::size_t(step->token_count() * dim), rng_));
  const double err = compare([&](backend& b) {
    b.allocate_kv_cache(spec);
    std::vector<float> all;
    int d = 0;
    for (const auto* step : {&step1, &step2}) {
      b.begin_step(*step);
      const std::int64_t n = step->token_count();
      tensor q = input(b, n, q_dim, data[std::size_t(d)]), k = input(b, n, kv_dim, data[std::size_t(d + 1)]),
             v = input(b, n, kv_dim, data[std::size_t(d + 2)]), out = b.allocate(n, q_dim);
      d += 3;
      b.attention(p, q, k, v, out);
      const auto o = output(b, out);
      all.insert(all.end(), o.begin(), o.end());
    }
    return all;
  });
  EXPECT_LE(err, 1e-2);
}

INSTANTIATE_TEST_SUITE_P(shapes, paged_attention_cases,
                         ::testing::Values(attention_case{16, 4, 2, 64}, attention_case{64, 8, 2, 128},
                                           attention_case{32, 4, 4, 32}, attention_case{8, 6, 2, 16},
                                           attention_case{128, 4, 1, 256}, attention_case{64, 16, 4, 80}),
                         [](const auto& param_info) {
                           const auto& c = param_info.param;
                           return "bs" + std::to_string(c.block_size) + "_h" + std::to_string(c.heads) + "_kv" +
                                  std::to_string(c.kv_heads) + "_d" + std::to_string(c.head_dim);
                         });

struct moe_case {
  model::router_kind router;
  bool normalize;
  bool shared;
  int tokens;
};

class moe_cases : public backend_ops, public ::testing::WithParamInterface<moe_case> {};

// The MoE block on both backends. Tokens whose k-th and (k+1)-th routing scores lie within
// 1e-3 of each other may pick another expert after bf16 rounding: they are left out (and
// at least three quarters of the tokens must be compared).
TEST_P(moe_cases, routing_experts_and_shared_experts) {
  const auto c = GetParam();
  const int experts = 8, top_k = 2, hidden = 64, inter = 32, shared_inter = 48, n = c.tokens;
  host_weight router(experts, hidden, rng_, 0.3f), bias(1, experts, rng_, 0.05f);
  std::vector<std::unique_ptr<host_weight>> gate, up, down;
  for (int e = 0; e < experts; ++e) {
    gate.push_back(std::make_unique<host_weight>(inter, hidden, rng_));
    up.push_back(std::make_unique<host_weight>(inter, hidden, rng_));
    down.push_back(std::make_unique<host_weight>(hidden, inter, rng_));
  }
  host_weight sg(shared_inter, hidden, rng_), su(shared_inter, hidden, rng_), sd(hidden, shared_inter, rng_);
  const auto x = random_bf16(std::size_t(n) * hidden, rng_);
  model::moe_params p;
  p.router = c.router;
  p.top_k = top_k;
  p.normalize = c.normalize;
  p.norm_min = 1e-12f;
  const bool biased = c.router == model::router_kind::softmax_biased_top_k;
  // Which tokens route unambiguously (double precision on the host).
  std::vector<bool> clear(static_cast<std::size_t>(n), true);
  int compared = 0;
  for (int t = 0; t < n; ++t) {
    std::vector<double> logit(experts), score(experts);
    double max = -1e300, sum = 0;
    for (int e = 0; e < experts; ++e) {
      for (int h = 0; h < hidden; ++h) logit[e] += double(x[std::size_t(t * hidden + h)]) * router.values[std::size_t(e * hidden + h)];
      max = std::max(max, logit[e]);
    }
    for (int e = 0; e < experts; ++e) sum += std::exp(logit[e] - max);
    for (int e = 0; e < experts; ++e) score[e] = std::exp(logit[e] - max) / sum + (biased ? bias.values[std::size_t(e)] : 0.0);
    std::sort(score.begin(), score.end(), std::greater<>());
    clear[std::size_t(t)] = score[top_k - 1] - score[top_k] > 1e-3;
    compared += clear[std::size_t(t)];
  }
  ASSERT_GE(compared * 4, n * 3);
  const auto batch = make_batch({{0}}, {{0, 1}}, 16, rng_);
  begin(batch, small_cache_);
  const auto run = [&](backend& b) {
    std::vector<std::unique_ptr<model::backend_weight>> g, u, d;
    for (int e = 0; e < experts; ++e) {
      g.push_back(b.load_matrix(gate[std::size_t(e)]->view));
      u.push_back(b.load_matrix(up[std::size_t(e)]->view));
      d.push_back(b.load_matrix(down[std::size_t(e)]->view));
    }
    auto stack = b.stack_experts(std::move(g), std::move(u), std::move(d));
    auto rw = b.load_matrix(router.view), bw = b.load_vector(bias.view);
    auto sgw = b.load_matrix(sg.view), suw = b.load_matrix(su.view), sdw = b.load_matrix(sd.view);
    model::moe_weights w;
    w.router = rw.get();
    w.selection_bias = biased ? bw.get() : nullptr;
    w.experts = stack.get();
    if (c.shared) {
      w.shared_gate = sgw.get();
      w.shared_up = suw.get();
      w.shared_down = sdw.get();
    }
    tensor out = b.allocate(n, hidden);
    b.moe(input(b, n, hidden, x), w, p, out);
    auto values = output(b, out);
    for (int t = 0; t < n; ++t)
      if (!clear[std::size_t(t)]) std::fill_n(values.begin() + std::ptrdiff_t(t) * hidden, hidden, 0.0f);
    return values;
  };
  EXPECT_LE(compare(run), 2e-2);
}

INSTANTIATE_TEST_SUITE_P(routers, moe_cases,
                         ::testing::Values(moe_case{model::router_kind::softmax_top_k, true, false, 5},
                                           moe_case{model::router_kind::softmax_top_k, false, false, 37},
                                           moe_case{model::router_kind::softmax_biased_top_k, true, true, 1},
                                           moe_case{model::router_kind::softmax_biased_top_k, true, true, 130}),
                         [](const auto& param_info) {
                           const auto& c = param_info.param;
                           return std::string(c.router == model::router_kind::softmax_top_k ? "softmax" : "biased") +
                                  (c.normalize ? "_norm" : "") + (c.shared ? "_shared" : "") + "_" +
                                  std::to_string(c.tokens);
                         });

}  // namespace
}  // namespace moeserve::gpu
