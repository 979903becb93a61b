#include "model/tokenizer/detokenizer.hpp"

namespace moeserve::model {

detokenizer::detokenizer(const token_surface_table& table, decode_options options)
    : table_(&table), options_(options) {}

void detokenizer::reset() {
  held_.clear();
  text_started_ = false;
  at_bos_ = true;
  bos_space_seen_ = false;
}

void detokenizer::append_held(std::string& out, bool final) {
  if (held_.empty()) return;
  const std::size_t before = out.size();
  const std::size_t used = utf8::append_repaired(out, held_, table_->repair(), final);
  held_.erase(0, used);
  if (out.size() != before) text_started_ = true;
}

void detokenizer::push(token_id id, std::string& out) {
  if (!table_->contains(id)) return;
  const std::uint8_t flags = table_->flags(id);
  if (table_->decoding_style() == token_surface_table::style::sentencepiece) {
    push_sentencepiece(id, flags, out);
    return;
  }
  if ((flags & token_surface_table::special) != 0 && options_.skip_special_tokens) return;
  const std::string_view s = table_->surface(id);
  if (held_.empty()) {
    // The common case: no pending bytes; copy the valid prefix straight to `out`.
    const std::size_t used = utf8::append_repaired(out, s, table_->repair(), false);
    held_.assign(s.substr(used));
    return;
  }
  held_.append(s);
  append_held(out, false);
}

// Mirrors SentencePiece's Decode (see token_surfaces.hpp): runs of byte pieces are joined and
// repaired when a non-byte piece (or the end) closes them; a leading '▁' is dropped while
// no text has been produced yet.
void detokenizer::push_sentencepiece(token_id id, std::uint8_t flags, std::string& out) {
  if ((flags & token_surface_table::byte_piece) != 0) {
    held_.append(table_->surface(id));
    append_held(out, false);
    return;
  }
  append_held(out, true);  // a non-byte piece closes the run of byte pieces
  if (bos_space_seen_ || text_started_) at_bos_ = false;
  std::string_view s = table_->surface(id);
  if ((flags & (token_surface_table::control | token_surface_table::special)) != 0) {
    // Invisible to SentencePiece; shown as its text only without skip_special_tokens.
    bos_space_seen_ = false;
    if (options_.skip_special_tokens) s = {};
  } else {
    bool seen = false;
    if (at_bos_ && table_->strip_first_space() && (flags & token_surface_table::leading_meta_space) != 0) {
      s.remove_prefix(1);
      seen = !table_->strip_all_leading_spaces();
    }
    bos_space_seen_ = seen;
  }
  if (!s.empty()) {
    out.append(s);
    text_started_ = true;
  }
}

void detokenizer::finish(std::string& out) { append_held(out, true); }

}  // namespace moeserve::model
