#include "app/llm.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "cpu/cpu_backend.hpp"
#include "cpu/sampler.hpp"
#include "model/arch/decoder_model.hpp"
#include "model/tokenizer/stop_matcher.hpp"

namespace moeserve {

namespace {

int blocks_for(int tokens, int block_size) { return (tokens + block_size - 1) / block_size; }

// One sequence of a generate call.
struct sequence {
  std::vector<int> tokens;  // prompt, then output
  int prompt_len = 0;
  int max_len = 0;          // prompt_len + its max_tokens
  int computed = 0;         // tokens whose keys are in the cache
  std::vector<std::int32_t> blocks;
  std::unique_ptr<cpu::sampler> sampler;
  std::unique_ptr<model::detokenizer> detok;
  std::unique_ptr<model::stop_matcher> stops;
  generation_output out;
  bool done = false;
};

void add_tokens(model::step_batch& batch, const sequence& s, int first, int count, int block_size) {
  model::sequence_slice slice;
  slice.first_token = batch.token_count();
  slice.token_count = count;
  slice.block_table = s.blocks;
  for (int i = first; i < first + count; ++i) {
    batch.tokens.push_back(s.tokens[static_cast<std::size_t>(i)]);
    batch.positions.push_back(i);
    batch.slots.push_back(std::int64_t{s.blocks[static_cast<std::size_t>(i / block_size)]} * block_size +
                          i % block_size);
  }
  batch.sequences.push_back(std::move(slice));
}

}  // namespace

struct LLM::impl {
  explicit impl(const llm_options& o)
      : options(o), bundle(o.model), backend(o.threads), model(bundle.files(), backend) {
    if (options.block_size <= 0 || options.prefill_chunk <= 0)
      throw std::invalid_argument("block_size and prefill_chunk must be positive");
    const int limit = bundle.config().max_position_embeddings;
    max_len = options.max_model_len > 0 ? std::min(options.max_model_len, limit) : limit;
  }

  // Makes the KV cache hold at least `blocks` blocks.
  void reserve_blocks(int blocks) {
    if (blocks <= kv_blocks) return;
    backend.allocate_kv_cache(model.kv_spec(options.block_size, blocks));
    kv_blocks = blocks;
  }

  llm_options options;
  model::model_bundle bundle;
  cpu::cpu_backend backend;
  model::decoder_model model;
  int max_len = 0;
  int kv_blocks = 0;
};

LLM::LLM(const llm_options& options) : impl_(std::make_unique<impl>(options)) {}
LLM::~LLM() = default;

const model::model_bundle& LLM::model() const { return impl_->bundle; }
int LLM::max_model_len() const { return impl_->max_len; }
std::string LLM::backend_name() const { return impl_->backend.name(); }

std::vector<generation_output> LLM::generate(std::span<const std::string> prompts, const generation_params& params,
                                             const text_callback& on_text) {
  const auto& tok = impl_->bundle.tokens();
  std::vector<std::vector<int>> ids;
  for (const auto& p : prompts) {
    auto encoded = tok.encode(p, model::special_tokens::parse);
    if (tok.special_ids().add_bos && tok.special_ids().bos != model::no_token)
      encoded.insert(encoded.begin(), tok.special_ids().bos);
    ids.emplace_back(encoded.begin(), encoded.end());
  }
  return generate_tokens(ids, params, on_text);
}

std::vector<generation_output> LLM::chat(std::span<const model::chat_request> conversations,
                                         const generation_params& params, const text_callback& on_text) {
  const auto* tmpl = impl_->bundle.chat();
  if (!tmpl) throw std::invalid_argument("the model has no chat template");
  std::vector<std::vector<int>> ids;
  for (const auto& c : conversations) {
    const auto rendered = tmpl->render(c);
    std::vector<model::text_segment> segments;
    for (const auto& r : rendered) segments.push_back({r.text, r.trusted});
    const auto encoded = impl_->bundle.tokens().encode_segments(segments);
    ids.emplace_back(encoded.begin(), encoded.end());
  }
  return generate_tokens(ids, params, on_text);
}

std::vector<generation_output> LLM::generate_tokens(std::span<const std::vector<int>> prompts,
                                                    const generation_params& params, const text_callback& on_text) {
  params.sampling.validate();
  if (params.max_tokens < 1) throw std::invalid_argument("max_tokens must be at least 1");
  auto& m = *impl_;
  const int bs = m.options.block_size;
  const int vocab = m.bundle.config().vocab_size;
  std::vector<sequence> seqs(prompts.size());
  int total_blocks = 0;
  std::random_device entropy;
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    auto& s = seqs[i];
    s.tokens = prompts[i];
    s.prompt_len = static_cast<int>(s.tokens.size());
    if (s.prompt_len == 0) throw std::invalid_argument("prompt " + std::to_string(i) + " is empty");
    for (const int t : s.tokens)
      if (t < 0 || t >= vocab) throw std::invalid_argument("prompt token id " + std::to_string(t) + " is outside the vocabulary");
    if (s.prompt_len >= m.max_len)
      throw std::invalid_argument("prompt " + std::to_string(i) + " has " + std::to_string(s.prompt_len) +
                                  " tokens; the model's length limit is " + std::to_string(m.max_len));
    s.max_len = std::min(m.max_len, s.prompt_len + params.max_tokens);
    s.blocks.resize(static_cast<std::size_t>(blocks_for(s.max_len, bs)));
    for (auto& b : s.blocks) b = total_blocks++;
    s.sampler = std::make_unique<cpu::sampler>(params.sampling, (std::uint64_t{entropy()} << 32) | entropy());
    s.detok = std::make_unique<model::detokenizer>(m.bundle.tokens().make_detokenizer({params.skip_special_tokens}));
    s.stops = std::make_unique<model::stop_matcher>(params.stop);
    s.out.prompt_token_ids = s.tokens;
  }
  m.reserve_blocks(total_blocks);
  const auto& eos = m.bundle.stop_token_ids();

