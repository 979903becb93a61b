// The token sampler against a plain reference written here: penalties and temperature in
// double, a full sort, then top-k, top-p and min-p exactly as sampling_params.hpp states.
// Draw frequencies are checked with a chi-square bound; every seed is fixed, so a run is
// deterministic and cannot flake.
#include "model/runner/sampler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <ostream>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace moeserve::model {
namespace {

using model::sampling_params;

// Logits uniform in [-spread, spread) from mt19937_64's raw output (specified by the standard).
std::vector<float> random_logits(std::size_t vocab, std::uint64_t seed, double spread = 4.0) {
  std::mt19937_64 gen(seed);
  std::vector<float> x(vocab);
  for (float& v : x) v = static_cast<float>(spread * (2.0 * static_cast<double>(gen() >> 11) * 0x1.0p-53 - 1.0));
  return x;
}

struct reference {
  std::vector<double> logprob;  // log-softmax of the processed logits (before truncation)
  std::vector<double> keep;     // renormalized probability of each kept token, 0 for the others
};

reference reference_of(const std::vector<float>& raw, const std::vector<int>& prompt, const std::vector<int>& output,
                       const sampling_params& p) {
  std::vector<double> x(raw.begin(), raw.end());
  std::map<int, int> count;
  std::set<int> seen(prompt.begin(), prompt.end());
  for (int t : output) ++count[t], seen.insert(t);
  for (int t : seen) {
    double& v = x[static_cast<std::size_t>(t)];
    if (p.repetition_penalty != 1.0f) v = v > 0 ? v / p.repetition_penalty : v * p.repetition_penalty;
    if (count.count(t)) v -= double{p.frequency_penalty} * count[t] + p.presence_penalty;
  }
  if (!p.is_greedy()) {
    for (double& v : x) v /= p.temperature;
  }
  const double max = *std::max_element(x.begin(), x.end());
  double sum = 0;
  for (double v : x) sum += std::exp(v - max);
  reference r{std::vector<double>(x.size()), std::vector<double>(x.size())};
  for (std::size_t i = 0; i < x.size(); ++i) r.logprob[i] = x[i] - max - std::log(sum);

  std::vector<int> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return x[a] > x[b] || (x[a] == x[b] && a < b); });
  auto prob = [&](std::size_t j) { return std::exp(r.logprob[static_cast<std::size_t>(order[j])]); };
  std::size_t n = x.size();
  if (p.top_k > 0 && static_cast<std::size_t>(p.top_k) < n) n = static_cast<std::size_t>(p.top_k);
  if (p.top_p < 1.0f) {
    double mass = 0, cum = 0;
    for (std::size_t j = 0; j < n; ++j) mass += prob(j);
    for (std::size_t j = 0; j < n; ++j) {
      if ((cum += prob(j)) >= p.top_p * mass) {
        n = j + 1;
        break;
      }
    }
  }
  double kept = 0;
  for (std::size_t j = 0; j < n; ++j) {
    if (prob(j) >= p.min_p * prob(0)) kept += r.keep[static_cast<std::size_t>(order[j])] = prob(j);
  }
  for (double& k : r.keep) k /= kept;
  return r;
}

std::vector<int> draw_counts(const sampling_params& p, std::uint64_t seed, const std::vector<float>& raw,
                             const std::vector<int>& prompt, const std::vector<int>& output, int draws) {
  sampler s(p, seed);
  std::vector<int> counts(raw.size());
  for (int i = 0; i < draws; ++i) {
    std::vector<float> row = raw;
    ++counts[static_cast<std::size_t>(s.sample(row, prompt, output).token)];
  }
  return counts;
}

