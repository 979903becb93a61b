#include "model/tokenizer/sentencepiece_model_info.hpp"

#include "model/tokenizer/tokenizer_error.hpp"

namespace moeserve::model {
namespace {

// A bounds-checked reader of protobuf wire format.
class wire_reader {
 public:
  wire_reader(std::string_view bytes, std::string_view origin, std::string_view where)
      : bytes_(bytes), origin_(origin), where_(where) {}

  bool done() const noexcept { return pos_ >= bytes_.size(); }

  [[noreturn]] void fail(const std::string& what) const {
    throw tokenizer_error(std::string(origin_) + ": " + std::string(where_) + " at byte " + std::to_string(pos_) +
                          ": " + what);
  }

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) fail("truncated varint");
      const auto b = static_cast<std::uint8_t>(bytes_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    fail("varint longer than 10 bytes");
  }

  std::string_view bytes() {
    const std::uint64_t n = varint();
    if (n > bytes_.size() - pos_) fail("a length of " + std::to_string(n) + " exceeds the bytes left");
    const std::string_view s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }

  void skip(unsigned wire_type) {
    switch (wire_type) {
      case 0:
        varint();
        break;
      case 1:
        advance(8);
        break;
      case 2:
        bytes();
        break;
      case 5:
        advance(4);
        break;
      default:
        fail("unsupported wire type " + std::to_string(wire_type));
    }
  }

 private:
  void advance(std::size_t n) {
    if (n > bytes_.size() - pos_) fail("truncated field");
    pos_ += n;
  }

  std::string_view bytes_;
  std::string_view origin_;
  std::string_view where_;
  std::size_t pos_ = 0;
};

void parse_piece(std::string_view bytes, std::string_view origin, sentencepiece_model_info& info) {
  wire_reader r(bytes, origin, "pieces[" + std::to_string(info.pieces.size()) + "]");
  std::string piece;
  auto type = sentencepiece_model_info::piece_type::normal;
  while (!r.done()) {
    const std::uint64_t tag = r.varint();
    const auto field = tag >> 3;
    const auto wire = static_cast<unsigned>(tag & 7);
    if (field == 1 && wire == 2) {
      piece = std::string(r.bytes());
    } else if (field == 3 && wire == 0) {
      const std::uint64_t t = r.varint();
      if (t < 1 || t > 6) r.fail("unknown piece type " + std::to_string(t));
      type = static_cast<sentencepiece_model_info::piece_type>(t);
    } else {
      r.skip(wire);
    }
  }
  info.pieces.push_back(std::move(piece));
  info.types.push_back(type);
}

void parse_trainer_spec(std::string_view bytes, std::string_view origin, sentencepiece_model_info& info) {
  wire_reader r(bytes, origin, "trainer_spec");
  while (!r.done()) {
    const std::uint64_t tag = r.varint();
    const auto field = tag >> 3;
    const auto wire = static_cast<unsigned>(tag & 7);
    if (field == 3 && wire == 0) {
      info.model_type = static_cast<int>(r.varint());
    } else if (field == 35 && wire == 0) {
      info.byte_fallback = r.varint() != 0;
    } else if (field == 44 && wire == 2) {
      info.unk_surface = std::string(r.bytes());
    } else {
      r.skip(wire);
    }
  }
}

void parse_normalizer_spec(std::string_view bytes, std::string_view origin, sentencepiece_model_info& info) {
  wire_reader r(bytes, origin, "normalizer_spec");
  while (!r.done()) {
    const std::uint64_t tag = r.varint();
    const auto field = tag >> 3;
    const auto wire = static_cast<unsigned>(tag & 7);
    if (field == 1 && wire == 2) {
      info.normalizer_name = std::string(r.bytes());
    } else if (field == 3 && wire == 0) {
      info.add_dummy_prefix = r.varint() != 0;
    } else if (field == 4 && wire == 0) {
      info.remove_extra_whitespaces = r.varint() != 0;
    } else {
      r.skip(wire);
    }
  }
}

// A NormalizerSpec with a non-empty precompiled_charsmap (field 2) changes text.
bool has_rules(std::string_view bytes, std::string_view origin) {
  wire_reader r(bytes, origin, "denormalizer_spec");
  bool rules = false;
  while (!r.done()) {
    const std::uint64_t tag = r.varint();
    const auto wire = static_cast<unsigned>(tag & 7);
    if ((tag >> 3) == 2 && wire == 2) {
      rules = rules || !r.bytes().empty();
    } else {
      r.skip(wire);
    }
  }
  return rules;
}

}  // namespace

sentencepiece_model_info parse_sentencepiece_model(std::string_view serialized, std::string_view origin) {
  sentencepiece_model_info info;
  wire_reader r(serialized, origin, "ModelProto");
  while (!r.done()) {
    const std::uint64_t tag = r.varint();
    const auto field = tag >> 3;
    const auto wire = static_cast<unsigned>(tag & 7);
    if (wire == 2 && (field == 1 || field == 2 || field == 3 || field == 5)) {
      const std::string_view body = r.bytes();
      if (field == 1) parse_piece(body, origin, info);
      if (field == 2) parse_trainer_spec(body, origin, info);
      if (field == 3) parse_normalizer_spec(body, origin, info);
      if (field == 5) info.has_denormalizer = has_rules(body, origin);
    } else {
      r.skip(wire);
    }
  }
  if (info.pieces.empty()) r.fail("no pieces: not a SentencePiece model");
  return info;
}

}  // namespace moeserve::model
