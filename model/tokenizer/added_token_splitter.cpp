#include "model/tokenizer/added_token_splitter.hpp"

#include <algorithm>

#include "model/tokenizer/utf8.hpp"

namespace moeserve::model {
namespace {

bool inside_trusted(std::span<const text_range> trusted, std::size_t begin, std::size_t end) {
  // The last range that starts at or before `begin`.
  auto it = std::upper_bound(trusted.begin(), trusted.end(), begin,
                             [](std::size_t b, const text_range& r) { return b < r.begin; });
  if (it == trusted.begin()) return false;
  --it;
  return end <= it->end;
}

}  // namespace

added_token_splitter::added_token_splitter(std::vector<added_token> tokens) : tokens_(std::move(tokens)) {
  raw_ = make_set(tokens_, false);
  normalized_ = make_set(tokens_, true);
  if (std::any_of(tokens_.begin(), tokens_.end(), [](const added_token& t) { return t.single_word; })) {
    word_character_.emplace(R"([\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}])");
  }
}

added_token_splitter::token_set added_token_splitter::make_set(const std::vector<added_token>& tokens,
                                                               bool normalized) {
  token_set set;
  std::vector<std::uint32_t> chosen;
  for (std::uint32_t i = 0; i < tokens.size(); ++i) {
    const added_token& t = tokens[i];
    if (t.normalized != normalized || t.content.empty() || !utf8::is_valid(t.content)) continue;
    chosen.push_back(i);
  }
  std::stable_sort(chosen.begin(), chosen.end(), [&](std::uint32_t a, std::uint32_t b) {
    const auto fa = static_cast<unsigned char>(tokens[a].content[0]);
    const auto fb = static_cast<unsigned char>(tokens[b].content[0]);
    if (fa != fb) return fa < fb;
    return tokens[a].content.size() > tokens[b].content.size();
  });
  set.order = std::move(chosen);
  std::size_t k = 0;
  for (unsigned b = 0; b < 256; ++b) {
    set.bucket[b] = static_cast<std::uint32_t>(k);
    while (k < set.order.size() && static_cast<unsigned char>(tokens[set.order[k]].content[0]) == b) ++k;
  }
  set.bucket[256] = static_cast<std::uint32_t>(k);
  return set;
}

bool added_token_splitter::is_word_character_at(std::string_view text, std::size_t pos) const {
  return word_character_->matches_at(text, pos);
}

void added_token_splitter::split_pass(std::string_view text, text_range sentence, const token_set& set,
                                      std::span<const text_range> trusted, std::vector<text_span>& out) const {
  std::size_t start_offset = sentence.begin;
  std::size_t pos = sentence.begin;
  while (pos < sentence.end) {
    const auto first = static_cast<unsigned char>(text[pos]);
    const std::uint32_t lo = set.bucket[first];
    const std::uint32_t hi = set.bucket[first + 1];
    const added_token* found = nullptr;
    for (std::uint32_t k = lo; k < hi; ++k) {
      const added_token& t = tokens_[set.order[k]];
      if (t.content.size() <= sentence.end - pos && text.compare(pos, t.content.size(), t.content) == 0) {
        found = &t;
        break;  // longest first
      }
    }
    if (found == nullptr) {
      ++pos;
      continue;
    }
    std::size_t begin = pos;
    std::size_t end = pos + found->content.size();
    pos = end;  // the scan resumes after this match, whether it is taken or not
    if (found->special && !inside_trusted(trusted, begin, end)) continue;
    if (found->single_word) {
      const bool start_ok =
          begin == sentence.begin || !is_word_character_at(text, utf8::previous_boundary(text, begin));
      const bool stop_ok = end == sentence.end || !is_word_character_at(text, end);
      if (!start_ok || !stop_ok) continue;
    }
    if (found->lstrip) {
      std::size_t b = begin;
      while (b > start_offset) {
        const std::size_t prev = utf8::previous_boundary(text, b);
        std::size_t at = prev;
        if (!utf8::is_white_space(utf8::decode_at(text, at))) break;
        b = prev;
      }
      begin = b;
    }
    if (found->rstrip) {
      while (end < sentence.end) {
        std::size_t at = end;
        if (!utf8::is_white_space(utf8::decode_at(text, at))) break;
        end = at;
      }
      pos = end;
    }
    if (start_offset < begin) out.push_back({start_offset, begin, no_token});
    out.push_back({begin, end, found->id});
    start_offset = end;
  }
  if (start_offset < sentence.end) out.push_back({start_offset, sentence.end, no_token});
}

void added_token_splitter::split(std::string_view text, std::span<const text_range> trusted,
                                 std::vector<text_span>& out) const {
  out.clear();
  if (text.empty()) return;
  if (raw_.empty()) {
    out.push_back({0, text.size(), no_token});
  } else {
    split_pass(text, {0, text.size()}, raw_, trusted, out);
  }
  if (normalized_.empty()) return;
  std::vector<text_span> first;
  first.swap(out);
  for (const text_span& s : first) {
    if (s.id != no_token) {
      out.push_back(s);
    } else {
      split_pass(text, {s.begin, s.end}, normalized_, trusted, out);
    }
  }
}

}  // namespace moeserve::model
