// moeserve quantize (app/quantize/): every format on the tiny architecture fixtures
// (tests/fixtures/arch) and on a random MoE whose sizes WINT2 and 128-groups accept. Each
// output is read back with our safetensors reader; every tensor's name, dtype and shape is
// checked against the documented layout (quantized_tensors.hpp), every quantized weight is
// dequantized with quant/ and compared bit for bit with quant/'s own quantizer run on the
// source, and every other tensor must be byte-identical to the source.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "app/quantize/checkpoint_quantizer.hpp"
#include "app/quantize/quantization_json.hpp"
#include "bench/quant/random_moe.hpp"
#include "cpu/cpu_backend.hpp"
#include "model/arch/decoder_model.hpp"
#include "model/arch/model_files.hpp"
#include "model/arch/weight_kind.hpp"
#include "model/config/hf_config.hpp"
#include "model/config/quantization_config_json.hpp"
#include "model/io/dequantize.hpp"
#include "model/io/safetensors_checkpoint.hpp"
#include "model/io/safetensors_writer.hpp"
#include "quant/block_fp8.hpp"
#include "quant/wint2_encoder.hpp"
#include "quant/wint4.hpp"
#include "quant/wint8.hpp"

namespace moeserve::app {
namespace {

namespace fs = std::filesystem;
using model::dtype;
using quant::weight_format;

const fs::path fixtures = fs::path(MOESERVE_SOURCE_DIR) / "tests/fixtures/arch";

class temp_dir {
 public:
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string t = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/quantizer_test.XXXXXX";
    if (::mkdtemp(t.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = t;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path operator/(std::string_view s) const { return path_ / s; }

 private:
  fs::path path_;
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

template <class T>
std::vector<T> values(const model::tensor_view& t) {
  std::vector<T> v(t.data.size() / sizeof(T));
  std::memcpy(v.data(), t.data.data(), t.data.size());
  return v;
}

std::vector<float> scales_of(const model::tensor_view& t) { return model::dequantize(t); }  // F32 or BF16

const model::tensor_view& expect_tensor(const model::safetensors_checkpoint& c, const std::string& name, dtype type,
                                        std::vector<std::int64_t> shape) {
  const auto* t = c.find_tensor(name);
  if (t == nullptr) throw std::runtime_error("missing " + name);
  EXPECT_EQ(t->type, type) << name;
  EXPECT_EQ(std::vector<std::int64_t>(t->dims().begin(), t->dims().end()), shape) << name;
  return *t;
}

// The weight as the file stores it, dequantized with quant/ -- and the same from quant/'s
// quantizer run on the source: they must be equal bit for bit.
void check_weight(const model::safetensors_checkpoint& out, const model::tensor_view& src,
                  quant::weight_scheme scheme) {
  const std::string w(src.name);
  const std::int64_t n = src.shape[0], k = src.shape[1];
  const std::vector<float> source = model::dequantize(src);
  const auto scales = src.type == dtype::bf16 ? quant::scale_dtype::bf16 : quant::scale_dtype::fp32;
  const dtype scale_type = src.type == dtype::bf16 ? dtype::bf16 : dtype::f32;
  std::vector<float> got, want;
  switch (scheme.format) {
    case weight_format::wint8: {
      quant::wint8_weight q{n, k, scales, values<std::int8_t>(expect_tensor(out, w, dtype::i8, {n, k})),
                            scales_of(expect_tensor(out, w + "_scale", scale_type, {n}))};
      got = quant::dequantize_wint8(q);
      want = quant::dequantize_wint8(quant::quantize_wint8(source, n, k, scales));
      break;
    }
    case weight_format::wint4: {
      const std::int64_t groups = scheme.group_size == 0 ? 1 : k / scheme.group_size;
      quant::wint4_weight q{n, k, scheme.group_size, scales,
                            values<std::uint8_t>(expect_tensor(out, w, dtype::u8, {n, k / 2})),
                            scales_of(expect_tensor(out, w + "_scale", scale_type, {n, groups}))};
      got = quant::dequantize_wint4(q);
      want = quant::dequantize_wint4(quant::quantize_wint4(source, n, k, scheme.group_size, scales));
      break;
    }
    case weight_format::block_wise_fp8: {
      quant::fp8_block_weight q{n, k, values<std::uint8_t>(expect_tensor(out, w, dtype::f8_e4m3, {n, k})),
                                values<float>(expect_tensor(out, w + "_scale_inv", dtype::f32,
                                                            {quant::fp8_blocks(n), quant::fp8_blocks(k)}))};
      got = quant::dequantize_fp8_block_weight(q);
      want = quant::dequantize_fp8_block_weight(quant::quantize_fp8_block_weight(source, n, k));
      break;
    }
    case weight_format::wint2: {
      const std::int64_t kp = quant::wint2_padded_k(k);  // zero rows pad K
      quant::wint2_weight q;
      q.k = kp;
      q.n = n;
      q.packed = values<std::uint8_t>(expect_tensor(out, w, dtype::u8, {kp / 4, n}));
      q.code_scale = values<float>(expect_tensor(out, w + "_code_scale", dtype::f32, {n}));
      q.code_zp = values<float>(expect_tensor(out, w + "_code_zp", dtype::f32, {n}));
      q.super_scale = values<float>(expect_tensor(out, w + "_super_scale", dtype::f32, {n}));
      q.local_scale = values<std::uint8_t>(expect_tensor(out, w + "_local_scale", dtype::u8, {kp / 128, n}));
      got = quant::dequantize_wint2(q);
      std::vector<float> transposed(static_cast<std::size_t>(kp * n), 0.0f);
      for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t c = 0; c < k; ++c) transposed[c * n + r] = source[r * k + c];
      want = quant::dequantize_wint2(quant::quantize_wint2(transposed, kp, n));  // one thread
      break;
    }
    case weight_format::none:
      FAIL() << w;
  }
  ASSERT_EQ(got.size(), want.size()) << w;
  EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0) << w;
}

struct check_counts {
  int quantized = 0;
  int copied = 0;
  std::set<weight_format> formats;
};

// Checks the whole output directory against the source and the plan.
check_counts check_output(const fs::path& in, const fs::path& out, const quant::quantization_plan& plan) {
  const model::safetensors_checkpoint source(in), result(out);
  check_counts counts;
  std::size_t expected_tensors = 0;
  for (const model::tensor_view* t : source.tensors()) {
    const auto scheme = model::scheme_for_weight(plan, t->name);
    if (scheme.format == weight_format::none) {
      const auto& copy = expect_tensor(result, std::string(t->name), t->type, {t->dims().begin(), t->dims().end()});
      EXPECT_TRUE(std::equal(copy.data.begin(), copy.data.end(), t->data.begin(), t->data.end())) << t->name;
      ++counts.copied;
      ++expected_tensors;
    } else {
      check_weight(result, *t, scheme);
      counts.formats.insert(scheme.format);
      ++counts.quantized;
      expected_tensors += scheme.format == weight_format::wint2 ? 5 : 2;
    }
  }
  EXPECT_EQ(result.tensor_count(), expected_tensors) << "no stray tensors";
  return counts;
}

// The plan the output's config.json gives, read the way a load reads it.
quant::quantization_plan plan_of_output(const fs::path& out) {
  const model::model_config config = model::load_hf_config(out / "config.json");
  EXPECT_TRUE(config.quantization.has_value()) << "no quantization_config in the output";
  return model::resolve_model_quantization("", config);
}

quantize_summary quantize(const fs::path& in, const std::string& q, const fs::path& out, int threads = 2) {
  return quantize_checkpoint({.model = in, .quantization = q, .output = out, .threads = threads});
}

TEST(Quantizer, WritesEverySimpleFormatOfTheArchitectureFixtures) {
  for (const std::string arch : {"llama", "qwen3", "qwen3_moe", "ernie4_5_moe"}) {
    for (const std::string method : {"wint8", "wint4", "block_wise_fp8"}) {
      SCOPED_TRACE(arch + " " + method);
      temp_dir dir;
      const auto s = quantize(fixtures / arch, method, dir / "out");
      const auto plan = plan_of_output(dir / "out");
      EXPECT_EQ(plan.method(), method);
      const auto counts = check_output(fixtures / arch, dir / "out", plan);
      EXPECT_EQ(counts.quantized, s.quantized_weights);
      EXPECT_EQ(counts.copied, s.copied_tensors);
      EXPECT_GT(counts.quantized, 0);
      EXPECT_EQ(counts.formats, std::set<weight_format>{quant::parse_weight_format(method, "test")});
      EXPECT_EQ(read_text(dir / "out/generation_config.json"), read_text(fixtures / arch / "generation_config.json"));
      // The config still parses, with the source's hyper-parameters.
      EXPECT_EQ(model::load_hf_config(dir / "out/config.json").num_layers,
                model::load_hf_config(fixtures / arch / "config.json").num_layers);
    }
  }
}

TEST(Quantizer, WritesWint2AndGroupedWint4OfARandomMoe) {
  temp_dir dir;
  bench::write_random_moe(dir / "in", {.num_experts = 2});  // hidden 128, expert intermediate 128, 2 layers
  const std::string mix =
      R"({"quantization": "mix_quant", "dense_quant_type": "wint8", "moe_quant_type": "w4w2", "moe_quant_config": {)"
      R"("moe_w4_quant_config": {"quant_type": "wint4", "quant_granularity": "group", "quant_group_size": 128,)"
      R"( "quant_start_layer": 0, "quant_end_layer": 0}, "moe_w2_quant_config": {"quant_type": "wint2",)"
      R"( "quant_granularity": "pp_acc", "quant_group_size": 64, "quant_start_layer": 1, "quant_end_layer": 1}}})";
  const auto s = quantize(dir / "in", mix, dir / "out", 3);  // 3 threads: uneven column split
  EXPECT_EQ(s.plan_name, "W8/4/2A16C16");
  EXPECT_EQ(s.quantization_config, mix);
  const auto plan = plan_of_output(dir / "out");
  EXPECT_EQ(plan.scheme_for(quant::layer_kind::moe_expert, 0), (quant::weight_scheme{weight_format::wint4, 128}));
  const auto counts = check_output(dir / "in", dir / "out", plan);
  EXPECT_EQ(counts.formats, (std::set<weight_format>{weight_format::wint8, weight_format::wint4, weight_format::wint2}));
  EXPECT_EQ(counts.quantized, 2 * 4 + 2 * 2 * 3);
  EXPECT_LT(s.output_bytes, s.input_bytes / 2);
}

TEST(Quantizer, PadsWint2RowsOfTheFixturesToAMultipleOf128) {
  temp_dir dir;
  const std::string mix =
      R"({"quantization": "wint2", "dense_quant_type": "wint8", "moe_quant_type": "w4w2", "moe_quant_config": {)"
      R"("moe_w4_quant_config": {"quant_type": "wint4", "quant_start_layer": 0, "quant_end_layer": 0},)"
      R"( "moe_w2_quant_config": {"quant_type": "wint2", "quant_start_layer": 1, "quant_end_layer": 2}}})";
  for (const std::string arch : {"qwen3_moe", "ernie4_5_moe"}) {
    SCOPED_TRACE(arch);
    quantize(fixtures / arch, mix, dir / arch);
    const auto counts = check_output(fixtures / arch, dir / arch, plan_of_output(dir / arch));
    EXPECT_TRUE(counts.formats.contains(weight_format::wint2));
  }
}

TEST(Quantizer, KeepsBf16ScalesForABf16Source) {
  temp_dir dir;
  const model::safetensors_checkpoint f32(fixtures / "llama");
  model::safetensors_writer w;
  for (const model::tensor_view* t : f32.tensors()) {
    const auto v = model::dequantize(*t);
    std::vector<std::uint16_t> bits(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) bits[i] = quant::fp32_to_bf16_bits(v[i]);
    w.add_bytes(std::string(t->name), dtype::bf16, {t->dims().begin(), t->dims().end()}, std::as_bytes(std::span(bits)));
  }
  w.write_checkpoint(dir / "in", 1 << 30);
  fs::copy_file(fixtures / "llama/config.json", dir / "in/config.json");
  for (const std::string method : {"wint8", "wint4"}) {
    quantize(dir / "in", method, dir / ("out_" + method));
    check_output(dir / "in", dir / ("out_" + method), plan_of_output(dir / ("out_" + method)));
  }
}

TEST(Quantizer, ShardsALargeOutputWithAnIndex) {
  temp_dir dir;
  quantize_checkpoint({.model = fixtures / "qwen3_moe", .quantization = "wint8", .output = dir / "out",
                       .max_shard_bytes = 100'000});
  EXPECT_TRUE(fs::exists(dir / "out/model.safetensors.index.json"));
  EXPECT_FALSE(fs::exists(dir / "out/model.safetensors"));
  check_output(fixtures / "qwen3_moe", dir / "out", plan_of_output(dir / "out"));
}

TEST(Quantizer, WritesFastDeploysWint2RecipeForTheModelsDepth) {
  const auto deep = model::parse_quantization_config(method_config_json("wint2", 54), "recipe");
  EXPECT_EQ(deep.quantization, "wint2");
  EXPECT_EQ(deep.dense_quant_type, "wint8");
  EXPECT_EQ(deep.moe_quant_type, "w4w2");
  ASSERT_TRUE(deep.moe_w4_quant_config && deep.moe_w2_quant_config);
  EXPECT_EQ(deep.moe_w4_quant_config->quant_end_layer, 6);
  EXPECT_EQ(deep.moe_w2_quant_config->quant_start_layer, 7);
  EXPECT_EQ(deep.moe_w2_quant_config->quant_end_layer, 53);
  EXPECT_EQ(deep.moe_w2_quant_config->quant_granularity, "pp_acc");
  const auto plan = quant::resolve_quantization("", deep);
  EXPECT_EQ(plan.format_for(quant::layer_kind::attention, 0), weight_format::wint8);
  EXPECT_EQ(plan.format_for(quant::layer_kind::moe_expert, 6), weight_format::wint4);
  EXPECT_EQ(plan.format_for(quant::layer_kind::moe_expert, 7), weight_format::wint2);
  // Three layers: all MoE layers WINT4, no w2 entry.
  const auto shallow = model::parse_quantization_config(method_config_json("wint2", 3), "recipe");
  EXPECT_FALSE(shallow.moe_w2_quant_config);
  EXPECT_EQ(shallow.moe_w4_quant_config->quant_end_layer, 2);
  EXPECT_THROW(method_config_json("mix_quant", 3), std::invalid_argument);
}

// The logits of one prompt (every position), one prefill step on the CPU backend.
std::vector<float> logits_of(const model::model_files& files, const quant::quantization_plan& plan) {
  constexpr int block = 4;
  const std::vector<int> ids = {1, 5, 17, 42, 99, 3, 250, 7, 64, 128, 11};
  cpu::cpu_backend backend(2);
  model::decoder_model m(files, backend, plan);
  backend.allocate_kv_cache(m.kv_spec(block, 8));
  model::step_batch batch;
  model::sequence_slice s;
  s.token_count = static_cast<int>(ids.size());
  for (int b = 0; b * block < s.token_count; ++b) s.block_table.push_back(b);
  for (int i = 0; i < s.token_count; ++i) {
    batch.logit_rows.push_back(i);
    batch.tokens.push_back(ids[static_cast<std::size_t>(i)]);
    batch.positions.push_back(i);
    batch.slots.push_back(std::int64_t{s.block_table[static_cast<std::size_t>(i / block)]} * block + i % block);
  }
  batch.sequences.push_back(s);
  std::vector<float> logits(ids.size() * static_cast<std::size_t>(m.config().vocab_size));
  m.forward(batch, logits);
  return logits;
}

// The loader (model/arch/quantized_loader) opens the output with no flag -- the plan comes
// from its config.json -- and computes exactly the logits of online quantization of the
// source with the same plan (FP32 sources: the same FP32 scales, the same WINT2 encoder).
TEST(Quantizer, OutputLoadsWithNoFlagAndMatchesOnlineQuantization) {
  const std::string mix =
      R"({"quantization": "wint2", "dense_quant_type": "wint8", "moe_quant_type": "w4w2", "moe_quant_config": {)"
      R"("moe_w4_quant_config": {"quant_type": "wint4", "quant_start_layer": 0, "quant_end_layer": 1},)"
      R"( "moe_w2_quant_config": {"quant_type": "wint2", "quant_start_layer": 2, "quant_end_layer": 2}}})";
  const std::pair<std::string, std::string> cases[] = {
      {"llama", "wint8"}, {"qwen3", "wint4"}, {"qwen3_moe", "block_wise_fp8"}, {"qwen3_moe", mix}, {"ernie4_5_moe", mix}};
  for (const auto& [arch, q] : cases) {
    SCOPED_TRACE(arch + " " + q);
    temp_dir dir;
    quantize(fixtures / arch, q, dir / "out");
    const model::model_files stored(dir / "out");
    const auto plan = model::resolve_model_quantization("", stored.config());
    EXPECT_TRUE(plan.quantizes_anything());
    const model::model_files source(fixtures / arch);
    const auto online = logits_of(source, model::resolve_model_quantization(q, source.config()));
    const auto loaded = logits_of(stored, plan);
    ASSERT_EQ(loaded.size(), online.size());
    EXPECT_EQ(std::memcmp(loaded.data(), online.data(), loaded.size() * sizeof(float)), 0);
  }
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

TEST(Quantizer, RefusesWhatItCannotWrite) {
  temp_dir dir;
  using ::testing::HasSubstr;
  EXPECT_THAT(error_of([&] { quantize(fs::path(MOESERVE_SOURCE_DIR) / "models/x.gguf", "wint8", dir / "a"); }),
              HasSubstr("Hugging Face directories only"));
  quantize(fixtures / "llama", "wint8", dir / "b");
  // 128-groups on K = 32 name the weight and its shape.
  EXPECT_THAT(error_of([&] {
                quantize(fixtures / "qwen3_moe",
                         R"({"quantization": "mix_quant", "moe_quant_type": "w4w2", "moe_quant_config": {)"
                         R"("moe_w4_quant_config": {"quant_type": "wint4", "quant_granularity": "group",)"
                         R"( "quant_group_size": 128, "quant_start_layer": 0, "quant_end_layer": 2}}})",
                         dir / "d");
              }),
              HasSubstr("mlp.experts.0.down_proj.weight [64, 32]: wint4 groups of 128 need K a multiple of it"));
  EXPECT_THAT(error_of([&] { quantize(fixtures / "llama", "wint8", dir / "b"); }), HasSubstr("not an empty directory"));
  EXPECT_THAT(error_of([&] { quantize(fixtures / "llama", "int3", dir / "e"); }), HasSubstr("int3"));
  EXPECT_THAT(error_of([&] { quantize(dir / "b", "wint8", dir / "f"); }), HasSubstr("already quantized"));
  EXPECT_THAT(error_of([&] { quantize(fixtures / "llama", R"({"quantization": 8})", dir / "g"); }),
              HasSubstr("quantization"));
}

}  // namespace
}  // namespace moeserve::app
