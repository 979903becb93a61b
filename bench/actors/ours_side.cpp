// The benchmark scenarios on our actor runtime (actors/). The CAF twin of every function
// is in caf_side.cpp; keep the two doing the same work.
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <variant>
#include <vector>

#include "actors/actor.hpp"
#include "actors/actor_system.hpp"
#include "bench/actors/bench_api.hpp"

namespace moeserve::bench {
namespace {

using namespace moeserve::actors;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

system_config config_for(const settings& s) {
  system_config c;
  c.worker_threads = s.workers;
  c.measure_handler_time = s.ours_handler_timing;
  if (s.ours_spin_us >= 0) c.spin = std::chrono::microseconds(s.ours_spin_us);
  return c;
}

// --- ping-pong ---------------------------------------------------------------------------

struct ping {
  std::uint64_t n;
};
struct pong {
  std::uint64_t n;
};
using ponger_protocol = std::variant<ping>;
struct start_ping {
  actor_ref<ponger_protocol> ponger;
  std::uint64_t n;
};
using pinger_protocol = std::variant<start_ping, pong>;

// Answers every ping with a pong carrying the same count.
class ponger final : public actor<ponger_protocol> {
 public:
  explicit ponger(actor_ref<pinger_protocol> pinger) : pinger_(std::move(pinger)) {}
  void receive(ponger_protocol& m) override { pinger_.send(pong{std::get<ping>(m).n}); }

 private:
  actor_ref<pinger_protocol> pinger_;
};

// start_ping{n}: n round trips (counting down), then done->add().
class pinger final : public actor<pinger_protocol> {
 public:
  explicit pinger(done_flag* done) : done_(done) {}
  void receive(pinger_protocol& m) override {
    if (auto* s = std::get_if<start_ping>(&m)) {
      ponger_ = s->ponger;
      ponger_.send(ping{s->n - 1});
      return;
    }
    const std::uint64_t n = std::get<pong>(m).n;
    if (n == 0) {
      done_->add();
    } else {
      ponger_.send(ping{n - 1});
    }
  }

 private:
  done_flag* done_;
  actor_ref<ponger_protocol> ponger_;
};

struct ping_pair {
  actor_ref<pinger_protocol> pinger;
  actor_ref<ponger_protocol> ponger;
};

ping_pair spawn_ping_pair(actor_system& system, bool dedicated, done_flag* done) {
  spawn_options where;
  if (dedicated) where.on = &system.dedicated();
  ping_pair p;
  p.pinger = system.spawn_with<pinger>(where, done);
  p.ponger = system.spawn_with<ponger>(where, p.pinger);
  if (!p.pinger || !p.ponger) bench_fail("ours: spawn failed");
  return p;
}

// Runs n round trips on an existing pair; `done` has reached `rounds` before.
void run_ping_pong(const ping_pair& p, done_flag& done, std::uint32_t rounds, std::uint64_t n) {
  if (p.pinger.send(start_ping{p.ponger, n}) != send_status::ok) bench_fail("ours: send failed");
  done.wait_for(rounds + 1);
}

double ping_pong(const settings& s, bool dedicated, std::uint64_t round_trips) {
  actor_system system(config_for(s));
  done_flag done;
  const ping_pair p = spawn_ping_pair(system, dedicated, &done);
  run_ping_pong(p, done, 0, round_trips / 10 + 1);  // warm-up
  const auto t0 = clock_type::now();
  run_ping_pong(p, done, 1, round_trips);
  return seconds_since(t0);
}

// --- counting (fan-in, fan-out) ----------------------------------------------------------

struct tick {
  std::uint64_t value;
};
using counter_protocol = std::variant<tick>;

// Counts ticks; after `expected` of them it bumps `done`.
class counter final : public actor<counter_protocol> {
 public:
  counter(std::uint64_t expected, done_flag* done) : expected_(expected), done_(done) {}
  void receive(counter_protocol&) override {
    if (++seen_ == expected_) done_->add();
  }

