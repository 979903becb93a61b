// bench_moe_gpu: times the MoE layer and its grouped expert GEMMs on the GPU, per weight
// format (bf16, wint8, wint4, wint4 g128, block-wise fp8, wint2), on real model shapes,
// and reports each against the bf16 path on cuBLAS and against the copy bandwidth measured
// in the same run (gpu/device_copy.hpp); then dense GEMMs at 4,096 tokens, block-wise FP8
// through cuBLASLt (with and without the activation quantization) against bf16 cuBLAS.
// The fp8 column includes the activation quantization kernel.
//
//   bench_moe_gpu [--reps N] [--tokens 1,8,32,128,512] [--models qwen3,ernie] [--dense 0|1]
//                 [--flush clean|dirty]
//
// One JSON line per measurement on stdout, then a readable table. Weights are random
// (never zeros) and far larger than L2; L2 is also flushed before every timed call, by
// default with reads (moe_bench_timer.hpp says why; --flush dirty is the earlier memset).
// Floors, timed the same way: an empty kernel, and at up to 8 tokens a plain read of the
// bytes the bf16 and wint4 GEMMs read (gpu/timing_probes.hpp) -- what a kernel of that
// size costs when it does nothing but stream its weights.
// Routing of the GEMM rows: k distinct experts per token, uniformly at random; the layer
// routes through its own router on random inputs.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/common/run_environment.hpp"
#include "bench/gpu/moe_bench_timer.hpp"
#include "gpu/cuda_check.hpp"
#include "gpu/device_copy.hpp"
#include "gpu/device_info.hpp"
#include "gpu/fp8_gemm.hpp"
#include "gpu/grouped_gemm.hpp"
#include "gpu/moe_layer.hpp"
#include "gpu/random_fill.hpp"
#include "gpu/timing_probes.hpp"

namespace {

using namespace moeserve;
using gpu::weight_format;

struct model_shape {
  const char* name;
  int hidden, experts, top_k, intermediate, shared_intermediate;
  bool bias;
  float norm_min;
};

const model_shape models[] = {
    {"qwen3-30b-a3b", 2048, 128, 8, 768, 0, false, 0.0f},
    {"ernie-4.5-21b-a3b", 2560, 64, 6, 1536, 3072, true, 1e-12f},  // 2 shared experts of 1536
};

struct format_spec {
  const char* label;
  weight_format format;
  int group_size;
};

const format_spec formats[] = {{"bf16", weight_format::bf16, 0},
                               {"wint8", weight_format::wint8, 0},
                               {"wint4", weight_format::wint4, 0},
                               {"wint4_g128", weight_format::wint4, 128},
                               {"fp8", weight_format::block_fp8, 0},
                               {"wint2", weight_format::wint2, 0}};

class device_memory {
 public:
  explicit device_memory(std::size_t bytes) { MOESERVE_CUDA_CHECK(cudaMalloc(&p_, std::max<std::size_t>(bytes, 16))); }
  device_memory(const device_memory&) = delete;
  device_memory& operator=(const device_memory&) = delete;
  ~device_memory() { cudaFree(p_); }
  void* get() const { return p_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(p_);
  }

