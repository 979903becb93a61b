// stop_matcher: stop strings over streamed text, held-back prefixes, the earliest stop.
#include "model/tokenizer/stop_matcher.hpp"

#include <gtest/gtest.h>

namespace moeserve::model {
namespace {

TEST(stop_matcher, holds_back_a_possible_start_of_a_stop_string) {
  stop_matcher m({"\n\nUser:"});
  auto r = m.push("Hello\n");
  EXPECT_EQ(r.text, "Hello");
  EXPECT_FALSE(r.stopped);
  r = m.push("\nUs");
  EXPECT_EQ(r.text, "");
  r = m.push("er: hi");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.text, "");
  EXPECT_EQ(m.push("more").text, "");
  EXPECT_EQ(m.finish(), "");
}

TEST(stop_matcher, releases_held_text_when_it_cannot_be_a_stop) {
  stop_matcher m({"STOP"});
  EXPECT_EQ(m.push("abcST").text, "abc");
  EXPECT_EQ(m.push("x").text, "STx");
  EXPECT_EQ(m.push("S").text, "");
  EXPECT_EQ(m.finish(), "S");
}

TEST(stop_matcher, earliest_of_several_stops_wins_inside_one_piece) {
  stop_matcher m({"world", "lo"});
  const auto r = m.push("hello world");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.text, "hel");
}

TEST(stop_matcher, no_stops_releases_everything_and_empty_stops_are_ignored) {
  stop_matcher m({""});
  EXPECT_EQ(m.push("abc").text, "abc");
  EXPECT_EQ(m.finish(), "");
}

}  // namespace
}  // namespace moeserve::model
