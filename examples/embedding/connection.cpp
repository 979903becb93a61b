#include "connection.hpp"

#include <string>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

namespace moeserve::examples::embedding {

connection::connection(socket_type socket, actors::actor_ref<session_protocol> owner)
    : socket_(std::move(socket)), owner_(std::move(owner)) {}

void connection::start_reading() {
  if (!reading_ && !closed_) read_next();
}

void connection::read_next() {
  reading_ = true;
  asio::async_read_until(
      socket_, asio::dynamic_buffer(in_, max_line), '\n',
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) { self->on_read(ec, n); });
}

void connection::on_read(const boost::system::error_code& ec, std::size_t n) {
  reading_ = false;
  if (closed_ || input_done_) return;
  if (ec) {
    if (ec == asio::error::eof) {
      input_done_ = true;
      owner_.send(input_ended{"closed by peer", {}});
    } else if (ec == asio::error::not_found) {  // the buffer filled up without a newline
      input_done_ = true;
      owner_.send(input_ended{"line too long", "ERR line too long (max " + std::to_string(max_line) + " bytes)"});
    } else {
      report(ec.message());
    }
    return;
  }
  std::string line = in_.substr(0, n - 1);
  in_.erase(0, n);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.find_first_not_of(" \t") != std::string::npos) {
    ++backlog_;
    owner_.send(line_in{std::move(line)});  // refused only while the session is stopping
  }
  if (backlog_ < max_backlog) {
    read_next();
  } else {
    paused_ = true;
  }
}

void connection::write(std::string line) {
  if (closed_) return;
  line += '\n';
  out_.push_back(std::move(line));
  if (!writing_) write_next();
}

void connection::write_next() {
  writing_ = true;
  // std::deque keeps the front element in place while more are appended behind it.
  asio::async_write(
      socket_, asio::buffer(out_.front()),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) { self->on_written(ec); });
}

void connection::on_written(const boost::system::error_code& ec) {
  writing_ = false;
  if (closed_) return;
  if (ec) {
    report(ec.message());
    return;
  }
  out_.pop_front();
  if (backlog_ > 0) --backlog_;
  if (paused_ && !input_done_ && backlog_ < max_backlog) {
    paused_ = false;
    read_next();
  }
  if (!out_.empty()) {
    write_next();
  } else if (closing_) {
    finish_quit();
  }
}

void connection::close_after_writes(std::string why) {
  if (closing_) return;
  input_done_ = true;
  closing_ = true;
  close_why_ = std::move(why);
  if (!writing_ && out_.empty()) finish_quit();
}

void connection::finish_quit() {
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);  // the client reads EOF after BYE
  report(close_why_);
}

void connection::report(std::string why) {
  if (closed_ || reported_) return;  // one peer_closed per connection
  reported_ = true;
  input_done_ = true;
  owner_.send(peer_closed{std::move(why)});
}

void connection::close() noexcept {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);  // pending operations complete with operation_aborted
  owner_ = {};             // drop our reference to the session's cell
}

}  // namespace moeserve::examples::embedding