 private:
  std::uint64_t expected_;
  std::uint64_t seen_ = 0;
  done_flag* done_;
};

double fan_in(const settings& s, unsigned producers, std::uint64_t per_producer) {
  actor_system system(config_for(s));
  done_flag done;
  auto sink = system.spawn<counter>(per_producer * producers, &done);
  std::atomic<std::uint32_t> go{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < producers; ++t) {
    threads.emplace_back([&] {
      go.wait(0, std::memory_order_acquire);
      for (std::uint64_t i = 0; i < per_producer; ++i) {
        if (sink.send(tick{i}) != send_status::ok) bench_fail("ours: fan-in send failed");
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the producers reach the gate
  const auto t0 = clock_type::now();
  go.store(1, std::memory_order_release);
  go.notify_all();
  done.wait_for(1);
  const double elapsed = seconds_since(t0);
  for (auto& t : threads) t.join();
  return elapsed;
}

struct broadcast {
  const std::vector<actor_ref<counter_protocol>>* targets;
  std::uint64_t rounds;
};
using broadcaster_protocol = std::variant<broadcast>;

// Sends `rounds` ticks to every target, round by round, from one handler.
class broadcaster final : public actor<broadcaster_protocol> {
 public:
  void receive(broadcaster_protocol& m) override {
    const broadcast& b = std::get<broadcast>(m);
    for (std::uint64_t r = 0; r < b.rounds; ++r) {
      for (const auto& t : *b.targets) {
        if (t.send(tick{r}) != send_status::ok) bench_fail("ours: fan-out send failed");
      }
    }
  }
};

// Spawns `receivers` counters and a broadcaster, runs one broadcast and waits for it.
struct fan_out_rig {
  fan_out_rig(actor_system& system, std::uint32_t receivers, std::uint64_t per_receiver) {
    targets.reserve(receivers);
    for (std::uint32_t i = 0; i < receivers; ++i) targets.push_back(system.spawn<counter>(per_receiver, &done));
    source = system.spawn<broadcaster>();
    rounds = per_receiver;
  }
  void run() {
    const std::uint32_t before = done.value();
    if (source.send(broadcast{&targets, rounds}) != send_status::ok) bench_fail("ours: send failed");
    done.wait_for(before + static_cast<std::uint32_t>(targets.size()));
  }
  done_flag done;
  std::vector<actor_ref<counter_protocol>> targets;
  actor_ref<broadcaster_protocol> source;
  std::uint64_t rounds = 0;
};

double fan_out(const settings& s, std::uint32_t receivers, std::uint64_t per_receiver) {
  actor_system system(config_for(s));
  fan_out_rig rig(system, receivers, per_receiver);
  const auto t0 = clock_type::now();
  rig.run();
  return seconds_since(t0);
}

// --- spawn, memory -------------------------------------------------------------------------

std::atomic<std::uint64_t> started_count{0};
struct nothing {};
using trivial_protocol = std::variant<nothing>;

// The smallest useful actor: counts its start so the driver knows it is fully up.
class trivial final : public actor<trivial_protocol> {
 public:
  void on_start() override { started_count.fetch_add(1, std::memory_order_relaxed); }
  void receive(trivial_protocol&) override {}
};

void wait_until(const std::function<bool()>& done) {
  while (!done()) std::this_thread::sleep_for(std::chrono::microseconds(100));
}

spawn_times spawn_stop(const settings& s, std::uint32_t n) {
  actor_system system(config_for(s));
  std::vector<actor_ref<trivial_protocol>> refs(n);
  spawn_times out;
  const auto t0 = clock_type::now();
  for (auto& r : refs) r = system.spawn<trivial>();
  out.spawn_s = seconds_since(t0);
  for (auto& r : refs) r.stop();
  refs.clear();
  wait_until([&] { return system.live_actors() == 0; });
  out.spawn_stop_s = seconds_since(t0);
  return out;
}

double idle_actor_bytes(const settings& s, std::uint32_t n) {
  actor_system system(config_for(s));
  {  // warm-up: the allocator, the registry, the workers
    std::vector<actor_ref<trivial_protocol>> warm(1000);
    for (auto& r : warm) r = system.spawn<trivial>();
    for (auto& r : warm) r.stop();
    wait_until([&] { return system.live_actors() == 0; });
  }
  std::vector<actor_ref<trivial_protocol>> refs(n);  // touched before the first reading
  const std::uint64_t base = started_count.load();
  const long rss0 = resident_bytes();
  for (auto& r : refs) r = system.spawn<trivial>();
  wait_until([&] { return started_count.load() - base == n; });
  const long rss1 = resident_bytes();
  return static_cast<double>(rss1 - rss0) / n;
}

double idle_cpu_percent(const settings& s, double idle_s) {
  actor_system system(config_for(s));
  // The burst: ping-pong on the pool and on dedicated threads, then a fan-out. Every actor
  // stays alive (idle) through the measured period.
  done_flag pool_done, dedicated_done;
  const ping_pair on_pool = spawn_ping_pair(system, false, &pool_done);
  const ping_pair on_threads = spawn_ping_pair(system, true, &dedicated_done);
  run_ping_pong(on_pool, pool_done, 0, 20000);
  run_ping_pong(on_threads, dedicated_done, 0, 20000);
  fan_out_rig rig(system, 100, 100);
  rig.run();
  const double cpu0 = process_cpu_seconds();
  const auto t0 = clock_type::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(idle_s));
  const double cpu = process_cpu_seconds() - cpu0;
  return 100.0 * cpu / seconds_since(t0);
}

}  // namespace

const runtime_api& ours_api() {
  static const runtime_api api{"ours", ping_pong, fan_in, fan_out, spawn_stop, idle_actor_bytes, idle_cpu_percent};
  return api;
}

}  // namespace moeserve::bench
