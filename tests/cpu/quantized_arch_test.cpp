// Quantized models end to end on the CPU backend, on the tiny random-weight fixtures of
// tests/fixtures/arch (transformers' FP32 logits as the reference):
//
//   - online quantization at load, every weight format (MoE experts included: qwen3_moe,
//     ernie4_5_moe and the GGUF qwen3_moe with stacked experts), and the int8/fp8 KV cache:
//     ||logits - ref|| / ||ref|| over all prompts within a per-format bound;
//   - pre-quantized checkpoints (the tensor names and layouts of quantized_loader.hpp,
//     written here with safetensors_writer): the same logits, bit for bit, as online
//     quantization with the same plan; a plan that disagrees with the stored format is a
//     load_error.
//
// Bounds (measured values are printed): the fixtures' weights are random, without the
// structure of a trained model, so these measure the format's noise through a few layers,
// not accuracy on a real model. Measured (bound):
//   wint8 (everything)              0.021-0.031  (0.04; ernie 0.05)
//   block_wise_fp8                  0.104-0.142  (0.2)
//   wint4 per channel               0.358-0.420  (0.5)
//   wint8 dense + wint4 experts     0.056        (0.1)
//   wint8 dense + wint2 experts     0.125-0.153  (0.25)
//   KV int8 / fp8 (llama)           0.0078 / 0.030 (0.02 / 0.05); wint8 + KV int8 0.024 (0.04)
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cpu/cpu_backend.hpp"
#include "model/arch/decoder_model.hpp"
#include "model/arch/model_files.hpp"
#include "model/arch/quantized_loader.hpp"
#include "model/arch/weight_kind.hpp"
#include "model/config/quantization_config_json.hpp"
#include "model/io/dequantize.hpp"
#include "model/io/load_error.hpp"
#include "model/io/safetensors_file.hpp"
#include "model/io/safetensors_writer.hpp"
#include "tests/support/arch_fixtures.hpp"

