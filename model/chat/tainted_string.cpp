#include "model/chat/tainted_string.hpp"

#include <algorithm>

namespace moeserve::model::jinja {

tainted_string::tainted_string(std::string text, bool trusted) : text_(std::move(text)) {
  if (!trusted && !text_.empty()) untrusted_.push_back({0, text_.size()});
}

void tainted_string::add_untrusted(std::size_t begin, std::size_t end) {
  if (begin >= end) return;
  if (!untrusted_.empty() && untrusted_.back().end >= begin) {
    untrusted_.back().end = std::max(untrusted_.back().end, end);
  } else {
    untrusted_.push_back({begin, end});
  }
}

void tainted_string::append(std::string_view text, bool trusted) {
  const std::size_t base = text_.size();
  text_.append(text);
  if (!trusted) add_untrusted(base, text_.size());
}

void tainted_string::append(const tainted_string& other) {
  const std::size_t base = text_.size();
  text_.append(other.text_);
  for (const auto& r : other.untrusted_) add_untrusted(base + r.begin, base + r.end);
}

tainted_string tainted_string::substr(std::size_t pos, std::size_t len) const {
  tainted_string out;
  pos = std::min(pos, text_.size());
  len = std::min(len, text_.size() - pos);
  out.text_ = text_.substr(pos, len);
  const std::size_t end = pos + len;
  // First range that ends after pos.
  auto it = std::upper_bound(untrusted_.begin(), untrusted_.end(), pos,
                             [](std::size_t p, const byte_range& r) { return p < r.end; });
  for (; it != untrusted_.end() && it->begin < end; ++it) {
    out.add_untrusted(std::max(it->begin, pos) - pos, std::min(it->end, end) - pos);
  }
  return out;
}

void tainted_string::mark_untrusted() {
  untrusted_.clear();
  if (!text_.empty()) untrusted_.push_back({0, text_.size()});
}

void tainted_string::clear() {
  text_.clear();
  untrusted_.clear();
}

std::vector<rendered_segment> tainted_string::segments() const {
  std::vector<rendered_segment> out;
  std::size_t pos = 0;
  for (const auto& r : untrusted_) {
    if (r.begin > pos) out.push_back({text_.substr(pos, r.begin - pos), true});
    out.push_back({text_.substr(r.begin, r.end - r.begin), false});
    pos = r.end;
  }
  if (pos < text_.size()) out.push_back({text_.substr(pos), true});
  return out;
}

tainted_string derived_string(std::string text, bool any_untrusted_source) {
  return tainted_string(std::move(text), !any_untrusted_source);
}

}  // namespace moeserve::model::jinja
