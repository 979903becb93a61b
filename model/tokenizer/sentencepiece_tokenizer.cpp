#include "model/tokenizer/sentencepiece_tokenizer.hpp"

#include <sentencepiece_processor.h>

#include <fstream>
#include <sstream>

#include "model/tokenizer/prompt_text.hpp"
#include "model/tokenizer/tokenizer_error.hpp"

namespace moeserve::model {
namespace {

constexpr std::string_view meta_space = "\xE2\x96\x81";  // U+2581 '▁'

std::string replace_meta_spaces(std::string_view piece) {
  std::string out;
  out.reserve(piece.size());
  std::size_t pos = 0;
  while (pos < piece.size()) {
    const std::size_t hit = piece.find(meta_space, pos);
    if (hit == std::string_view::npos) {
      out.append(piece.substr(pos));
      break;
    }
    out.append(piece.substr(pos, hit - pos));
    out += ' ';
    pos = hit + meta_space.size();
  }
  return out;
}

token_id or_default(token_id override_id, int model_id) { return override_id != no_token ? override_id : model_id; }

}  // namespace

sentencepiece_tokenizer::sentencepiece_tokenizer(std::string serialized_model, std::string_view origin, options opts)
    : processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  info_ = parse_sentencepiece_model(serialized_model, origin);
  if (opts.add_dummy_prefix && *opts.add_dummy_prefix != info_.add_dummy_prefix) {
    // A second ModelProto.normalizer_spec (field 3) with only add_dummy_prefix (field 3): the
    // parser merges it into the first, as protobuf does with repeated message fields.
    serialized_model += std::string_view("\x1A\x02\x18", 3);
    serialized_model += *opts.add_dummy_prefix ? '\x01' : '\x00';
    info_.add_dummy_prefix = *opts.add_dummy_prefix;
  }
  const auto status = processor_->LoadFromSerializedProto(serialized_model);
  if (!status.ok()) throw tokenizer_error(std::string(origin) + ": SentencePiece: " + status.ToString());
  const auto count = static_cast<std::size_t>(processor_->GetPieceSize());
  if (count != info_.pieces.size()) {
    throw tokenizer_error(std::string(origin) + ": SentencePiece reports " + std::to_string(count) +
                          " pieces, the file " + std::to_string(info_.pieces.size()));
  }
  if (info_.has_denormalizer) notes_.push_back("the model's denormalizer is not applied when decoding");

  // The model's own pieces, then the extra tokens (past the pieces, holes filled with
  // invisible unused ids, or overriding a piece).
  std::vector<std::string> surface;
  std::vector<std::uint8_t> flags;
  std::vector<added_token> added;
  using type = sentencepiece_model_info::piece_type;
  for (std::size_t id = 0; id < count; ++id) {
    const std::string& piece = info_.pieces[id];
    const type t = info_.types[id];
    pieces_.push_back(piece);
    if (t == type::control) {
      surface.push_back(piece);
      flags.push_back(token_surface_table::control | token_surface_table::special);
      added.push_back({static_cast<token_id>(id), piece, true});
    } else if (t == type::unknown) {
      surface.push_back(info_.unk_surface);
      flags.push_back(0);
      added.push_back({static_cast<token_id>(id), piece, true});
    } else if (t == type::byte && piece.size() == 6 && piece.starts_with("<0x") && piece.back() == '>') {
      surface.emplace_back(1, static_cast<char>(std::stoi(piece.substr(3, 2), nullptr, 16)));
      flags.push_back(token_surface_table::byte_piece);
    } else {
      surface.push_back(replace_meta_spaces(piece));
      flags.push_back(piece.starts_with(meta_space) ? token_surface_table::leading_meta_space : 0);
    }
  }
  for (const added_token& extra : opts.extra_tokens) {
    if (extra.id < 0) throw tokenizer_error(std::string(origin) + ": extra token '" + extra.content + "' has no id");
    const auto id = static_cast<std::size_t>(extra.id);
    if (id >= pieces_.size()) {
      pieces_.resize(id + 1);
      surface.resize(id + 1);
      flags.resize(id + 1, token_surface_table::control);
    }
    if (id >= count) {
      pieces_[id] = extra.content;
      surface[id] = extra.content;
      flags[id] = extra.special ? token_surface_table::special : 0;
    } else if (extra.special) {
      flags[id] |= token_surface_table::special;
    }
    std::erase_if(added, [&](const added_token& a) { return a.id == extra.id; });
    added.push_back(extra);
  }
  for (std::size_t id = 0; id < pieces_.size(); ++id) surfaces_.add(surface[id], flags[id]);
  surfaces_.set_leading_space_rules(info_.add_dummy_prefix || info_.remove_extra_whitespaces,
                                    info_.remove_extra_whitespaces);
  splitter_ = added_token_splitter(std::move(added));

