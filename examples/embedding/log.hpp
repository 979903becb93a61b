#pragma once
// One line (or block) to stdout at a time, flushed at once: the io threads, the pool's
// threads and main all print.
#include <cstdio>
#include <mutex>
#include <string_view>

namespace moeserve::examples::embedding {

inline void log_line(std::string_view text) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace moeserve::examples::embedding
