#pragma once
// probe_server: /metrics and /health on their own port (--metrics-port), served by a libuv
// loop on its own thread, so that probes answer even while the API port is saturated.
// Each connection sends one request (GET, headers up to 8 KiB) and gets one response, then
// is closed. /metrics renders the metrics registry; /health calls `health` (which must
// answer within its own timeout: a round trip through the scheduler) on a helper thread and
// answers 200 or 503 with its message.
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace moeserve::net {

struct health_result {
  bool ok = false;
  std::string detail;
};

class probe_server {
 public:
  // Binds at once (std::system_error when it cannot); serves from start() to stop().
  probe_server(const std::string& host, unsigned short port, std::function<std::string()> metrics,
               std::function<health_result()> health);
  ~probe_server();
  probe_server(const probe_server&) = delete;
  probe_server& operator=(const probe_server&) = delete;

  unsigned short port() const;
  void start();
  void stop();

  struct state;

 private:
  std::unique_ptr<state> state_;
  std::thread thread_;
};

}  // namespace moeserve::net
