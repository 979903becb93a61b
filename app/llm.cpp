#include "app/llm.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "app/executor_factory.hpp"
#include "engine/block_pool.hpp"
#include "engine/scheduler.hpp"
#include "model/config/quantization_config_json.hpp"
#include "model/tokenizer/stop_matcher.hpp"

namespace moeserve {

namespace {

// One sequence of a generate call, beside the scheduler's own record of it.
struct sequence {
  std::unique_ptr<model::detokenizer> detok;
  std::unique_ptr<model::stop_matcher> stops;
  generation_output out;
};

}  // namespace

struct LLM::impl {
  explicit impl(const llm_options& o)
      : options(o), bundle(o.model, {model::parse_load_format(o.load_format), o.skip_tokenizer_init}) {
    if (options.block_size <= 0 || options.prefill_chunk <= 0 || options.max_num_seqs <= 0)
      throw std::invalid_argument("block_size, prefill_chunk and max_num_seqs must be positive");
    max_len = bundle.config().context_length(options.max_model_len);
    const auto plan = model::resolve_model_quantization(options.quantization, bundle.config(),
                                                        quant::parse_kv_cache_format(options.kv_cache_dtype));
    app::executor_options e;
    e.device = options.device;
    e.block_size = options.block_size;
    e.max_model_len = max_len;
    e.max_num_seqs = options.max_num_seqs;
    e.max_num_batched_tokens = options.prefill_chunk;
    e.quantization = plan;
    e.threads = options.threads;
    e.kv_cache_bytes = options.kv_cache_bytes;
    e.gpu_memory_utilization = options.gpu_memory_utilization;
    executor = app::make_executor(bundle.files(), e);
    pool = std::make_unique<engine::block_pool>(executor->num_blocks(), options.block_size);
    engine::scheduler_config sc;
    sc.max_num_seqs = options.max_num_seqs;
    sc.max_num_batched_tokens = options.prefill_chunk;
    sc.max_model_len = max_len;
    sc.long_prefill_threshold = options.prefill_chunk;
    scheduler = std::make_unique<engine::scheduler>(sc, *pool);
  }

  llm_options options;
  model::model_bundle bundle;
  int max_len = 0;
  std::unique_ptr<model::step_executor> executor;
  std::unique_ptr<engine::block_pool> pool;
  std::unique_ptr<engine::scheduler> scheduler;
  engine::sequence_id next_id = 1;
};

LLM::LLM(const llm_options& options) : impl_(std::make_unique<impl>(options)) {}
LLM::~LLM() = default;

const model::model_bundle& LLM::model() const { return impl_->bundle; }
int LLM::max_model_len() const { return impl_->max_len; }
std::int64_t LLM::preemptions() const { return impl_->scheduler->preemptions(); }
std::int64_t LLM::prefix_cache_hit_tokens() const { return impl_->scheduler->cache().hit_tokens(); }
std::string LLM::backend_name() const { return impl_->executor->backend_name(); }
std::string LLM::quantization_name() const {
  return impl_->executor->quantization().name_for(impl_->executor->config().moe.moe_layers);
}
std::size_t LLM::weight_bytes() const { return impl_->executor->weight_bytes(); }
std::size_t LLM::kv_cache_bytes() const { return impl_->executor->kv_cache_bytes(); }

std::vector<generation_output> LLM::generate(std::span<const std::string> prompts, const generation_params& params,
                                             const text_callback& on_text) {
  std::vector<std::vector<int>> ids;
  for (const auto& p : prompts) {
    const auto encoded = impl_->bundle.encode_prompt(p);
    ids.emplace_back(encoded.begin(), encoded.end());
  }
  return generate_tokens(ids, params, on_text);
}

std::vector<generation_output> LLM::chat(std::span<const model::chat_request> conversations,
                                         const generation_params& params, const text_callback& on_text) {
  std::vector<std::vector<int>> ids;
  for (const auto& c : conversations) {
    const auto encoded = impl_->bundle.encode_chat(c);
    ids.emplace_back(encoded.begin(), encoded.end());
  }
  return generate_tokens(ids, params, on_text);
}

std::vector<generation_output> LLM::generate_tokens(std::span<const std::vector<int>> prompts,
                                                    const generation_params& params, const text_callback& on_text) {
  params.sampling.validate();
  if (params.max_tokens < 1) throw std::invalid_argument("max_tokens must be at least 1");
  auto& m = *impl_;
  if (!m.bundle.has_tokenizer() && !params.stop.empty())
    throw std::invalid_argument("stop strings need the tokenizer (the model was loaded with skip_tokenizer_init)");
  const int vocab = m.bundle.config().vocab_size;
  std::vector<engine::sequence_request> requests;
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const auto& p = prompts[i];
    if (p.empty()) throw std::invalid_argument("prompt " + std::to_string(i) + " is empty");
    for (const int t : p)
      if (t < 0 || t >= vocab) throw std::invalid_argument("prompt token id " + std::to_string(t) + " is outside the vocabulary");
    const int len = static_cast<int>(p.size());
    if (len >= m.max_len)
      throw std::invalid_argument("prompt " + std::to_string(i) + " has " + std::to_string(len) +
                                  " tokens; the model's length limit is " + std::to_string(m.max_len));
    engine::sequence_request r;
    r.id = m.next_id++;
    r.prompt.assign(p.begin(), p.end());
    r.max_tokens = std::min(params.max_tokens, m.max_len - len);
    r.sampling = params.sampling;
    if (!params.ignore_eos) r.stop_token_ids.assign(m.bundle.stop_token_ids().begin(), m.bundle.stop_token_ids().end());
    r.stop_token_ids.insert(r.stop_token_ids.end(), params.stop_token_ids.begin(), params.stop_token_ids.end());
    requests.push_back(std::move(r));
  }
  const engine::sequence_id first_id = requests.empty() ? 0 : requests.front().id;
  std::vector<sequence> seqs(prompts.size());
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    if (m.bundle.has_tokenizer())
      seqs[i].detok = std::make_unique<model::detokenizer>(m.bundle.tokens().make_detokenizer({params.skip_special_tokens}));
    seqs[i].stops = std::make_unique<model::stop_matcher>(params.stop);
    seqs[i].out.prompt_token_ids = prompts[i];
  }
  for (auto& r : requests) m.scheduler->add(std::move(r));

  const auto emit = [&](std::size_t i, std::string_view piece) {
    const auto r = seqs[i].stops->push(piece);
    seqs[i].out.text += r.text;
    if (on_text && !r.text.empty()) on_text(i, r.text);
    return r.stopped;
  };
  const auto finish = [&](std::size_t i, const char* reason) {
    auto& s = seqs[i];
    s.out.finish_reason = reason;
    if (!s.stops->stopped()) {
      if (s.detok) emit(i, s.detok->finish());
      const std::string tail = s.stops->finish();
      s.out.text += tail;
      if (on_text && !tail.empty()) on_text(i, tail);
    }
  };
  while (m.scheduler->has_work()) {
    const auto plan = m.scheduler->schedule();
    if (!plan) throw std::runtime_error("the scheduler cannot place the remaining sequences");
    const auto result = m.executor->execute(*plan);
    if (!result.error.empty()) {
      m.scheduler->apply(result);
      throw std::runtime_error("generation step failed: " + result.error);
    }
    for (const auto& e : m.scheduler->apply(result)) {
      const auto i = static_cast<std::size_t>(e.id - first_id);
      auto& s = seqs[i];
      s.out.token_ids.push_back(e.token.token);
      if (e.finished == engine::finish_reason::stop) {
        finish(i, "stop");
        continue;
      }
      if (s.detok && emit(i, s.detok->push(e.token.token))) {
        m.scheduler->abort(e.id);
        s.out.finish_reason = "stop";
        continue;
      }
      if (e.finished == engine::finish_reason::length) finish(i, "length");
    }
  }
  std::vector<generation_output> outputs;
  for (auto& s : seqs) outputs.push_back(std::move(s.out));
  return outputs;
}

