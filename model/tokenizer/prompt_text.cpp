#include "model/tokenizer/prompt_text.hpp"

#include "model/tokenizer/utf8.hpp"

namespace moeserve::model {

prompt_text::prompt_text(std::span<const text_segment> segments) {
  if (segments.size() == 1 && utf8::is_valid(segments[0].text)) {
    text_ = segments[0].text;
    if (segments[0].trusted) trusted_.push_back({0, text_.size()});
    return;
  }
  std::size_t total = 0;
  for (const text_segment& s : segments) total += s.text.size();
  storage_.reserve(total);
  for (const text_segment& s : segments) {
    const std::size_t begin = storage_.size();
    if (utf8::is_valid(s.text)) {
      storage_.append(s.text);
    } else {
      utf8::append_repaired(storage_, s.text, utf8::repair_policy::maximal_subpart, true);
    }
    if (s.trusted && storage_.size() > begin) trusted_.push_back({begin, storage_.size()});
  }
  text_ = storage_;
}

}  // namespace moeserve::model
