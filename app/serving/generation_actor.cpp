#include "app/serving/generation_actor.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

#include <chrono>

#include "actors/overloaded.hpp"
#include "net/api_error.hpp"
#include "net/chat_completion_response.hpp"
#include "net/completion_response.hpp"
#include "net/sse.hpp"

namespace moeserve::app {

namespace {

net::finish_reason to_net(engine::finish_reason r) {
  return r == engine::finish_reason::length ? net::finish_reason::length
         : r == engine::finish_reason::abort ? net::finish_reason::abort
                                              : net::finish_reason::stop;
}

}  // namespace

generation_actor::generation_actor(serving_context& context, engine::request_id id, generation_input input,
                                   actors::actor_ref<net::session_protocol> session, std::uint64_t http_request)
    : ctx_(context), id_(id), input_(std::move(input)), session_(std::move(session)), http_request_(http_request) {
  ctx_.in_engine.fetch_add(1);
  counted_ = true;
}

generation_actor::~generation_actor() {
  if (!done_) spdlog::info("{}: ended before it finished (the client went away or the server stopped)", log_id());
  {
    std::lock_guard lock(ctx_.live_mutex);
    ctx_.live.erase(id_);
  }
  if (counted_) ctx_.in_engine.fetch_sub(1);
}

std::string generation_actor::log_id() const {
  return std::string(is_chat() ? "chatcmpl-" : "cmpl-") + std::to_string(id_);
}

const net::generation_request& generation_actor::request() const {
  return std::visit([](const auto& r) -> const net::generation_request& { return r; }, input_);
}

void generation_actor::on_start() {
  {
    std::lock_guard lock(ctx_.live_mutex);
    ctx_.live.emplace(id_, self());
  }
  const auto& tok = ctx_.model->tokens();
  const auto& req = request();
  std::vector<std::vector<std::int32_t>> prompts;
  try {
    if (auto* chat = std::get_if<net::chat_completion_request>(&input_)) {
      if (!ctx_.model->chat()) return fail(400, "this model has no chat template; use /v1/completions");
      prompts.push_back(ctx_.model->encode_chat(chat->chat));
    } else {
      const auto& c = std::get<net::completion_request>(input_);
      for (const auto& p : c.prompts) {
        if (const auto* text = std::get_if<std::string>(&p)) {
          prompts.push_back(ctx_.model->encode_prompt(*text));
          if (c.echo) echo_.push_back(*text);
        } else {
          const auto& ids = std::get<std::vector<std::int32_t>>(p);
          for (const auto t : ids)
            if (t < 0 || static_cast<std::size_t>(t) >= tok.token_count())
              return fail(400, "prompt token id " + std::to_string(t) + " is outside the vocabulary");
          prompts.push_back(ids);
          if (c.echo) echo_.push_back(tok.decode(ids, {false}));
        }
      }
    }
  } catch (const std::invalid_argument& e) {  // template kwargs that may not be set, ...
    return fail(400, e.what());
  } catch (const std::exception& e) {  // the template raised or failed
    return fail(400, std::string("the chat template failed: ") + e.what());
  }
  n_ = req.n;
  const auto& model_stops = ctx_.model->stop_token_ids();
  engine::submit job;
  job.request = id_;
  job.sink = self();
  for (std::size_t prompt_index = 0; prompt_index < prompts.size(); ++prompt_index) {
    const auto& p = prompts[prompt_index];
    const int len = static_cast<int>(p.size());
    if (len == 0) return fail(400, "the prompt is empty");
    if (len >= ctx_.max_model_len || (req.max_tokens && len + *req.max_tokens > ctx_.max_model_len))
      return fail(400, "This model's maximum context length is " + std::to_string(ctx_.max_model_len) +
                           " tokens. However, you requested " + std::to_string(len + req.max_tokens.value_or(1)) +
                           " tokens (" + std::to_string(len) + " in the messages, " +
                           std::to_string(req.max_tokens.value_or(1)) + " in the completion).");
    usage_.prompt_tokens += len;
    for (int j = 0; j < req.n; ++j) {
      engine::sequence_request s;
      s.prompt = p;
      s.max_tokens = req.max_tokens.value_or(ctx_.max_model_len - len);
      s.sampling = req.sampling;
      if (!req.ignore_eos) s.stop_token_ids.assign(model_stops.begin(), model_stops.end());
      s.stop_token_ids.insert(s.stop_token_ids.end(), req.stop_token_ids.begin(), req.stop_token_ids.end());
      s.logprobs = req.logprobs.has_value();
      s.top_logprobs = req.logprobs.value_or(0);
      if (req.n > 1) s.prompt_group = (id_ << 16) + prompt_index + 1;  // the n choices share the prompt's blocks
      job.choices.push_back(std::move(s));
      choice c;
      c.detok = std::make_unique<model::detokenizer>(tok.make_detokenizer({req.skip_special_tokens}));
      c.stops = std::make_unique<model::stop_matcher>(req.stop);
      choices_.push_back(std::move(c));
    }
  }
  header_.id = log_id();
  header_.created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  header_.model = request().model && !request().model->empty() && !ctx_.served_names.empty() ? *request().model
                                                                                             : ctx_.display_name;
  if (req.stream) {
    const int count = static_cast<int>(choices_.size());
    session_.send(net::stream_begin{http_request_});
    streaming_started_ = true;
    if (is_chat()) {
      chat_stream_ = std::make_unique<net::chat_completion_stream>(header_, count, req.logprobs.has_value(), req.include_usage);
      session_.send(net::stream_data{http_request_, chat_stream_->begin()});
    } else {
      completion_stream_ =
          std::make_unique<net::completion_stream>(header_, count, req.logprobs.has_value(), req.include_usage);
      for (int i = 0; i < count; ++i) {  // echo: the prompt's text first
        const auto prompt = static_cast<std::size_t>(i / n_);
        if (prompt < echo_.size()) {
          const std::string event = completion_stream_->text(i, echo_[prompt]);
          if (!event.empty()) session_.send(net::stream_data{http_request_, event});
        }
      }
    }
  }
  spdlog::info("{}: {} prompt tokens, {} choice(s), max_tokens {}{}", log_id(), usage_.prompt_tokens, choices_.size(),
               req.max_tokens ? std::to_string(*req.max_tokens) : std::string("to the context"), req.stream ? ", streamed" : "");
  ctx_.scheduler.send(std::move(job));
}

void generation_actor::receive(engine::output_protocol& message) {
  std::visit(actors::overloaded{[&](engine::sequence_output& o) { on_output(o); },
                                [&](engine::request_failed& f) { fail(f.status, f.message); }},
             message);
}

net::token_logprob generation_actor::describe(const engine::sequence_output& o, std::int64_t offset) const {
  const auto& tok = ctx_.model->tokens();
  net::token_logprob t;
  t.token = std::string(tok.token_bytes(o.token.token));
  t.logprob = o.token.logprob;
  t.text_offset = offset;
  for (const auto& [id, lp] : o.token.top) t.top.push_back({std::string(tok.token_bytes(id)), lp});
  return t;
}

void generation_actor::on_output(engine::sequence_output& o) {
  if (done_ || o.index < 0 || static_cast<std::size_t>(o.index) >= choices_.size()) return;
  auto& c = choices_[static_cast<std::size_t>(o.index)];
  if (c.finished) return;
  if (o.finished == engine::finish_reason::abort) return finish_choice(o.index, net::finish_reason::abort, {}, {});
  usage_.completion_tokens += 1;
  const auto now = std::chrono::steady_clock::now();
  if (first_token_ == std::chrono::steady_clock::time_point{}) {
    first_token_ = now;
    if (auto* m = ctx_.metrics) {
      m->time_to_first_token.observe(std::chrono::duration<double>(now - arrived_).count());
      if (o.first_scheduled != std::chrono::steady_clock::time_point{}) {
        const auto scheduled = std::max(o.first_scheduled, arrived_);
        m->queue_time.observe(std::chrono::duration<double>(scheduled - arrived_).count());
        m->prefill_time.observe(std::chrono::duration<double>(now - scheduled).count());
      }
    }
  }
  if (ctx_.metrics && c.last_token != std::chrono::steady_clock::time_point{})
    ctx_.metrics->inter_token_latency.observe(std::chrono::duration<double>(now - c.last_token).count());
  c.last_token = now;
  if (ctx_.metrics) ctx_.metrics->generation_tokens.fetch_add(1);
  // Cached prompt tokens count once per prompt: at the first token of its first choice.
  if (c.tokens++ == 0 && o.index % n_ == 0) usage_.cached_tokens += o.cached_tokens;
  std::vector<net::token_logprob> tokens;
  if (request().logprobs) tokens.push_back(describe(o, c.text_offset));
  const bool is_stop_id = o.finished == engine::finish_reason::stop;
  std::string piece = is_stop_id ? std::string() : c.detok->push(o.token.token);
  auto r = c.stops->push(piece);
  if (r.stopped) {
    ctx_.scheduler.send(engine::abort_request{id_, o.index});
    return finish_choice(o.index, net::finish_reason::stop, std::move(r.text), std::move(tokens));
  }
  if (o.finished != engine::finish_reason::none) {
    std::string tail = std::move(r.text);
    if (!is_stop_id) {
      const auto more = c.stops->push(c.detok->finish());
      tail += more.text;
    }
    tail += c.stops->finish();
    return finish_choice(o.index, to_net(o.finished), std::move(tail), std::move(tokens));
  }
  c.text_offset += static_cast<std::int64_t>(r.text.size());
  if (streaming_started_) {
    const std::string event = chat_stream_ ? chat_stream_->text(o.index, r.text, tokens)
                                           : completion_stream_->text(o.index, r.text, tokens);
    if (!event.empty()) session_.send(net::stream_data{http_request_, event});
  } else {
    c.text += r.text;
    for (auto& t : tokens) c.logprobs.push_back(std::move(t));
  }
}

void generation_actor::finish_choice(int index, net::finish_reason reason, std::string tail,
                                     std::vector<net::token_logprob> tokens) {
  auto& c = choices_[static_cast<std::size_t>(index)];
  c.finished = true;
  c.reason = reason;
  if (streaming_started_) {
    const std::string event = chat_stream_ ? chat_stream_->finish(index, reason, tail, tokens)
                                           : completion_stream_->finish(index, reason, tail, tokens);
    if (!event.empty()) session_.send(net::stream_data{http_request_, event});
  } else {
    c.text += tail;
    for (auto& t : tokens) c.logprobs.push_back(std::move(t));
  }
  if (std::all_of(choices_.begin(), choices_.end(), [](const choice& x) { return x.finished; })) complete();
}

void generation_actor::complete() {
  done_ = true;
  const auto now = std::chrono::steady_clock::now();
  spdlog::info("{}: finished ({}): {} prompt tokens ({} cached), {} generated; first token {:.3f} s, total {:.3f} s",
               log_id(), net::to_string(choices_.empty() ? net::finish_reason::abort : choices_.front().reason),
               usage_.prompt_tokens, usage_.cached_tokens, usage_.completion_tokens,
               first_token_ == std::chrono::steady_clock::time_point{}
                   ? 0.0
                   : std::chrono::duration<double>(first_token_ - arrived_).count(),
               std::chrono::duration<double>(now - arrived_).count());
  if (auto* m = ctx_.metrics) {
    m->e2e_latency.observe(std::chrono::duration<double>(now - arrived_).count());
    if (first_token_ != std::chrono::steady_clock::time_point{}) {
      const double decode = std::chrono::duration<double>(now - first_token_).count();
      m->decode_time.observe(decode);
      if (usage_.completion_tokens > static_cast<std::int64_t>(choices_.size()))
        m->time_per_output_token.observe(decode / static_cast<double>(usage_.completion_tokens - 1));
    }
    m->prompt_tokens.fetch_add(usage_.prompt_tokens);
    m->prompt_tokens_per_request.observe(static_cast<double>(usage_.prompt_tokens));
    m->generation_tokens_per_request.observe(static_cast<double>(usage_.completion_tokens));
    const auto reason = choices_.empty() ? net::finish_reason::abort : choices_.front().reason;
    m->request_success[reason == net::finish_reason::stop ? 0 : reason == net::finish_reason::length ? 1 : 2].fetch_add(1);
  }
  if (streaming_started_) {
    const std::string end = chat_stream_ ? chat_stream_->end(usage_) : completion_stream_->end(usage_);
    session_.send(net::stream_end{http_request_, end});
  } else if (is_chat()) {
    net::chat_completion_response r;
    r.header = header_;
    r.usage = usage_;
    for (std::size_t i = 0; i < choices_.size(); ++i) {
      net::chat_choice ch;
      ch.index = static_cast<int>(i);
      ch.content = std::move(choices_[i].text);
      if (request().logprobs) ch.logprobs = std::move(choices_[i].logprobs);
      ch.finish = choices_[i].reason;
      r.choices.push_back(std::move(ch));
    }
    session_.send(net::full_response{http_request_, 200, "application/json", net::to_json(r), {}});
  } else {
    net::completion_response r;
    r.header = header_;
    r.usage = usage_;
    for (std::size_t i = 0; i < choices_.size(); ++i) {
      net::completion_choice ch;
      ch.index = static_cast<int>(i);
      const std::size_t prompt = i / static_cast<std::size_t>(n_);
      ch.text = (prompt < echo_.size() ? echo_[prompt] : std::string()) + choices_[i].text;
      if (request().logprobs) ch.logprobs = std::move(choices_[i].logprobs);
      ch.finish = choices_[i].reason;
      r.choices.push_back(std::move(ch));
    }
    session_.send(net::full_response{http_request_, 200, "application/json", net::to_json(r), {}});
  }
  stop();
}

void generation_actor::fail(int status, const std::string& message) {
  if (done_) return;
  done_ = true;
  spdlog::warn("{}: failed with {}: {}", log_id(), status, message);
  ctx_.scheduler.send(engine::abort_request{id_, -1});
  net::api_error e{status, message, std::string(net::error_type_for_status(status)), std::nullopt};
  if (streaming_started_)
    session_.send(net::stream_end{http_request_, net::sse_error(e)});
  else
    session_.send(net::full_response{http_request_, status, "application/json", net::to_json(e), {}});
  stop();
}

}  // namespace moeserve::app