 private:
  void* p_ = nullptr;
};

struct bench_weights {
  gpu::expert_weights view;
  std::unique_ptr<device_memory> data, scales;
};

std::uint32_t next_seed = 1;

bench_weights make_weights(const format_spec& f, int experts, int n, int k, cudaStream_t s) {
  bench_weights w;
  w.view.format = f.format;
  w.view.experts = experts;
  w.view.n = n;
  w.view.k = k;
  w.view.group_size = f.group_size;
  const std::size_t nk = static_cast<std::size_t>(experts) * n * k;
  if (f.format == weight_format::bf16) {
    w.data = std::make_unique<device_memory>(nk * 2);
    gpu::fill_uniform_bf16(w.data->as<__nv_bfloat16>(), nk, -0.05f, 0.05f, next_seed++, s);
  } else if (f.format == weight_format::block_fp8) {
    w.data = std::make_unique<device_memory>(nk);
    gpu::fill_random_bytes(w.data->get(), nk, next_seed++, s);
    const std::size_t blocks = static_cast<std::size_t>(experts) * ((n + 127) / 128) * (k / 128);
    w.scales = std::make_unique<device_memory>(blocks * 4);
    gpu::fill_uniform_f32(w.scales->as<float>(), blocks, 1e-4f, 2e-4f, next_seed++, s);
    w.view.scales = w.scales->get();
  } else if (f.format == weight_format::wint2) {
    w.data = std::make_unique<device_memory>(nk / 4);
    gpu::fill_random_bytes(w.data->get(), nk / 4, next_seed++, s);
    const std::size_t en = static_cast<std::size_t>(experts) * n;
    w.scales = std::make_unique<device_memory>(en * 8 + nk / 64 * 2);
    gpu::fill_uniform_f32(w.scales->as<float>(), en, 64.0f, 256.0f, next_seed++, s);        // code_scale
    gpu::fill_uniform_f32(w.scales->as<float>() + en, en, 0.0f, 32768.0f, next_seed++, s);  // code_zp
    gpu::fill_uniform_bf16(reinterpret_cast<__nv_bfloat16*>(w.scales->as<float>() + 2 * en), nk / 64, 1e-3f, 2e-3f,
                           next_seed++, s);
    w.view.scales = w.scales->get();
  } else {
    const std::size_t bytes = f.format == weight_format::wint8 ? nk : nk / 2;
    w.data = std::make_unique<device_memory>(bytes);
    gpu::fill_random_bytes(w.data->get(), bytes, next_seed++, s);
    if (f.group_size == 0) {
      w.scales = std::make_unique<device_memory>(static_cast<std::size_t>(experts) * n * 4);
      gpu::fill_uniform_f32(w.scales->as<float>(), static_cast<std::size_t>(experts) * n, 1e-3f, 2e-3f, next_seed++, s);
    } else {
      const std::size_t count = nk / f.group_size;
      w.scales = std::make_unique<device_memory>(count * 2);
      gpu::fill_uniform_bf16(w.scales->as<__nv_bfloat16>(), count, 1e-3f, 2e-3f, next_seed++, s);
    }
    w.view.scales = w.scales->get();
  }
  w.view.data = w.data->get();
  return w;
}

struct result {
  std::string model, op, format, path;
  int tokens = 0, rows = 0, active = 0, m_tiles = 0, splits = 1;
  bool few_rows = false;  // wint_small_m's 8-row deep-pipeline variant
  bench::gpu_timing t;
  double bytes = 0;
  double flops = 0;  // dense GEMMs only
};

std::vector<result> results;
double copy_bps = 0;
std::string device_name;
std::string flush_name = "clean";

double bf16_median(const result& r) {
  for (const auto& o : results) {
    if (o.model == r.model && o.op == r.op && o.tokens == r.tokens && o.format == "bf16") return o.t.median_us;
  }
  return 0;
}

void emit(const result& r) {
  results.push_back(r);
  const double gbps = r.bytes / (r.t.median_us * 1e-6) / 1e9;
  const double base = bf16_median(r);
  std::printf(
      "{\"bench\":\"moe_gpu\",\"commit\":\"%s\",\"date\":\"%s\",\"device\":\"%s\",\"model\":\"%s\",\"op\":\"%s\","
      "\"format\":\"%s\",\"path\":\"%s\",\"m_tiles\":%d,\"splits\":%d,\"few_rows\":%s,\"tokens\":%d,\"rows\":%d,"
      "\"active_experts\":%d,"
      "\"median_us\":%.2f,\"p10_us\":%.2f,\"p90_us\":%.2f,\"reps\":%d,\"bytes\":%.0f,\"gbps\":%.1f,"
      "\"copy_gbps\":%.1f,\"copy_fraction\":%.3f,\"speedup_vs_bf16\":%.3f,\"flush\":\"%s\"}\n",
      bench::json_escape(bench::commit()).c_str(), bench::utc_date().c_str(), bench::json_escape(device_name).c_str(),
      r.model.c_str(), r.op.c_str(), r.format.c_str(), r.path.c_str(), r.m_tiles, r.splits,
      r.few_rows ? "true" : "false", r.tokens, r.rows, r.active, r.t.median_us, r.t.p10_us, r.t.p90_us, r.t.reps,
      r.bytes, gbps, copy_bps / 1e9, gbps * 1e9 / copy_bps, base > 0 ? base / r.t.median_us : 0.0, flush_name.c_str());
  std::fflush(stdout);
}

std::vector<int> parse_list(const char* s) {
  std::vector<int> v;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) v.push_back(std::stoi(item));
  return v;
}

