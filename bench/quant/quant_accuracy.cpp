// quant_accuracy: the quantization accuracy table of docs/QUANTIZATION.md, for one model:
// per format, perplexity on a fixed English text, teacher-forced top-1 agreement with the
// unquantized baseline, weight memory, and CPU decode speed (batch 1).
//
//   quant_accuracy --model models/SmolLM2-135M-Instruct.Q4_1.gguf --text FILE --work DIR
//   quant_accuracy --random-moe --tokenizer-json models/SmolLM2-135M-Instruct.tokenizer.json ...
//
// Baseline: a float (F32) Hugging Face directory -- the GGUF dequantized to float
// (gguf_to_hf.hpp; a Q4_1 model's values, exactly) or the random MoE (random_moe.hpp).
// Every variant loads that directory through moeserve::LLM: online quantization
// (--quantization / --kv-cache-dtype options) for wint8, wint4, wint4 g128, block_wise_fp8
// and the KV variants; the wint2 row is the offline path -- `moeserve quantize --quantization
// wint2` (checkpoint_quantizer.hpp, FastDeploy's recipe) -- loaded with no flag.
//
// Perplexity: the first --tokens tokens of the text, in windows of --window tokens with
// stride = window (each window scored from scratch, its first token unscored);
// ppl = exp(mean -log p(next token)). Agreement: the share of scored positions whose argmax
// equals the baseline's. Decode: --decode-tokens greedy tokens after a --prompt-tokens
// prompt (end-of-sequence ignored), tokens/s from the first token's text to the end, the
// best of --repeats runs. Prints one JSON line per variant and a Markdown table at the end.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/llm.hpp"
#include "app/quantize/checkpoint_quantizer.hpp"
#include "bench/common/run_environment.hpp"
#include "bench/quant/gguf_to_hf.hpp"
#include "bench/quant/random_moe.hpp"

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

struct variant {
  std::string name;
  std::string quantization;  // online --quantization ("" none; "offline:<method>" = moeserve quantize)
  std::string kv = "auto";
  bool moe_only = false;
};

// A plan giving the MoE experts WINT4 in groups of 128 (dense layers WINT4 per channel):
// quantization_config has no group key for dense layers.
const std::string wint4_g128 =
    R"({"quantization": "mix_quant", "dense_quant_type": "wint4", "moe_quant_type": "w4w2", "moe_quant_config": )"
    R"({"moe_w4_quant_config": {"quant_type": "wint4", "quant_granularity": "group", "quant_group_size": 128, )"
    R"("quant_start_layer": 0, "quant_end_layer": 100000}}})";

const std::vector<variant> variants = {
    {"baseline", ""},
    {"wint8", "wint8"},
    {"wint4", "wint4"},
    {"wint4 g128 (experts)", wint4_g128, "auto", true},
    {"block_wise_fp8", "block_wise_fp8"},
    {"wint2 (recipe, offline)", "offline:wint2"},
    {"KV int8", "", "int8"},
    {"KV fp8", "", "fp8"},
    {"wint8 + KV int8", "wint8", "int8"},
};

struct options {
  std::string model;
  bool random_moe = false;
  std::string tokenizer_json;
  std::string text;
  std::string work = "quant-accuracy-work";
  int tokens = 51200;
  int window = 1024;
  int threads = 2;
  int prompt_tokens = 32;
  int decode_tokens = 64;
  int repeats = 2;
  std::vector<std::string> only;
};

