#pragma once
// Small actors shared by the actor runtime's tests.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "actors/actor.hpp"
#include "actors/actor_system.hpp"
#include "actors/ask.hpp"
#include "actors/overloaded.hpp"
#include "actors/test_scheduler.hpp"

namespace moeserve::actors::testing {

using namespace std::chrono_literals;

inline system_config deterministic_config() {
  system_config c;
  c.deterministic = true;
  return c;
}

inline system_config threaded_config(unsigned threads = 2) {
  system_config c;
  c.worker_threads = threads;
  return c;
}

// A log that several actors append to, from any thread.
struct event_log {
  void add(std::string e) {
    std::lock_guard lock(mutex);
    events.push_back(std::move(e));
  }
  std::vector<std::string> snapshot() {
    std::lock_guard lock(mutex);
    return events;
  }
  std::mutex mutex;
  std::vector<std::string> events;
};

struct add {
  int n;
};
struct get {
  reply_to<int> reply;
};
struct fail {
  std::string what;
};
struct stop_now {};
using counter_protocol = std::variant<add, get, fail, stop_now>;

// Sums what it is sent; records its lifecycle in a log.
class counter : public actor<counter_protocol> {
 public:
  explicit counter(event_log* log = nullptr, std::string tag = "counter") : log_(log), tag_(std::move(tag)) {}
  void on_start() override { note("start"); }
  void on_stop() override { note("stop"); }
  void on_down(const down_msg& d) override {
    note("down " + std::to_string(d.who) + " " + std::string(to_string(d.reason)) + " " + d.error);
  }
  void receive(counter_protocol& m) override {
    std::visit(overloaded{[&](add& a) {
                            total_ += a.n;
                            note("add " + std::to_string(a.n));
                          },
                          [&](get& g) { g.reply.send(total_); }, [&](fail& f) { throw std::runtime_error(f.what); },
                          [&](stop_now&) { stop(); }},
               m);
  }
  int total() const { return total_; }

 private:
  void note(const std::string& what) {
    if (log_ != nullptr) log_->add(tag_ + ": " + what);
  }
  event_log* log_;
  std::string tag_;
  int total_ = 0;
};

// Asks for a counter's total and records the outcome.
inline int ask_total(actor_system& system, const actor_ref<counter_protocol>& c) {
  auto f = ask<int>(system, c, 5s, [](reply_to<int> r) { return get{std::move(r)}; });
  if (system.deterministic()) system.test().run_until_idle();
  auto r = f.get();
  return r ? r.value() : -1000 - static_cast<int>(r.error());
}

// Polls `done` until it holds or the timeout passes.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5000ms) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

}  // namespace moeserve::actors::testing
