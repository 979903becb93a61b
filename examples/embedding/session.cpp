#include "session.hpp"

#include <optional>
#include <utility>
#include <vector>

#include "actors/overloaded.hpp"
#include "commands.hpp"
#include "log.hpp"

namespace moeserve::examples::embedding {

namespace {
std::string error_reply(actors::ask_error e) { return "ERR store " + std::string(actors::to_string(e)); }
}  // namespace

session::session(socket_type socket, actors::actor_ref<store_protocol> store, std::string peer, bool log_events)
    // self() may already be used in the constructor (spawn binds the object to its cell first).
    : conn_(std::make_shared<connection>(std::move(socket), self())),
      store_(std::move(store)),
      peer_(std::move(peer)),
      log_events_(log_events) {}

// Runs in this actor's context (on the strand) when the actor stops: the connection
// forgets us before it can report anything else.
session::~session() { conn_->close(); }

void session::on_start() {
  if (log_events_) log_line("session #" + std::to_string(id()) + " " + peer_ + ": connected");
  conn_->start_reading();
}

void session::on_stop() {
  if (log_events_) {
    log_line("session #" + std::to_string(id()) + " " + peer_ + ": stopped (" +
             (close_reason_.empty() ? std::string("server shutting down") : close_reason_) + ")");
  }
}

void session::receive(session_protocol& message) {
  std::visit(actors::overloaded{[&](line_in& in) { handle(std::move(in.text)); },
                                [&](input_ended& ended) {
                                  if (input_ended_) return;
                                  if (!ended.final_reply.empty()) answer(next_seq_++, std::move(ended.final_reply));
                                  end_input(std::move(ended.why));
                                },
                                [&](peer_closed& closed) {
                                  close_reason_ = std::move(closed.why);
                                  stop();  // once this handler returns; the destructor closes the socket
                                }},
             message);
}

void session::handle(std::string line) {
  if (input_ended_) return;
  const std::uint64_t seq = next_seq_++;
  command cmd = parse_command(line);
  // Store commands: an ask whose continuation runs later in this actor's context (on the
  // strand), and not at all if this actor has stopped by then, so capturing `this` is safe.
  if (auto* c = std::get_if<incr_command>(&cmd)) {
    using reply = std::optional<std::int64_t>;
    ask<reply>(
        store_, ask_timeout,
        [&](actors::reply_to<reply> r) {
          return incr_request{std::move(c->key), c->delta, std::move(r)};
        },
        [this, seq](actors::ask_result<reply> r) {
          if (!r) return answer(seq, error_reply(r.error()));
          answer(seq, r.value() ? "OK " + std::to_string(*r.value()) : std::string("ERR overflow"));
        });
  } else if (auto* g = std::get_if<get_command>(&cmd)) {
    ask<std::int64_t>(
        store_, ask_timeout,
        [&](actors::reply_to<std::int64_t> r) {
          return get_request{std::move(g->key), std::move(r)};
        },
        [this, seq](actors::ask_result<std::int64_t> r) {
          answer(seq, r ? "OK " + std::to_string(r.value()) : error_reply(r.error()));
        });
  } else if (auto* t = std::get_if<top_command>(&cmd)) {
    ask<std::vector<key_count>>(
        store_, ask_timeout,
        [&](actors::reply_to<std::vector<key_count>> r) {
          return top_request{t->n, std::move(r)};
        },
        [this, seq](actors::ask_result<std::vector<key_count>> r) {
          if (!r) return answer(seq, error_reply(r.error()));
          std::string text = "OK";
          for (const auto& [key, value] : r.value()) text += " " + key + "=" + std::to_string(value);
          answer(seq, std::move(text));
        });
  } else if (std::holds_alternative<stats_command>(cmd)) {
    // Observability calls are fine from any thread, this actor's included.
    answer(seq, "OK live_actors=" + std::to_string(system().live_actors()) +
                    " dead_letters=" + std::to_string(system().dead_letters()));
  } else if (std::holds_alternative<ping_command>(cmd)) {
    answer(seq, "PONG");
  } else if (std::holds_alternative<quit_command>(cmd)) {
    answer(seq, "BYE");
    end_input("quit");
  } else {
    answer(seq, "ERR " + std::get<bad_command>(cmd).why);
  }
}

void session::answer(std::uint64_t seq, std::string reply) {
  ready_.emplace(seq, std::move(reply));
  while (!ready_.empty() && ready_.begin()->first == next_to_write_) {
    conn_->write(std::move(ready_.begin()->second));
    ready_.erase(ready_.begin());
    ++next_to_write_;
  }
  if (input_ended_ && next_to_write_ == next_seq_) conn_->close_after_writes(close_reason_);
}

void session::end_input(std::string why) {
  input_ended_ = true;
  close_reason_ = std::move(why);
  conn_->stop_reading();
  if (next_to_write_ == next_seq_) conn_->close_after_writes(close_reason_);
}

}  // namespace moeserve::examples::embedding
