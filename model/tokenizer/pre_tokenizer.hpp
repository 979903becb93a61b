#pragma once
// Runs a pre-tokenizer (pre_tokenizer_config.hpp) over a text: the pieces ("words") that BPE
// then encodes one by one.
//
// Each step splits every piece the previous step produced; a step's regex sees only its
// piece, so "\s+(?!\S)" at the end of a piece matches there even if the next piece starts
// with a letter (this is what Hugging Face's Sequence does, and SmolLM2's Digits-then-
// ByteLevel depends on it):
//
//   smollm, "a  1":  Digits -> "a  " "1";  GPT-2 regex on "a  " -> "a" "  "  =>  "a" "  " "1"
//
// Letters and numbers newer than PCRE2's Unicode 14 are handled through a shadow copy of the
// text (unicode_additions.hpp): the regexes run on the shadow, the pieces are cut from the
// text at the same offsets. A text with none of them (nearly every text) is its own shadow.
//
// Thread-safety: immutable after construction; split() may run in many threads at once.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/tokenizer/pre_tokenizer_config.hpp"
#include "model/tokenizer/regex_pattern.hpp"
#include "model/tokenizer/unicode_additions.hpp"

namespace moeserve::model {

class pre_tokenizer {
 public:
  // Compiles the steps' patterns; throws tokenizer_error for one that does not compile.
  explicit pre_tokenizer(const std::vector<pre_tokenizer_step>& steps);

  // Calls on_piece(std::string_view) for each non-empty piece of `text` (valid UTF-8), in
  // order. A piece may point into a temporary (add_prefix_space); use it before returning.
  template <class F>
  void split(std::string_view text, F&& on_piece) const {
    std::string shadow;
    if (!steps_.empty() && unicode_additions::make_shadow(text, shadow)) {
      run(0, text, shadow, on_piece);
    } else {
      run(0, text, text, on_piece);
    }
  }

  std::size_t step_count() const noexcept { return steps_.size(); }

 private:
  struct compiled_step {
    std::vector<regex_pattern> regex;  // empty or one (without extend_unicode: see above)
    split_behavior behavior;
    bool invert;
    bool add_prefix_space;
  };

  // `piece` and `shadow` have the same length and the same pieces; the regexes read the
  // shadow, on_piece gets the text.
  template <class F>
  void run(std::size_t step, std::string_view piece, std::string_view shadow, F& on_piece) const {
    if (piece.empty()) return;
    if (step == steps_.size()) {
      on_piece(piece);
      return;
    }
    const compiled_step& s = steps_[step];
    if (s.add_prefix_space && piece.front() != ' ') {
      std::string spaced;
      spaced.reserve(piece.size() + 1);
      spaced += ' ';
      spaced += piece;
      if (shadow.data() == piece.data()) {
        split_step(step, spaced, spaced, on_piece);
      } else {
        std::string spaced_shadow;
        spaced_shadow.reserve(shadow.size() + 1);
        spaced_shadow += ' ';
        spaced_shadow += shadow;
        split_step(step, spaced, spaced_shadow, on_piece);
      }
    } else {
      split_step(step, piece, shadow, on_piece);
    }
  }

  template <class F>
  void split_step(std::size_t step, std::string_view piece, std::string_view shadow, F& on_piece) const {
    const compiled_step& s = steps_[step];
    if (s.regex.empty()) {
      run(step + 1, piece, shadow, on_piece);
      return;
    }
    const regex_pattern& re = s.regex.front();
    // Walk the piece as alternating stretches: gaps (no match) and matches. A stretch is a
    // delimiter if it is a match (a gap, with invert). `open` is where the piece being
    // built starts; `last_delim` whether the previous stretch was a delimiter.
    std::size_t open = 0;
    bool last_delim = false;
    auto emit = [&](std::size_t b, std::size_t e) {
      run(step + 1, piece.substr(b, e - b), shadow.substr(b, e - b), on_piece);
    };
    auto stretch = [&](std::size_t b, std::size_t e, bool delim) {
      if (b == e) return;
      switch (s.behavior) {
        case split_behavior::isolated:
          emit(b, e);
          open = e;
          break;
        case split_behavior::removed:
          if (!delim) emit(b, e);
          open = e;
          break;
        case split_behavior::merged_with_previous:
          if (delim && !last_delim) {
            emit(open, e);
            open = e;
          } else {
            emit(open, b);
            open = b;
            if (delim) {
              emit(b, e);
              open = e;
            }
          }
          break;
        case split_behavior::merged_with_next:
          if (delim) {  // ends what is open (a second delimiter in a row stands alone)
            emit(open, b);
            open = b;
          }
          break;
        case split_behavior::contiguous:
          if (delim != last_delim) {
            emit(open, b);
            open = b;
          }
          break;
      }
      last_delim = delim;
    };
    std::size_t pos = 0;
    std::size_t search = 0;
    std::size_t mb = 0;
    std::size_t me = 0;
    while (search < piece.size() && re.find(shadow, search, mb, me)) {
      if (mb == me) {  // an empty match delimits nothing: look again one character later
        search = mb + 1;
        while (search < piece.size() && (static_cast<unsigned char>(shadow[search]) & 0xC0) == 0x80) ++search;
        continue;
      }
      stretch(pos, mb, s.invert);
      stretch(mb, me, !s.invert);
      pos = search = me;
    }
    stretch(pos, piece.size(), s.invert);
    if (open < piece.size()) emit(open, piece.size());
  }

  std::vector<compiled_step> steps_;
};

}  // namespace moeserve::model
