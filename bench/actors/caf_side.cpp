// The benchmark scenarios on CAF 0.17, twin of ours_side.cpp: same actors, same messages
// (one 64-bit integer each), same amount of work. Built only when CAF was found.
//
// Threads: the pool is CAF's work-stealing scheduler with scheduler.max-threads workers
// (as ours: settings::workers); a dedicated thread is CAF's `detached` spawn flag.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include <caf/all.hpp>  // a SYSTEM include directory: CAF's own warnings stay out

#include "bench/actors/bench_api.hpp"

namespace moeserve::bench {
namespace {

using clock_type = std::chrono::steady_clock;
using start_atom = caf::atom_constant<caf::atom("start")>;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// The config is owned next to the system (actor_system keeps a reference to it).
struct caf_system {
  explicit caf_system(const settings& s) : sys(configure(cfg, s)) {}
  static caf::actor_system_config& configure(caf::actor_system_config& c, const settings& s) {
    c.set("scheduler.max-threads", static_cast<std::int64_t>(s.workers));
    return c;
  }
  caf::actor_system_config cfg;
  caf::actor_system sys;
};

void stop_all(const std::vector<caf::actor>& actors) {
  for (const auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

// --- ping-pong ---------------------------------------------------------------------------

// Answers every count with the same count, to its sender.
caf::behavior ponger(caf::event_based_actor*) {
  return {[](std::uint64_t n) { return n; }};
}

// (start, n): n round trips (counting down), then done->add().
caf::behavior pinger(caf::event_based_actor* self, caf::actor pong, done_flag* done) {
  return {
      [=](start_atom, std::uint64_t n) { self->send(pong, n - 1); },
      [=](std::uint64_t n) {
        if (n == 0) {
          done->add();
        } else {
          self->send(pong, n - 1);
        }
      },
  };
}

struct ping_pair {
  caf::actor pinger;
  caf::actor ponger;
};

ping_pair spawn_ping_pair(caf::actor_system& sys, bool dedicated, done_flag* done) {
  ping_pair p;
  if (dedicated) {
    p.ponger = sys.spawn<caf::detached>(ponger);
    p.pinger = sys.spawn<caf::detached>(pinger, p.ponger, done);
  } else {
    p.ponger = sys.spawn(ponger);
    p.pinger = sys.spawn(pinger, p.ponger, done);
  }
  return p;
}

void run_ping_pong(const ping_pair& p, done_flag& done, std::uint32_t rounds, std::uint64_t n) {
  caf::anon_send(p.pinger, start_atom::value, n);
  done.wait_for(rounds + 1);
}

double ping_pong(const settings& s, bool dedicated, std::uint64_t round_trips) {
  caf_system c(s);
  done_flag done;
  const ping_pair p = spawn_ping_pair(c.sys, dedicated, &done);
  run_ping_pong(p, done, 0, round_trips / 10 + 1);  // warm-up
  const auto t0 = clock_type::now();
  run_ping_pong(p, done, 1, round_trips);
  const double elapsed = seconds_since(t0);
  stop_all({p.pinger, p.ponger});
  return elapsed;
}

// --- counting (fan-in, fan-out) ----------------------------------------------------------

struct counter_state {
  std::uint64_t seen = 0;
};

// Counts integers; after `expected` of them it bumps `done`.
caf::behavior counter(caf::stateful_actor<counter_state>* self, std::uint64_t expected, done_flag* done) {
  return {[=](std::uint64_t) {
    if (++self->state.seen == expected) done->add();
  }};
}

double fan_in(const settings& s, unsigned producers, std::uint64_t per_producer) {
  caf_system c(s);
  done_flag done;
  auto sink = c.sys.spawn(counter, per_producer * producers, &done);
  std::atomic<std::uint32_t> go{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < producers; ++t) {
    threads.emplace_back([&] {
      go.wait(0, std::memory_order_acquire);
      for (std::uint64_t i = 0; i < per_producer; ++i) caf::anon_send(sink, i);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the producers reach the gate
  const auto t0 = clock_type::now();
  go.store(1, std::memory_order_release);
  go.notify_all();
  done.wait_for(1);
  const double elapsed = seconds_since(t0);
  for (auto& t : threads) t.join();
  stop_all({sink});
  return elapsed;
}

// (start, rounds): sends `rounds` integers to every target, round by round, from one handler.
caf::behavior broadcaster(caf::event_based_actor* self, const std::vector<caf::actor>* targets) {
  return {[=](start_atom, std::uint64_t rounds) {
    for (std::uint64_t r = 0; r < rounds; ++r) {
      for (const auto& t : *targets) self->send(t, r);
    }
  }};
}

struct fan_out_rig {
  fan_out_rig(caf::actor_system& sys, std::uint32_t receivers, std::uint64_t per_receiver) : rounds(per_receiver) {
    targets.reserve(receivers);
    for (std::uint32_t i = 0; i < receivers; ++i) targets.push_back(sys.spawn(counter, per_receiver, &done));
    source = sys.spawn(broadcaster, &targets);
  }
  ~fan_out_rig() {
    stop_all(targets);
    stop_all({source});
  }
  void run() {
    const std::uint32_t before = done.value();
    caf::anon_send(source, start_atom::value, rounds);
    done.wait_for(before + static_cast<std::uint32_t>(targets.size()));
  }
  done_flag done;
  std::vector<caf::actor> targets;
  caf::actor source;
  std::uint64_t rounds;
};

double fan_out(const settings& s, std::uint32_t receivers, std::uint64_t per_receiver) {
  caf_system c(s);
  fan_out_rig rig(c.sys, receivers, per_receiver);
  const auto t0 = clock_type::now();
  rig.run();
  return seconds_since(t0);
}

// --- spawn, memory -------------------------------------------------------------------------

std::atomic<std::uint64_t> started_count{0};

// The smallest useful actor: counts its start so the driver knows it is fully up.
caf::behavior trivial(caf::event_based_actor*) {
  started_count.fetch_add(1, std::memory_order_relaxed);
  return {[](std::uint64_t) {}};
}

void wait_until(const std::function<bool()>& done) {
  while (!done()) std::this_thread::sleep_for(std::chrono::microseconds(100));
}

spawn_times spawn_stop(const settings& s, std::uint32_t n) {
  caf_system c(s);
  std::vector<caf::actor> refs(n);
  spawn_times out;
  const auto t0 = clock_type::now();
  for (auto& r : refs) r = c.sys.spawn(trivial);
  out.spawn_s = seconds_since(t0);
  stop_all(refs);
  refs.clear();
  c.sys.await_all_actors_done();
  out.spawn_stop_s = seconds_since(t0);
  return out;
}

double idle_actor_bytes(const settings& s, std::uint32_t n) {
  caf_system c(s);
  {  // warm-up: the allocator, the registry, the workers
    std::vector<caf::actor> warm(1000);
    for (auto& r : warm) r = c.sys.spawn(trivial);
    stop_all(warm);
    warm.clear();
    c.sys.await_all_actors_done();
  }
  std::vector<caf::actor> refs(n);  // touched before the first reading
  const std::uint64_t base = started_count.load();
  const long rss0 = resident_bytes();
  for (auto& r : refs) r = c.sys.spawn(trivial);
  wait_until([&] { return started_count.load() - base == n; });
  const long rss1 = resident_bytes();
  stop_all(refs);
  return static_cast<double>(rss1 - rss0) / n;
}

double idle_cpu_percent(const settings& s, double idle_s) {
  caf_system c(s);
  // The burst: ping-pong on the pool and on dedicated threads, then a fan-out. Every actor
  // stays alive (idle) through the measured period.
  done_flag pool_done, dedicated_done;
  const ping_pair on_pool = spawn_ping_pair(c.sys, false, &pool_done);
  const ping_pair on_threads = spawn_ping_pair(c.sys, true, &dedicated_done);
  run_ping_pong(on_pool, pool_done, 0, 20000);
  run_ping_pong(on_threads, dedicated_done, 0, 20000);
  fan_out_rig rig(c.sys, 100, 100);
  rig.run();
  const double cpu0 = process_cpu_seconds();
  const auto t0 = clock_type::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(idle_s));
  const double cpu = process_cpu_seconds() - cpu0;
  const double percent = 100.0 * cpu / seconds_since(t0);
  stop_all({on_pool.pinger, on_pool.ponger, on_threads.pinger, on_threads.ponger});
  return percent;
}

}  // namespace

const runtime_api& caf_api() {
  static const runtime_api api{"caf", ping_pong, fan_in, fan_out, spawn_stop, idle_actor_bytes, idle_cpu_percent};
  return api;
}

}  // namespace moeserve::bench
