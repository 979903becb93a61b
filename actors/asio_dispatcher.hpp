#pragma once
// asio_dispatcher: runs an actor on an Asio executor, typically a strand of the service's
// own io_context, so that the actor's handlers and the completion handlers of the I/O it
// starts (a socket bound to the same strand) never run concurrently. Header-only: the
// runtime itself does not depend on Boost.
//
//   auto strand = boost::asio::make_strand(io);
//   tcp::socket socket(strand);                       // accept into it
//   auto session = system.spawn_with<http_session>(
//       {.on = asio_dispatcher<decltype(strand)>::create(strand).get()}, std::move(socket));
//
// Ownership: create() returns a shared_ptr; every actor spawned on the dispatcher keeps it
// alive for as long as its cell lives, so a dispatcher per connection needs no bookkeeping
// (drop the shared_ptr after spawning) and one kept by the caller may serve many actors.
//
// A turn is one posted handler that owns a reference to the cell; a busy actor re-posts
// itself after `messages_per_turn` messages so that the executor's other handlers get their
// share. Handlers never touch the dispatcher object. The io_context must run (or be
// destroyed, which drops pending turns) before the actor_system is destroyed; posting may
// throw std::bad_alloc, which ends the process (schedule is noexcept).
#include <boost/asio/post.hpp>
#include <cstdint>
#include <memory>
#include <utility>

#include "actors/actor_cell.hpp"
#include "actors/dispatcher.hpp"

namespace moeserve::actors {

template <class Executor>
class asio_dispatcher final : public dispatcher, public std::enable_shared_from_this<asio_dispatcher<Executor>> {
  struct passkey {};

 public:
  static std::shared_ptr<asio_dispatcher> create(Executor executor, std::uint32_t messages_per_turn = 64) {
    return std::make_shared<asio_dispatcher>(passkey{}, std::move(executor), messages_per_turn);
  }
  asio_dispatcher(passkey, Executor executor, std::uint32_t messages_per_turn)
      : executor_(std::move(executor)), budget_(messages_per_turn == 0 ? 1 : messages_per_turn) {}

  void attach(actor_cell& cell) override { cell.dispatcher_data = new keep_alive(this->shared_from_this()); }
  void schedule(actor_cell& cell) noexcept override { boost::asio::post(executor_, turn{executor_, &cell, budget_}); }
  const Executor& executor() const noexcept { return executor_; }

 private:
  // Held by each attached cell: the dispatcher lives as long as its actors' cells.
  struct keep_alive final : dispatcher_slot {
    explicit keep_alive(std::shared_ptr<asio_dispatcher> d) : owner(std::move(d)) {}
    void release() noexcept override { delete this; }
    std::shared_ptr<asio_dispatcher> owner;
  };

  // One turn of one cell; owns the reference schedule() was given.
  struct turn {
    turn(Executor e, actor_cell* c, std::uint32_t b) noexcept : executor(std::move(e)), cell(c), budget(b) {}
    turn(turn&& o) noexcept : executor(std::move(o.executor)), cell(std::exchange(o.cell, nullptr)), budget(o.budget) {}
    turn(const turn&) = delete;
    turn& operator=(const turn&) = delete;
    turn& operator=(turn&&) = delete;
    ~turn() {
      if (cell != nullptr) cell->release();  // also when the io_context drops it unrun
    }
    void operator()() {
      if (cell->run(budget)) {
        Executor e = executor;
        boost::asio::post(e, std::move(*this));
      } else {
        std::exchange(cell, nullptr)->release();
      }
    }
    Executor executor;
    actor_cell* cell;
    std::uint32_t budget;
  };

  Executor executor_;
  std::uint32_t budget_;
};

}  // namespace moeserve::actors
