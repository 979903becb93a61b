#include "app/serving/openai_router.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "app/serving/generation_actor.hpp"
#include "net/api_error.hpp"
#include "net/model_list.hpp"
#include "net/tokenize_request.hpp"
#include "net/tokenize_response.hpp"

namespace moeserve::app {

namespace {

using namespace std::chrono_literals;

// Answers /health from the Scheduler's status, or 503 when it does not answer in time.
class health_probe final : public actors::actor<std::variant<std::monostate>> {
 public:
  health_probe(actors::actor_ref<engine::scheduler_protocol> scheduler, actors::actor_ref<net::session_protocol> session,
               std::uint64_t request)
      : scheduler_(std::move(scheduler)), session_(std::move(session)), request_(request) {}
  void on_start() override {
    ask<engine::engine_status>(
        scheduler_, 2s, [](actors::reply_to<engine::engine_status> r) { return engine::status_query{std::move(r)}; },
        [this](actors::ask_result<engine::engine_status> r) {
          const bool ok = r.ok() && r.value().healthy;
          const std::string detail = !r.ok() ? "the engine does not answer" : r.value().detail;
          session_.send(net::full_response{request_, ok ? 200 : 503, "application/json",
                                           ok ? std::string("{}") : "{\"error\":\"" + detail + "\"}", {}});
          stop();
        });
  }
  void receive(std::variant<std::monostate>&) override {}

 private:
  actors::actor_ref<engine::scheduler_protocol> scheduler_;
  actors::actor_ref<net::session_protocol> session_;
  std::uint64_t request_;
};

net::full_response error_response(std::uint64_t request, const net::api_error& e) {
  net::full_response r{request, e.status, "application/json", net::to_json(e), {}};
  if (e.status == 429) r.headers.emplace_back("Retry-After", "1");
  return r;
}

bool model_is_served(const serving_context& ctx, const std::optional<std::string>& model) {
  if (ctx.served_names.empty() || !model || model->empty() || *model == "default") return true;
  return std::find(ctx.served_names.begin(), ctx.served_names.end(), *model) != ctx.served_names.end();
}

}  // namespace

net::request_router make_openai_router(serving_context& ctx, actors::actor_system& system) {
  return [&ctx, &system](net::http_request req, actors::actor_ref<net::session_protocol> session) -> std::function<void()> {
    const std::string path = req.target.substr(0, req.target.find('?'));
    const auto reply = [&](const net::api_error& e) {
      spdlog::log(e.status >= 500 ? spdlog::level::warn : spdlog::level::info, "{} {}: {} {}", req.method, path, e.status,
                  e.message);
      session.send(error_response(req.number, e));
    };
    if (path == "/metrics" && req.method == "GET" && ctx.metrics) {
      session.send(net::full_response{req.number, 200, "text/plain; version=0.0.4; charset=utf-8", ctx.metrics->render(), {}});
      return {};
    }
    if (path == "/health" && req.method == "GET") {
      system.spawn<health_probe>(ctx.scheduler, session, req.number);
      return {};
    }
    if (path.starts_with("/v1/") && !ctx.api_key.empty() && req.authorization != "Bearer " + ctx.api_key) {
      reply(net::unauthorized("a valid API key is needed: Authorization: Bearer <key>"));
      return {};
    }
    if (path == "/v1/models" && req.method == "GET") {
      std::vector<net::model_card> cards;
      for (const auto& name : ctx.served_names.empty() ? std::vector<std::string>{ctx.display_name} : ctx.served_names)
        cards.push_back({name, ctx.started, ctx.display_name, ctx.max_model_len});
      session.send(net::full_response{req.number, 200, "application/json", net::model_list_json(cards), {}});
      return {};
    }
    if (path == "/tokenize" && req.method == "POST") {
      auto parsed = net::parse_tokenize_request(req.body, ctx.limits);
      if (!parsed) return reply(parsed.error()), std::function<void()>{};
      const auto& tok = ctx.model->tokens();
      net::tokenize_response r;
      r.max_model_len = ctx.max_model_len;
      try {
        if (const auto* text = std::get_if<std::string>(&parsed.value().input))
          r.tokens = ctx.model->encode_prompt(*text, parsed.value().add_special_tokens);
        else
          r.tokens = ctx.model->encode_chat(std::get<model::chat_request>(parsed.value().input));
      } catch (const std::exception& e) {
        return reply(net::bad_request(e.what())), std::function<void()>{};
      }
      if (parsed.value().return_token_strs) {
        r.token_strs.emplace();
        for (const auto t : r.tokens) r.token_strs->emplace_back(tok.token_piece(t));
      }
      session.send(net::full_response{req.number, 200, "application/json", net::to_json(r), {}});
      return {};
    }
    if (path == "/detokenize" && req.method == "POST") {
      auto parsed = net::parse_detokenize_request(req.body, ctx.limits);
      if (!parsed) return reply(parsed.error()), std::function<void()>{};
      const auto& tok = ctx.model->tokens();
      for (const auto t : parsed.value().tokens)
        if (t < 0 || static_cast<std::size_t>(t) >= tok.token_count())
          return reply(net::bad_request("token id " + std::to_string(t) + " is outside the vocabulary", "tokens")),
                 std::function<void()>{};
      session.send(net::full_response{req.number, 200, "application/json",
                                      net::detokenize_response_json(tok.decode(parsed.value().tokens)), {}});
      return {};
    }
    const bool chat = path == "/v1/chat/completions", completion = path == "/v1/completions";
    if (!chat && !completion) {
      reply(net::api_error{404, "no route " + req.method + " " + path, "not_found_error", std::nullopt});
      return {};
    }
    if (req.method != "POST") {
      reply(net::api_error{405, "use POST", "invalid_request_error", std::nullopt});
      return {};
    }
    if (ctx.shutting_down.load()) {
      reply(net::service_unavailable("the server is shutting down"));
      return {};
    }
    // Admission before any parsing beyond the body's JSON, and before tokenizing.
    if (ctx.in_engine.load() >= ctx.max_concurrent) {
      if (ctx.metrics) ctx.metrics->admission_rejections.fetch_add(1);
      reply(net::queue_full("the server is at capacity (" + std::to_string(ctx.max_concurrent) +
                            " requests); retry shortly"));
      return {};
    }
    generation_input input;
    if (chat) {
      auto parsed = net::parse_chat_completion_request(req.body, ctx.limits);
      if (!parsed) return reply(parsed.error()), std::function<void()>{};
      input = std::move(parsed).value();
    } else {
      auto parsed = net::parse_completion_request(req.body, ctx.limits);
      if (!parsed) return reply(parsed.error()), std::function<void()>{};
      input = std::move(parsed).value();
    }
    const auto& model = std::visit([](const auto& r) -> const std::optional<std::string>& { return r.model; }, input);
    if (!model_is_served(ctx, model)) return reply(net::model_not_found(*model)), std::function<void()>{};
    const engine::request_id id = ctx.next_request.fetch_add(1);
    auto actor = system.spawn_with<generation_actor>({.name = "generation"}, ctx, id, std::move(input), session, req.number);
    if (!actor) return reply(net::service_unavailable("the server is shutting down")), std::function<void()>{};
    return [scheduler = ctx.scheduler, id, actor]() mutable {
      scheduler.send(engine::abort_request{id, -1});
      actor.stop();
    };
  };
}

}  // namespace moeserve::app
