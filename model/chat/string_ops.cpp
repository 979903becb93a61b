#include "model/chat/string_ops.hpp"

#include <algorithm>
#include <string>

#include "model/chat/eval_failure.hpp"
#include "model/chat/unicode_text.hpp"

namespace moeserve::model::jinja {
namespace {

std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t pos = 0; pos < s.size();) out.push_back(utf8_decode(s, pos));
  return out;
}

// Whether cp is in the strip set (whitespace when chars is empty).
bool strippable(char32_t cp, const std::vector<char32_t>* chars) {
  if (chars == nullptr) return py_isspace(cp);
  return std::find(chars->begin(), chars->end(), cp) != chars->end();
}

std::vector<tainted_string> split_whitespace(const tainted_string& s, std::int64_t maxsplit, bool from_right) {
  const std::string& text = s.text();
  const auto offsets = utf8_offsets(text);
  const std::size_t n = offsets.size() - 1;
  auto space_at = [&](std::size_t i) {
    std::size_t p = offsets[i];
    return py_isspace(utf8_decode(text, p));
  };
  std::vector<tainted_string> parts;
  if (!from_right) {
    std::size_t i = 0;
    while (true) {
      while (i < n && space_at(i)) ++i;
      if (i == n) break;
      if (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) == maxsplit) {
        // The rest as it is (Python keeps its trailing whitespace).
        parts.push_back(s.substr(offsets[i], offsets[n] - offsets[i]));
        break;
      }
      const std::size_t begin = i;
      while (i < n && !space_at(i)) ++i;
      parts.push_back(s.substr(offsets[begin], offsets[i] - offsets[begin]));
    }
    return parts;
  }
  std::size_t i = n;
  while (true) {
    while (i > 0 && space_at(i - 1)) --i;
    if (i == 0) break;
    if (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) == maxsplit) {
      parts.push_back(s.substr(0, offsets[i]));
      break;
    }
    const std::size_t end = i;
    while (i > 0 && !space_at(i - 1)) --i;
    parts.push_back(s.substr(offsets[i], offsets[end] - offsets[i]));
  }
  std::reverse(parts.begin(), parts.end());
  return parts;
}

}  // namespace

tainted_string py_strip(const tainted_string& s, const tainted_string* chars, strip_side side) {
  std::vector<char32_t> set;
  if (chars != nullptr) set = code_points(chars->text());
  const std::vector<char32_t>* set_ptr = chars == nullptr ? nullptr : &set;
  const std::string& text = s.text();
  const auto offsets = utf8_offsets(text);
  std::size_t first = 0;
  std::size_t last = offsets.size() - 1;
  auto cp_at = [&](std::size_t i) {
    std::size_t p = offsets[i];
    return utf8_decode(text, p);
  };
  if (side != strip_side::right) {
    while (first < last && strippable(cp_at(first), set_ptr)) ++first;
  }
  if (side != strip_side::left) {
    while (last > first && strippable(cp_at(last - 1), set_ptr)) --last;
  }
  return s.substr(offsets[first], offsets[last] - offsets[first]);
}

std::vector<tainted_string> py_split(const tainted_string& s, const tainted_string* sep, std::int64_t maxsplit,
                                     bool from_right) {
  if (sep == nullptr) return split_whitespace(s, maxsplit, from_right);
  const std::string& needle = sep->text();
  if (needle.empty()) fail("empty separator");
  const std::string& text = s.text();
  std::vector<tainted_string> parts;
  if (!from_right) {
    std::size_t pos = 0;
    while (maxsplit < 0 || static_cast<std::int64_t>(parts.size()) < maxsplit) {
      const std::size_t hit = text.find(needle, pos);
      if (hit == std::string::npos) break;
      parts.push_back(s.substr(pos, hit - pos));
      pos = hit + needle.size();
    }
    parts.push_back(s.substr(pos, text.size() - pos));
    return parts;
  }
  std::size_t end = text.size();
  while (maxsplit < 0 || static_cast<std::int64_t>(parts.size()) < maxsplit) {
    if (end < needle.size()) break;
    const std::size_t hit = text.rfind(needle, end - needle.size());
    if (hit == std::string::npos) break;
    parts.push_back(s.substr(hit + needle.size(), end - hit - needle.size()));
    end = hit;
  }
  parts.push_back(s.substr(0, end));
  std::reverse(parts.begin(), parts.end());
  return parts;
}

