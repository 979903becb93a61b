#include "net/http/http_session.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <cstdio>

#include "actors/overloaded.hpp"
#include "net/api_error.hpp"

namespace moeserve::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct http_session::connection {
  explicit connection(asio::ip::tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
  asio::ip::tcp::socket socket;
  asio::steady_timer timer;
  beast::flat_buffer buffer;
  std::optional<http::request_parser<http::string_body>> parser;
  std::string out;  // the bytes of the write in progress
};

namespace {

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string head(int status, std::string_view content_type, bool keep_alive,
                 const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string h = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\nServer: moeserve\r\n";
  h += "Content-Type: " + std::string(content_type) + "\r\n";
  for (const auto& [k, v] : headers) h += k + ": " + v + "\r\n";
  if (!keep_alive) h += "Connection: close\r\n";
  return h;
}

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

}  // namespace

http_session::http_session(asio::ip::tcp::socket socket, request_router router, http_limits limits)
    : conn_(std::make_shared<connection>(std::move(socket))), router_(std::move(router)), limits_(limits) {}

void http_session::on_start() { read_request(); }

void http_session::on_stop() {
  if (cancel_) std::exchange(cancel_, {})();
  beast::error_code ec;
  conn_->timer.cancel();
  conn_->socket.close(ec);
}

void http_session::read_request() {
  auto& c = *conn_;
  c.parser.emplace();
  c.parser->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  c.parser->body_limit(limits_.max_body_bytes);
  c.timer.expires_after(limits_.read_timeout);
  c.timer.async_wait([conn = conn_](beast::error_code ec) {
    if (!ec) conn->socket.close(ec);  // the read then fails
  });
  http::async_read(c.socket, c.buffer, *c.parser, [conn = conn_, me = self()](beast::error_code ec, std::size_t) {
    conn->timer.cancel();
    read_done r;
    if (ec == http::error::body_limit) {
      r.status = 413;
    } else if (ec == http::error::header_limit) {
      r.status = 431;
    } else if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
               ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) {
      r.error = 1;  // the client is gone: nothing to answer
    } else if (ec) {
      r.status = 400;
    }
    if (!ec) {
      auto req = conn->parser->release();
      r.request.method = std::string(req.method_string());
      r.request.target = std::string(req.target());
      r.request.body = std::move(req.body());
      r.request.authorization = std::string(req[http::field::authorization]);
      r.keep_alive_hint = req.keep_alive();
    }
    me.send(std::move(r));
  });
}

void http_session::receive(session_protocol& message) {
  std::visit(actors::overloaded{
                 [&](read_done& r) { on_read(r); },
                 [&](full_response& f) {
                   if (closed_ || f.request != request_number_ || !responding_) return;
                   std::string bytes = head(f.status, f.content_type, keep_alive_, f.headers);
                   bytes += "Content-Length: " + std::to_string(f.body.size()) + "\r\n\r\n" + f.body;
                   write(std::move(bytes));
                   end_response();
                 },
                 [&](stream_begin& b) {
                   if (closed_ || b.request != request_number_ || !responding_ || streaming_) return;
                   streaming_ = true;
                   write(head(200, "text/event-stream", keep_alive_, {{"Cache-Control", "no-cache"}}) +
                         "Transfer-Encoding: chunked\r\n\r\n");
                 },
                 [&](stream_data& d) {
                   if (closed_ || d.request != request_number_ || !streaming_ || d.data.empty()) return;
                   write(chunk(d.data));
                 },
                 [&](stream_end& e) {
                   if (closed_ || e.request != request_number_ || !streaming_) return;
                   write((e.data.empty() ? std::string() : chunk(e.data)) + "0\r\n\r\n");
                   streaming_ = false;
                   end_response();
                 },
                 [&](write_done& w) {
                   writing_ = false;
                   if (!w.ok) return close(true);
                   write_next();
                 },
                 [&](peer_event& p) {
                   watching_ = false;
                   if (p.gone && responding_) {
                     close(true);
                   } else if (p.stale && responding_) {
                     watch_for_disconnect();  // keep watching: a later close must still cancel
                   }
                 }},
             message);
}

void http_session::on_read(read_done& r) {
  if (closed_) return;
  if (r.error) return close(false);
  ++request_number_;
  responding_ = true;
  if (r.status != 0) {  // unreadable request: answer and close
    keep_alive_ = false;
    const api_error e{r.status, r.status == 413   ? "the request body is too large"
                                : r.status == 431 ? "the request headers are too large"
                                                  : "malformed HTTP request",
                      std::string(error_type_for_status(r.status)), std::nullopt};
    full_response f{request_number_, r.status, "application/json", to_json(e), {}};
    session_protocol m = std::move(f);
    receive(m);
    return;
  }
  keep_alive_ = r.keep_alive_hint;
  r.request.number = request_number_;
  cancel_ = router_(std::move(r.request), self());
  if (responding_) watch_for_disconnect();
}

void http_session::watch_for_disconnect() {
  if (watching_ || closed_) return;
  watching_ = true;
  conn_->socket.async_wait(asio::ip::tcp::socket::wait_read, [conn = conn_, me = self()](beast::error_code ec) {
    // Readable while a response is pending: either the client pipelined a request (left
    // in the socket for the next read) or it closed; only EOF or an error count as gone.
    // Nothing to read at all is a stale readiness report (the edge of bytes the request
    // read already took, delivered late): the session then waits again, or a close that
    // comes later would go unseen and a queued request would keep its place.
    char probe;
    beast::error_code peek_ec;
    std::size_t n = 1;
    bool stale = false;
    if (!ec) {
      conn->socket.non_blocking(true, peek_ec);  // a peek must never wait (it would hold the strand)
      n = conn->socket.receive(asio::buffer(&probe, 1), asio::ip::tcp::socket::message_peek, peek_ec);
      if (peek_ec == asio::error::would_block) stale = true, peek_ec = {}, n = 1;
    }
    me.send(peer_event{ec || peek_ec || n == 0, stale});
  });
}

void http_session::write(std::string bytes) {
  writes_.push_back(std::move(bytes));
  write_next();
}

void http_session::write_next() {
  if (writing_ || writes_.empty() || closed_) {
    if (!writing_ && writes_.empty() && !responding_ && !keep_alive_) close(false);
    return;
  }
  writing_ = true;
  conn_->out.clear();
  while (!writes_.empty()) {  // coalesce what is queued into one write
    conn_->out += writes_.front();
    writes_.pop_front();
  }
  asio::async_write(conn_->socket, asio::buffer(conn_->out), [conn = conn_, me = self()](beast::error_code ec, std::size_t) {
    me.send(write_done{!ec});
  });
}

void http_session::end_response() {
  responding_ = false;
  cancel_ = {};
  if (keep_alive_) {
    read_request();
  } else if (!writing_ && writes_.empty()) {
    close(false);
  }
}

void http_session::close(bool client_gone) {
  if (closed_) return;
  closed_ = true;
  if (client_gone && cancel_) std::exchange(cancel_, {})();
  cancel_ = {};
  beast::error_code ec;
  conn_->socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  conn_->socket.close(ec);
  conn_->timer.cancel();
  stop();
}

}  // namespace moeserve::net
