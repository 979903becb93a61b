// device_agreement: teacher-forced top-1 agreement of the GPU executor with the CPU
// executor on the same model and text (GPU_EXECUTOR.md "Checks": GPU against CPU agreement
// is measured, not assumed). Both score the same token windows through moeserve::LLM::score;
// prints one JSON line (agreement, mean |Δ logprob| of the true next token, each device's
// time) and exits 1 when the agreement is under --min-agreement.
//
//   device_agreement --model models/SmolLM2-135M-Instruct.Q4_1.gguf
//       --text /usr/share/common-licenses/GPL-3 --tokens 2048 --window 1024 --min-agreement 0.99
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "app/llm.hpp"
#include "bench/common/run_environment.hpp"

int main(int argc, char** argv) {
  CLI::App cli("Teacher-forced top-1 agreement of the GPU executor with the CPU executor", "device_agreement");
  std::string model, text_path, device = "cuda";
  int tokens = 2048, window = 1024, threads = 0;
  double min_agreement = 0.99;
  cli.add_option("--model", model)->required();
  cli.add_option("--text", text_path, "Plain text to score")->required();
  cli.add_option("--device", device, "The device compared with the CPU")->capture_default_str();
  cli.add_option("--tokens", tokens, "Tokens scored (windows of --window, each from position 0)")->capture_default_str();
  cli.add_option("--window", window)->capture_default_str();
  cli.add_option("--threads", threads, "CPU threads (0: all)")->capture_default_str();
  cli.add_option("--min-agreement", min_agreement)->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  try {
    std::ifstream in(text_path);
    if (!in) throw std::runtime_error("cannot read " + text_path);
    std::stringstream text;
    text << in.rdbuf();
    moeserve::llm_options cpu_options{.model = model, .threads = threads, .prefill_chunk = window};
    cpu_options.max_model_len = window + 1;  // a window and its next token
    moeserve::LLM cpu(cpu_options);
    auto gpu_options = cpu_options;
    gpu_options.device = device;
    gpu_options.gpu_memory_utilization = 0.5;
    moeserve::LLM gpu(gpu_options);
    const auto ids = cpu.model().encode_prompt(text.str());
    if (static_cast<int>(ids.size()) < tokens + 1)
      throw std::runtime_error("the text has " + std::to_string(ids.size()) + " tokens, fewer than --tokens");
    long agree = 0, scored = 0;
    double delta = 0, cpu_s = 0, gpu_s = 0;
    for (int first = 0; first < tokens; first += window) {
      const int n = std::min(window, tokens - first) + 1;
      const std::vector<int> part(ids.begin() + first, ids.begin() + first + n);
      auto t0 = std::chrono::steady_clock::now();
      const auto a = cpu.score(part);
      auto t1 = std::chrono::steady_clock::now();
      const auto b = gpu.score(part);
      auto t2 = std::chrono::steady_clock::now();
      cpu_s += std::chrono::duration<double>(t1 - t0).count();
      gpu_s += std::chrono::duration<double>(t2 - t1).count();
      for (std::size_t i = 0; i < a.argmax.size(); ++i) {
        agree += a.argmax[i] == b.argmax[i];
        delta += std::fabs(double(a.next_token_logprob[i]) - b.next_token_logprob[i]);
        ++scored;
      }
    }
    const double agreement = double(agree) / double(scored);
    std::printf("{\"bench\":\"device_agreement\",\"commit\":\"%s\",\"date\":\"%s\",\"model\":\"%s\",\"device\":\"%s\","
                "\"backend\":\"%s\",\"tokens\":%ld,\"top1_agreement\":%.5f,\"mean_abs_delta_logprob\":%.5f,"
                "\"cpu_seconds\":%.2f,\"gpu_seconds\":%.2f}\n",
                moeserve::bench::commit().c_str(), moeserve::bench::utc_date().c_str(),
                moeserve::bench::json_escape(model).c_str(), device.c_str(),
                moeserve::bench::json_escape(gpu.backend_name()).c_str(), scored, agreement, delta / double(scored),
                cpu_s, gpu_s);
    return agreement >= min_agreement ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "device_agreement: %s\n", e.what());
    return 2;
  }
}
