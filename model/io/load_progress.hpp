#pragma once
// load_progress: a one-line progress display for loading a model's tensors.
//
// When its stream is a terminal (by default: stderr, checked with isatty), it redraws a
// single line in place, at most every redraw_interval and once more at the end:
//
//   loading model.gguf: 120/272 tensors, 45.3/98.4 MB, 210.5 MB/s
//
// (MB = 10^6 bytes.) When the stream is not a terminal (a log file, CI) it prints nothing.
// finish() (or the destructor) draws the final line and ends it with a newline.
//
// Threading: one loading thread calls add()/finish(); the object is not shared.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace moeserve::model {

class load_progress {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds redraw_interval{100};

  // Writes to stderr when it is a terminal.
  load_progress(std::string label, std::int64_t total_tensors, std::int64_t total_bytes);
  // Writes to `out` only when `enabled` (tests pass a temporary file and true).
  load_progress(std::string label, std::int64_t total_tensors, std::int64_t total_bytes, std::FILE* out, bool enabled);
  ~load_progress();

  load_progress(const load_progress&) = delete;
  load_progress& operator=(const load_progress&) = delete;

  bool enabled() const { return enabled_; }

  // Counts `tensors` more tensors of `bytes` bytes as done.
  void add(std::int64_t tensors, std::int64_t bytes);
  // Draws the final line and a newline (once; later calls do nothing).
  void finish();

  // The line's text, without the leading "\r" or the clearing escape. `seconds` is the time
  // since the start; the rate is 0 when it is not positive.
  static std::string format_line(std::string_view label, std::int64_t tensors_done, std::int64_t tensors_total,
                                 std::int64_t bytes_done, std::int64_t bytes_total, double seconds);

 private:
  void draw();

  std::string label_;
  std::int64_t total_tensors_;
  std::int64_t total_bytes_;
  std::FILE* out_;
  bool enabled_;
  bool finished_ = false;
  std::int64_t tensors_done_ = 0;
  std::int64_t bytes_done_ = 0;
  clock::time_point start_;
  clock::time_point last_draw_;
};

}  // namespace moeserve::model
