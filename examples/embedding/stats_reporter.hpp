#pragma once
// stats_reporter: a pool actor with a periodic timer (actor<P>::every) that takes a
// snapshot of system().stats() every period and, when asked to, prints it as a table
// whenever the other actors did something since the last print. The latest snapshot can
// also be asked for (latest_stats), e.g. by the self-test from outside any actor.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "actors/actor.hpp"
#include "actors/actor_system.hpp"
#include "actors/ask.hpp"

namespace moeserve::examples::embedding {

struct stats_snapshot {
  std::uint64_t ticks = 0;  // timer firings so far
  std::vector<actors::actor_stats> actors;
  std::uint64_t dead_letters = 0;
};

struct latest_stats {
  actors::reply_to<stats_snapshot> reply;
};
using stats_protocol = std::variant<latest_stats>;

class stats_reporter final : public actors::actor<stats_protocol> {
 public:
  stats_reporter(actors::timer_clock::duration period, bool print);
  void on_start() override;
  void receive(stats_protocol& message) override;

 private:
  void tick();

  actors::timer_clock::duration period_;
  bool print_;
  stats_snapshot last_;
  std::uint64_t last_printed_activity_ = 0;
};

// A few aligned lines: one per actor (id, name, mailbox depth, messages processed, time in
// handlers, dead letters), each prefixed with `indent`.
std::string format_stats_table(const stats_snapshot& snapshot, const std::string& indent = "  ");

}  // namespace moeserve::examples::embedding
