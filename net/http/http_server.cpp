#include "net/http/http_server.hpp"

#include <boost/asio/strand.hpp>
#include <system_error>

#include "actors/asio_dispatcher.hpp"

namespace moeserve::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

http_server::http_server(actors::actor_system& system, const http_server_options& options, request_router router)
    : system_(system), options_(options), router_(std::move(router)), acceptor_(io_) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) throw std::system_error(ec, "bad host address " + options.host);
  const tcp::endpoint endpoint(address, options.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::system_error(ec, "cannot listen on " + options.host + ":" + std::to_string(options.port));
  port_ = acceptor_.local_endpoint().port();
}

http_server::~http_server() { stop(); }

void http_server::start() {
  accept();
  for (int i = 0; i < std::max(1, options_.io_threads); ++i) threads_.emplace_back([this] { io_.run(); });
}

void http_server::accept() {
  acceptor_.async_accept(asio::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      auto strand = socket.get_executor();
      auto dispatcher = actors::asio_dispatcher<decltype(strand)>::create(strand);
      system_.spawn_with<http_session>({.name = "http_session", .on = dispatcher.get()}, std::move(socket), router_,
                                       options_.limits);
    }
    accept();
  });
}

void http_server::stop() {
  if (threads_.empty()) return;
  asio::post(io_, [this] {
    boost::system::error_code e;
    acceptor_.close(e);
  });
  io_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  io_.restart();
  io_.poll();
}

}  // namespace moeserve::net
