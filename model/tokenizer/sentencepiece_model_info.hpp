#pragma once
// What we read ourselves from a SentencePiece model file (a serialized
// sentencepiece.ModelProto): the parts the library's API does not expose but decoding needs.
//
// The wire format is protobuf; the fields read (numbers from sentencepiece_model.proto):
//
//   ModelProto      1 pieces (repeated SentencePiece)   2 trainer_spec   3 normalizer_spec
//                   5 denormalizer_spec
//   SentencePiece   1 piece (string)   2 score (float)   3 type (enum, default NORMAL=1)
//   TrainerSpec     3 model_type (1 unigram, 2 bpe, 3 word, 4 char)   35 byte_fallback
//                   44 unk_surface (default " ⁇ ")
//   NormalizerSpec  1 name   3 add_dummy_prefix (default true)
//                   4 remove_extra_whitespaces (default true)
//
// Every length is checked against the bytes that remain; a malformed file is a
// tokenizer_error, never a read out of bounds.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moeserve::model {

struct sentencepiece_model_info {
  enum class piece_type : std::uint8_t { normal = 1, unknown = 2, control = 3, user_defined = 4, unused = 5, byte = 6 };

  std::vector<std::string> pieces;
  std::vector<piece_type> types;
  int model_type = 1;
  bool byte_fallback = false;
  std::string unk_surface = " \xE2\x81\x87 ";  // " ⁇ "
  std::string normalizer_name;
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool has_denormalizer = false;
};

// Parses a serialized ModelProto; `origin` names it in error messages.
sentencepiece_model_info parse_sentencepiece_model(std::string_view serialized, std::string_view origin);

}  // namespace moeserve::model
