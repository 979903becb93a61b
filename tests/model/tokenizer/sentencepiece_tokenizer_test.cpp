#include "model/tokenizer/sentencepiece_tokenizer.hpp"

#include <gtest/gtest.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "model/tokenizer/load_tokenizer.hpp"
#include "model/tokenizer/tokenizer_error.hpp"
#include "tests/model/tokenizer/test_support.hpp"

namespace moeserve::model {
namespace {

using ids = std::vector<token_id>;
namespace fs = std::filesystem;

// Two tiny models trained once per run with the SentencePiece library (no fixture files):
//   bpe      BPE, byte fallback, identity normalization, whitespace kept (round-trips text)
//   unigram  unigram, the default nmt_nfkc normalization and extra-whitespace removal
class SentencePieceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("moeserve-spm-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    const fs::path text = *dir_ / "train.txt";
    {
      std::ofstream out(text);
      // Words of random syllables (enough distinct pairs for a few hundred merges), some
      // fixed words, CJK, and double spaces.
      std::mt19937 rng(1);
      const char* syllables[] = {"ka", "to", "ri", "se", "mon", "the", "ing",
                                 "al", "er", "qu", "zo", "pla", "st",  "ne"};
      const char* words[] = {"hello", "world", "token", "piece", "数字", "测试", "中文", "模型", "x=1;", "don't"};
      for (int line = 0; line < 4000; ++line) {
        for (int w = 0; w < 10; ++w) {
          if (rng() % 3 == 0) {
            out << words[rng() % std::size(words)];
          } else {
            for (unsigned k = 0, n = 1 + rng() % 3; k < n; ++k) out << syllables[rng() % std::size(syllables)];
          }
          out << (rng() % 7 == 0 ? "  " : " ");
        }
        out << "\n";
      }
    }
    const std::string common = "--input=" + text.string() +
                               " --minloglevel=2 --num_threads=1 --hard_vocab_limit=false"
                               " --control_symbols=<|im_start|>,<|im_end|> --user_defined_symbols=[tool]";
    train(common +
          " --model_type=bpe --vocab_size=700 --byte_fallback=true --normalization_rule_name=identity"
          " --remove_extra_whitespaces=false --model_prefix=" +
          (*dir_ / "bpe").string());
    train(common +
          " --model_type=unigram --vocab_size=300 --unk_surface=<?> --model_prefix=" + (*dir_ / "unigram").string());
    bpe_ = sentencepiece_tokenizer::load(*dir_ / "bpe.model").release();
    unigram_ = sentencepiece_tokenizer::load(*dir_ / "unigram.model").release();
  }
  static void TearDownTestSuite() {
    delete bpe_;
    delete unigram_;
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
  }
  static void train(const std::string& args) {
    const auto status = sentencepiece::SentencePieceTrainer::Train(args);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  static ids library_encode(const sentencepiece_tokenizer& t, std::string_view text) {
    return t.processor().EncodeAsIds(text);
  }
  static std::string library_decode(const sentencepiece_tokenizer& t, const ids& seq) {
    return t.processor().DecodeIds(seq);
  }

  static fs::path* dir_;
  static sentencepiece_tokenizer* bpe_;
  static sentencepiece_tokenizer* unigram_;
};

fs::path* SentencePieceTest::dir_ = nullptr;
sentencepiece_tokenizer* SentencePieceTest::bpe_ = nullptr;
sentencepiece_tokenizer* SentencePieceTest::unigram_ = nullptr;

TEST_F(SentencePieceTest, ReadsTheModelsTypesAndNormalizerFlags) {
  const sentencepiece_model_info& b = bpe_->model_info();
  EXPECT_EQ(b.model_type, 2);
  EXPECT_TRUE(b.byte_fallback);
  EXPECT_TRUE(b.add_dummy_prefix);
  EXPECT_FALSE(b.remove_extra_whitespaces);
  EXPECT_EQ(b.normalizer_name, "identity");
  const sentencepiece_model_info& u = unigram_->model_info();
  EXPECT_EQ(u.model_type, 1);
  EXPECT_TRUE(u.remove_extra_whitespaces);
  EXPECT_EQ(u.unk_surface, "<?>");
  for (const sentencepiece_tokenizer* t : {bpe_, unigram_}) {
    ASSERT_EQ(t->model_info().pieces.size(), t->token_count());
    for (token_id id = 0; id < static_cast<token_id>(t->token_count()); ++id) {
      const auto type = t->model_info().types[id];
      EXPECT_EQ(type == sentencepiece_model_info::piece_type::control, t->processor().IsControl(id)) << id;
      EXPECT_EQ(type == sentencepiece_model_info::piece_type::byte, t->processor().IsByte(id)) << id;
      EXPECT_EQ(t->token_piece(id), t->processor().IdToPiece(id));
      EXPECT_EQ(t->piece_to_id(t->token_piece(id)), id);
    }
  }
}

TEST_F(SentencePieceTest, PlainTextEncodesAsTheLibraryEncodes) {
  std::mt19937 rng(2);
  for (const sentencepiece_tokenizer* t : {bpe_, unigram_}) {
    for (int i = 0; i < 100; ++i) {
      const std::string text = test::random_utf8(rng, 1 + i % 40) + " hello world 数字 [tool]";
      ASSERT_EQ(t->encode(text, special_tokens::as_text), library_encode(*t, text)) << text;
    }
  }
}

TEST_F(SentencePieceTest, ControlTokensOnlyFromTrustedText) {
  const sentencepiece_tokenizer& t = *bpe_;
  const token_id im_start = t.piece_to_id("<|im_start|>");
  const token_id im_end = t.piece_to_id("<|im_end|>");
  ASSERT_NE(im_start, no_token);
  EXPECT_TRUE(t.is_special(im_start));
  const std::string text = "<|im_start|>hello<|im_end|>";
  ids expected{im_start};
  for (const token_id id : library_encode(t, "hello")) expected.push_back(id);
  expected.push_back(im_end);
  EXPECT_EQ(t.encode(text, special_tokens::parse), expected);
  const ids plain = t.encode(text, special_tokens::as_text);
  EXPECT_EQ(plain, library_encode(t, text));
  for (const token_id id : plain) EXPECT_FALSE(t.is_special(id));
  EXPECT_EQ(t.decode(plain), text);
  // User-defined pieces are SentencePiece's own business, in all text.
  const token_id tool = t.piece_to_id("[tool]");
  const ids with_tool = t.encode("a[tool]b", special_tokens::as_text);
  EXPECT_NE(std::find(with_tool.begin(), with_tool.end(), tool), with_tool.end());
  // Segments: the template's control tokens, the user's text as text.
  const std::vector<text_segment> segments{{"<|im_start|>", true}, {"<|im_end|>", false}, {"<|im_end|>", true}};
  const ids seg = t.encode_segments(segments);
  EXPECT_EQ(seg.front(), im_start);
  EXPECT_EQ(seg.back(), im_end);
  EXPECT_EQ(std::count(seg.begin(), seg.end(), im_end), 1);
}

TEST_F(SentencePieceTest, ByteFallbackRoundTripsAnyText) {
  std::mt19937 rng(3);
  for (int i = 0; i < 200; ++i) {
    const std::string text = test::random_utf8(rng, 1 + i % 50);
    const ids seq = bpe_->encode(text, special_tokens::as_text);
    ASSERT_EQ(bpe_->decode(seq), text);
    ASSERT_EQ(bpe_->decode(seq), library_decode(*bpe_, seq));
  }
  EXPECT_EQ(bpe_->encode("", special_tokens::parse), ids{});
}

TEST_F(SentencePieceTest, DetokenizerHoldsBackSplitCharactersOfBytePieces) {
  const ids seq = bpe_->encode("\xF0\x9F\x98\x80", special_tokens::as_text);  // 😀: no piece, four bytes
  ASSERT_GE(seq.size(), 4u);
  detokenizer d = bpe_->make_detokenizer();
  std::string out;
  for (std::size_t i = 0; i < seq.size(); ++i) {
    const std::string piece = d.push(seq[i]);
    EXPECT_TRUE(utf8::is_valid(piece));
    if (i + 1 < seq.size()) {
      EXPECT_EQ(piece.find("\xF0"), std::string::npos);
    }
    out += piece;
  }
  out += d.finish();
  EXPECT_EQ(out, "\xF0\x9F\x98\x80");
}

TEST_F(SentencePieceTest, DecodeAndStreamMatchTheLibraryOnRandomIds) {
  std::mt19937 rng(4);
  for (const sentencepiece_tokenizer* t : {bpe_, unigram_}) {
    std::uniform_int_distribution<token_id> any(0, static_cast<token_id>(t->token_count()) - 1);
    for (int round = 0; round < 1000; ++round) {
      ids seq(1 + round % 12);
      for (token_id& id : seq) id = any(rng);
      const std::string expected = library_decode(*t, seq);
      ASSERT_EQ(t->decode(seq), expected) << ::testing::PrintToString(seq);
      detokenizer d = t->make_detokenizer();
      std::string streamed;
      for (const token_id id : seq) {
        const std::string piece = d.push(id);
        ASSERT_TRUE(utf8::is_valid(piece));
        streamed += piece;
      }
      streamed += d.finish();
      ASSERT_EQ(streamed, expected) << ::testing::PrintToString(seq);
    }
  }
}

TEST_F(SentencePieceTest, LeadingSpaceAndByteRunRulesMatchTheLibrary) {
  // Every sequence of up to four of: bos, "▁", a "▁word" piece, a plain piece, the bytes of
  // "中" (E4 B8 AD) and a stray continuation byte; the edge cases of SentencePiece's Decode.
  for (const sentencepiece_tokenizer* t : {bpe_, unigram_}) {
    std::vector<token_id> alphabet{t->special_ids().bos, t->piece_to_id("\xE2\x96\x81")};
    token_id word = no_token;   // a "▁word" piece
    token_id plain = no_token;  // a piece without '▁'
    using type = sentencepiece_model_info::piece_type;
    for (token_id id = 0; id < static_cast<token_id>(t->token_count()); ++id) {
      const std::string_view p = t->token_piece(id);
      if (t->model_info().types[id] != type::normal || p.size() < 2) continue;
      if (word == no_token && p.size() > 3 && p.starts_with("\xE2\x96\x81")) word = id;
      if (plain == no_token && !p.starts_with("\xE2\x96\x81")) plain = id;
    }
    alphabet.push_back(word);
    alphabet.push_back(plain);
    for (const char* b : {"<0xE4>", "<0xB8>", "<0xAD>", "<0x80>"}) {
      if (t->piece_to_id(b) != no_token) alphabet.push_back(t->piece_to_id(b));
    }
    std::erase(alphabet, no_token);
    ASSERT_GE(alphabet.size(), 4u);
    const std::size_t k = alphabet.size();
    for (std::size_t len = 1; len <= 4; ++len) {
      std::size_t combos = 1;
      for (std::size_t i = 0; i < len; ++i) combos *= k;
      for (std::size_t c = 0; c < combos; ++c) {
        ids seq;
        for (std::size_t i = 0, v = c; i < len; ++i, v /= k) seq.push_back(alphabet[v % k]);
        ASSERT_EQ(t->decode(seq), library_decode(*t, seq)) << ::testing::PrintToString(seq);
      }
    }
  }
}

TEST_F(SentencePieceTest, ExtraTokensExtendTheVocabulary) {
  sentencepiece_tokenizer::options opts;
  const auto n = static_cast<token_id>(bpe_->token_count());
  opts.extra_tokens = {{n + 1, "<|end_of_sentence|>", true}, {n + 2, "<think>", false}};
  opts.special_ids.eos = n + 1;
  const auto t = sentencepiece_tokenizer::load(*dir_ / "bpe.model", opts);
  EXPECT_EQ(t->token_count(), bpe_->token_count() + 3);
  EXPECT_EQ(t->special_ids().eos, n + 1);
  EXPECT_EQ(t->special_ids().bos, bpe_->processor().bos_id());
  const ids seq = t->encode("hi<|end_of_sentence|><think>", special_tokens::parse);
  ASSERT_GE(seq.size(), 3u);
  EXPECT_EQ(seq[seq.size() - 2], n + 1);
  EXPECT_EQ(seq.back(), n + 2);
  EXPECT_EQ(t->decode(seq), "hi<think>");
  EXPECT_EQ(t->decode(seq, {.skip_special_tokens = false}), "hi<|end_of_sentence|><think>");
  EXPECT_EQ(t->decode(ids{n}), "");  // the hole between the pieces and the extra tokens
  EXPECT_EQ(t->piece_to_id("<think>"), n + 2);
}

TEST_F(SentencePieceTest, NonLegacyOptionsDropTheDummyPrefixAndKeepLeadingSpaces) {
  // transformers' Ernie4_5Tokenizer: add_dummy_prefix off, leading spaces kept.
  sentencepiece_tokenizer::options opts;
  opts.add_dummy_prefix = false;
  const auto plain = sentencepiece_tokenizer::load(*dir_ / "unigram.model", opts);
  EXPECT_FALSE(plain->model_info().add_dummy_prefix);
  const ids hello = plain->encode("hello world", special_tokens::as_text);
  ASSERT_FALSE(hello.empty());
  EXPECT_FALSE(plain->token_piece(hello.front()).starts_with("\xE2\x96\x81"));  // no '▁' before "hello"
  EXPECT_TRUE(unigram_->token_piece(unigram_->encode("hello world", special_tokens::as_text).front())
                  .starts_with("\xE2\x96\x81"));
  EXPECT_EQ(plain->decode(hello), "hello world");
  // Without keep_leading_space the normalizer strips a leading space; with it, it stays.
  EXPECT_EQ(plain->encode(" hello", special_tokens::as_text), plain->encode("hello", special_tokens::as_text));
  opts.keep_leading_space = true;
  const auto keep = sentencepiece_tokenizer::load(*dir_ / "unigram.model", opts);
  const ids spaced = keep->encode(" hello", special_tokens::as_text);
  ASSERT_FALSE(spaced.empty());
  EXPECT_TRUE(keep->token_piece(spaced.front()).starts_with("\xE2\x96\x81"));
  ids expected = keep->processor().EncodeAsIds("<unk> hello");
  expected.erase(expected.begin(),
                 expected.begin() + static_cast<std::ptrdiff_t>(keep->processor().EncodeAsIds("<unk>").size()));
  EXPECT_EQ(spaced, expected);
  EXPECT_EQ(keep->encode("hello", special_tokens::as_text), plain->encode("hello", special_tokens::as_text));
}

TEST_F(SentencePieceTest, LoadTokenizerOpensAModelFile) {
  const auto t = load_tokenizer(*dir_ / "unigram.model");
  EXPECT_EQ(t->token_count(), unigram_->token_count());
  EXPECT_EQ(t->encode("hello world", special_tokens::as_text), library_encode(*unigram_, "hello world"));
  // A model directory whose tokenizer.json is no byte-level BPE: its tokenizer.model.
  const fs::path model_dir = *dir_ / "model-dir";
  fs::create_directories(model_dir);
  fs::copy_file(*dir_ / "bpe.model", model_dir / "tokenizer.model", fs::copy_options::overwrite_existing);
  std::ofstream(model_dir / "tokenizer.json")
      << R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Metaspace"}})";
  EXPECT_EQ(load_tokenizer(model_dir)->token_count(), bpe_->token_count());
  fs::remove(model_dir / "tokenizer.model");
  EXPECT_THROW(load_tokenizer(model_dir), tokenizer_error);
}

TEST_F(SentencePieceTest, RejectsMalformedModels) {
  std::ifstream in(*dir_ / "bpe.model", std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string model = bytes.str();
  EXPECT_THROW(sentencepiece_tokenizer(model.substr(0, model.size() / 2)), tokenizer_error);
  EXPECT_THROW(sentencepiece_tokenizer(std::string("\x0A\xFF\xFF\xFF\xFF\x0F", 6)), tokenizer_error);
  EXPECT_THROW(sentencepiece_tokenizer(std::string("not a model")), tokenizer_error);
  EXPECT_THROW(sentencepiece_tokenizer(std::string()), tokenizer_error);
  EXPECT_THROW(sentencepiece_tokenizer::load(*dir_ / "missing.model"), tokenizer_error);
}

}  // namespace
}  // namespace moeserve::model
