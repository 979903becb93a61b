#pragma once
// A hint to the processor that the thread is spinning (lowers power and lets a sibling
// hyper-thread run).
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace moeserve::actors {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace moeserve::actors