  piece_ids_.reserve(pieces_.size());
  for (std::size_t id = 0; id < pieces_.size(); ++id) {
    if (!pieces_[id].empty()) piece_ids_.emplace(pieces_[id], static_cast<token_id>(id));
  }

  special_ids_.bos = or_default(opts.special_ids.bos, processor_->bos_id());
  special_ids_.eos = or_default(opts.special_ids.eos, processor_->eos_id());
  special_ids_.pad = or_default(opts.special_ids.pad, processor_->pad_id());
  special_ids_.unk = or_default(opts.special_ids.unk, processor_->unk_id());
  special_ids_.eot = opts.special_ids.eot;
  special_ids_.add_bos = opts.special_ids.add_bos;
  special_ids_.add_eos = opts.special_ids.add_eos;

  keep_leading_space_ = opts.keep_leading_space;
  if (keep_leading_space_) {
    const int unk = processor_->unk_id();
    unk_text_ = unk >= 0 ? processor_->IdToPiece(unk) : std::string("<unk>");
    std::vector<int> ids;
    if (!processor_->Encode(unk_text_, &ids).ok()) throw tokenizer_error(std::string(origin) + ": cannot encode unk");
    unk_text_length_ = ids.size();
  }
}

sentencepiece_tokenizer::sentencepiece_tokenizer(std::string serialized_model)
    : sentencepiece_tokenizer(std::move(serialized_model), "tokenizer.model", options{}) {}

sentencepiece_tokenizer::~sentencepiece_tokenizer() = default;

std::unique_ptr<sentencepiece_tokenizer> sentencepiece_tokenizer::load(const std::filesystem::path& path) {
  return load(path, options{});
}

std::unique_ptr<sentencepiece_tokenizer> sentencepiece_tokenizer::load(const std::filesystem::path& path,
                                                                       options opts) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw tokenizer_error(path.string() + ": cannot open");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in && !in.eof()) throw tokenizer_error(path.string() + ": read error");
  return std::make_unique<sentencepiece_tokenizer>(std::move(bytes).str(), path.string(), std::move(opts));
}

std::string_view sentencepiece_tokenizer::token_piece(token_id id) const noexcept {
  if (id < 0 || static_cast<std::size_t>(id) >= pieces_.size()) return {};
  return pieces_[id];
}

token_id sentencepiece_tokenizer::piece_to_id(std::string_view piece) const noexcept {
  const auto it = piece_ids_.find(piece);
  return it == piece_ids_.end() ? no_token : it->second;
}

void sentencepiece_tokenizer::encode_plain(std::string_view text, std::vector<token_id>& out) const {
  if (text.empty()) return;
  std::vector<int> ids;
  if (keep_leading_space_ && (text.front() == ' ' || text.starts_with(meta_space))) {
    // transformers' non-legacy trick: "<unk> Hey" -> '<' 'unk' '>' '▁Hey'; drop the first three.
    const auto status = processor_->Encode(unk_text_ + std::string(text), &ids);
    if (!status.ok()) throw tokenizer_error("SentencePiece: " + status.ToString());
    const std::size_t drop = ids.size() >= unk_text_length_ ? unk_text_length_ : 0;
    out.insert(out.end(), ids.begin() + static_cast<std::ptrdiff_t>(drop), ids.end());
    return;
  }
  const auto status = processor_->Encode(text, &ids);
  if (!status.ok()) throw tokenizer_error("SentencePiece: " + status.ToString());
  out.insert(out.end(), ids.begin(), ids.end());
}

void sentencepiece_tokenizer::encode_segments_into(std::span<const text_segment> segments,
                                                   std::vector<token_id>& out) const {
  const prompt_text prompt(segments);
  const std::string_view text = prompt.text();
  std::vector<text_span> spans;
  splitter_.split(text, prompt.trusted(), spans);
  for (const text_span& s : spans) {
    if (s.id != no_token) {
      out.push_back(s.id);
    } else {
      encode_plain(text.substr(s.begin, s.end - s.begin), out);
    }
  }
}

}  // namespace moeserve::model