score_result LLM::score(std::span<const int> tokens) {
  auto& m = *impl_;
  const int n = static_cast<int>(tokens.size());
  const int vocab = m.bundle.config().vocab_size;
  if (n < 2 || n > m.max_len) throw std::invalid_argument("score: between 2 and max_model_len tokens are needed");
  const int bs = m.options.block_size;
  std::vector<int> blocks;
  if (!m.pool->allocate_n((n + bs - 1) / bs, blocks)) throw std::runtime_error("score: not enough free KV blocks");
  score_result result;
  std::vector<float> logits;
  try {
    for (int first = 0; first < n - 1; first += m.options.prefill_chunk) {
      const int count = std::min(m.options.prefill_chunk, n - 1 - first);
      model::step_batch batch;
      model::sequence_slice slice;
      slice.token_count = count;
      slice.block_table.assign(blocks.begin(), blocks.end());
      for (int p = first; p < first + count; ++p) {
        batch.tokens.push_back(tokens[static_cast<std::size_t>(p)]);
        batch.positions.push_back(p);
        batch.slots.push_back(std::int64_t{blocks[static_cast<std::size_t>(p / bs)]} * bs + p % bs);
        batch.logit_rows.push_back(p - first);
      }
      batch.sequences.push_back(std::move(slice));
      logits.resize(static_cast<std::size_t>(count) * static_cast<std::size_t>(vocab));
      m.executor->forward(batch, logits);
      for (int r = 0; r < count; ++r) {
        const float* row = logits.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(vocab);
        const auto best = static_cast<int>(std::max_element(row, row + vocab) - row);
        double sum = 0;
        for (int v = 0; v < vocab; ++v) sum += std::exp(static_cast<double>(row[v] - row[best]));
        const int next = tokens[static_cast<std::size_t>(first + r + 1)];
        result.argmax.push_back(best);
        result.next_token_logprob.push_back(static_cast<float>(row[next] - row[best] - std::log(sum)));
      }
    }
  } catch (...) {
    m.pool->release_sequence(blocks);
    throw;
  }
  m.pool->release_sequence(blocks);
  return result;
}

}  // namespace moeserve
