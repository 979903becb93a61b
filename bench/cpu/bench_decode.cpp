// bench_decode: prompt and decode speed of moeserve's CPU backend on a model, the
// counterpart of bench/llama_cpp/decode_speed.py (same prompt: the first --prompt-tokens
// tokens of the GPL-3 text Debian ships; greedy; end-of-sequence ignored).
//
//   bench_decode --model models/SmolLM2-135M-Instruct.Q4_1.gguf [--threads 2] [--gen 128] [--repeats 5] [--batch 1]
//
// Per run: one generate of 1 + gen tokens for each of --batch sequences together (sequence
// i's prompt starts i * prompt-tokens tokens into the text, so no prefix is shared); prompt
// rate = batch * prompt tokens / time to the first token's text; decode rate = batch * gen /
// (time from the first token's text to the end). One warm-up run is not counted. Prints
// one JSON line.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/llm.hpp"
#include "bench/common/run_environment.hpp"

namespace {

struct run_times {
  double prompt = 0;  // start -> first text
  double decode = 0;  // first text -> end
};

run_times timed_run(moeserve::LLM& llm, const std::vector<std::vector<int>>& prompts, int tokens) {
  moeserve::generation_params p;
  p.sampling.temperature = 0;
  p.max_tokens = tokens;
  p.ignore_eos = true;
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  clock::time_point first{};
  const auto out = llm.generate_tokens(std::span(prompts), p, [&](std::size_t, std::string_view) {
    if (first == clock::time_point{}) first = clock::now();
  });
  const auto end = clock::now();
  for (const auto& o : out)
    if (static_cast<int>(o.token_ids.size()) != tokens) throw std::runtime_error("short generation");
  if (first == clock::time_point{}) throw std::runtime_error("no text");
  return {std::chrono::duration<double>(first - start).count(), std::chrono::duration<double>(end - first).count()};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli("bench_decode: prompt and decode speed on the CPU backend");
  std::string model, text = "/usr/share/common-licenses/GPL-3";
  std::string quantization, kv_cache_dtype = "auto";
  int threads = 2, gen = 128, repeats = 5, prompt_tokens = 32, batch = 1;
  cli.add_option("--model", model)->required();
  cli.add_option("--threads", threads)->capture_default_str();
  cli.add_option("--gen", gen)->capture_default_str();
  cli.add_option("--repeats", repeats)->capture_default_str();
  cli.add_option("--prompt-tokens", prompt_tokens)->capture_default_str();
  cli.add_option("--batch", batch, "sequences generated together")->check(CLI::Range(1, 256))->capture_default_str();
  cli.add_option("--text", text, "text whose first tokens are the prompt")->capture_default_str();
  cli.add_option("--quantization", quantization, "wint8, wint4, block_wise_fp8, wint2, mix_quant or JSON");
  cli.add_option("--kv-cache-dtype", kv_cache_dtype, "auto, int8 or fp8")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);

  moeserve::LLM llm(
      {.model = model, .threads = threads, .quantization = quantization, .kv_cache_dtype = kv_cache_dtype});
  std::ifstream in(text);
  std::stringstream s;
  s << in.rdbuf();
  auto ids = llm.model().tokens().encode(s.str(), moeserve::model::special_tokens::as_text);
  if (static_cast<int>(ids.size()) < prompt_tokens * batch) return std::fprintf(stderr, "text too short\n"), 1;
  std::vector<std::vector<int>> prompts;
  for (int i = 0; i < batch; ++i)
    prompts.emplace_back(ids.begin() + i * prompt_tokens, ids.begin() + (i + 1) * prompt_tokens);

  timed_run(llm, prompts, gen + 1);  // warm-up
  std::vector<double> decode, prefill;
  for (int r = 0; r < repeats; ++r) {
    const auto t = timed_run(llm, prompts, gen + 1);
    prefill.push_back(batch * prompt_tokens / t.prompt);
    decode.push_back(batch * gen / t.decode);
  }
  namespace b = moeserve::bench;
  std::printf(
      "{\"bench\":\"decode\",\"engine\":\"moeserve\",\"backend\":\"%s\",\"model\":\"%s\",\"quantization\":\"%s\","
      "\"weight_bytes\":%zu,\"threads\":%d,"
      "\"batch\":%d,\"prompt_tokens\":%d,\"gen\":%d,\"repeats\":%d,\"decode_tok_s\":{\"median\":%.1f,\"min\":%.1f,\"max\":%.1f},"
      "\"prompt_tok_s\":{\"median\":%.1f},\"commit\":\"%s\",\"machine\":\"%s\",\"date\":\"%s\",\"load\":%.2f}\n",
      b::json_escape(llm.backend_name()).c_str(), b::json_escape(std::filesystem::path(model).filename().string()).c_str(),
      b::json_escape(llm.quantization_name()).c_str(), llm.weight_bytes(), threads, batch, prompt_tokens, gen, repeats, median(decode), *std::min_element(decode.begin(), decode.end()),
      *std::max_element(decode.begin(), decode.end()), median(prefill), b::json_escape(b::commit()).c_str(),
      b::json_escape(b::machine()).c_str(), b::utc_date().c_str(), b::load_average());
  return 0;
}
