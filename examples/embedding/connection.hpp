#pragma once
// connection: the socket half of a session. It lives on the session's strand: the socket
// is bound to that strand, so its completion handlers run there, and the session actor
// runs there too (asio_dispatcher). Hence every member below is touched by one thread at
// a time without a lock: by the session's handlers and by completion handlers.
//
// Completion handlers hold the connection (shared_ptr), never the session actor: they
// report to it by message (line_in, peer_closed) through an actor_ref. Once the session
// has gone (close()), late completions (operation_aborted) are ignored.
//
// Flow control: `backlog` counts command lines read whose reply has not yet been written.
// Reading pauses at max_backlog and resumes as replies are written, so a client that
// pipelines without reading cannot make the server queue without bound.
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <variant>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include "actors/actor_ref.hpp"

namespace moeserve::examples::embedding {

namespace asio = boost::asio;
using strand_type = asio::strand<asio::io_context::executor_type>;
using socket_type = asio::basic_stream_socket<asio::ip::tcp, strand_type>;

// What the connection tells its session.
struct line_in {
  std::string text;  // one command line, without "\n" or "\r\n"; never empty
};
// The client will send nothing more (end of stream, or a line over max_line): answer
// what is pending (and final_reply, if any), then close.
struct input_ended {
  std::string why;
  std::string final_reply;
};
// The connection is finished (written out after a close_after_writes(), or a socket
// error): stop now.
struct peer_closed {
  std::string why;
};
using session_protocol = std::variant<line_in, input_ended, peer_closed>;

class connection : public std::enable_shared_from_this<connection> {
 public:
  static constexpr std::size_t max_line = 1024;
  static constexpr std::size_t max_backlog = 64;

  connection(socket_type socket, actors::actor_ref<session_protocol> owner);

  // All of these run on the strand (in the session's handlers).
  void start_reading();
  void write(std::string line);  // appends "\n"
  void stop_reading() noexcept { input_done_ = true; }
  // Once everything queued is written: half-close (the client reads EOF), then
  // peer_closed{why}.
  void close_after_writes(std::string why);
  void close() noexcept;  // the session is going: close the socket, report nothing more

 private:
  void read_next();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void write_next();
  void on_written(const boost::system::error_code& ec);
  void finish_quit();
  void report(std::string why);

  socket_type socket_;
  actors::actor_ref<session_protocol> owner_;
  std::string in_;
  std::deque<std::string> out_;
  std::string close_why_;
  std::size_t backlog_ = 0;
  bool reading_ = false, writing_ = false, paused_ = false;
  bool input_done_ = false, closing_ = false, reported_ = false, closed_ = false;
};

}  // namespace moeserve::examples::embedding
