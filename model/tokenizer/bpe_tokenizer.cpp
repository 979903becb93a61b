#include "model/tokenizer/bpe_tokenizer.hpp"

#include <atomic>
#include <limits>
#include <memory>
#include <optional>

#include "model/tokenizer/bpe_word_merger.hpp"
#include "model/tokenizer/byte_level.hpp"
#include "model/tokenizer/prompt_text.hpp"
#include "model/tokenizer/tokenizer_error.hpp"
#include "model/tokenizer/word_cache.hpp"

namespace moeserve::model {

// Scratch of one thread for one tokenizer: the word cache, the merger's buffers, symbols.
struct bpe_thread_state {
  explicit bpe_thread_state(std::size_t cache_entries) : cache(cache_entries) {}
  std::uint64_t owner = 0;
  word_cache cache;
  bpe_word_merger merger;
  std::vector<token_id> symbols;
};

namespace {

std::atomic<std::uint64_t> next_instance{1};

std::string quoted(std::string_view s) {
  std::string out = "'";
  out.append(s.substr(0, 80));
  if (s.size() > 80) out += "...";
  out += "'";
  return out;
}

// "<0x0A>" -> 0x0A (the spelling of a byte token).
std::optional<std::uint8_t> byte_token_value(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return std::nullopt;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int hi = hex(piece[3]);
  const int lo = hex(piece[4]);
  if (hi < 0 || lo < 0) return std::nullopt;
  return static_cast<std::uint8_t>(hi * 16 + lo);
}

void check_special(token_id& id, std::size_t count, const char* name, std::vector<std::string>& notes) {
  if (id == no_token || (id >= 0 && static_cast<std::size_t>(id) < count)) return;
  notes.push_back(std::string("special id ") + name + " = " + std::to_string(id) + " is out of range; ignored");
  id = no_token;
}

}  // namespace

bpe_tokenizer::bpe_tokenizer(bpe_vocabulary vocabulary, options opts)
    : pre_tokenizer_(vocabulary.pre_tokenizer),
      special_ids_(vocabulary.special_ids),
      ignore_merges_(vocabulary.ignore_merges),
      options_(opts),
      instance_(next_instance.fetch_add(1, std::memory_order_relaxed)),
      notes_(std::move(vocabulary.notes)) {
  std::vector<std::string>& tokens = vocabulary.tokens;
  const std::vector<token_type>& types = vocabulary.token_types;
  if (tokens.empty()) throw tokenizer_error("byte-level BPE: the vocabulary is empty");
  if (tokens.size() > static_cast<std::size_t>(std::numeric_limits<token_id>::max())) {
    throw tokenizer_error("byte-level BPE: " + std::to_string(tokens.size()) + " tokens are too many");
  }
  if (!types.empty() && types.size() != tokens.size()) {
    throw tokenizer_error("byte-level BPE: " + std::to_string(types.size()) + " token types for " +
                          std::to_string(tokens.size()) + " tokens");
  }
  const std::size_t n = tokens.size();
  auto type_of = [&](std::size_t id) { return types.empty() ? token_type::normal : types[id]; };

  piece_ids_.reserve(n);
  for (std::size_t id = 0; id < n; ++id) {
    if (!tokens[id].empty()) piece_ids_.emplace(tokens[id], static_cast<token_id>(id));  // first wins
  }

  for (unsigned b = 0; b < 256; ++b) {
    std::string spelling;
    utf8::append_code_point(spelling, byte_level::byte_to_code_point(static_cast<std::uint8_t>(b)));
    const auto it = piece_ids_.find(spelling);
    byte_ids_[b] = it == piece_ids_.end() ? no_token : it->second;
  }

  merges_.reserve(vocabulary.merges.size());
  std::string joined;
  for (std::size_t rank = 0; rank < vocabulary.merges.size(); ++rank) {
    const bpe_merge& m = vocabulary.merges[rank];
    auto where = [&] { return "merges[" + std::to_string(rank) + "] " + quoted(m.left + " " + m.right) + ": "; };
    const auto left = piece_ids_.find(m.left);
    const auto right = piece_ids_.find(m.right);
    if (left == piece_ids_.end()) throw tokenizer_error(where() + quoted(m.left) + " is not in the vocabulary");
    if (right == piece_ids_.end()) throw tokenizer_error(where() + quoted(m.right) + " is not in the vocabulary");
    joined.assign(m.left).append(m.right);
    const auto merged = piece_ids_.find(joined);
    if (merged == piece_ids_.end()) {
      throw tokenizer_error(where() + "the merged token " + quoted(joined) + " is not in the vocabulary");
    }
    merges_.insert(left->second, right->second, static_cast<std::int32_t>(rank), merged->second);
  }

  std::vector<added_token> added = std::move(vocabulary.added_tokens);
  if (added.empty()) {
    for (std::size_t id = 0; id < n; ++id) {
      const token_type t = type_of(id);
      if (t == token_type::control || t == token_type::unknown || t == token_type::user_defined) {
        added.push_back({static_cast<token_id>(id), tokens[id], t != token_type::user_defined});
      }
    }
  }
  std::vector<bool> special(n, false);
  for (const added_token& a : added) {
    if (a.id < 0 || static_cast<std::size_t>(a.id) >= n) {
      throw tokenizer_error("added token " + quoted(a.content) + ": id " + std::to_string(a.id) +
                            " is outside the vocabulary of " + std::to_string(n));
    }
    if (a.special) special[a.id] = true;
  }
  splitter_ = added_token_splitter(std::move(added));

  if (ignore_merges_) {
    for (std::size_t id = 0; id < n; ++id) {
      if (std::optional<std::string> bytes = byte_level::decode(tokens[id])) {
        byte_string_ids_.emplace(std::move(*bytes), static_cast<token_id>(id));
      }
    }
  }

  for (std::size_t id = 0; id < n; ++id) {
    const std::uint8_t flags = special[id] ? token_surface_table::special : 0;
    if (type_of(id) == token_type::byte) {
      if (const std::optional<std::uint8_t> b = byte_token_value(tokens[id])) {
        const char c = static_cast<char>(*b);
        surfaces_.add(std::string_view(&c, 1), flags);
        continue;
      }
    }
    const std::optional<std::string> bytes = byte_level::decode(tokens[id]);
    surfaces_.add(bytes ? std::string_view(*bytes) : std::string_view(tokens[id]), flags);
  }

  check_special(special_ids_.bos, n, "bos", notes_);
  check_special(special_ids_.eos, n, "eos", notes_);
  check_special(special_ids_.eot, n, "eot", notes_);
  check_special(special_ids_.pad, n, "pad", notes_);
  check_special(special_ids_.unk, n, "unk", notes_);
  pieces_ = std::move(tokens);
}

std::string_view bpe_tokenizer::token_piece(token_id id) const noexcept {
  if (id < 0 || static_cast<std::size_t>(id) >= pieces_.size()) return {};
  return pieces_[id];
}

token_id bpe_tokenizer::piece_to_id(std::string_view piece) const noexcept {
  const auto it = piece_ids_.find(piece);
  return it == piece_ids_.end() ? no_token : it->second;
}

bpe_thread_state& bpe_tokenizer::thread_state() const {
  constexpr std::size_t slots = 4;
  thread_local std::array<std::unique_ptr<bpe_thread_state>, slots> states;
  thread_local std::size_t next = 0;
  for (const auto& s : states) {
    if (s && s->owner == instance_) return *s;
  }
  std::unique_ptr<bpe_thread_state>& slot = states[next++ % slots];
  slot = std::make_unique<bpe_thread_state>(options_.word_cache ? options_.cache_entries : 16);
  slot->owner = instance_;
  return *slot;
}

void bpe_tokenizer::encode_piece(std::string_view piece, bpe_thread_state& state, std::vector<token_id>& out) const {
  if (piece.size() == 1) {
    const token_id id = byte_ids_[static_cast<unsigned char>(piece[0])];
    if (id != no_token) {
      out.push_back(id);
    } else if (special_ids_.unk != no_token) {
      out.push_back(special_ids_.unk);
    }
    return;
  }
  const bool cacheable = options_.word_cache && piece.size() <= options_.max_cached_word_bytes;
  const std::uint64_t hash = cacheable ? word_cache::hash(piece) : 0;
  if (cacheable) {
    const std::span<const token_id> hit = state.cache.find(piece, hash);
    if (!hit.empty()) {
      out.insert(out.end(), hit.begin(), hit.end());
      return;
    }
  }
  if (ignore_merges_) {
    const auto it = byte_string_ids_.find(piece);
    if (it != byte_string_ids_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  std::vector<token_id>& symbols = state.symbols;
  symbols.clear();
  for (const char c : piece) {
    const token_id id = byte_ids_[static_cast<unsigned char>(c)];
    if (id != no_token) {
      symbols.push_back(id);
    } else if (special_ids_.unk != no_token) {
      symbols.push_back(special_ids_.unk);
    }
  }
  state.merger.merge(merges_, symbols);
  out.insert(out.end(), symbols.begin(), symbols.end());
  if (cacheable) state.cache.insert(piece, hash, symbols);
}

void bpe_tokenizer::encode_plain(std::string_view text, std::vector<token_id>& out) const {
  bpe_thread_state& state = thread_state();
  pre_tokenizer_.split(text, [&](std::string_view piece) { encode_piece(piece, state, out); });
}

void bpe_tokenizer::encode_segments_into(std::span<const text_segment> segments, std::vector<token_id>& out) const {
  const prompt_text prompt(segments);
  const std::string_view text = prompt.text();
  if (splitter_.empty()) {
    encode_plain(text, out);
    return;
  }
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
