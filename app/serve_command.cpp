#include "app/serve_command.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "actors/actor_system.hpp"
#include "app/serving/openai_router.hpp"
#include "app/serving/serving_context.hpp"
#include "app/executor_factory.hpp"
#include "engine/executor_actor.hpp"
#include "engine/scheduler_actor.hpp"
#include "model/config/quantization_config_json.hpp"
#include "net/http/http_server.hpp"
#include "net/probe/probe_server.hpp"

namespace moeserve::app {

quant::quantization_plan serve_quantization(const serve_options& o, const model::model_config& config) {
  return model::resolve_model_quantization(o.quantization, config, quant::parse_kv_cache_format(o.kv_cache_dtype));
}

std::string unimplemented_serve_flag(const serve_options& o) {
  if (o.tensor_parallel_size != 1)
    return "--tensor-parallel-size " + std::to_string(o.tensor_parallel_size) +
           ": only 1 is implemented (one device per server)";
  if (o.use_cudagraph) return "--use-cudagraph: CUDA graphs are not implemented yet; run without the flag";
  return {};
}

int run_serve(const serve_options& o, const executor_factory& make_executor) {
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  spdlog::set_level(spdlog::level::from_str(o.log_level));
  if (const auto refusal = unimplemented_serve_flag(o); !refusal.empty()) throw std::invalid_argument(refusal);
  for (const auto& flag : o.ignored) spdlog::info("{} is accepted and ignored (one process)", flag);
  model::model_bundle bundle(o.model, {model::parse_load_format(o.load_format), false});
  const auto& config = bundle.config();
  const int max_len = config.context_length(o.max_model_len);
  const auto plan = serve_quantization(o, config);
  spdlog::info("quantization: {} ({})", plan.name_for(config.moe.moe_layers), plan.method().empty() ? "none" : plan.method());

  engine::metrics_registry metrics;
  actors::actor_system system;
  auto executor = make_executor(bundle, o, plan);
  const std::string backend = executor->backend_name();
  const int blocks = executor->num_blocks();
  if (executor->block_size() != o.block_size)
    throw std::logic_error("the executor's KV block size differs from --block-size");
  auto executor_ref = system.spawn_with<engine::executor_actor>({.name = "executor", .on = &system.dedicated()},
                                                                 std::move(executor));
  engine::scheduler_config sc;
  sc.max_num_seqs = o.max_num_seqs;
  sc.max_num_batched_tokens = o.enable_chunked_prefill ? o.max_num_batched_tokens : std::max(o.max_num_batched_tokens, max_len);
  sc.max_model_len = max_len;
  sc.long_prefill_threshold = std::max(1, o.max_num_batched_tokens / 2);
  sc.enable_prefix_caching = o.enable_prefix_caching;
  auto scheduler = system.spawn_with<engine::scheduler_actor>({.name = "scheduler"}, sc, blocks, o.block_size, executor_ref,
                                                               &metrics);

  serving_context ctx;
  ctx.model = &bundle;
  ctx.scheduler = scheduler;
  ctx.served_names = o.served_model_name;
  ctx.display_name = o.served_model_name.empty() ? std::filesystem::path(o.model).filename().string() : o.served_model_name[0];
  ctx.api_key = o.api_key;
  ctx.max_model_len = max_len;
  ctx.max_concurrent = o.max_num_seqs + o.max_queued_requests;
  ctx.metrics = &metrics;
  ctx.started = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts: all inherit it
  std::signal(SIGPIPE, SIG_IGN);  // a write to a closed connection is an error to handle, not a reason to exit

  net::http_server server(system, {o.host, static_cast<unsigned short>(o.port), o.io_threads, {}},
                          make_openai_router(ctx, system));
  server.start();
  std::unique_ptr<net::probe_server> probes;  // /metrics and /health on their own port and thread
  if (o.metrics_port > 0) {
    probes = std::make_unique<net::probe_server>(
        o.host, static_cast<unsigned short>(o.metrics_port), [&metrics] { return metrics.render(); },
        [&system, scheduler]() -> net::health_result {
          auto reply = actors::ask<engine::engine_status>(system, scheduler, std::chrono::seconds(2),
                                                          [](actors::reply_to<engine::engine_status> r) {
                                                            return engine::status_query{std::move(r)};
                                                          }).get();
          if (!reply.ok()) return {false, "the engine does not answer"};
          return {reply.value().healthy, reply.value().detail};
        });
    probes->start();
    spdlog::info("/metrics and /health on http://{}:{}", o.host, probes->port());
  }
  spdlog::info("serving {} ({}, {} KV blocks of {} tokens, max_model_len {}) on http://{}:{}", ctx.display_name, backend,
               blocks, o.block_size, max_len, o.host, server.port());
  spdlog::default_logger()->flush();
  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("{}: draining {} request(s) (up to {:.0f} s)", signal == SIGTERM ? "SIGTERM" : "SIGINT",
               ctx.in_engine.load(), o.shutdown_timeout);
  ctx.shutting_down = true;  // new generation requests get 503 from here on
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.shutdown_timeout);
  while (ctx.in_engine.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard lock(ctx.live_mutex);  // still running at the deadline: end them with an error event
    for (auto& [id, ref] : ctx.live) ref.send(engine::request_failed{id, 503, "the server is shutting down"});
  }
  for (int i = 0; i < 40 && ctx.in_engine.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  spdlog::info("stopping");
  if (probes) probes->stop();
  system.stop();
  system.join_for(std::chrono::seconds(10));
  server.stop();
  return 0;
}

void add_serve_flags(CLI::App* cmd, const std::shared_ptr<serve_options>& o) {
  cmd->add_option("--config", o->config, "YAML or JSON file of flags (command-line flags win)");
  cmd->add_option("--log-level", o->log_level)
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  cmd->add_option("--model", o->model, "GGUF file or Hugging Face model directory")->required();
  cmd->add_option("--host", o->host)->capture_default_str();
  cmd->add_option("--port", o->port)->capture_default_str();
  cmd->add_option("--metrics-port", o->metrics_port);
  cmd->add_option("--served-model-name", o->served_model_name, "Names the model answers to (default: any)");
  cmd->add_option("--api-key", o->api_key, "Require Authorization: Bearer <key> on /v1 routes");
  cmd->add_option("--max-model-len", o->max_model_len, "Prompt + output cap (0: the model's)");
  cmd->add_option("--max-num-seqs", o->max_num_seqs)->capture_default_str();
  cmd->add_option("--max-num-batched-tokens", o->max_num_batched_tokens)->capture_default_str();
  cmd->add_option("--block-size", o->block_size)->capture_default_str();
  cmd->add_option("--max-queued-requests", o->max_queued_requests)->capture_default_str();
  cmd->add_option("--threads", o->threads, "CPU threads of the executor (0: all)")->capture_default_str();
  cmd->add_option("--io-threads", o->io_threads)->capture_default_str();
  cmd->add_option("--shutdown-timeout", o->shutdown_timeout, "Seconds SIGTERM waits for running requests")
      ->capture_default_str();
  cmd->add_option("--kv-cache-gib", o->kv_cache_gib, "KV cache size on the CPU")->capture_default_str();
  cmd->add_option("--device", o->device, "auto (a GPU when present), cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--gpu-memory-utilization", o->gpu_memory_utilization,
                  "Share of the GPU's memory for weights, activations and the KV cache")
      ->check(CLI::Range(0.05, 1.0))
      ->capture_default_str();
  cmd->add_option("--tensor-parallel-size", o->tensor_parallel_size, "GPUs per model (only 1 is implemented)")
      ->capture_default_str();
  cmd->add_option("--load-format", o->load_format, "auto, or dummy: random weights from config.json alone")
      ->check(CLI::IsMember({"auto", "dummy"}))
      ->capture_default_str();
  cmd->add_flag("--use-cudagraph,!--no-use-cudagraph", o->use_cudagraph, "CUDA graphs for decode (not implemented yet)");
  cmd->add_option("--quantization", o->quantization,
                  "Weight quantization at load: wint8, wint4, block_wise_fp8, wint2, mix_quant, or a "
                  "quantization_config JSON object (default: as the checkpoint is)");
  cmd->add_option("--kv-cache-dtype", o->kv_cache_dtype, "KV cache element type")
      ->check(CLI::IsMember({"auto", "int8", "fp8", "float8_e4m3fn"}))
      ->capture_default_str();
  cmd->add_flag("--enable-prefix-caching,!--no-enable-prefix-caching", o->enable_prefix_caching)->capture_default_str();
  cmd->add_flag("--enable-chunked-prefill,!--no-enable-chunked-prefill", o->enable_chunked_prefill)->capture_default_str();
  for (const char* flag : {"--engine-worker-queue-port", "--cache-queue-port"})
    cmd->add_option_function<std::string>(flag, [o, flag](const std::string&) { o->ignored.emplace_back(flag); });
}

std::function<int()> add_serve_command(CLI::App& cli) {
  auto o = std::make_shared<serve_options>();
  auto* cmd = cli.add_subcommand("serve", "Serve the OpenAI-compatible API");
  add_serve_flags(cmd, o);
  const executor_factory by_device = [](const model::model_bundle& bundle, const serve_options& options,
                                        const quant::quantization_plan& plan) {
    executor_options e;
    e.device = options.device;
    e.block_size = options.block_size;
    e.max_model_len = bundle.config().context_length(options.max_model_len);
    e.max_num_seqs = options.max_num_seqs;
    e.max_num_batched_tokens = options.enable_chunked_prefill ? options.max_num_batched_tokens
                                                              : std::max(options.max_num_batched_tokens, e.max_model_len);
    e.quantization = plan;
    e.threads = options.threads;
    e.kv_cache_bytes = static_cast<std::int64_t>(options.kv_cache_gib * (1 << 30));
    e.gpu_memory_utilization = options.gpu_memory_utilization;
    auto executor = make_executor(bundle.files(), e);
    spdlog::info("weights: {} bytes ({:.2f} GiB), KV cache {:.2f} GiB", executor->weight_bytes(),
                 static_cast<double>(executor->weight_bytes()) / (1 << 30),
                 static_cast<double>(executor->kv_cache_bytes()) / (1 << 30));
    return executor;
  };
  return [o, cmd, by_device]() -> int { return cmd->parsed() ? run_serve(*o, by_device) : -1; };
}

}  // namespace moeserve::app
