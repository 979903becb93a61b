#pragma once
// Helpers shared by the tokenizer tests: fixture paths, the tiny byte-level BPE fixture
// (tests/fixtures/tokenizer/, made with Hugging Face tokenizers by make_tiny_bpe.py), and
// random text.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/tokenizer/bpe_tokenizer.hpp"
#include "model/tokenizer/tokenizer_json.hpp"
#include "model/tokenizer/utf8.hpp"

namespace moeserve::model::test {

inline std::filesystem::path fixture_dir() { return MOESERVE_TOKENIZER_FIXTURES; }

// The tiny BPE fixture, built once per process.
inline const bpe_tokenizer& tiny_bpe() {
  static const std::unique_ptr<bpe_tokenizer> tok =
      std::make_unique<bpe_tokenizer>(read_tokenizer_json(fixture_dir() / "tiny_bpe.tokenizer.json"));
  return *tok;
}

// Random valid UTF-8: ASCII (letters, digits, punctuation, whitespace runs), Latin-1, CJK,
// emoji and other planes, never surrogates.
inline std::string random_utf8(std::mt19937& rng, std::size_t chars) {
  std::string out;
  std::uniform_int_distribution<int> kind(0, 9);
  for (std::size_t i = 0; i < chars; ++i) {
    char32_t cp = 0;
    switch (kind(rng)) {
      case 0:
      case 1:
      case 2:
        cp = std::uniform_int_distribution<char32_t>(0x20, 0x7E)(rng);
        break;
      case 3:
        cp = U" \t\n\r"[std::uniform_int_distribution<int>(0, 3)(rng)];
        break;
      case 4:
        cp = std::uniform_int_distribution<char32_t>(0xA0, 0x7FF)(rng);
        break;
      case 5:
        cp = std::uniform_int_distribution<char32_t>(0x4E00, 0x9FFF)(rng);
        break;
      case 6:
        cp = std::uniform_int_distribution<char32_t>(0x1F300, 0x1F6FF)(rng);
        break;
      case 7:
        cp = std::uniform_int_distribution<char32_t>(0x800, 0xD7FF)(rng);
        break;
      case 8:
        cp = std::uniform_int_distribution<char32_t>(0xE000, 0xFFFD)(rng);
        break;
      default:
        cp = std::uniform_int_distribution<char32_t>(0x10000, 0x10FFFF)(rng);
        break;
    }
    utf8::append_code_point(out, cp);
  }
  return out;
}

// Random bytes, mostly invalid UTF-8.
inline std::string random_bytes(std::mt19937& rng, std::size_t n) {
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
  return out;
}

}  // namespace moeserve::model::test
