#include "model/tokenizer/tokenizer.hpp"

namespace moeserve::model {

std::vector<token_id> tokenizer::encode_segments(std::span<const text_segment> segments) const {
  std::vector<token_id> out;
  encode_segments_into(segments, out);
  return out;
}

void tokenizer::encode_into(std::string_view text, special_tokens mode, std::vector<token_id>& out) const {
  const text_segment segment{text, mode == special_tokens::parse};
  encode_segments_into(std::span<const text_segment>(&segment, 1), out);
}

std::vector<token_id> tokenizer::encode(std::string_view text, special_tokens mode) const {
  std::vector<token_id> out;
  encode_into(text, mode, out);
  return out;
}

std::string tokenizer::decode(std::span<const token_id> ids, decode_options options) const {
  detokenizer d = make_detokenizer(options);
  std::string out;
  for (const token_id id : ids) d.push(id, out);
  d.finish(out);
  return out;
}

}  // namespace moeserve::model