struct row {
  std::string name, plan;
  double ppl = 0, agreement = 0, decode_tok_s = 0, score_seconds = 0;
  std::size_t weight_bytes = 0;
  std::int64_t positions = 0;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double decode_speed(moeserve::LLM& llm, const std::vector<int>& prompt, int tokens, int repeats) {
  moeserve::generation_params p;
  p.sampling.temperature = 0;
  p.max_tokens = tokens + 1;
  p.ignore_eos = true;
  double best = 0;
  for (int r = 0; r < repeats; ++r) {
    clock_type::time_point first{};
    const std::vector<std::vector<int>> prompts{prompt};
    llm.generate_tokens(std::span(prompts), p, [&](std::size_t, std::string_view) {
      if (first == clock_type::time_point{}) first = clock_type::now();
    });
    const double t = std::chrono::duration<double>(clock_type::now() - first).count();
    best = std::max(best, tokens / t);
  }
  return best;
}

row run_variant(const options& o, const variant& v, const fs::path& base_dir, const std::vector<int>& ids,
                std::vector<int>& baseline_argmax) {
  moeserve::llm_options lo{.model = base_dir, .threads = o.threads, .max_model_len = o.window + 8,
                           .quantization = v.quantization, .kv_cache_dtype = v.kv};
  if (v.quantization.starts_with("offline:")) {
    const fs::path out = fs::path(o.work) / ("offline-" + v.quantization.substr(8));
    if (!fs::exists(out / "config.json")) {
      fs::remove_all(out);
      const auto start = clock_type::now();
      const auto s = moeserve::app::quantize_checkpoint(
          {.model = base_dir, .quantization = v.quantization.substr(8), .output = out, .threads = o.threads});
      std::fprintf(stderr, "quant_accuracy: moeserve quantize %s: %s, %d weights in %.0f s\n",
                   v.quantization.substr(8).c_str(), s.plan_name.c_str(), s.quantized_weights,
                   std::chrono::duration<double>(clock_type::now() - start).count());
    }
    if (fs::exists(base_dir / "tokenizer.json")) {
      fs::copy_file(base_dir / "tokenizer.json", out / "tokenizer.json", fs::copy_options::overwrite_existing);
    }
    lo.model = out;
    lo.quantization.clear();  // the checkpoint says how it is quantized
  }
  moeserve::LLM llm(lo);
  row r{.name = v.name, .plan = llm.quantization_name(), .weight_bytes = llm.weight_bytes()};
  const auto start = clock_type::now();
  double nll = 0;
  std::int64_t agree = 0;
  std::vector<int> argmax;
  for (std::size_t at = 0; at + 2 <= ids.size(); at += static_cast<std::size_t>(o.window)) {
    const std::size_t len = std::min(ids.size() - at, static_cast<std::size_t>(o.window));
    const auto s = llm.score(std::span(ids).subspan(at, len));
    for (const float lp : s.next_token_logprob) nll -= lp;
    argmax.insert(argmax.end(), s.argmax.begin(), s.argmax.end());
  }
  r.score_seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  r.positions = static_cast<std::int64_t>(argmax.size());
  r.ppl = std::exp(nll / static_cast<double>(r.positions));
  if (baseline_argmax.empty()) baseline_argmax = argmax;
  for (std::size_t i = 0; i < argmax.size() && i < baseline_argmax.size(); ++i) agree += argmax[i] == baseline_argmax[i];
  r.agreement = static_cast<double>(agree) / static_cast<double>(r.positions);
  const std::vector<int> prompt(ids.begin(), ids.begin() + o.prompt_tokens);
  r.decode_tok_s = decode_speed(llm, prompt, o.decode_tokens, o.repeats);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli("quant_accuracy: perplexity, agreement, memory and speed per quantization format");
  options o;
  cli.add_option("--model", o.model, "GGUF (llama) file to dequantize as the baseline");
  cli.add_flag("--random-moe", o.random_moe, "use a random-weight Qwen3-MoE (random_moe.hpp) instead");
  cli.add_option("--tokenizer-json", o.tokenizer_json, "tokenizer.json for the baseline directory");
  cli.add_option("--text", o.text, "plain English text")->required();
  cli.add_option("--work", o.work, "scratch directory (baseline and offline checkpoints)")->capture_default_str();
  cli.add_option("--tokens", o.tokens, "tokens of the text scored")->capture_default_str();
  cli.add_option("--window", o.window, "tokens per scored window (stride = window)")->capture_default_str();
  cli.add_option("--threads", o.threads)->capture_default_str();
  cli.add_option("--prompt-tokens", o.prompt_tokens)->capture_default_str();
  cli.add_option("--decode-tokens", o.decode_tokens)->capture_default_str();
  cli.add_option("--repeats", o.repeats, "decode runs (the best counts)")->capture_default_str();
  cli.add_option("--only", o.only, "variant names to run (baseline always runs)");
  CLI11_PARSE(cli, argc, argv);
  if (o.model.empty() == !o.random_moe) return std::fprintf(stderr, "give --model or --random-moe\n"), 2;
  try {
    fs::create_directories(o.work);
    const fs::path base_dir = fs::path(o.work) / "baseline";
    if (!fs::exists(base_dir / "config.json")) {
      if (o.random_moe) {
        moeserve::bench::write_random_moe(base_dir, {.vocab_size = 49152, .hidden_size = 256, .num_layers = 10,
                                                     .num_heads = 4, .num_kv_heads = 2, .head_dim = 64,
                                                     .num_experts = 4, .experts_per_token = 2,
                                                     .moe_intermediate_size = 256});
        if (!o.tokenizer_json.empty()) fs::copy_file(o.tokenizer_json, base_dir / "tokenizer.json");
      } else {
        moeserve::bench::convert_gguf_to_hf(o.model, base_dir, o.tokenizer_json);
      }
    }
    std::vector<int> ids;
    {
      moeserve::LLM tokenizer_llm({.model = base_dir, .threads = o.threads, .max_model_len = o.window + 8});
      ids = tokenizer_llm.model().tokens().encode(read_text(o.text), moeserve::model::special_tokens::as_text);
    }
    std::fprintf(stderr, "quant_accuracy: the text has %zu tokens; scoring %d\n", ids.size(), o.tokens);
    if (ids.size() < static_cast<std::size_t>(o.tokens)) throw std::runtime_error("the text is shorter than --tokens");
    ids.resize(static_cast<std::size_t>(o.tokens));
    std::vector<int> baseline_argmax;
    std::vector<row> rows;
    namespace b = moeserve::bench;
    for (const variant& v : variants) {
      if (v.moe_only && !o.random_moe) continue;
      if (!o.only.empty() && v.name != "baseline" && std::find(o.only.begin(), o.only.end(), v.name) == o.only.end())
        continue;
      rows.push_back(run_variant(o, v, base_dir, ids, baseline_argmax));
      const row& r = rows.back();
      std::printf(
          "{\"bench\":\"quant_accuracy\",\"model\":\"%s\",\"variant\":\"%s\",\"plan\":\"%s\",\"ppl\":%.4f,"
          "\"top1_agreement\":%.4f,\"positions\":%lld,\"weight_bytes\":%zu,\"decode_tok_s\":%.1f,\"threads\":%d,"
          "\"score_seconds\":%.1f,\"commit\":\"%s\",\"machine\":\"%s\",\"date\":\"%s\",\"load\":%.2f}\n",
          o.random_moe ? "random-qwen3-moe" : b::json_escape(fs::path(o.model).filename().string()).c_str(),
          b::json_escape(r.name).c_str(), r.plan.c_str(), r.ppl, r.agreement, static_cast<long long>(r.positions),
          r.weight_bytes, r.decode_tok_s, o.threads, r.score_seconds, b::json_escape(b::commit()).c_str(),
          b::json_escape(b::machine()).c_str(), b::utc_date().c_str(), b::load_average());
      std::fflush(stdout);
    }
    std::printf("\n| format | W/A/C | perplexity | top-1 agreement | weights (MiB) | decode tok/s |\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (const row& r : rows) {
      std::printf("| %s | %s | %.3f | %.2f%% | %.1f | %.1f |\n", r.name.c_str(), r.plan.c_str(), r.ppl,
                  100.0 * r.agreement, static_cast<double>(r.weight_bytes) / (1 << 20), r.decode_tok_s);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quant_accuracy: %s\n", e.what());
    return 1;
  }
  return 0;
}
