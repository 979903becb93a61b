#include "model/io/load_progress.hpp"

#include <unistd.h>

#include <utility>

namespace moeserve::model {

load_progress::load_progress(std::string label, std::int64_t total_tensors, std::int64_t total_bytes)
    : load_progress(std::move(label), total_tensors, total_bytes, stderr, ::isatty(STDERR_FILENO) == 1) {}

load_progress::load_progress(std::string label, std::int64_t total_tensors, std::int64_t total_bytes, std::FILE* out,
                             bool enabled)
    : label_(std::move(label)),
      total_tensors_(total_tensors),
      total_bytes_(total_bytes),
      out_(out),
      enabled_(enabled && out != nullptr),
      start_(clock::now()),
      last_draw_(start_) {}

load_progress::~load_progress() { finish(); }

void load_progress::add(std::int64_t tensors, std::int64_t bytes) {
  tensors_done_ += tensors;
  bytes_done_ += bytes;
  if (!enabled_ || finished_) return;
  const auto now = clock::now();
  if (now - last_draw_ >= redraw_interval) {
    last_draw_ = now;
    draw();
  }
}

void load_progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  draw();
  std::fputc('\n', out_);
  std::fflush(out_);
}

void load_progress::draw() {
  const double seconds = std::chrono::duration<double>(clock::now() - start_).count();
  const std::string line = format_line(label_, tensors_done_, total_tensors_, bytes_done_, total_bytes_, seconds);
  // carriage return, the line, then erase whatever a longer previous line left behind
  std::fprintf(out_, "\r%s\x1b[K", line.c_str());
  std::fflush(out_);
}

std::string load_progress::format_line(std::string_view label, std::int64_t tensors_done, std::int64_t tensors_total,
                                       std::int64_t bytes_done, std::int64_t bytes_total, double seconds) {
  const double mb_done = static_cast<double>(bytes_done) / 1e6;
  const double mb_total = static_cast<double>(bytes_total) / 1e6;
  const double rate = seconds > 0 ? mb_done / seconds : 0.0;
  char buf[160];
  std::snprintf(buf, sizeof buf, ": %lld/%lld tensors, %.1f/%.1f MB, %.1f MB/s", static_cast<long long>(tensors_done),
                static_cast<long long>(tensors_total), mb_done, mb_total, rate);
  return "loading " + std::string(label) + buf;
}

}  // namespace moeserve::model