void bench_model(const model_shape& m, const std::vector<int>& token_counts, int reps, bench::gpu_timer& timer,
                 cudaStream_t s) {
  const int max_tokens = *std::max_element(token_counts.begin(), token_counts.end());
  // weights of every format
  std::map<std::string, bench_weights> gate_up, down, shared_gate_up, shared_down;
  for (const auto& f : formats) {
    gate_up[f.label] = make_weights(f, m.experts, 2 * m.intermediate, m.hidden, s);
    down[f.label] = make_weights(f, m.experts, m.hidden, m.intermediate, s);
    if (m.shared_intermediate > 0) {
      shared_gate_up[f.label] = make_weights(f, 1, 2 * m.shared_intermediate, m.hidden, s);
      shared_down[f.label] = make_weights(f, 1, m.hidden, m.shared_intermediate, s);
    }
  }
  device_memory router(static_cast<std::size_t>(m.experts) * m.hidden * 2), bias(m.experts * 4);
  gpu::fill_uniform_bf16(router.as<__nv_bfloat16>(), static_cast<std::size_t>(m.experts) * m.hidden, -0.05f, 0.05f,
                         next_seed++, s);
  gpu::fill_uniform_f32(bias.as<float>(), m.experts, -0.01f, 0.01f, next_seed++, s);
  const int max_rows = max_tokens * m.top_k;
  const int widest = std::max({m.hidden, 2 * m.intermediate, m.intermediate});
  device_memory x(static_cast<std::size_t>(max_rows) * widest * 2), y(static_cast<std::size_t>(max_rows) * widest * 2);
  device_memory offsets((m.experts + 1) * 4);
  gpu::fill_uniform_bf16(x.as<__nv_bfloat16>(), static_cast<std::size_t>(max_rows) * widest, -1.0f, 1.0f, next_seed++,
                         s);
  gpu::grouped_gemm_runner runner;
  std::mt19937 rng(1234);

  for (const int tokens : token_counts) {
    const int rows = tokens * m.top_k;
    std::vector<int> counts(m.experts, 0), all(m.experts);
    std::iota(all.begin(), all.end(), 0);
    for (int t = 0; t < tokens; ++t) {
      std::shuffle(all.begin(), all.end(), rng);
      for (int j = 0; j < m.top_k; ++j) ++counts[all[j]];
    }
    std::vector<int> host_offsets(m.experts + 1, 0);
    for (int e = 0; e < m.experts; ++e) host_offsets[e + 1] = host_offsets[e] + counts[e];
    const int active = static_cast<int>(std::count_if(counts.begin(), counts.end(), [](int c) { return c > 0; }));
    MOESERVE_CUDA_CHECK(
        cudaMemcpy(offsets.get(), host_offsets.data(), host_offsets.size() * 4, cudaMemcpyHostToDevice));

    for (const char* op : {"gate_up", "down"}) {
      auto& ws = std::string(op) == "gate_up" ? gate_up : down;
      for (const auto& f : formats) {
        const gpu::expert_weights& w = ws[f.label].view;
        gpu::grouped_gemm_problem p;
        p.x = x.as<__nv_bfloat16>();
        p.y = y.as<__nv_bfloat16>();
        p.rows = rows;
        p.offsets = offsets.as<int>();
        p.host_offsets = host_offsets.data();
        std::vector<gpu::grouped_gemm_plan> plans = {gpu::choose_grouped_gemm_plan(w, rows, -1)};
        if (f.format == weight_format::wint4 && f.group_size == 0 && tokens >= 128) {
          plans.push_back({gpu::grouped_gemm_path::wint_dequant_bf16, 1});  // the large-M path, for the threshold
        }
        if (plans[0].path == gpu::grouped_gemm_path::wint_small_m && tokens <= 8) {
          for (int splits = 1; splits <= 4; ++splits) {  // the split-K heuristic's alternatives
            if (splits != plans[0].splits)
              plans.push_back({plans[0].path, plans[0].m_tiles, splits, plans[0].few_rows});
          }
        }
        // The other variant (8-row deep pipeline or 16-row) at the chosen split, where it exists.
        if (plans[0].path == gpu::grouped_gemm_path::wint_small_m && plans[0].m_tiles == 1 && tokens <= 32 &&
            f.format != weight_format::wint8)
          plans.push_back({plans[0].path, 1, plans[0].splits, !plans[0].few_rows});
        for (const auto& plan : plans) {
          result r;
          r.model = m.name;
          r.op = op;
          r.format = f.label;
          r.path = gpu::to_string(plan.path);
          r.m_tiles = plan.m_tiles;
          r.splits = plan.splits;
          r.few_rows = plan.few_rows;
          r.tokens = tokens;
          r.rows = rows;
          r.active = active;
          r.bytes = static_cast<double>(active) * w.weight_bytes_per_expert() + 2.0 * rows * (w.n + w.k);
          if (plan.path == gpu::grouped_gemm_path::wint_dequant_bf16) r.format = std::string(f.label) + "_dequant";
          if (&plan != &plans[0] && plan.path == gpu::grouped_gemm_path::wint_small_m)
            r.format = std::string(f.label) + "_s" + std::to_string(plan.splits) +
                       (plan.few_rows != plans[0].few_rows ? (plan.few_rows ? "_r8" : "_r16") : "");
          r.t = timer.time([&] { runner.run(w, p, plan, s); }, 3, reps);
          emit(r);
        }
      }
      if (tokens > 8) continue;
      for (const char* label : {"bf16", "wint4"}) {  // the floor: only reading those bytes
        const gpu::expert_weights& w = ws[label].view;
        result r;
        r.model = m.name;
        r.op = op;
        r.format = std::string("read_") + label;
        r.path = "read_through";
        r.tokens = tokens;
        r.rows = rows;
        r.active = active;
        r.bytes = static_cast<double>(active) * w.weight_bytes_per_expert();
        r.t = timer.time([&] { gpu::read_through(w.data, static_cast<std::size_t>(r.bytes), s); }, 3, reps);
        emit(r);
      }
    }
  }

  // The whole layer.
  gpu::moe_layer_config c;
  c.hidden = m.hidden;
  c.experts = m.experts;
  c.top_k = m.top_k;
  c.intermediate = m.intermediate;
  c.shared_intermediate = m.shared_intermediate;
  c.renormalize = true;
  c.norm_min = m.norm_min;
  gpu::moe_layer layer(c, max_tokens);
  for (const int tokens : token_counts) {
    for (const auto& f : formats) {
      if (f.group_size != 0) continue;
      gpu::moe_layer_weights w;
      w.router = router.as<__nv_bfloat16>();
      w.correction_bias = m.bias ? bias.as<float>() : nullptr;
      w.gate_up = gate_up[f.label].view;
      w.down = down[f.label].view;
      if (m.shared_intermediate > 0) {
        w.shared_gate_up = shared_gate_up[f.label].view;
        w.shared_down = shared_down[f.label].view;
      }
      result r;
      r.model = m.name;
      r.op = "layer";
      r.format = f.label;
      r.tokens = tokens;
      r.rows = tokens * m.top_k;
      r.t = timer.time([&] { layer.forward(w, x.as<__nv_bfloat16>(), tokens, y.as<__nv_bfloat16>(), s); }, 3, reps);
      std::vector<int> off(m.experts + 1);
      MOESERVE_CUDA_CHECK(cudaMemcpy(off.data(), layer.expert_offsets(), off.size() * 4, cudaMemcpyDeviceToHost));
      for (int e = 0; e < m.experts; ++e) r.active += off[e + 1] > off[e];
      r.path = gpu::to_string(gpu::choose_grouped_gemm_plan(w.gate_up, r.rows, -1).path);
      r.bytes =
          static_cast<double>(r.active) * (w.gate_up.weight_bytes_per_expert() + w.down.weight_bytes_per_expert()) +
          (m.shared_intermediate > 0 ? static_cast<double>(w.shared_gate_up.weight_bytes_per_expert() +
                                                           w.shared_down.weight_bytes_per_expert())
                                     : 0.0) +
          2.0 * m.experts * m.hidden + 4.0 * tokens * m.hidden;
      emit(r);
    }
  }
}

