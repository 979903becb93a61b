#pragma once
// What a byte-level BPE vocabulary's pre-tokenizer does, as plain data: a list of steps,
// each applied to every piece the previous steps produced (Hugging Face's Sequence).
//
//   HF Split(pattern, behavior, invert)   -> {pattern, behavior, invert}
//   HF Digits(individual_digits)          -> {"\p{N}", isolated or contiguous}
//   HF ByteLevel(add_prefix_space, use_regex=true)
//                                         -> {gpt2_pattern, isolated, add_prefix_space}
//
// The named kinds are the pre-tokenizers of the model families we serve, spelled as in their
// tokenizer.json and as llama.cpp names them in a GGUF's tokenizer.ggml.pre:
//
//   gpt2    ByteLevel (GPT-2's regex)                                  "gpt-2", "gpt2"
//   llama3  Split(Llama-3 regex) + ByteLevel(use_regex=false)          "llama-bpe", "llama3"
//   qwen2   Split(Qwen2 regex, one digit at a time) + ByteLevel        "qwen2"
//   smollm  Digits(individual_digits) + ByteLevel (GPT-2's regex)      "smollm"
//
// SmolLM2's tokenizer.json says:
//   "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
//       {"type": "Digits", "individual_digits": true},
//       {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}]}
// so every \p{N} character is a piece of its own, and GPT-2's regex then runs on each stretch
// between them (its lookahead cannot see past a digit). HF's Digits tests Rust's
// char::is_numeric (see digit_pattern).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moeserve::model {

// HF's SplitDelimiterBehavior: what becomes of the matches ("delimiters") of a split.
enum class split_behavior {
  isolated,              // each match is a piece of its own:   "a-b" -> "a" "-" "b"
  removed,               // matches are dropped:                "a-b" -> "a" "b"
  merged_with_previous,  // a match ends the piece before it:   "a-b" -> "a-" "b"
  merged_with_next,      // a match starts the piece after it:  "a-b" -> "a" "-b"
  contiguous,            // adjacent matches form one piece:    "a--b" -> "a" "--" "b"
};

struct pre_tokenizer_step {
  std::string pattern;  // regex (Oniguruma syntax, see regex_pattern.hpp); empty: no split
  split_behavior behavior = split_behavior::isolated;
  bool invert = false;            // the non-matching stretches are the delimiters
  bool add_prefix_space = false;  // first prepend ' ' to a piece that does not start with one
};

enum class pre_tokenizer_kind { gpt2, llama3, qwen2, smollm };

// GPT-2's regex, which HF's ByteLevel(use_regex=true) applies.
inline constexpr std::string_view gpt2_pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
inline constexpr std::string_view llama3_pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
inline constexpr std::string_view qwen2_pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// HF's Digits: Rust's char::is_numeric, the general categories Nd, Nl and No of Rust's
// Unicode (17 for tokenizers 0.23.3): \p{N} as regex_pattern extends it (Unicode 16) and the
// digits Unicode 17 added (found by running HF's Digits over every code point).
inline constexpr std::string_view digit_pattern = R"([\p{N}\x{11DE0}-\x{11DE9}\x{16FF4}-\x{16FF6}])";

std::vector<pre_tokenizer_step> pre_tokenizer_steps(pre_tokenizer_kind kind);

std::string_view to_string(pre_tokenizer_kind kind) noexcept;

// The kind named by a GGUF's tokenizer.ggml.pre; nullopt for a name we do not support.
std::optional<pre_tokenizer_kind> pre_tokenizer_kind_from_gguf(std::string_view name) noexcept;

// Whether the family's BPE takes a whole pre-token that is in the vocabulary as it is,
// without merging (HF's BPE ignore_merges; true for Llama-3).
bool ignores_merges(pre_tokenizer_kind kind) noexcept;

}  // namespace moeserve::model