// Every draw is a kept token, every kept token expected 10 times or more is drawn, and the
// frequencies pass a chi-square test with a bound at about six standard deviations (tokens
// expected fewer than 5 times share one bin).
void expect_draws_follow(const reference& ref, const std::vector<int>& counts, int draws) {
  double chi2 = 0, rare_expected = 0, rare_observed = 0;
  int bins = 0;
  for (std::size_t t = 0; t < counts.size(); ++t) {
    if (ref.keep[t] == 0) {
      EXPECT_EQ(counts[t], 0) << "token " << t << " is outside the reference's kept set";
      continue;
    }
    const double expected = ref.keep[t] * draws;
    if (expected >= 10) {
      EXPECT_GT(counts[t], 0) << "token " << t << " of the reference's kept set is never drawn";
    }
    if (expected < 5) {
      rare_expected += expected, rare_observed += counts[t];
      continue;
    }
    chi2 += (counts[t] - expected) * (counts[t] - expected) / expected, ++bins;
  }
  if (rare_expected > 0) {
    chi2 += (rare_observed - rare_expected) * (rare_observed - rare_expected) / rare_expected, ++bins;
  }
  const double df = std::max(1, bins - 1);
  EXPECT_LT(chi2, df + 6 * std::sqrt(2 * df) + 6) << bins << " bins";
}

TEST(RandomSource, IsXoshiro256StarStarSeededBySplitmix64) {
  random_source zero(0), answer(42);
  EXPECT_EQ(zero.next(), 0x99ec5f36cb75f2b4ULL);
  EXPECT_EQ(zero.next(), 0xbf6e1f784956452aULL);
  EXPECT_EQ(answer.next(), 0x15780b2e0c2ec716ULL);
  EXPECT_EQ(answer.next(), 0x6104d9866d113a7eULL);
  EXPECT_DOUBLE_EQ(answer.uniform(), 0.6800434110281394);  // (0xae17533239e499a1 >> 11) * 2^-53
}

TEST(Sampler, GreedyIsArgmaxWithTiesToLowestIdAndIgnoresSeed) {
  sampling_params p;
  p.temperature = 0;
  const std::vector<float> tied{1, 5, -2, 5, 5, 0};
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    std::vector<float> row = tied;
    EXPECT_EQ(sampler(p, seed).sample(row, {}, {}).token, 1);
    EXPECT_EQ(row, tied);  // no temperature, no penalty: untouched
  }
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    std::vector<float> row = random_logits(1000, seed);
    const auto best = std::max_element(row.begin(), row.end()) - row.begin();
    EXPECT_EQ(sampler(p, seed).sample(row, {}, {}).token, best);
    EXPECT_EQ(sampler(p, seed).sample(row, {}, {}, 0, /*want_logprob=*/false).token, best);  // no softmax
  }
}

TEST(Sampler, RepetitionPenaltyDividesPositiveMultipliesNegativeOncePerToken) {
  sampling_params p;
  p.temperature = 0, p.repetition_penalty = 1.5f;
  std::vector<float> row{2, -2, 3, -1, 0.5f, 4};
  sampler(p, 0).sample(row, std::vector<int>{0, 1, 1}, std::vector<int>{2, 3, 0, 3});
  EXPECT_EQ(row, (std::vector<float>{2 / 1.5f, -2 * 1.5f, 3 / 1.5f, -1 * 1.5f, 0.5f, 4}));
}

TEST(Sampler, PresencePenaltyCountsOutputTokensOnceAndNotThePrompt) {
  sampling_params p;
  p.temperature = 0, p.presence_penalty = 0.75f;
  std::vector<float> row{1, 1, 1, 1};
  sampler(p, 0).sample(row, std::vector<int>{0, 3}, std::vector<int>{1, 1, 1, 2});
  EXPECT_EQ(row, (std::vector<float>{1, 0.25f, 0.25f, 1}));
}

TEST(Sampler, FrequencyPenaltyScalesWithTheOutputCount) {
  sampling_params p;
  p.temperature = 0, p.frequency_penalty = -0.5f;
  std::vector<float> row{1, 1, 1, 1};
  const auto r = sampler(p, 0).sample(row, std::vector<int>{0, 3}, std::vector<int>{1, 1, 1, 2});
  EXPECT_EQ(row, (std::vector<float>{1, 2.5f, 1.5f, 1}));
  EXPECT_EQ(r.token, 1);  // greedy applies penalties
}