// Dense GEMMs at M tokens: bf16 cuBLAS against block-wise FP8 through cuBLASLt.
void bench_dense(int m, int n, int k, int reps, bench::gpu_timer& timer, cudaStream_t s) {
  const std::string name = "dense " + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k);
  const format_spec bf16{"bf16", weight_format::bf16, 0}, fp8{"fp8", weight_format::block_fp8, 0};
  bench_weights wb = make_weights(bf16, 1, n, k, s), wf = make_weights(fp8, 1, n, k, s);
  device_memory x(static_cast<std::size_t>(m) * k * 2), y(static_cast<std::size_t>(m) * n * 2);
  device_memory xq(static_cast<std::size_t>(m) * k), xs(static_cast<std::size_t>(m) * (k / 128) * 4);
  gpu::fill_uniform_bf16(x.as<__nv_bfloat16>(), static_cast<std::size_t>(m) * k, -1.0f, 1.0f, next_seed++, s);
  gpu::grouped_gemm_runner runner;
  gpu::fp8_cublaslt_gemm lt;
  gpu::grouped_gemm_problem p;
  p.x = x.as<__nv_bfloat16>();
  p.y = y.as<__nv_bfloat16>();
  p.rows = m;
  result r;
  r.model = name;
  r.op = "dense";
  r.tokens = m;
  r.rows = m;
  r.active = 1;
  r.flops = 2.0 * m * n * k;
  r.bytes = 2.0 * (static_cast<double>(m) * k + static_cast<double>(n) * k + static_cast<double>(m) * n);
  r.format = "bf16";
  r.path = "cublas_bf16";
  r.t = timer.time([&] { runner.run(wb.view, p, s); }, 3, reps);
  emit(r);
  r.format = "fp8";
  r.path = "fp8_cublaslt";
  r.t = timer.time([&] { runner.run(wf.view, p, {gpu::grouped_gemm_path::fp8_cublaslt, 1}, s); }, 3, reps);
  emit(r);
  gpu::fp8_quantize_activations(x.as<__nv_bfloat16>(), m, k, xq.as<std::uint8_t>(), xs.as<float>(), m, s);
  r.format = "fp8_gemm_only";
  r.t = timer.time(
      [&] {
        lt.run(xq.as<std::uint8_t>(), xs.as<float>(), wf.data->as<std::uint8_t>(), wf.scales->as<float>(),
               y.as<__nv_bfloat16>(), m, n, k, s);
      },
      3, reps);
  emit(r);
}

