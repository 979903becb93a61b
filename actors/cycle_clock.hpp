#pragma once
// cycle_clock: the cheap timestamp behind per-actor handler time. Reading steady_clock
// twice per turn cost about 45% of a short pool hop (two vDSO calls); the x86 time-stamp
// counter costs a few nanoseconds. Ticks are turned into nanoseconds only when statistics
// are read, by a ratio measured against steady_clock since the system started. Elsewhere
// than x86 the ticks are steady_clock nanoseconds.
#include <chrono>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace moeserve::actors {

struct cycle_clock {
  static std::uint64_t now() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#else
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
#endif
  }
};

// Converts cycle_clock ticks to nanoseconds.
class cycle_calibration {
 public:
  cycle_calibration() noexcept : ticks0_(cycle_clock::now()), time0_(std::chrono::steady_clock::now()) {}

  double ns_per_tick() const noexcept {
#if defined(__x86_64__) || defined(__i386__)
    const auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - time0_).count();
    const std::uint64_t ticks = cycle_clock::now() - ticks0_;
    if (ns <= 0 || ticks == 0) return 1.0;
    return static_cast<double>(ns) / static_cast<double>(ticks);
#else
    return 1.0;
#endif
  }

  std::uint64_t to_ns(std::uint64_t ticks) const noexcept {
    return static_cast<std::uint64_t>(static_cast<double>(ticks) * ns_per_tick());
  }

 private:
  std::uint64_t ticks0_;
  std::chrono::steady_clock::time_point time0_;
};

}  // namespace moeserve::actors
