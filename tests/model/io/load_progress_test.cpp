#include "model/io/load_progress.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>

namespace moeserve::model {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string contents(std::FILE* f) {
  std::string s(1 << 16, '\0');
  std::fflush(f);
  std::rewind(f);
  s.resize(std::fread(s.data(), 1, s.size(), f));
  return s;
}

TEST(LoadProgress, FormatsCountsBytesAndRate) {
  EXPECT_EQ(load_progress::format_line("model.gguf", 120, 272, 45'000'000, 98'400'000, 2.0),
            "loading model.gguf: 120/272 tensors, 45.0/98.4 MB, 22.5 MB/s");
  EXPECT_EQ(load_progress::format_line("m", 0, 0, 0, 0, 0.0), "loading m: 0/0 tensors, 0.0/0.0 MB, 0.0 MB/s");
  EXPECT_EQ(load_progress::format_line("m", 1, 1, 1'250'000, 1'250'000, -1.0),
            "loading m: 1/1 tensors, 1.2/1.2 MB, 0.0 MB/s");
  EXPECT_EQ(load_progress::format_line("big", 3, 9, 12'345'678'901, 99'000'000'000, 10.0),
            "loading big: 3/9 tensors, 12345.7/99000.0 MB, 1234.6 MB/s");
}

TEST(LoadProgress, DisabledWritesNothing) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    load_progress p("m", 2, 100, f, false);
    EXPECT_FALSE(p.enabled());
    p.add(1, 50);
    p.add(1, 50);
    p.finish();
  }
  EXPECT_EQ(contents(f), "");
  std::fclose(f);
}

TEST(LoadProgress, EnabledRedrawsOneLineAndEndsIt) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    load_progress p("m", 2, 2'000'000, f, true);
    EXPECT_TRUE(p.enabled());
    std::this_thread::sleep_for(load_progress::redraw_interval + std::chrono::milliseconds(20));
    p.add(1, 1'000'000);  // past the interval: drawn
    p.add(1, 1'000'000);  // right after: normally not drawn until finish
    p.finish();
    p.finish();  // once only
  }              // the destructor does not draw again
  const std::string text = contents(f);
  EXPECT_THAT(text, StartsWith("\rloading m: 1/2 tensors, 1.0/2.0 MB, "));
  EXPECT_THAT(text, HasSubstr("\x1b[K\rloading m: 2/2 tensors, 2.0/2.0 MB, "));
  EXPECT_THAT(text, EndsWith("\x1b[K\n"));
  const auto redraws = std::count(text.begin(), text.end(), '\r');
  EXPECT_GE(redraws, 2);
  EXPECT_LE(redraws, 3);  // 3 only if this thread stalled a whole interval between the adds
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  std::fclose(f);
}

TEST(LoadProgress, DestructorFinishesTheLine) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  { load_progress p("m", 1, 10, f, true); }
  EXPECT_EQ(contents(f).back(), '\n');
  std::fclose(f);
}

TEST(LoadProgress, DefaultsToStderrOnlyWhenItIsATerminal) {
  load_progress p("m", 1, 1);
  EXPECT_EQ(p.enabled(), ::isatty(STDERR_FILENO) == 1);
  p.finish();
}

}  // namespace
}  // namespace moeserve::model
