#include "self_test.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "actors/ask.hpp"
#include "log.hpp"
#include "service.hpp"

namespace moeserve::examples::embedding {

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// A blocking client on its own io_context (the test's threads, not the service's).
class line_client {
 public:
  explicit line_client(std::uint16_t port) : socket_(io_) {
    socket_.connect(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), port));
  }
  void send(std::string_view text) { asio::write(socket_, asio::buffer(text)); }
  std::string read_line() {
    const std::size_t n = asio::read_until(socket_, asio::dynamic_buffer(buffer_), '\n');
    std::string line = buffer_.substr(0, n - 1);
    buffer_.erase(0, n);
    return line;
  }
  std::string ask(std::string_view command) {
    send(std::string(command) + "\n");
    return read_line();
  }
  void close_send() { socket_.shutdown(asio::ip::tcp::socket::shutdown_send); }
  // True when the server has closed its side and nothing more is buffered.
  bool reads_eof() {
    if (!buffer_.empty()) return false;
    char c;
    boost::system::error_code ec;
    asio::read(socket_, asio::buffer(&c, 1), ec);
    return ec == asio::error::eof;
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  std::string buffer_;
};

class checker {
 public:
  void expect(bool ok, const std::string& what) {
    if (ok) return;
    std::lock_guard lock(mutex_);
    failures_.push_back(what);
  }
  void expect_eq(const std::string& got, const std::string& want, const std::string& what) {
    expect(got == want, what + ": got '" + got + "', want '" + want + "'");
  }
  bool report(const char* step) {
    std::lock_guard lock(mutex_);
    for (const auto& f : failures_) log_line(std::string("  FAILED: ") + f);
    const bool ok = failures_.empty();
    failures_.clear();
    if (!ok) log_line(std::string("self-test: step '") + step + "' failed");
    return ok;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> failures_;
};

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 2000ms) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Ends the process if the self-test hangs (a blocking read that never gets its line).
class watchdog {
 public:
  explicit watchdog(std::chrono::seconds limit)
      : thread_([this, limit] {
          std::unique_lock lock(mutex_);
          if (!done_cv_.wait_for(lock, limit, [this] { return done_; })) {
            log_line("self-test: no progress for " + std::to_string(limit.count()) + " s; giving up");
            std::_Exit(3);
          }
        }) {}
  ~watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

constexpr int clients = 4;
constexpr int rounds = 100;

// Each client pipelines `rounds` pairs of INCRs (a shared key and its own key, by 2)
// before reading any reply: the replies must come back complete and in command order.
void pipelined_client(std::uint16_t port, int index, checker& check) {
  try {
    line_client c(port);
    std::string batch;
    const std::string own = "client" + std::to_string(index);
    for (int i = 0; i < rounds; ++i) batch += "INCR shared\nINCR " + own + " 2\n";
    c.send(batch);
    long long last_shared = 0;
    for (int i = 1; i <= rounds; ++i) {
      const std::string shared = c.read_line();
      const long long value = shared.rfind("OK ", 0) == 0 ? std::stoll(shared.substr(3)) : -1;
      check.expect(value > last_shared && value <= clients * rounds,
                   own + " shared reply " + std::to_string(i) + " out of order: '" + shared + "'");
      last_shared = value;
      check.expect_eq(c.read_line(), "OK " + std::to_string(2 * i), own + " reply " + std::to_string(i));
    }
  } catch (const std::exception& e) {
    check.expect(false, "client " + std::to_string(index) + ": " + e.what());
  }
}

}  // namespace

