#pragma once
// The interface between the benchmark driver (main.cpp) and the two runtimes under test:
// ours (ours_side.cpp) and CAF 0.17 (caf_side.cpp, compiled only when CAF was found).
// Each side implements the same scenarios with the same amount of work; the driver
// repeats them, takes medians and prints JSON lines.
//
// Every scenario function builds its own actor system (excluded from the timed part),
// times only the work, tears the system down and returns the timed figure. The memory and
// idle-CPU functions are meant to run in a fresh child process (the driver re-executes
// itself for them) so that one runtime's allocations and threads do not pollute the
// other's figure.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <sys/resource.h>
#include <unistd.h>

namespace moeserve::bench {

// Settings shared by every scenario.
struct settings {
  unsigned workers = 2;  // pool threads of both runtimes (CAF: scheduler.max-threads)
  // Knobs of our runtime only, to show what its defaults cost (system_config).
  bool ours_handler_timing = true;  // system_config::measure_handler_time
  int ours_spin_us = -1;            // system_config::spin in microseconds; -1 = the default
};

// Seconds spent spawning n actors, and spawning plus stopping them all.
struct spawn_times {
  double spawn_s = 0;
  double spawn_stop_s = 0;
};

struct runtime_api {
  const char* name;
  // n round trips between two actors; dedicated: each on its own thread, else both on the
  // pool. Returns seconds.
  double (*ping_pong)(const settings&, bool dedicated, std::uint64_t round_trips);
  // `producers` plain std::threads each send `per_producer` messages to one pool actor;
  // seconds until it has counted them all.
  double (*fan_in)(const settings&, unsigned producers, std::uint64_t per_producer);
  // One pool actor sends per_receiver messages to each of `receivers` pool actors;
  // seconds until every receiver has counted all of its messages.
  double (*fan_out)(const settings&, std::uint32_t receivers, std::uint64_t per_receiver);
  // Spawns n trivial pool actors from the main thread, then stops them all.
  spawn_times (*spawn_stop)(const settings&, std::uint32_t n);
  // RSS growth in bytes per idle actor after spawning n (all started). Fresh process.
  double (*idle_actor_bytes)(const settings&, std::uint32_t n);
  // Process CPU time while the system sits idle for idle_s seconds after a burst of work,
  // in percent of one core. Fresh process.
  double (*idle_cpu_percent)(const settings&, double idle_s);
};

const runtime_api& ours_api();
#if MOESERVE_BENCH_HAVE_CAF
const runtime_api& caf_api();
#endif

// --- helpers for both sides ---

// A counter that actors bump and the driver thread waits on (futex wait, no spinning, so
// the waiting thread takes no core away from the actors).
class done_flag {
 public:
  void add() noexcept {
    value_.fetch_add(1, std::memory_order_acq_rel);
    value_.notify_all();
  }
  void wait_for(std::uint32_t target) const noexcept {
    for (std::uint32_t v = value_.load(std::memory_order_acquire); v < target;
         v = value_.load(std::memory_order_acquire)) {
      value_.wait(v, std::memory_order_acquire);
    }
  }
  std::uint32_t value() const noexcept { return value_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::uint32_t> value_{0};
};

// Resident set size of this process in bytes (/proc/self/statm, second field).
inline long resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  long size = 0, resident = 0;
  const int got = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  if (got != 2) return -1;
  return resident * sysconf(_SC_PAGESIZE);
}

// User + system CPU time of this process (all threads), seconds.
inline double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

// Aborts with a message when a benchmark's own invariant breaks (a lost message, a
// failed spawn): figures from a broken run must not be printed.
[[noreturn]] inline void bench_fail(const char* what) {
  std::fprintf(stderr, "bench_actors: %s\n", what);
  std::abort();
}

}  // namespace moeserve::bench
