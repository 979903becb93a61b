#pragma once
// asio_dispatcher: runs actors on an Asio executor, typically a strand of the service's
// own io_context, so that an actor's handlers and the completion handlers of the I/O it
// starts (a socket bound to the same strand) never run concurrently. Header-only: the
// runtime itself does not depend on Boost.
//
//   boost::asio::io_context io;
//   auto strand = boost::asio::make_strand(io);
//   auto& on_strand = system.make_dispatcher<asio_dispatcher<decltype(strand)>>(strand);
//   auto session = system.spawn_with<http_session>({.on = &on_strand}, std::move(socket));
//
// A turn is one posted handler; a busy actor re-posts itself after `messages_per_turn`
// messages so that the executor's other handlers get their share. The io_context must
// keep running until the actor_system has been joined.
#include <boost/asio/post.hpp>
#include <cstdint>

#include "actors/actor_cell.hpp"
#include "actors/dispatcher.hpp"

namespace moeserve::actors {

template <class Executor>
class asio_dispatcher final : public dispatcher {
 public:
  explicit asio_dispatcher(Executor executor, std::uint32_t messages_per_turn = 64)
      : executor_(std::move(executor)), budget_(messages_per_turn == 0 ? 1 : messages_per_turn) {}

  void schedule(actor_cell& cell) noexcept override { post_turn(&cell); }
  const Executor& executor() const noexcept { return executor_; }

 private:
  void post_turn(actor_cell* cell) noexcept {
    boost::asio::post(executor_, [this, cell] {
      if (cell->run(budget_)) {
        post_turn(cell);
      } else {
        cell->release();
      }
    });
  }

  Executor executor_;
  std::uint32_t budget_;
};

}  // namespace moeserve::actors