  const auto emit = [&](std::size_t i, sequence& s, const std::string& piece) {
    const auto r = s.stops->push(piece);
    s.out.text += r.text;
    if (on_text && !r.text.empty()) on_text(i, r.text);
    return r.stopped;
  };
  std::vector<float> logits;
  for (;;) {
    model::step_batch batch;
    std::vector<std::size_t> sampling;  // sequences with a logit row, in row order
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      auto& s = seqs[i];
      if (s.done) continue;
      const int n = static_cast<int>(s.tokens.size());
      const int count = s.computed < s.prompt_len ? std::min(m.options.prefill_chunk, s.prompt_len - s.computed) : 1;
      add_tokens(batch, s, s.computed, count, bs);
      s.computed += count;
      if (s.computed == n) {
        batch.logit_rows.push_back(batch.token_count() - 1);
        sampling.push_back(i);
      }
    }
    if (batch.tokens.empty()) break;
    logits.resize(batch.logit_rows.size() * static_cast<std::size_t>(vocab));
    m.model.forward(batch, logits);
    for (std::size_t r = 0; r < sampling.size(); ++r) {
      const std::size_t i = sampling[r];
      auto& s = seqs[i];
      const std::span<float> row(logits.data() + r * static_cast<std::size_t>(vocab), static_cast<std::size_t>(vocab));
      const auto output = std::span<const int>(s.tokens).subspan(static_cast<std::size_t>(s.prompt_len));
      const int token = s.sampler->sample(row, std::span<const int>(s.tokens).first(static_cast<std::size_t>(s.prompt_len)), output).token;
      s.tokens.push_back(token);
      s.out.token_ids.push_back(token);
      const bool eos_hit = !params.ignore_eos && std::find(eos.begin(), eos.end(), token) != eos.end();
      const bool id_hit = std::find(params.stop_token_ids.begin(), params.stop_token_ids.end(), token) !=
                          params.stop_token_ids.end();
      bool stopped = eos_hit || id_hit;
      if (!stopped) stopped = emit(i, s, s.detok->push(token));
      if (stopped || static_cast<int>(s.tokens.size()) >= s.max_len) {
        s.done = true;
        s.out.finish_reason = stopped ? "stop" : "length";
        if (!s.stops->stopped()) {
          std::string tail = s.detok->finish();
          emit(i, s, tail);
          tail = s.stops->finish();
          s.out.text += tail;
          if (on_text && !tail.empty()) on_text(i, tail);
        }
      }
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
  sequence s;
  s.tokens.assign(tokens.begin(), tokens.end());
  s.blocks.resize(static_cast<std::size_t>(blocks_for(n, bs)));
  for (std::size_t b = 0; b < s.blocks.size(); ++b) s.blocks[b] = static_cast<std::int32_t>(b);
  m.reserve_blocks(static_cast<int>(s.blocks.size()));
  score_result result;
  std::vector<float> logits;
  for (int first = 0; first < n - 1; first += m.options.prefill_chunk) {
    const int count = std::min(m.options.prefill_chunk, n - 1 - first);
    model::step_batch batch;
    add_tokens(batch, s, first, count, bs);
    for (int r = 0; r < count; ++r) batch.logit_rows.push_back(r);
    logits.resize(static_cast<std::size_t>(count) * static_cast<std::size_t>(vocab));
    m.model.forward(batch, logits);
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
  return result;
}

}  // namespace moeserve