TEST(Sampler, PenaltiesApplyInOrderThenTemperature) {
  sampling_params p;
  p.temperature = 0.5f, p.repetition_penalty = 1.25f, p.presence_penalty = 0.5f, p.frequency_penalty = 0.25f;
  std::vector<float> row{3, -3, 2, 7};
  sampler(p, 0).sample(row, std::vector<int>{0, 1}, std::vector<int>{1, 2, 2});
  EXPECT_FLOAT_EQ(row[0], 3 / 1.25f / 0.5f);
  EXPECT_FLOAT_EQ(row[1], (-3 * 1.25f - 0.25f - 0.5f) / 0.5f);
  EXPECT_FLOAT_EQ(row[2], (2 / 1.25f - 0.5f - 0.5f) / 0.5f);
  EXPECT_FLOAT_EQ(row[3], 7 / 0.5f);
}

struct truncation_case {
  const char* name;
  int top_k;
  float top_p, min_p;
  std::size_t vocab = 64;  // above 1024, top_k takes the nth_element path
  bool ties = false;       // logits rounded to integers: ties at the cut, broken by id
  double spread = 4.0;     // logits in [-spread, spread); 0.5 with ties: all equal
};

void PrintTo(const truncation_case& c, std::ostream* os) { *os << c.name; }

class Truncation : public testing::TestWithParam<truncation_case> {};

TEST_P(Truncation, DrawsFollowTheReferenceKeptSet) {
  const truncation_case& c = GetParam();
  sampling_params p;
  p.temperature = 0.8f, p.top_k = c.top_k, p.top_p = c.top_p, p.min_p = c.min_p;
  p.repetition_penalty = 1.2f, p.presence_penalty = 0.3f, p.frequency_penalty = 0.2f;
  const std::vector<int> prompt{3, 9, 9, 27}, output{5, 9, 5, 40};
  for (std::uint64_t seed : {11u, 12u}) {
    if (seed == 12 && c.vocab > 64) break;  // one seed is enough for the slower large cases
    std::vector<float> raw = random_logits(c.vocab, seed, c.spread);
    if (c.ties) std::transform(raw.begin(), raw.end(), raw.begin(), [](float v) { return std::round(v); });
    constexpr int kDraws = 20000;
    expect_draws_follow(reference_of(raw, prompt, output, p), draw_counts(p, seed, raw, prompt, output, kDraws),
                        kDraws);
  }
}

INSTANTIATE_TEST_SUITE_P(Sampler, Truncation,
                         testing::Values(truncation_case{"none", 0, 1, 0}, truncation_case{"top_k", 5, 1, 0},
                                         truncation_case{"top_k_minus_one", -1, 1, 0},
                                         truncation_case{"top_p", 0, 0.8f, 0}, truncation_case{"min_p", 0, 1, 0.1f},
                                         truncation_case{"top_k_top_p", 12, 0.7f, 0},
                                         truncation_case{"all_three", 20, 0.9f, 0.05f},
                                         truncation_case{"top_k_one", 1, 1, 0},
                                         truncation_case{"ties", 9, 0.75f, 0.05f, 64, true},
                                         truncation_case{"ties_top_p", 0, 0.6f, 0, 64, true},
                                         truncation_case{"large_top_k", 2000, 1, 0, 4096},
                                         truncation_case{"large_top_k_top_p", 1500, 0.6f, 0.02f, 4096, true},
                                         truncation_case{"large_top_k_flat", 1100, 1, 0, 2200, true, 0.5},
                                         truncation_case{"top_p_flat", 0, 0.5f, 0, 2200, true, 0.5}),
                         [](const testing::TestParamInfo<truncation_case>& i) { return i.param.name; });

TEST(Sampler, TruncationRulesOnKnownProbabilities) {
  const std::vector<float> raw{std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)};
  struct rule {
    int top_k;
    float top_p, min_p;
    std::vector<int> kept;
  };
  const std::vector<rule> rules{{0, 0.79f, 0, {0, 1}},    {0, 0.81f, 0, {0, 1, 2}}, {3, 1, 0, {0, 1, 2}},
                                {2, 0.6f, 0, {0}},  // top_p of the top-k set: 0.5 >= 0.6 * 0.8
                                {0, 1, 0.29f, {0, 1, 2}}, {0, 1, 0.31f, {0, 1}},    {0, 0.81f, 0.35f, {0, 1}}};
  for (const rule& c : rules) {
    sampling_params p;
    p.top_k = c.top_k, p.top_p = c.top_p, p.min_p = c.min_p;
    const auto counts = draw_counts(p, 1, raw, {}, {}, 20000);
    const reference ref = reference_of(raw, {}, {}, p);
    std::vector<int> drawn, reference_kept;
    for (int t = 0; t < 4; ++t) {
      if (counts[static_cast<std::size_t>(t)] > 0) drawn.push_back(t);
      if (ref.keep[static_cast<std::size_t>(t)] > 0) reference_kept.push_back(t);
    }
    EXPECT_EQ(drawn, c.kept) << "top_k " << c.top_k << " top_p " << c.top_p << " min_p " << c.min_p;
    EXPECT_EQ(reference_kept, c.kept);
  }
}

