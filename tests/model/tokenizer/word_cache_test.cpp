#include "model/tokenizer/word_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace moeserve::model {
namespace {

TEST(WordCache, ReturnsWhatWasInsertedForTheSameBytesOnly) {
  word_cache c(64);
  const std::vector<token_id> hello{5, 6};
  c.insert("hello", hello);
  c.insert(" hello", std::vector<token_id>{7});
  const auto hit = c.find("hello");
  EXPECT_EQ(std::vector<token_id>(hit.begin(), hit.end()), hello);
  EXPECT_EQ(c.find(" hello").size(), 1u);
  EXPECT_TRUE(c.find("hell").empty());
  EXPECT_TRUE(c.find("hello!").empty());
  EXPECT_EQ(c.size(), 2u);
}

TEST(WordCache, ClearsItselfWhenFullAndKeepsWorking) {
  word_cache c(16);
  for (int i = 0; i < 100; ++i) {
    const std::string w = "word" + std::to_string(i);
    c.insert(w, std::vector<token_id>{i});
    ASSERT_EQ(c.find(w).size(), 1u);
    ASSERT_EQ(c.find(w)[0], i);
    ASSERT_LE(c.size(), 16u);
  }
  c.clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_TRUE(c.find("word99").empty());
}

TEST(WordCache, ByteLimitBoundsTheArena) {
  word_cache c(1024, 64);
  for (int i = 0; i < 20; ++i) c.insert(std::string(20, static_cast<char>('a' + i)), std::vector<token_id>{i});
  EXPECT_LE(c.size(), 3u);
  EXPECT_FALSE(c.find(std::string(20, static_cast<char>('a' + 19))).empty());
}

TEST(WordCache, HashDependsOnEveryByte) {
  EXPECT_NE(word_cache::hash("abcdefgh1"), word_cache::hash("abcdefgh2"));
  EXPECT_NE(word_cache::hash("a"), word_cache::hash(std::string_view("a\0", 2)));
}

}  // namespace
}  // namespace moeserve::model