std::vector<tainted_string> py_splitlines(const tainted_string& s, bool keepends) {
  const std::string& text = s.text();
  std::vector<tainted_string> lines;
  std::size_t line_start = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t at = pos;
    const char32_t cp = utf8_decode(text, pos);
    if (!py_is_linebreak(cp)) continue;
    if (cp == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
    lines.push_back(s.substr(line_start, (keepends ? pos : at) - line_start));
    line_start = pos;
  }
  if (line_start < text.size()) lines.push_back(s.substr(line_start, text.size() - line_start));
  return lines;
}

tainted_string py_replace(const tainted_string& s, const tainted_string& old, const tainted_string& replacement,
                          std::int64_t count, std::size_t max_bytes) {
  const std::string& text = s.text();
  const std::string& from = old.text();
  const std::string& to = replacement.text();
  const bool untrusted = !s.fully_trusted() || !old.fully_trusted() || !replacement.fully_trusted();
  std::string out;
  auto check = [&](std::size_t more) {
    if (out.size() + more > max_bytes)
      fail_limit("string too large (more than " + std::to_string(max_bytes) + " bytes)");
  };
  std::int64_t done = 0;
  if (from.empty()) {
    for (std::size_t pos = 0;;) {
      if (count < 0 || done < count) {
        check(to.size());
        out += to;
        ++done;
      }
      if (pos >= text.size()) break;
      const std::size_t start = pos;
      utf8_decode(text, pos);
      check(pos - start);
      out.append(text, start, pos - start);
    }
    return derived_string(std::move(out), untrusted);
  }
  std::size_t pos = 0;
  while (count < 0 || done < count) {
    const std::size_t hit = text.find(from, pos);
    if (hit == std::string::npos) break;
    check(hit - pos + to.size());
    out.append(text, pos, hit - pos);
    out += to;
    pos = hit + from.size();
    ++done;
  }
  check(text.size() - pos);
  out.append(text, pos, std::string::npos);
  return derived_string(std::move(out), untrusted);
}

std::int64_t py_find(const tainted_string& s, const tainted_string& sub, bool from_right) {
  const std::size_t hit = from_right ? s.text().rfind(sub.text()) : s.text().find(sub.text());
  if (hit == std::string::npos) return -1;
  return static_cast<std::int64_t>(utf8_length(std::string_view(s.text()).substr(0, hit)));
}

std::int64_t py_count(const tainted_string& s, const tainted_string& sub) {
  const std::string& text = s.text();
  const std::string& needle = sub.text();
  if (needle.empty()) return static_cast<std::int64_t>(utf8_length(text)) + 1;
  std::int64_t n = 0;
  for (std::size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

slice_range adjust_slice(std::optional<std::int64_t> start, std::optional<std::int64_t> stop, std::int64_t step,
                         std::size_t length) {
  const auto len = static_cast<std::int64_t>(length);
  slice_range r;
  r.step = step;
  auto adjust = [&](std::optional<std::int64_t> v, std::int64_t fallback) {
    if (!v) return fallback;
    std::int64_t x = *v;
    if (x < 0) {
      x += len;
      if (x < 0) x = step < 0 ? -1 : 0;
    } else if (x >= len) {
      x = step < 0 ? len - 1 : len;
    }
    return x;
  };
  r.start = adjust(start, step < 0 ? len - 1 : 0);
  r.stop = adjust(stop, step < 0 ? -1 : len);
  if (step > 0) {
    r.count = r.start < r.stop ? static_cast<std::size_t>((r.stop - r.start - 1) / step + 1) : 0;
  } else {
    r.count = r.stop < r.start ? static_cast<std::size_t>((r.start - r.stop - 1) / (-step) + 1) : 0;
  }
  return r;
}

tainted_string slice_string(const tainted_string& s, const slice_range& range) {
  const auto offsets = utf8_offsets(s.text());
  if (range.step == 1) {
    if (range.count == 0) return {};
    const auto b = offsets[static_cast<std::size_t>(range.start)];
    const auto e = offsets[static_cast<std::size_t>(range.start) + range.count];
    return s.substr(b, e - b);
  }
  tainted_string out;
  std::int64_t i = range.start;
  for (std::size_t k = 0; k < range.count; ++k, i += range.step) {
    const auto idx = static_cast<std::size_t>(i);
    out.append(s.substr(offsets[idx], offsets[idx + 1] - offsets[idx]));
  }
  return out;
}

std::optional<tainted_string> code_point_at(const tainted_string& s, std::int64_t i) {
  const auto offsets = utf8_offsets(s.text());
  const auto n = static_cast<std::int64_t>(offsets.size() - 1);
  if (i < 0) i += n;
  if (i < 0 || i >= n) return std::nullopt;
  const auto idx = static_cast<std::size_t>(i);
  return s.substr(offsets[idx], offsets[idx + 1] - offsets[idx]);
}

}  // namespace moeserve::model::jinja