void print_table() {
  std::printf("\nMoE on %s; copy bandwidth %.0f GB/s (read+write, measured in this run)\n", device_name.c_str(),
              copy_bps / 1e9);
  std::printf("times in us (median); xN = speedup over bf16 cuBLAS; %%bw = achieved bytes/s over copy bandwidth\n");
  std::printf("%-18s %-7s %5s %8s %17s %17s %17s %17s %17s %5s\n", "model", "op", "tok", "bf16", "wint8 (x, %bw)",
              "wint4 (x, %bw)", "wint4_g128", "fp8 (x, %bw)", "wint2 (x, %bw)", "rows");
  std::map<std::string, const result*> by_key;
  for (const auto& r : results) by_key[r.model + "|" + r.op + "|" + std::to_string(r.tokens) + "|" + r.format] = &r;
  for (const auto& r : results) {
    if (r.format != "bf16" || r.op == "dense") continue;
    auto cell = [&](const char* fmt) -> std::string {
      auto it = by_key.find(r.model + "|" + r.op + "|" + std::to_string(r.tokens) + "|" + fmt);
      if (it == by_key.end()) return "-";
      const result& o = *it->second;
      const double pct = 100.0 * o.bytes / (o.t.median_us * 1e-6) / copy_bps;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.1f (%.2fx,%3.0f%%)", o.t.median_us, r.t.median_us / o.t.median_us, pct);
      return buf;
    };
    std::printf("%-18s %-7s %5d %8.1f %17s %17s %17s %17s %17s %5d\n", r.model.c_str(), r.op.c_str(), r.tokens,
                r.t.median_us, cell("wint8").c_str(), cell("wint4").c_str(), cell("wint4_g128").c_str(),
                cell("fp8").c_str(), cell("wint2").c_str(), r.rows);
  }
  std::printf("\nfloors (same timer): only reading the weights the GEMM reads, us (%%bw)\n");
  for (const auto& r : results) {
    if (r.format != "read_bf16") continue;
    auto w4 = by_key.find(r.model + "|" + r.op + "|" + std::to_string(r.tokens) + "|read_wint4");
    std::printf("%-18s %-7s %5d  bf16 bytes %8.1f (%3.0f%%)", r.model.c_str(), r.op.c_str(), r.tokens, r.t.median_us,
                100.0 * r.bytes / (r.t.median_us * 1e-6) / copy_bps);
    if (w4 != by_key.end())
      std::printf("   wint4 bytes %8.1f (%3.0f%%)", w4->second->t.median_us,
                  100.0 * w4->second->bytes / (w4->second->t.median_us * 1e-6) / copy_bps);
    std::printf("\n");
  }
  for (const auto& r : results)
    if (r.op == "empty") std::printf("an empty kernel: %.1f us\n", r.t.median_us);
  std::printf("\ndense GEMMs, M tokens x N x K; TFLOP/s = 2MNK / time\n");
  for (const auto& r : results) {
    if (r.op != "dense") continue;
    const double base = bf16_median(r);
    std::printf("%-24s %-18s %9.1f us %7.1f TFLOP/s  %.2fx vs bf16\n", r.model.c_str(), r.format.c_str(), r.t.median_us,
                r.flops / (r.t.median_us * 1e-6) / 1e12, base > 0 ? base / r.t.median_us : 0.0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 40;
  std::vector<int> token_counts = {1, 8, 32, 128, 512};
  std::string which = "qwen3,ernie";
  bool dense = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::stoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--tokens") == 0) token_counts = parse_list(argv[i + 1]);
    if (std::strcmp(argv[i], "--models") == 0) which = argv[i + 1];
    if (std::strcmp(argv[i], "--dense") == 0) dense = std::stoi(argv[i + 1]) != 0;
    if (std::strcmp(argv[i], "--flush") == 0) flush_name = argv[i + 1];
  }
  if (flush_name != "clean" && flush_name != "dirty") {
    std::fprintf(stderr, "bench_moe_gpu: --flush takes clean or dirty, not '%s'\n", flush_name.c_str());
    return 2;
  }
  const gpu::device_inventory inv = gpu::list_devices();
  if (inv.devices.empty()) {
    std::fprintf(stderr, "bench_moe_gpu: no CUDA device: %s\n", inv.problem.c_str());
    return 2;
  }
  try {
    device_name = gpu::describe(inv.devices[0]);
    copy_bps = gpu::measure_copy_bandwidth(std::size_t{1} << 30, 20).bytes_per_second;
    cudaStream_t s;
    MOESERVE_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    bench::gpu_timer timer(s, static_cast<std::size_t>(std::max(inv.devices[0].l2_cache_bytes, 1 << 20)),
                           flush_name == "dirty" ? bench::flush_mode::dirty : bench::flush_mode::clean);
    {
      result r;
      r.model = "floor";
      r.op = "empty";
      r.format = "none";
      r.path = "empty_kernel";
      r.t = timer.time([&] { gpu::empty_kernel(s); }, 3, reps);
      emit(r);
    }
    for (const auto& m : models) {
      if (which.find(std::string(m.name).substr(0, 5)) == std::string::npos) continue;
      bench_model(m, token_counts, reps, timer, s);
    }
    if (dense) {
      bench_dense(4096, 4096, 7168, reps, timer, s);
      bench_dense(4096, 7168, 4096, reps, timer, s);
      bench_dense(4096, 4096, 4096, reps, timer, s);
    }
    MOESERVE_CUDA_CHECK(cudaStreamDestroy(s));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_moe_gpu: %s\n", e.what());
    return 1;
  }
  print_table();
  return 0;
}