TEST(Sampler, LargeVocabularyDrawsOnlyFromTheReferenceKeptSet) {
  const std::vector<float> raw = random_logits(150000, 7, 10.0);
  const std::vector<std::tuple<int, float, float>> cases{{40, 1, 0},      {0, 0.3f, 0},    {1000, 0.95f, 0},
                                                         {5000, 0.9f, 0}, {2000, 1, 0.1f}, {0, 1, 0.9f}};
  for (const auto& [k, top_p, min_p] : cases) {
    sampling_params p;
    p.top_k = k, p.top_p = top_p, p.min_p = min_p;
    const reference ref = reference_of(raw, {}, {}, p);
    const auto counts = draw_counts(p, 5, raw, {}, {}, 200);
    for (std::size_t t = 0; t < counts.size(); ++t) {
      if (counts[t] > 0) {
        EXPECT_GT(ref.keep[t], 0) << "top_k " << k << " top_p " << top_p << " token " << t;
      }
    }
  }
}

TEST(Sampler, SameSeedSameTokensDifferentSeedDifferentTokens) {
  const std::vector<float> raw = random_logits(1000, 3, 1.0);
  auto tokens = [&](sampling_params p, std::uint64_t default_seed) {
    sampler s(p, default_seed);
    std::vector<int> out;
    for (int i = 0; i < 64; ++i) {
      std::vector<float> row = raw;
      out.push_back(s.sample(row, {}, out).token);
    }
    return out;
  };
  sampling_params p;
  p.top_p = 0.9f;
  EXPECT_EQ(tokens(p, 1), tokens(p, 1));
  EXPECT_NE(tokens(p, 1), tokens(p, 2));
  p.seed = 77;
  EXPECT_EQ(tokens(p, 1), tokens(p, 2));  // the request's seed wins over the default
}

TEST(Sampler, LogprobsAreLogSoftmaxBeforeTruncationAndTopIsSorted) {
  sampling_params p;
  p.temperature = 0.7f, p.top_k = 50, p.repetition_penalty = 1.3f, p.frequency_penalty = 0.4f;
  const std::vector<float> raw = random_logits(5000, 21, 6.0);
  std::vector<int> output{4, 4, 100, 2500};
  for (bool greedy : {false, true}) {
    p.temperature = greedy ? 0.0f : 0.7f;
    const reference ref = reference_of(raw, {}, output, p);
    std::vector<int> best(raw.size());
    std::iota(best.begin(), best.end(), 0);
    std::stable_sort(best.begin(), best.end(), [&](int a, int b) { return ref.logprob[a] > ref.logprob[b]; });
    sampler s(p, 9);
    for (int i = 0; i < 20; ++i) {
      std::vector<float> row = raw;
      const sample_result r = s.sample(row, {}, output, 8);
      EXPECT_NEAR(r.logprob, ref.logprob[static_cast<std::size_t>(r.token)], 1e-5);
      ASSERT_EQ(r.top.size(), 8u);
      for (std::size_t j = 0; j < r.top.size(); ++j) {
        EXPECT_EQ(r.top[j].token, best[j]);
        EXPECT_NEAR(r.top[j].logprob, ref.logprob[static_cast<std::size_t>(best[j])], 1e-5);
      }
    }
  }
}

