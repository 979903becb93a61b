// engine_throughput: end-to-end generation speed of the engine (scheduler + GPU executor,
// through moeserve::LLM, no HTTP) on a model served from its config.json with random
// weights (--load-format dummy, no tokenizer: prompts are random token ids):
//
//   one stream        prompt 32, output 256: decode tokens/s (the output's time less the
//                     first token's)
//   N streams         prompt 512, output 256 each, all submitted at once: output tokens/s
//   TTFT              a 2,048-token prompt, one output token
//   bytes roofline    the bytes one decode step of one stream must read (BF16 weights of
//                     attention, the router, the top-k routed and the shared experts of
//                     every layer, the LM head; the KV cache neglected) over the device copy
//                     bandwidth measured in the same run: the fastest one stream could go
//
// Prints one JSON line per figure and a table last.
//   engine_throughput --model config/models/Qwen3-30B-A3B --streams 8,64,256
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>

#include "app/llm.hpp"
#include "bench/common/run_environment.hpp"
#include "gpu/device_copy.hpp"
#include "model/arch/model_files.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Bytes of BF16 weights one token's decode step reads.
double decode_bytes(const moeserve::model::model_config& c) {
  const double h = c.hidden_size, q = double(c.num_heads) * c.head_dim, kv = double(c.num_kv_heads) * c.head_dim;
  double elements = double(c.vocab_size) * h;  // the LM head (tied or not, it is read)
  for (int l = 0; l < c.num_layers; ++l) {
    elements += 2 * q * h + 2 * kv * h;
    if (c.moe.is_moe_layer(l)) {
      elements += double(c.moe.num_experts) * h;
      elements += double(c.moe.experts_per_token) * 3 * c.moe.expert_intermediate_size * h;
      if (c.moe.shared_experts > 0) elements += 3.0 * c.moe.shared_intermediate_size * h;
    } else {
      elements += 3.0 * c.intermediate_size * h;
    }
  }
  return 2 * elements;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli("End-to-end generation speed on the GPU executor", "engine_throughput");
  std::string model, device = "cuda", streams_text = "8,64,256";
  int max_num_seqs = 256, batched = 8192, max_len = 4096;
  double utilization = 0.92;
  cli.add_option("--model", model, "A directory with config.json")->required();
  cli.add_option("--device", device)->capture_default_str();
  cli.add_option("--streams", streams_text, "Concurrent stream counts")->capture_default_str();
  cli.add_option("--max-num-seqs", max_num_seqs)->capture_default_str();
  cli.add_option("--max-num-batched-tokens", batched)->capture_default_str();
  cli.add_option("--max-model-len", max_len)->capture_default_str();
  cli.add_option("--gpu-memory-utilization", utilization)->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  try {
    const auto bw = moeserve::gpu::measure_copy_bandwidth(std::size_t{1} << 30, 20);
    const auto start = std::chrono::steady_clock::now();
    moeserve::llm_options o{.model = model};
    o.device = device;
    o.load_format = "dummy";
    o.skip_tokenizer_init = true;
    o.max_num_seqs = max_num_seqs;
    o.prefill_chunk = batched;
    o.max_model_len = max_len;
    o.gpu_memory_utilization = utilization;
    moeserve::LLM llm(o);
    const double load_s = seconds_since(start);
    const auto& c = llm.model().config();
    std::mt19937 rng(11);
    const auto prompts = [&](int count, int len) {
      std::vector<std::vector<int>> p(static_cast<std::size_t>(count));
      for (auto& one : p)
        for (int i = 0; i < len; ++i) one.push_back(static_cast<int>(rng() % static_cast<unsigned>(c.vocab_size)));
      return p;
    };
    moeserve::generation_params g;
    g.sampling.temperature = 0;
    g.ignore_eos = true;
    const auto timed = [&](const std::vector<std::vector<int>>& p, int max_tokens) {
      g.max_tokens = max_tokens;
      const auto t = std::chrono::steady_clock::now();
      const auto out = llm.generate_tokens(p, g);
      for (const auto& one : out)
        if (static_cast<int>(one.token_ids.size()) != max_tokens) throw std::runtime_error("a stream ended early");
      return seconds_since(t);
    };
    timed(prompts(4, 64), 8);  // warm-up
    const std::string head = "{\"bench\":\"engine_throughput\",\"commit\":\"" + moeserve::bench::commit() +
                             "\",\"date\":\"" + moeserve::bench::utc_date() + "\",\"model\":\"" +
                             moeserve::bench::json_escape(model) + "\",\"backend\":\"" +
                             moeserve::bench::json_escape(llm.backend_name()) + "\"";
    const double bytes = decode_bytes(c), floor_s = bytes / bw.bytes_per_second;
    std::printf("%s,\"load_seconds\":%.1f,\"weight_gib\":%.2f,\"kv_gib\":%.2f,\"copy_gb_s\":%.0f,"
                "\"decode_bytes\":%.0f,\"roofline_tok_s\":%.1f}\n",
                head.c_str(), load_s, double(llm.weight_bytes()) / (1 << 30), double(llm.kv_cache_bytes()) / (1 << 30),
                bw.bytes_per_second / 1e9, bytes, 1 / floor_s);
    std::ostringstream table;
    table << "model " << model << " on " << llm.backend_name() << "; copy " << bw.bytes_per_second / 1e9
          << " GB/s; decode step reads " << bytes / 1e9 << " GB: roofline " << 1 / floor_s << " tok/s\n";

    const auto one = prompts(1, 32);
    const double first = timed(one, 1), whole = timed(one, 257);
    const double decode = 256 / (whole - first);
    std::printf("%s,\"scenario\":\"one_stream\",\"prompt\":32,\"output\":256,\"decode_tok_s\":%.1f,"
                "\"of_roofline\":%.3f}\n", head.c_str(), decode, decode * floor_s);
    table << "one stream: " << decode << " tok/s decode (" << 100 * decode * floor_s << "% of the roofline)\n";

    std::stringstream list(streams_text);
    for (std::string item; std::getline(list, item, ',');) {
      const int n = std::stoi(item);
      const double t = timed(prompts(n, 512), 256);
      const double rate = double(n) * 256 / t;
      std::printf("%s,\"scenario\":\"streams\",\"streams\":%d,\"prompt\":512,\"output\":256,\"seconds\":%.2f,"
                  "\"output_tok_s\":%.1f}\n", head.c_str(), n, t, rate);
      table << n << " streams: " << rate << " output tok/s (" << t << " s)\n";
    }
    const double ttft = timed(prompts(1, 2048), 1);
    std::printf("%s,\"scenario\":\"ttft\",\"prompt\":2048,\"ttft_ms\":%.1f}\n", head.c_str(), 1000 * ttft);
    table << "TTFT at 2048 tokens: " << 1000 * ttft << " ms\n";
    std::fputs(table.str().c_str(), stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "engine_throughput: %s\n", e.what());
    return 1;
  }
}
