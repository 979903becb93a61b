#pragma once
// A byte-level BPE vocabulary as plain data: what bpe_tokenizer is built from.
//
// Two producers fill it: the tokenizer.json reader (tokenizer_json.hpp), and a GGUF reader
// (model/io/, which this folder does not depend on) from the GGUF's metadata:
//
//   tokenizer.ggml.model = "gpt2"            (byte-level BPE; "llama" is SentencePiece)
//   tokenizer.ggml.tokens[i]        -> tokens[i]        (byte-level spellings: "Ġthe")
//   tokenizer.ggml.token_type[i]    -> token_types[i]   (the token_type values below)
//   tokenizer.ggml.merges[r]        -> merges[r] = parse_merge(...)   (rank = index)
//   tokenizer.ggml.pre              -> apply_gguf_pre(vocabulary, pre)
//   tokenizer.ggml.bos_token_id, eos_token_id, eot_token_id, padding_token_id,
//   unknown_token_id, add_bos_token, add_eos_token -> special_ids
//
// With added_tokens left empty, bpe_tokenizer derives them from token_types: control and
// unknown tokens become special added tokens (matched in trusted text only), user-defined
// tokens non-special ones (matched in all text), as llama.cpp does.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/added_token.hpp"
#include "model/tokenizer/pre_tokenizer_config.hpp"
#include "model/tokenizer/token_types.hpp"

namespace moeserve::model {

// GGUF's token types (llama.cpp's llama_token_type), the values stored in the file.
enum class token_type : std::int32_t {
  undefined = 0,
  normal = 1,
  unknown = 2,
  control = 3,
  user_defined = 4,
  unused = 5,
  byte = 6,  // "<0x0A>": stands for one raw byte
};

// One merge rule, by the spellings of its two tokens; its rank is its index in the list.
struct bpe_merge {
  std::string left;
  std::string right;
};

// Splits a merge line "left right" at the first space after the first byte (so a left
// token may itself start with a space); nullopt if either side would be empty.
std::optional<bpe_merge> parse_merge(std::string_view line);

struct bpe_vocabulary {
  std::vector<std::string> tokens;                // spelling of each id, byte-level ("Ġthe")
  std::vector<token_type> token_types;            // empty (all normal) or one per token
  std::vector<bpe_merge> merges;                  // by rank; a pair listed twice takes its last rank
  std::vector<pre_tokenizer_step> pre_tokenizer;  // empty: the whole text is one piece
  std::vector<added_token> added_tokens;          // empty: derived from token_types (see above)
  special_token_ids special_ids;
  bool ignore_merges = false;      // a piece that is itself a token is taken whole (Llama-3)
  std::vector<std::string> notes;  // what the source asked for that we do not do
};

// Sets the pre-tokenizer and ignore_merges of a vocabulary from a GGUF's
// tokenizer.ggml.pre; false (and nothing changed) for a name we do not support.
bool apply_gguf_pre(bpe_vocabulary& vocabulary, std::string_view pre);

}  // namespace moeserve::model
