#include "model/tokenizer/detokenizer.hpp"

#include <gtest/gtest.h>

#include <random>

#include "model/tokenizer/byte_level.hpp"
#include "tests/model/tokenizer/test_support.hpp"

namespace moeserve::model {
namespace {

using ids = std::vector<token_id>;

// The id of the token made of exactly these bytes in the tiny fixture.
token_id byte_token(std::string_view bytes) {
  const token_id id = test::tiny_bpe().piece_to_id(byte_level::encode(bytes));
  EXPECT_NE(id, no_token) << "no token for those bytes";
  return id;
}

const std::string fffd(utf8::replacement_character);

TEST(Detokenizer, HoldsBackASplitCharacterUntilItIsComplete) {
  detokenizer d = test::tiny_bpe().make_detokenizer();
  EXPECT_EQ(d.push(byte_token("a")), "a");
  EXPECT_EQ(d.push(byte_token("\xE4")), "");  // 中 = E4 B8 AD
  EXPECT_EQ(d.held_bytes(), 1u);
  EXPECT_EQ(d.push(byte_token("\xB8")), "");
  EXPECT_EQ(d.push(byte_token("\xAD")), "\xE4\xB8\xAD");
  EXPECT_EQ(d.held_bytes(), 0u);
  EXPECT_EQ(d.finish(), "");
}

TEST(Detokenizer, FourByteEmojiInFourTokens) {
  detokenizer d = test::tiny_bpe().make_detokenizer();
  std::string out;
  for (const char b : std::string("\xF0\x9F\x98\x80")) {
    out += d.push(byte_token(std::string(1, b)));
    EXPECT_TRUE(utf8::is_valid(out));
  }
  EXPECT_EQ(out, "\xF0\x9F\x98\x80");
}

TEST(Detokenizer, BytesThatCannotCompleteACharacterBecomeReplacementCharacters) {
  detokenizer d = test::tiny_bpe().make_detokenizer();
  EXPECT_EQ(d.push(byte_token("\xE4")), "");
  EXPECT_EQ(d.push(byte_token("x")), fffd + "x");  // E4 then 'x': E4 is ill-formed
  EXPECT_EQ(d.push(byte_token("\xF0")), "");
  EXPECT_EQ(d.push(byte_token("\x9F")), "");
  EXPECT_EQ(d.finish(), fffd);  // the stream ended inside a character
  EXPECT_EQ(d.push(byte_token("\xFF")), fffd);
}

TEST(Detokenizer, SkipsSpecialTokensUnlessAskedToKeepThem) {
  const bpe_tokenizer& tok = test::tiny_bpe();
  const token_id im_end = tok.piece_to_id("<|im_end|>");
  detokenizer skip = tok.make_detokenizer();
  EXPECT_EQ(skip.push(im_end), "");
  detokenizer keep = tok.make_detokenizer({.skip_special_tokens = false});
  EXPECT_EQ(keep.push(im_end), "<|im_end|>");
  // A skipped special token between the bytes of a character does not break it (as HF,
  // which drops special tokens before decoding).
  EXPECT_EQ(skip.push(byte_token("\xE4")), "");
  EXPECT_EQ(skip.push(im_end), "");
  EXPECT_EQ(skip.push(byte_token("\xB8")), "");
  EXPECT_EQ(skip.push(byte_token("\xAD")), "\xE4\xB8\xAD");
}

TEST(Detokenizer, IgnoresIdsOutsideTheVocabulary) {
  detokenizer d = test::tiny_bpe().make_detokenizer();
  EXPECT_EQ(d.push(-5), "");
  EXPECT_EQ(d.push(static_cast<token_id>(test::tiny_bpe().token_count())), "");
  EXPECT_EQ(test::tiny_bpe().decode(ids{-1, byte_token("a"), 1 << 30}), "a");
}

TEST(Detokenizer, StreamedPiecesAreValidAndAddUpToDecodeForRandomIds) {
  const bpe_tokenizer& tok = test::tiny_bpe();
  std::mt19937 rng(17);
  std::uniform_int_distribution<token_id> any(0, static_cast<token_id>(tok.token_count()) - 1);
  for (int round = 0; round < 300; ++round) {
    ids seq(1 + round % 60);
    for (token_id& id : seq) id = any(rng);
    for (const bool skip : {true, false}) {
      detokenizer d = tok.make_detokenizer({.skip_special_tokens = skip});
      std::string streamed;
      for (const token_id id : seq) {
        const std::string piece = d.push(id);
        ASSERT_TRUE(utf8::is_valid(piece));
        streamed += piece;
      }
      streamed += d.finish();
      ASSERT_EQ(streamed, tok.decode(seq, {.skip_special_tokens = skip}));
    }
  }
}

TEST(Detokenizer, ResetStartsANewStream) {
  detokenizer d = test::tiny_bpe().make_detokenizer();
  EXPECT_EQ(d.push(byte_token("\xE4")), "");
  d.reset();
  EXPECT_EQ(d.held_bytes(), 0u);
  EXPECT_EQ(d.push(byte_token("b")), "b");
}

}  // namespace
}  // namespace moeserve::model
