#pragma once
// Status and result types of the actor runtime: what a send, an ask or a spawn returns.
// Nothing here throws; failures are values.
#include <cassert>
#include <string_view>
#include <utility>
#include <variant>

namespace moeserve::actors {

// What became of a message handed to send().
enum class send_status {
  ok,             // enqueued; it will be delivered unless the actor stops first
  mailbox_full,   // a bounded mailbox was at capacity; the message was destroyed
  actor_stopped,  // the actor is stopped or stopping (or the ref is empty); message destroyed
};

// Why an ask completed without a reply.
enum class ask_error {
  timeout,        // no reply before the deadline
  no_reply,       // the receiver destroyed the reply_to without answering (also: dropped message)
  actor_stopped,  // the request could not be delivered: the target is stopped
  mailbox_full,   // the request could not be delivered: the target's mailbox was full
};

constexpr std::string_view to_string(send_status s) noexcept {
  switch (s) {
    case send_status::ok:
      return "ok";
    case send_status::mailbox_full:
      return "mailbox_full";
    case send_status::actor_stopped:
      return "actor_stopped";
  }
  return "?";
}

constexpr std::string_view to_string(ask_error e) noexcept {
  switch (e) {
    case ask_error::timeout:
      return "timeout";
    case ask_error::no_reply:
      return "no_reply";
    case ask_error::actor_stopped:
      return "actor_stopped";
    case ask_error::mailbox_full:
      return "mailbox_full";
  }
  return "?";
}

constexpr ask_error to_ask_error(send_status s) noexcept {
  return s == send_status::mailbox_full ? ask_error::mailbox_full : ask_error::actor_stopped;
}

// The outcome of an ask: a value of type T or an ask_error.
template <class T>
class ask_result {
 public:
  ask_result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  ask_result(ask_error e) : v_(std::in_place_index<1>, e) {}             // NOLINT: implicit

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  ask_error error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, ask_error> v_;
};

}  // namespace moeserve::actors
