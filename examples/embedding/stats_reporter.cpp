#include "stats_reporter.hpp"

#include <cstdio>

#include "log.hpp"

namespace moeserve::examples::embedding {

stats_reporter::stats_reporter(actors::timer_clock::duration period, bool print) : period_(period), print_(print) {}

void stats_reporter::on_start() {
  // Runs in this actor's context every period; cancelled automatically when it stops.
  every(period_, [this] { tick(); });
}

void stats_reporter::receive(stats_protocol& message) { std::get<latest_stats>(message).reply.send(last_); }

void stats_reporter::tick() {
  ++last_.ticks;
  last_.actors = system().stats();  // any thread may call it; here: a pool thread
  last_.dead_letters = system().dead_letters();
  if (!print_) return;
  // Print only when the other actors moved (our own timer messages always count).
  std::uint64_t activity = last_.actors.size();
  for (const auto& a : last_.actors) {
    if (a.id != id()) activity += a.processed + a.dropped;
  }
  if (activity == last_printed_activity_) return;
  last_printed_activity_ = activity;
  log_line("stats: " + std::to_string(last_.actors.size()) + " live actors, " + std::to_string(last_.dead_letters) +
           " dead letters\n" + format_stats_table(last_));
}

std::string format_stats_table(const stats_snapshot& snapshot, const std::string& indent) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%s%-30s %7s %10s %12s %8s\n", indent.c_str(), "actor", "mailbox", "processed",
                "handler_us", "dropped");
  out += line;
  for (const auto& a : snapshot.actors) {
    char label[64];
    std::snprintf(label, sizeof label, "#%llu %s", static_cast<unsigned long long>(a.id),
                  a.name.empty() ? "(unnamed)" : a.name.c_str());
    std::snprintf(line, sizeof line, "%s%-30.30s %7lld %10llu %12llu %8llu\n", indent.c_str(), label,
                  static_cast<long long>(a.mailbox_depth), static_cast<unsigned long long>(a.processed),
                  static_cast<unsigned long long>(a.handler_ns / 1000), static_cast<unsigned long long>(a.dropped));
    out += line;
  }
  if (!out.empty()) out.pop_back();  // log_line adds the final newline
  return out;
}

}  // namespace moeserve::examples::embedding
