#pragma once
// session: one actor per client connection, run on that connection's own strand through
// an asio_dispatcher, so its handlers and the socket's completion handlers never run
// concurrently (see connection.hpp).
//
// Each command line becomes an ask to the store (or is answered locally); the ask's
// continuation runs back in this actor's context, on the strand, and queues the reply.
// Replies are written in command order even if answers arrive out of order (a timeout
// can overtake a slow answer). After QUIT, or when the client half-closes, the pending
// replies are written, the connection is closed and the session stops itself; on a socket
// error it stops at once. Its destructor closes the socket.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "actors/actor.hpp"
#include "connection.hpp"
#include "store.hpp"

namespace moeserve::examples::embedding {

class session final : public actors::actor<session_protocol> {
 public:
  static constexpr std::chrono::milliseconds ask_timeout{1000};

  session(socket_type socket, actors::actor_ref<store_protocol> store, std::string peer, bool log_events);
  ~session() override;

  void on_start() override;
  void on_stop() override;
  void receive(session_protocol& message) override;

 private:
  void handle(std::string line);
  void answer(std::uint64_t seq, std::string reply);
  void end_input(std::string why);  // no more commands: close once every reply is written

  std::shared_ptr<connection> conn_;
  actors::actor_ref<store_protocol> store_;
  std::string peer_;
  bool log_events_;
  std::uint64_t next_seq_ = 0;                  // sequence number of the next command
  std::uint64_t next_to_write_ = 0;             // the reply to write next
  std::map<std::uint64_t, std::string> ready_;  // answers waiting for an earlier one
  bool input_ended_ = false;
  std::string close_reason_;
};

}  // namespace moeserve::examples::embedding
