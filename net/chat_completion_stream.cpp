#include "net/chat_completion_stream.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "net/sse.hpp"

namespace moeserve::net {

chat_completion_stream::chat_completion_stream(response_header header, int choices, bool logprobs, bool include_usage)
    : header_(std::move(header)),
      logprobs_(logprobs),
      include_usage_(include_usage),
      states_(static_cast<std::size_t>(std::max(choices, 0)), state::not_begun) {}

chat_completion_stream::state& chat_completion_stream::state_of(int index) {
  if (index < 0 || static_cast<std::size_t>(index) >= states_.size()) {
    std::fprintf(stderr, "%s:%d: chat_completion_stream: choice %d of %zu\n", __FILE__, __LINE__, index,
                 states_.size());
    std::abort();
  }
  return states_[static_cast<std::size_t>(index)];
}

std::string chat_completion_stream::chunk(int index, std::string_view text, std::span<const token_logprob> tokens,
                                          const finish_reason* finish, bool role) const {
  json_writer w;
  w.begin_object();
  write_header_members(w, header_, "chat.completion.chunk");
  w.key("choices").begin_array().begin_object();
  w.key("index").integer(index);
  w.key("delta").begin_object();
  if (role) w.key("role").string("assistant");
  w.key("content").string(text);
  w.end_object();
  w.key("logprobs");
  if (logprobs_ && !role) {
    write_chat_logprobs(w, tokens);
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

std::string chat_completion_stream::role_event(int index) {
  state& s = state_of(index);
  if (s != state::not_begun) return {};
  s = state::begun;
  return chunk(index, "", {}, nullptr, true);
}

std::string chat_completion_stream::begin() {
  std::string out;
  for (std::size_t i = 0; i < states_.size(); ++i) out += role_event(static_cast<int>(i));
  return out;
}

std::string chat_completion_stream::text(int index, std::string_view text, std::span<const token_logprob> tokens) {
  if (state_of(index) == state::finished) return {};
  std::string out = role_event(index);
  if (text.empty() && tokens.empty()) return out;
  out += chunk(index, text, tokens, nullptr, false);
  return out;
}

std::string chat_completion_stream::finish(int index, finish_reason reason, std::string_view text,
                                           std::span<const token_logprob> tokens) {
  if (state_of(index) == state::finished) return {};
  std::string out = role_event(index);
  out += chunk(index, text, tokens, &reason, false);
  state_of(index) = state::finished;
  return out;
}

std::string chat_completion_stream::end(const usage_info& usage) const {
  return sse_end(header_, "chat.completion.chunk", include_usage_, usage);
}

bool chat_completion_stream::finished(int index) const {
  return index >= 0 && static_cast<std::size_t>(index) < states_.size() &&
         states_[static_cast<std::size_t>(index)] == state::finished;
}

bool chat_completion_stream::all_finished() const {
  return std::all_of(states_.begin(), states_.end(), [](state s) { return s == state::finished; });
}

}  // namespace moeserve::net
