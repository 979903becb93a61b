#include "model/tokenizer/tokenizer_json.hpp"

#include <gtest/gtest.h>

#include "model/tokenizer/bpe_tokenizer.hpp"
#include "model/tokenizer/load_tokenizer.hpp"
#include "model/tokenizer/tokenizer_error.hpp"
#include "tests/model/tokenizer/test_support.hpp"

namespace moeserve::model {
namespace {

// A minimal byte-level tokenizer.json: the bytes 'a' 'b' 'c' and 'Ġ', one merge.
std::string json_with(std::string_view model_extra, std::string_view rest, std::string_view merges = R"(["a b"])") {
  return std::string(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "Ġ": 4}, "merges": )") +
         std::string(merges) + std::string(model_extra) + "}" + std::string(rest) + "}";
}
const std::string byte_level_pre = R"(, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false})";

std::string error_of(const std::string& json) {
  try {
    parse_tokenizer_json(json, "t.json");
  } catch (const tokenizer_error& e) {
    return e.what();
  }
  return "";
}

TEST(TokenizerJson, ReadsVocabularyMergesInBothFormsAndAddedTokens) {
  const std::string rest = byte_level_pre + R"(, "added_tokens": [{"id": 5, "content": "<s>", "special": true}])";
  for (const std::string merges : {R"(["a b"])", R"([["a", "b"]])"}) {
    bpe_vocabulary v = parse_tokenizer_json(json_with("", rest, merges));
    ASSERT_EQ(v.tokens.size(), 6u);
    EXPECT_EQ(v.tokens[3], "ab");
    EXPECT_EQ(v.tokens[5], "<s>");
    ASSERT_EQ(v.merges.size(), 1u);
    EXPECT_EQ(v.merges[0].left, "a");
    EXPECT_EQ(v.merges[0].right, "b");
    ASSERT_EQ(v.added_tokens.size(), 1u);
    EXPECT_TRUE(v.added_tokens[0].special);
    EXPECT_FALSE(v.added_tokens[0].normalized);  // HF's default for special tokens
    const bpe_tokenizer tok(std::move(v));
    EXPECT_EQ(tok.encode("ab<s>c", special_tokens::parse), (std::vector<token_id>{3, 5, 2}));
  }
}

TEST(TokenizerJson, ReadsPreTokenizerSequencesAndPostProcessorBos) {
  const std::string rest = R"(, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated", "invert": false},
        {"type": "Digits", "individual_digits": false},
        {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]},
      "post_processor": {"type": "TemplateProcessing", "single": [
        {"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [5], "tokens": ["<s>"]}}},
      "added_tokens": [{"id": 5, "content": "<s>", "special": true}])";
  const bpe_vocabulary v = parse_tokenizer_json(json_with(R"(, "ignore_merges": true)", rest));
  ASSERT_EQ(v.pre_tokenizer.size(), 2u);  // ByteLevel without regex or prefix adds no step
  EXPECT_EQ(v.pre_tokenizer[0].pattern, R"(\p{N}{1,3})");
  EXPECT_EQ(v.pre_tokenizer[1].behavior, split_behavior::contiguous);
  EXPECT_TRUE(v.ignore_merges);
  EXPECT_EQ(v.special_ids.bos, 5);
  EXPECT_TRUE(v.special_ids.add_bos);
}

TEST(TokenizerJson, AcceptsNfcWithANote) {
  const bpe_vocabulary v = parse_tokenizer_json(json_with("", byte_level_pre + R"(, "normalizer": {"type": "NFC"})"));
  ASSERT_EQ(v.notes.size(), 1u);
  EXPECT_NE(v.notes[0].find("NFC"), std::string::npos);
}

TEST(TokenizerJson, RejectsWhatItCannotReproduceNamingWhere) {
  EXPECT_NE(error_of("{").find("t.json: (document): not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"model": {"type": "WordPiece", "vocab": {}}})").find("model.type"), std::string::npos);
  EXPECT_NE(error_of(json_with("", "")).find("no ByteLevel"), std::string::npos);
  EXPECT_NE(error_of(json_with("", byte_level_pre + R"(, "normalizer": {"type": "Lowercase"})")).find("normalizer"),
            std::string::npos);
  EXPECT_NE(error_of(json_with("", R"(, "pre_tokenizer": {"type": "Metaspace"})")).find("Metaspace"),
            std::string::npos);
  EXPECT_NE(error_of(json_with("", byte_level_pre, R"(["ab"])")).find("model.merges[0]"), std::string::npos);
  EXPECT_NE(error_of(json_with(R"(, "continuing_subword_prefix": "##")", byte_level_pre)).find("continuing"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"model": {"type": "BPE", "vocab": {"a": 99999999}, "merges": []})" + byte_level_pre + "}")
                .find("far beyond"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"model": {"type": "BPE", "vocab": {"a": -1}, "merges": []}})").find("out of range"),
            std::string::npos);
}

TEST(TokenizerJson, AMergeOfUnknownTokensFailsWhenTheTokenizerIsBuilt) {
  bpe_vocabulary v = parse_tokenizer_json(json_with("", byte_level_pre, R"(["a c"])"));
  try {
    bpe_tokenizer tok(std::move(v));
    FAIL() << "built";
  } catch (const tokenizer_error& e) {
    EXPECT_NE(std::string(e.what()).find("merges[0] 'a c': the merged token 'ac' is not in the vocabulary"),
              std::string::npos)
        << e.what();
  }
}

TEST(TokenizerJson, LoadTokenizerPicksTheKindByFile) {
  const std::unique_ptr<tokenizer> tok = load_tokenizer(test::fixture_dir() / "tiny_bpe.tokenizer.json");
  EXPECT_EQ(tok->token_count(), test::tiny_bpe().token_count());
  EXPECT_THROW(load_tokenizer(test::fixture_dir() / "make_tiny_bpe.py"), tokenizer_error);
  EXPECT_THROW(load_tokenizer(test::fixture_dir() / "missing.json"), tokenizer_error);
  EXPECT_THROW(load_tokenizer(test::fixture_dir()), tokenizer_error);  // no tokenizer.json there
}

}  // namespace
}  // namespace moeserve::model
