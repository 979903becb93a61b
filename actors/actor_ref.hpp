#pragma once
// actor_ref<P>: a handle to an actor with protocol P. Cheap to copy (one atomic increment),
// safe to use and send through from any thread, and it keeps only the small cell alive,
// not the actor: once the actor stops, send() is a reported no-op (actor_stopped) that
// counts as a dead letter.
#include <type_traits>
#include <utility>

#include "actors/actor_cell.hpp"
#include "actors/behavior.hpp"
#include "actors/message.hpp"
#include "actors/result.hpp"

namespace moeserve::actors {

// A user message of protocol P in a mailbox.
template <class P>
struct envelope_node final : message_node {
  template <class T>
  explicit envelope_node(T&& value) : payload(std::forward<T>(value)) {
    user = true;
  }
  void deliver(actor_cell& cell) override { static_cast<receiver<P>*>(cell.behavior())->receive(payload); }
  P payload;
};

template <class P>
class actor_ref {
 public:
  using protocol = P;

  actor_ref() noexcept = default;
  // Takes over one reference to `cell` (may be null).
  static actor_ref adopt(actor_cell* cell) noexcept {
    actor_ref r;
    r.cell_ = cell;
    return r;
  }
  // Adds a reference to `cell`.
  static actor_ref share(actor_cell* cell) noexcept {
    if (cell != nullptr) cell->add_ref();
    return adopt(cell);
  }

  actor_ref(const actor_ref& other) noexcept : cell_(other.cell_) {
    if (cell_ != nullptr) cell_->add_ref();
  }
  actor_ref(actor_ref&& other) noexcept : cell_(std::exchange(other.cell_, nullptr)) {}
  actor_ref& operator=(actor_ref other) noexcept {
    std::swap(cell_, other.cell_);
    return *this;
  }
  ~actor_ref() {
    if (cell_ != nullptr) cell_->release();
  }

  // Sends a message (anything P can be constructed from). Never blocks. Any thread.
  template <class T>
  send_status send(T&& message) const {
    static_assert(std::is_constructible_v<P, T&&>, "the message is not part of this actor's protocol");
    if (cell_ == nullptr) return send_status::actor_stopped;
    return cell_->enqueue_user(new envelope_node<P>(std::forward<T>(message)));
  }

  // Asks the actor to stop; see actor_cell::request_stop. Any thread.
  void stop(stop_mode mode = stop_mode::drain) const noexcept {
    if (cell_ != nullptr) cell_->request_stop(mode);
  }

  actor_id id() const noexcept { return cell_ != nullptr ? cell_->id() : 0; }
  bool stopped() const noexcept { return cell_ == nullptr || cell_->stopped(); }
  explicit operator bool() const noexcept { return cell_ != nullptr; }
  actor_cell* cell() const noexcept { return cell_; }
  friend bool operator==(const actor_ref& a, const actor_ref& b) noexcept { return a.cell_ == b.cell_; }

 private:
  actor_cell* cell_ = nullptr;
};

}  // namespace moeserve::actors