TEST(Sampler, TopLogprobsTiesGoToLowestIdAndAreCappedAtTheVocabulary) {
  std::vector<float> row{0, 1, 1, 0};
  const auto r = sampler(sampling_params{}, 0).sample(row, {}, {}, 10);
  const double hi = -std::log(2 + 2 * std::exp(-1.0)), lo = hi - 1;
  ASSERT_EQ(r.top.size(), 4u);
  EXPECT_EQ(r.top[0], (token_logprob{1, r.top[0].logprob}));
  EXPECT_EQ(r.top[1].token, 2);
  EXPECT_EQ(r.top[2].token, 0);
  EXPECT_EQ(r.top[3].token, 3);
  EXPECT_NEAR(r.top[0].logprob, hi, 1e-6);
  EXPECT_NEAR(r.top[3].logprob, lo, 1e-6);
}

TEST(Sampler, MaskedTokensAreNeverDrawnAndExtremeTemperaturesSaturate) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const std::vector<float> raw{-kInf, 0.5f, -kInf, 0.25f, -kInf};
  const auto counts = draw_counts(sampling_params{}, 4, raw, {}, {}, 2000);
  EXPECT_EQ(counts[0] + counts[2] + counts[4], 0);
  EXPECT_GT(counts[1], counts[3]);
  sampling_params cold;
  cold.temperature = 1e-40f;  // 0.5 / 1e-40 overflows: saturates, no NaN
  std::vector<float> row = raw;
  const auto r = sampler(cold, 0).sample(row, {}, {});
  EXPECT_TRUE(r.token == 1 || r.token == 3);
  EXPECT_EQ(row[1], std::numeric_limits<float>::max());
  EXPECT_TRUE(std::isfinite(r.logprob));
}

TEST(Sampler, RejectsMalformedInputs) {
  sampling_params penalized;
  penalized.repetition_penalty = 1.1f;
  sampler s(penalized, 0);
  std::vector<float> empty, nan{0, std::nanf("")}, masked(3, -std::numeric_limits<float>::infinity()), ok{0, 1};
  EXPECT_THROW(s.sample(empty, {}, {}), std::invalid_argument);
  EXPECT_THROW(s.sample(nan, {}, {}), std::invalid_argument);
  EXPECT_THROW(s.sample(masked, {}, {}), std::invalid_argument);
  EXPECT_THROW(s.sample(ok, {}, {}, -1), std::invalid_argument);
  EXPECT_THROW(s.sample(ok, std::vector<int>{2}, {}), std::out_of_range);
  EXPECT_THROW(s.sample(ok, {}, std::vector<int>{-1}), std::out_of_range);
}

TEST(SamplingParams, ValidateRejectsEachBadValueNamingTheParameter) {
  const float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
  struct bad_values {
    std::string name;
    float sampling_params::*member;  // null: top_k
    std::vector<float> values;
  };
  const std::vector<bad_values> bad{{"temperature", &sampling_params::temperature, {-0.1f, nan, inf}},
                                    {"top_k", nullptr, {-2}},
                                    {"top_p", &sampling_params::top_p, {0, 1.5f, nan}},
                                    {"min_p", &sampling_params::min_p, {-0.1f, 1.01f, nan}},
                                    {"repetition_penalty", &sampling_params::repetition_penalty, {0, -1, inf, nan}},
                                    {"presence_penalty", &sampling_params::presence_penalty, {2.5f, nan}},
                                    {"frequency_penalty", &sampling_params::frequency_penalty, {-2.01f, -inf}}};
  for (const auto& [name, member, values] : bad) {
    for (float value : values) {
      sampling_params p;
      if (member) p.*member = value;
      if (!member) p.top_k = static_cast<int>(value);
      try {
        p.validate();
        ADD_FAILURE() << name << " = " << value << " was accepted";
      } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()).rfind(name + " must be ", 0), 0u) << e.what();
      }
      EXPECT_THROW(sampler(p, 0), std::invalid_argument);
    }
  }
  sampling_params p;
  p.top_p = 1.5f;
  try {
    p.validate();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "top_p must be in (0, 1], got 1.5");
  }
  p = sampling_params{};
  p.temperature = 0, p.top_k = -1, p.top_p = 1, p.min_p = 1, p.repetition_penalty = 0.01f;
  p.presence_penalty = 2, p.frequency_penalty = -2;
  EXPECT_NO_THROW(p.validate());
  p.top_k = 0, p.min_p = 0;
  EXPECT_NO_THROW(p.validate());
}

}  // namespace
}  // namespace moeserve::model