int run_self_test() {
  watchdog guard(20s);
  checker check;
  const auto started = std::chrono::steady_clock::now();

  service_options options;
  options.stats_period = 50ms;
  options.print_stats = false;  // the test prints one snapshot itself
  options.log_sessions = false;
  service svc(options);
  log_line("self-test: service on 127.0.0.1:" + std::to_string(svc.port()) + " (" + std::to_string(options.io_threads) +
           " io threads, one strand per session; " + std::to_string(options.pool_threads) +
           " runtime pool threads for store and stats)");

  // 1. Concurrent pipelined clients.
  std::vector<std::thread> threads;
  for (int i = 1; i <= clients; ++i) threads.emplace_back(pipelined_client, svc.port(), i, std::ref(check));
  for (auto& t : threads) t.join();
  if (!check.report("pipelined clients")) return 1;
  log_line("  " + std::to_string(clients) + " clients x " + std::to_string(2 * rounds) +
           " pipelined INCRs: all replies complete and in command order");

  // 2. Every command once, and QUIT.
  try {
    line_client c(svc.port());
    check.expect_eq(c.ask("PING"), "PONG", "PING");
    check.expect_eq(c.ask("GET shared"), "OK " + std::to_string(clients * rounds), "GET shared");
    check.expect_eq(c.ask("get nobody"), "OK 0", "GET of a missing key");
    check.expect_eq(c.ask("INCR shared -400"), "OK 0", "INCR by a negative amount");
    check.expect_eq(c.ask("INCR big 9223372036854775807"), "OK 9223372036854775807", "INCR to INT64_MAX");
    check.expect_eq(c.ask("INCR big"), "ERR overflow", "INCR past INT64_MAX");
    check.expect_eq(c.ask("TOP 3"), "OK big=9223372036854775807 client1=200 client2=200", "TOP 3");
    check.expect(c.ask("STATS").rfind("OK live_actors=", 0) == 0, "STATS");
    check.expect(c.ask("FROB x").rfind("ERR unknown command", 0) == 0, "unknown command");
    check.expect(c.ask("INCR k notanumber").rfind("ERR usage", 0) == 0, "INCR with a bad number");
    check.expect_eq(c.ask("QUIT"), "BYE", "QUIT");
    check.expect(c.reads_eof(), "the server closes the connection after BYE");
  } catch (const std::exception& e) {
    check.expect(false, std::string("command client: ") + e.what());
  }
  try {  // a client that half-closes instead of QUIT still gets every reply, then EOF
    line_client c(svc.port());
    c.send("INCR eof 5\nGET eof\n");
    c.close_send();
    check.expect_eq(c.read_line(), "OK 5", "INCR before a half-close");
    check.expect_eq(c.read_line(), "OK 5", "GET before a half-close");
    check.expect(c.reads_eof(), "the server closes the connection after a half-close");
  } catch (const std::exception& e) {
    check.expect(false, std::string("half-closing client: ") + e.what());
  }
  if (!check.report("commands")) return 1;
  log_line(
      "  PING, GET, INCR (negative, overflow), TOP, STATS, bad input: expected replies; "
      "closed after QUIT and after a half-close");

  // 3. Sessions stop when their clients disconnect: only the store and stats remain.
  const bool sessions_gone = eventually([&] { return svc.system().live_actors() == 2; });
  check.expect(sessions_gone, "sessions still live: " + std::to_string(svc.system().live_actors() - 2));
  if (!check.report("sessions stop")) return 1;
  log_line("  all " + std::to_string(clients + 2) +
           " sessions stopped after their clients disconnected (live actors: store, stats)");

  // 4. The stats actor's timer: ask it (from outside any actor: a future) for a snapshot
  // taken after the sessions had gone.
  auto latest = [&]() -> stats_snapshot {
    auto f = actors::ask<stats_snapshot>(svc.system(), svc.stats_ref(), 1s,
                                         [](actors::reply_to<stats_snapshot> r) { return latest_stats{std::move(r)}; });
    auto r = f.get();
    return r ? std::move(r).value() : stats_snapshot{};
  };
  const std::uint64_t ticks_before = latest().ticks;
  stats_snapshot snapshot;
  check.expect(eventually([&] { return (snapshot = latest()).ticks > ticks_before; }), "the stats timer never fired");
  check.expect(snapshot.actors.size() == 2, "stats snapshot: " + std::to_string(snapshot.actors.size()) + " actors");
  if (!check.report("stats")) return 1;
  log_line("  stats actor (every " + std::to_string(options.stats_period.count()) + " ms, tick " +
           std::to_string(snapshot.ticks) + "): " + std::to_string(snapshot.dead_letters) + " dead letters\n" +
           format_stats_table(snapshot, "    "));

  // 5. Shut down through the real signal path (SIGTERM reaches the service's signal_set)
  // with one client still connected: its session is stopped and closes the socket.
  std::optional<line_client> idle;
  try {
    idle.emplace(svc.port());
    check.expect_eq(idle->ask("PING"), "PONG", "PING before shutdown");
  } catch (const std::exception& e) {
    check.expect(false, std::string("idle client: ") + e.what());
  }
  std::raise(SIGTERM);
  const char* why = svc.wait_for_shutdown_request();
  const shutdown_report r = svc.shutdown(2s);
  check.expect(r.joined, "join deadline passed with " + std::to_string(r.live_actors) + " actors live");
  try {
    check.expect(idle && idle->reads_eof(), "a connected client reads EOF after the shutdown");
  } catch (const std::exception& e) {
    check.expect(false, std::string("idle client after shutdown: ") + e.what());
  }
  if (!check.report("shutdown")) return 1;
  char took[32];
  std::snprintf(took, sizeof took, "%.2f", static_cast<double>(r.took.count()) / 1000.0);
  log_line(std::string("  ") + why + " with a client connected: stopped accepting, system stopped (its session " +
           "closed the socket) and joined, io_context stopped, in " + took + " ms");

  const auto total = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  log_line("self-test passed in " + std::to_string(total.count()) + " ms");
  return 0;
}

}  // namespace moeserve::examples::embedding
