#pragma once
// service: the embedding itself. A service with its own Boost.Asio io_context (run by a
// few io threads) hosts an actor_system:
//
//   io threads ── acceptor (own strand) ── spawn ──► session actors, one strand each
//                                                     (asio_dispatcher on that strand)
//                                                         │ ask            ▲ reply
//   runtime pool threads ──────────────────────────────► store actor ──────┘
//                                                        stats actor (every(period))
//
// Shutdown (shutdown(), after SIGINT/SIGTERM or request_shutdown()):
//   1. stop accepting (close the acceptor, cancel the signal wait) on the control strand;
//   2. system.stop(): actors stop newest first, so sessions go before stats and store;
//   3. system.join_for(deadline) while the io threads keep running (sessions live on the
//      io_context: joining from an io thread, or after stopping it, would never finish);
//   4. stop the io_context and join the io threads;
//   5. run what is still queued on the io_context (leftover turns of stopped sessions and
//      aborted reads), so that nothing the runtime posted outlives the actor_system.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "actors/actor_system.hpp"
#include "connection.hpp"
#include "stats_reporter.hpp"
#include "store.hpp"

namespace moeserve::examples::embedding {

struct service_options {
  std::uint16_t port = 0;  // 0: an ephemeral port
  unsigned io_threads = 2;
  unsigned pool_threads = 2;
  std::chrono::milliseconds stats_period{5000};
  bool print_stats = true;
  bool log_sessions = true;
};

struct shutdown_report {
  bool joined = false;  // every actor stopped before the deadline
  std::size_t live_actors = 0;
  std::chrono::microseconds took{0};
};

class service {
 public:
  // Binds 127.0.0.1:port, spawns the store and the stats actor, starts accepting and the
  // io threads. Throws if the port cannot be bound.
  explicit service(service_options options);
  service(const service&) = delete;
  service& operator=(const service&) = delete;
  ~service();  // shutdown() if it has not run

  std::uint16_t port() const noexcept { return port_; }
  actors::actor_system& system() noexcept { return system_; }
  const actors::actor_ref<stats_protocol>& stats_ref() const noexcept { return stats_; }
  const actors::actor_ref<store_protocol>& store_ref() const noexcept { return store_; }

  // Any thread (the signal handler calls it on an io thread).
  void request_shutdown(const char* why);
  // Blocks until SIGINT/SIGTERM arrives or request_shutdown() is called; returns the why.
  const char* wait_for_shutdown_request();
  // Steps 1-5 above, from one thread that is neither an io thread nor an actor. When an
  // actor does not stop in time it returns joined == false and leaves the io threads
  // running: call it again (a longer deadline) or end the process. Once it has returned
  // joined == true, later calls do nothing.
  shutdown_report shutdown(std::chrono::milliseconds deadline);

 private:
  void accept_next();
  void start_session(socket_type socket);
  void wait_for_signal();

  service_options options_;
  // Declared before the actor_system so that it is destroyed after it: the asio
  // dispatchers the system owns hold strands of this io_context.
  boost::asio::io_context io_;
  actors::actor_system system_;
  strand_type control_;  // the acceptor, the signal set and the retry timer
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer retry_;
  std::uint16_t port_ = 0;
  actors::actor_ref<store_protocol> store_;
  actors::actor_ref<stats_protocol> stats_;
  std::vector<std::thread> io_threads_;

  std::mutex mutex_;
  std::condition_variable requested_;
  const char* shutdown_why_ = nullptr;
  bool accept_closed_ = false;  // shutdown() state: its caller's thread only
  bool shut_down_ = false;
};

}  // namespace moeserve::examples::embedding
