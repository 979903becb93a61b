#pragma once
// http_server: accepts connections on host:port with Asio on `io_threads` threads and
// spawns an http_session actor per connection on the connection's own strand.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "actors/actor_system.hpp"
#include "net/http/http_session.hpp"

namespace moeserve::net {

struct http_server_options {
  std::string host = "127.0.0.1";
  unsigned short port = 8000;
  int io_threads = 2;
  http_limits limits;
};

class http_server {
 public:
  // Binds at once (throws std::system_error naming the address when it cannot).
  http_server(actors::actor_system& system, const http_server_options& options, request_router router);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  unsigned short port() const { return port_; }  // the bound port (useful with port 0)
  void start();  // runs the I/O threads
  // Stops accepting and ends the I/O threads (sessions' actors must be stopped first).
  void stop();

 private:
  void accept();

  actors::actor_system& system_;
  http_server_options options_;
  request_router router_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace moeserve::net