namespace moeserve::cpu {
namespace {

constexpr int block_size = 4;
constexpr int num_blocks = 64;

std::filesystem::path fixture(const std::string& name) {
  if (name.ends_with(".gguf")) return std::filesystem::path(MOESERVE_ARCH_GGUF_DIR) / name;
  return std::filesystem::path(MOESERVE_ARCH_FIXTURES) / name;
}

using expected_prompt = test_support::prompt_case;

std::vector<expected_prompt> read_expected(const std::string& name) {
  std::string dir = name;
  if (dir.ends_with(".gguf")) dir.resize(dir.size() - 5);
  return test_support::read_expected(std::filesystem::path(MOESERVE_ARCH_FIXTURES) / dir);
}

// All prompts' logits, one prefill step per prompt.
std::vector<float> run_prompts(const model::model_files& files, const quant::quantization_plan& plan,
                               const std::vector<expected_prompt>& prompts) {
  cpu_backend backend(2);
  model::decoder_model m(files, backend, plan);
  backend.allocate_kv_cache(m.kv_spec(block_size, num_blocks));
  std::vector<float> all;
  for (const auto& p : prompts) {
    model::step_batch batch;
    model::sequence_slice s;
    s.token_count = static_cast<int>(p.ids.size());
    for (int b = 0; b * block_size < s.token_count; ++b) s.block_table.push_back(b);
    for (int i = 0; i < s.token_count; ++i) {
      batch.logit_rows.push_back(i);
      batch.tokens.push_back(p.ids[static_cast<std::size_t>(i)]);
      batch.positions.push_back(i);
      batch.slots.push_back(std::int64_t{s.block_table[static_cast<std::size_t>(i / block_size)]} * block_size +
                            i % block_size);
    }
    batch.sequences.push_back(s);
    std::vector<float> logits(p.ids.size() * static_cast<std::size_t>(m.config().vocab_size));
    m.forward(batch, logits);
    all.insert(all.end(), logits.begin(), logits.end());
  }
  return all;
}

double relative_error(const std::vector<float>& got, const std::vector<expected_prompt>& prompts) {
  double num = 0, den = 0;
  std::size_t i = 0;
  for (const auto& p : prompts)
    for (const float ref : p.logits) {
      num += (double(got[i]) - ref) * (double(got[i]) - ref);
      den += double(ref) * ref;
      ++i;
    }
  return std::sqrt(num / den);
}

struct arch_case {
  std::string model;
  std::string quantization;  // --quantization (a name or a JSON object)
  std::string kv;            // --kv-cache-dtype
  double bound;
};

void PrintTo(const arch_case& c, std::ostream* os) { *os << c.model << " " << c.quantization << " kv " << c.kv; }

class quantized_arch : public ::testing::TestWithParam<arch_case> {};

TEST_P(quantized_arch, logits_stay_within_the_formats_bound) {
  const auto& c = GetParam();
  model::model_files files(fixture(c.model));
  const auto plan = model::resolve_model_quantization(c.quantization, files.config(), quant::parse_kv_cache_format(c.kv));
  const auto prompts = read_expected(c.model);
  const double err = relative_error(run_prompts(files, plan, prompts), prompts);
  std::cout << c.model << " " << plan.name() << ": ||logits - ref|| / ||ref|| = " << err << "\n";
  EXPECT_LT(err, c.bound);
}

const std::string wint2_experts = R"({"quantization":"mix_quant","dense_quant_type":"wint8","moe_quant_type":"wint2"})";
const std::string mixed = R"({"quantization":"mix_quant","dense_quant_type":"wint8","moe_quant_type":"wint4"})";

INSTANTIATE_TEST_SUITE_P(
    fixtures, quantized_arch,
    ::testing::Values(arch_case{"llama", "wint8", "auto", 0.04}, arch_case{"llama", "wint4", "auto", 0.5},
                      arch_case{"llama", "block_wise_fp8", "auto", 0.2}, arch_case{"qwen3", "wint8", "auto", 0.04},
                      arch_case{"qwen3", "wint4", "auto", 0.5}, arch_case{"qwen3", "block_wise_fp8", "auto", 0.2},
                      arch_case{"qwen3_moe", "wint8", "auto", 0.04}, arch_case{"qwen3_moe", "wint4", "auto", 0.5},
                      arch_case{"qwen3_moe", "block_wise_fp8", "auto", 0.2},
                      arch_case{"qwen3_moe", wint2_experts, "auto", 0.25}, arch_case{"qwen3_moe", mixed, "auto", 0.1},
                      arch_case{"ernie4_5_moe", "wint8", "auto", 0.05}, arch_case{"ernie4_5_moe", "wint4", "auto", 0.5},
                      arch_case{"ernie4_5_moe", "block_wise_fp8", "auto", 0.2},
                      arch_case{"ernie4_5_moe", wint2_experts, "auto", 0.25},
                      arch_case{"qwen3_moe.gguf", "wint4", "auto", 0.5},
                      arch_case{"qwen3_moe.gguf", "block_wise_fp8", "auto", 0.2},
                      arch_case{"llama", "", "int8", 0.02}, arch_case{"llama", "", "fp8", 0.05},
                      arch_case{"qwen3_moe", "wint8", "int8", 0.04}),
    [](const auto& param_info) {
      std::string n = param_info.param.model + "_" + std::to_string(param_info.index) + "_" + param_info.param.kv;
      for (auto& ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

// Writes `source`'s checkpoint quantized with `plan` into `dir` (the pre-quantized layout),
// with config.json carrying `quantization_config`.
void write_prequantized(const std::filesystem::path& source, const quant::quantization_plan& plan,
                        const std::string& quantization_config, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  model::safetensors_file in(source / "model.safetensors");
  model::safetensors_writer out;
  const auto floats = [](std::vector<float> v) {
    return [v = std::move(v)](std::span<std::byte> b) { std::memcpy(b.data(), v.data(), b.size()); };
  };
  const auto bytes = [](std::vector<std::uint8_t> v) {
    return [v = std::move(v)](std::span<std::byte> b) { std::memcpy(b.data(), v.data(), b.size()); };
  };
  for (const auto& t : in.tensors()) {
    const std::string name(t.name);
    const auto scheme = model::scheme_for_weight(plan, name);
    if (scheme.format == quant::weight_format::none) {
      out.add_bytes(name, t.type, {t.shape.begin(), t.shape.begin() + t.rank}, t.data);
      continue;
    }
    const std::int64_t n = t.shape[0], k = t.shape[1];
    auto q = model::quantize_weight(model::dequantize(t), n, k, scheme);
    if (auto* w = std::get_if<quant::wint8_weight>(&q.data)) {
      std::vector<std::uint8_t> codes(w->q.size());
      std::memcpy(codes.data(), w->q.data(), codes.size());
      out.add(name, model::dtype::i8, {n, k}, bytes(codes));
      out.add(name + "_scale", model::dtype::f32, {n}, floats(w->scale));
    } else if (auto* w4 = std::get_if<quant::wint4_weight>(&q.data)) {
      out.add(name, model::dtype::u8, {n, k / 2}, bytes(w4->packed));
      out.add(name + "_scale", model::dtype::f32, {n, w4->groups_per_row()}, floats(w4->scale));
    } else if (auto* f8 = std::get_if<quant::fp8_block_weight>(&q.data)) {
      out.add(name, model::dtype::f8_e4m3, {n, k}, bytes(f8->q));
      out.add(name + "_scale_inv", model::dtype::f32, {quant::fp8_blocks(n), quant::fp8_blocks(k)}, floats(f8->scale));
    } else {
      auto& w2 = std::get<quant::wint2_weight>(q.data);
      out.add(name, model::dtype::u8, {w2.k / 4, n}, bytes(w2.packed));
      out.add(name + "_code_scale", model::dtype::f32, {n}, floats(w2.code_scale));
      out.add(name + "_code_zp", model::dtype::f32, {n}, floats(w2.code_zp));
      out.add(name + "_super_scale", model::dtype::f32, {n}, floats(w2.super_scale));
      out.add(name + "_local_scale", model::dtype::u8, {w2.k / 128, n}, bytes(w2.local_scale));
    }
  }
  out.write_file(dir / "model.safetensors");
  std::ifstream cfg(source / "config.json");
  std::stringstream text;
  text << cfg.rdbuf();
  std::string json = text.str();
  json.insert(json.find('{') + 1, "\"quantization_config\": " + quantization_config + ",");
  std::ofstream(dir / "config.json") << json;
}

class prequantized_checkpoint : public ::testing::TestWithParam<std::string> {};

TEST_P(prequantized_checkpoint, loads_to_the_same_logits_as_online_quantization) {
  const std::string config = GetParam();
  const auto source = fixture("ernie4_5_moe");
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("prequantized_" + std::to_string(std::hash<std::string>{}(config)));
  std::filesystem::remove_all(dir);
  model::model_files original(source);
  const auto plan = model::resolve_model_quantization(config, original.config());
  write_prequantized(source, plan, config, dir);

  model::model_files stored(dir);
  ASSERT_TRUE(stored.config().quantization.has_value());
  const auto stored_plan = model::resolve_model_quantization("", stored.config());
  EXPECT_EQ(stored_plan.name(), plan.name());
  const auto prompts = read_expected("ernie4_5_moe");
  const auto online = run_prompts(original, plan, prompts);
  const auto loaded = run_prompts(stored, stored_plan, prompts);
  ASSERT_EQ(online.size(), loaded.size());
  for (std::size_t i = 0; i < online.size(); ++i) ASSERT_EQ(online[i], loaded[i]) << i;
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(formats, prequantized_checkpoint,
                         ::testing::Values(R"({"quantization":"wint8"})", R"({"quantization":"wint4"})",
                                           R"({"quantization":"block_wise_fp8"})",
                                           R"({"quant_method":"fp8","weight_block_size":[128,128]})",
                                           R"({"quantization":"mix_quant","dense_quant_type":"wint8","moe_quant_type":"wint2"})"));

TEST(prequantized_checkpoint_errors, a_plan_that_disagrees_with_the_stored_format_is_refused) {
  const auto source = fixture("llama");
  const auto dir = std::filesystem::path(::testing::TempDir()) / "prequantized_mismatch";
  std::filesystem::remove_all(dir);
  model::model_files original(source);
  const std::string config = R"({"quantization":"wint8"})";
  write_prequantized(source, model::resolve_model_quantization(config, original.config()), config, dir);
  model::model_files stored(dir);
  cpu_backend backend(1);
  // The stored tensors are wint8; a plan of wint4 (as if config.json said so) is refused.
  quant::quantization_config wint4;
  wint4.quantization = "wint4";
  const auto plan = quant::resolve_quantization("", wint4);
  try {
    model::decoder_model m(stored, backend, plan);
    FAIL() << "loaded";
  } catch (const model::load_error& e) {
    EXPECT_NE(std::string(e.what()).find("stored as wint8"), std::string::npos) << e.what();
  }
  // And a --quantization that conflicts with the checkpoint's config.
  EXPECT_THROW(model::resolve_model_quantization("wint4", stored.config()), std::invalid_argument);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace moeserve::cpu
