#pragma once
// http_session: one HTTP/1.1 connection, as an actor running on the connection's strand
// (so its handlers and the socket's completion handlers never run at once). It reads a
// request with Boost.Beast's parser (limits on header and body size, a read timeout),
// passes it to the router, writes what the router sends back (a full response, or a
// chunked text/event-stream), and then reads the next request (keep-alive).
//
// While a response is pending it watches the socket: a client that closes the connection
// (EOF or error), or a failed write, makes the session call the router's cancel function
// (which aborts the request in the engine) and stop.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "actors/actor.hpp"
#include "net/http/http_messages.hpp"

namespace moeserve::net {

struct http_limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::chrono::seconds read_timeout{60};
};

class http_session final : public actors::actor<session_protocol> {
 public:
  http_session(boost::asio::ip::tcp::socket socket, request_router router, http_limits limits);

  void on_start() override;
  void on_stop() override;
  void receive(session_protocol& message) override;

  // The connection's I/O state, shared with the completion handlers (which only post
  // messages back to the session and keep this alive while they are pending).
  struct connection;

 private:
  void read_request();
  void on_read(read_done& r);
  void watch_for_disconnect();
  void write(std::string bytes);
  void write_next();
  void end_response();
  void close(bool client_gone);

  std::shared_ptr<connection> conn_;
  request_router router_;
  http_limits limits_;
  std::deque<std::string> writes_;
  bool writing_ = false;
  bool responding_ = false;  // a request is being answered
  bool streaming_ = false;
  bool keep_alive_ = true;
  bool closed_ = false;
  bool watching_ = false;
  std::uint64_t request_number_ = 0;
  std::function<void()> cancel_;
};

}  // namespace moeserve::net
