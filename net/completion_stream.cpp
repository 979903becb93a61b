#include "net/completion_stream.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "net/sse.hpp"

namespace moeserve::net {

completion_stream::completion_stream(response_header header, int choices, bool logprobs, bool include_usage)
    : header_(std::move(header)),
      logprobs_(logprobs),
      include_usage_(include_usage),
      finished_(static_cast<std::size_t>(std::max(choices, 0)), false) {}

void completion_stream::check_index(int index) const {
  if (index < 0 || static_cast<std::size_t>(index) >= finished_.size()) {
    std::fprintf(stderr, "%s:%d: completion_stream: choice %d of %zu\n", __FILE__, __LINE__, index, finished_.size());
    std::abort();
  }
}

std::string completion_stream::chunk(int index, std::string_view text, std::span<const token_logprob> tokens,
                                     const finish_reason* finish) const {
  json_writer w;
  w.begin_object();
  write_header_members(w, header_, "text_completion");
  w.key("choices").begin_array().begin_object();
  w.key("index").integer(index);
  w.key("text").string(text);
  w.key("logprobs");
  if (logprobs_) {
    write_completion_logprobs(w, tokens);
  } else {
    w.null();
  }
  w.key("finish_reason");
  if (finish) {
    w.string(to_string(*finish));
  } else {
    w.null();
  }
  w.end_object().end_array().end_object();
  return sse_event(w.str());
}

std::string completion_stream::text(int index, std::string_view text, std::span<const token_logprob> tokens) {
  check_index(index);
  if (finished_[static_cast<std::size_t>(index)] || (text.empty() && tokens.empty())) return {};
  return chunk(index, text, tokens, nullptr);
}

std::string completion_stream::finish(int index, finish_reason reason, std::string_view text,
                                      std::span<const token_logprob> tokens) {
  check_index(index);
  if (finished_[static_cast<std::size_t>(index)]) return {};
  finished_[static_cast<std::size_t>(index)] = true;
  return chunk(index, text, tokens, &reason);
}

std::string completion_stream::end(const usage_info& usage) const {
  return sse_end(header_, "text_completion", include_usage_, usage);
}

bool completion_stream::finished(int index) const {
  return index >= 0 && static_cast<std::size_t>(index) < finished_.size() && finished_[static_cast<std::size_t>(index)];
}

bool completion_stream::all_finished() const {
  return std::all_of(finished_.begin(), finished_.end(), [](bool f) { return f; });
}

}  // namespace moeserve::net
