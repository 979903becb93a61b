#include "service.hpp"

#include <csignal>
#include <cstdlib>
#include <future>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>

#include "actors/asio_dispatcher.hpp"
#include "log.hpp"
#include "session.hpp"

namespace moeserve::examples::embedding {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
actors::system_config runtime_config(const service_options& options) {
  actors::system_config config;
  config.worker_threads = options.pool_threads;
  return config;
}
}  // namespace

service::service(service_options options)
    : options_(options),
      system_(runtime_config(options_)),
      control_(asio::make_strand(io_)),
      acceptor_(control_),
      signals_(control_, SIGINT, SIGTERM),
      retry_(control_) {
  const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), options_.port);  // loopback only
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on 127.0.0.1:" + std::to_string(options_.port) + ": " + ec.message());
  port_ = acceptor_.local_endpoint().port();

  // Two pool actors. The store's mailbox is bounded: past 100k queued requests an ask
  // fails at once with mailbox_full ("ERR store mailbox_full") instead of queueing.
  store_ = system_.spawn_with<store>({.name = "store", .mailbox_capacity = 100'000});
  stats_ = system_.spawn_with<stats_reporter>({.name = "stats"}, options_.stats_period, options_.print_stats);

  // No io thread runs yet, so starting these from here does not race with the strand.
  wait_for_signal();
  accept_next();
  for (unsigned i = 0; i < (options_.io_threads == 0 ? 1 : options_.io_threads); ++i) {
    io_threads_.emplace_back([this] { io_.run(); });
  }
}

service::~service() {
  if (!shutdown(std::chrono::seconds(10)).joined) {
    // Destroying the actor_system now would wait forever for the stuck actor.
    log_line("service: actors did not stop within 10 s; aborting");
    std::abort();
  }
}

void service::wait_for_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;  // cancelled by shutdown()
    request_shutdown(signal == SIGINT ? "SIGINT" : "SIGTERM");
  });
}

void service::accept_next() {
  // Each connection gets a fresh strand: its socket is bound to it, and so is its session.
  acceptor_.async_accept(asio::make_strand(io_), [this](const boost::system::error_code& ec, socket_type socket) {
    // This handler runs on control_, as do the close() calls of shutdown().
    if (!acceptor_.is_open()) return;
    if (ec) {
      log_line("accept: " + ec.message() + "; retrying in 100 ms");
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](const boost::system::error_code& wait_error) {
        if (!wait_error && acceptor_.is_open()) accept_next();
      });
      return;
    }
    start_session(std::move(socket));
    accept_next();
  });
}

void service::start_session(socket_type socket) {
  boost::system::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  const std::string peer = ec ? std::string("?") : remote.address().to_string() + ":" + std::to_string(remote.port());
  // The session's cell keeps its dispatcher alive; it is freed with the session.
  auto on_strand = actors::asio_dispatcher<strand_type>::create(socket.get_executor());
  auto ref = system_.spawn_with<session>({.name = "session " + peer, .on = on_strand.get()}, std::move(socket), store_,
                                         peer, options_.log_sessions);
  // An empty ref: the system is stopping. The socket was not consumed and closes here.
  if (!ref) log_line("refused " + peer + ": shutting down");
}

void service::request_shutdown(const char* why) {
  {
    std::lock_guard lock(mutex_);
    if (shutdown_why_ == nullptr) shutdown_why_ = why;
  }
  requested_.notify_all();
}

const char* service::wait_for_shutdown_request() {
  std::unique_lock lock(mutex_);
  requested_.wait(lock, [this] { return shutdown_why_ != nullptr; });
  return shutdown_why_;
}

shutdown_report service::shutdown(std::chrono::milliseconds deadline) {
  const auto started = std::chrono::steady_clock::now();
  shutdown_report report;
  if (shut_down_) {
    report.joined = true;
    return report;
  }
  // 1. Stop accepting, on the strand that owns the acceptor and the signal set.
  if (!accept_closed_) {
    accept_closed_ = true;
    std::promise<void> closed;
    asio::post(control_, [&] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      signals_.cancel(ignored);
      retry_.cancel();
      closed.set_value();
    });
    closed.get_future().wait();
  }
  // 2-3. Stop the actors (newest first: sessions, then stats, then store) and wait for
  // them while the io threads still run the sessions' strands.
  system_.stop();
  report.joined = system_.join_for(deadline);
  report.live_actors = system_.live_actors();
  if (report.joined) {
    // 4. Nothing of the runtime needs the io_context any more.
    io_.stop();
    for (auto& t : io_threads_) t.join();
    io_threads_.clear();
    // 5. Handlers already queued (late turns of stopped sessions, aborted reads) run
    // now, while the actor_system and its dispatchers still exist.
    io_.restart();
    io_.poll();
    shut_down_ = true;
  }
  report.took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  return report;
}

}  // namespace moeserve::examples::embedding
