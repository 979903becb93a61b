#include "net/probe/probe_server.hpp"

#include <uv.h>

#include <cstring>
#include <system_error>

namespace moeserve::net {

struct probe_server::state {
  uv_loop_t loop{};
  uv_tcp_t listener{};
  uv_async_t stop_signal{};
  std::function<std::string()> metrics;
  std::function<health_result()> health;
  unsigned short port = 0;
};

namespace {

constexpr std::size_t max_request = 8 * 1024;

struct connection {
  uv_tcp_t tcp{};
  probe_server::state* server = nullptr;
  std::string in;
  std::string out;
  uv_write_t write{};
  uv_work_t work{};
  health_result health;
  bool answered = false;
  bool working = false;  // a health check runs on the thread pool
  bool closed = false;
};

void on_closed(uv_handle_t* h) {
  auto* c = static_cast<connection*>(h->data);
  c->closed = true;
  if (!c->working) delete c;  // else the health check's completion deletes it
}

void close_connection(connection* c) {
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&c->tcp))) uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_closed);
}

void respond(connection* c, int status, const char* reason, std::string_view type, const std::string& body) {
  c->answered = true;
  c->out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + std::string(type) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  uv_buf_t buf = uv_buf_init(c->out.data(), static_cast<unsigned>(c->out.size()));
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
  const int rc = uv_write(&c->write, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1, [](uv_write_t* w, int) {
    close_connection(static_cast<connection*>(w->data));
  });
  if (rc != 0) close_connection(c);
}

void handle(connection* c) {
  const auto line_end = c->in.find("\r\n");
  const std::string line = c->in.substr(0, line_end);
  const auto sp1 = line.find(' '), sp2 = line.find(' ', sp1 + 1);
  const std::string method = line.substr(0, sp1);
  std::string path = sp1 == std::string::npos ? "" : line.substr(sp1 + 1, sp2 - sp1 - 1);
  path = path.substr(0, path.find('?'));
  if (method != "GET") return respond(c, 405, "Method Not Allowed", "text/plain", "GET only\n");
  if (path == "/metrics") return respond(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", c->server->metrics());
  if (path == "/health") {
    // The health check waits for the scheduler: off the loop, on libuv's thread pool.
    c->work.data = c;
    c->working = true;
    uv_queue_work(
        &c->server->loop, &c->work, [](uv_work_t* w) { auto* conn = static_cast<connection*>(w->data);
                                                       conn->health = conn->server->health(); },
        [](uv_work_t* w, int) {
          auto* conn = static_cast<connection*>(w->data);
          conn->working = false;
          if (conn->closed) return delete conn;
          if (conn->health.ok) return respond(conn, 200, "OK", "application/json", "{}");
          respond(conn, 503, "Service Unavailable", "application/json",
                  "{\"error\":\"" + conn->health.detail + "\"}");
        });
    return;
  }
  respond(c, 404, "Not Found", "text/plain", "no such route\n");
}

void on_read(uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<connection*>(stream->data);
  if (n > 0) c->in.append(buf->base, static_cast<std::size_t>(n));
  delete[] buf->base;
  if (n < 0) return close_connection(c);
  if (c->answered) return;
  if (c->in.find("\r\n\r\n") != std::string::npos) return handle(c);
  if (c->in.size() > max_request) respond(c, 431, "Request Header Fields Too Large", "text/plain", "too large\n");
}

void on_connection(uv_stream_t* listener, int status) {
  if (status < 0) return;
  auto* server = static_cast<probe_server::state*>(listener->data);
  auto* c = new connection;
  c->server = server;
  c->write.data = c;
  uv_tcp_init(&server->loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) return close_connection(c);
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&c->tcp),
      [](uv_handle_t*, std::size_t suggested, uv_buf_t* buf) {
        *buf = uv_buf_init(new char[suggested], static_cast<unsigned>(suggested));
      },
      on_read);
}

}  // namespace

probe_server::probe_server(const std::string& host, unsigned short port, std::function<std::string()> metrics,
                           std::function<health_result()> health)
    : state_(std::make_unique<state>()) {
  auto& s = *state_;
  s.metrics = std::move(metrics);
  s.health = std::move(health);
  uv_loop_init(&s.loop);
  uv_tcp_init(&s.loop, &s.listener);
  s.listener.data = &s;
  sockaddr_in addr{};
  int rc = uv_ip4_addr(host.c_str(), port, &addr);
  if (rc == 0) rc = uv_tcp_bind(&s.listener, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&s.listener), 128, on_connection);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&s.listener), nullptr);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    uv_loop_close(&s.loop);
    throw std::system_error(-rc, std::generic_category(), "cannot listen on " + host + ":" + std::to_string(port));
  }
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(&s.listener, reinterpret_cast<sockaddr*>(&bound), &len);
  s.port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  uv_async_init(&s.loop, &s.stop_signal, [](uv_async_t* a) {
    auto* st = static_cast<state*>(a->data);
    uv_close(reinterpret_cast<uv_handle_t*>(&st->listener), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&st->stop_signal), nullptr);
    uv_walk(&st->loop, [](uv_handle_t* h, void*) {
      if (!uv_is_closing(h)) uv_close(h, h->data && h->type == UV_TCP ? on_closed : nullptr);
    }, nullptr);
  });
  s.stop_signal.data = &s;
}

probe_server::~probe_server() {
  stop();
  uv_loop_close(&state_->loop);
}

unsigned short probe_server::port() const { return state_->port; }

void probe_server::start() {
  thread_ = std::thread([this] { uv_run(&state_->loop, UV_RUN_DEFAULT); });
}

void probe_server::stop() {
  if (!thread_.joinable()) return;
  uv_async_send(&state_->stop_signal);
  thread_.join();
}

}  // namespace moeserve::net
