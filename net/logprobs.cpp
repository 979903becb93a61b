#include "net/logprobs.hpp"

#include <cmath>
#include <string_view>

namespace moeserve::net {
namespace {

constexpr float logprob_floor = -9999.0f;

float finite_logprob(float v) { return std::isfinite(v) ? v : logprob_floor; }

void write_bytes(json_writer& w, std::string_view text) {
  w.begin_array();
  for (const char c : text) w.integer(static_cast<unsigned char>(c));
  w.end_array();
}

void write_chat_entry(json_writer& w, std::string_view token, std::optional<float> logprob) {
  w.key("token").string(token);
  w.key("logprob");
  if (logprob) {
    w.real(finite_logprob(*logprob));
  } else {
    w.null();
  }
  w.key("bytes");
  write_bytes(w, token);
}

}  // namespace

void write_chat_logprobs(json_writer& w, std::span<const token_logprob> tokens) {
  w.begin_object().key("content").begin_array();
  for (const token_logprob& t : tokens) {
    w.begin_object();
    write_chat_entry(w, t.token, t.logprob);
    w.key("top_logprobs").begin_array();
    for (const top_logprob& alt : t.top) {
      w.begin_object();
      write_chat_entry(w, alt.token, alt.logprob);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array().end_object();
}

void write_completion_logprobs(json_writer& w, std::span<const token_logprob> tokens) {
  w.begin_object();
  w.key("tokens").begin_array();
  for (const token_logprob& t : tokens) w.string(t.token);
  w.end_array();
  w.key("token_logprobs").begin_array();
  for (const token_logprob& t : tokens) {
    if (t.logprob) {
      w.real(finite_logprob(*t.logprob));
    } else {
      w.null();
    }
  }
  w.end_array();
  w.key("top_logprobs").begin_array();
  std::vector<std::string> keys;
  for (const token_logprob& t : tokens) {
    if (!t.logprob) {
      w.null();
      continue;
    }
    w.begin_object();
    keys.clear();
    for (const top_logprob& alt : t.top) {
      // Keys as they will read: two different byte strings may show the same after U+FFFD.
      std::string key = to_valid_utf8(alt.token);
      bool seen = false;
      for (const auto& k : keys) seen = seen || k == key;
      if (seen) continue;
      w.key(key).real(finite_logprob(alt.logprob));
      keys.push_back(std::move(key));
    }
    w.end_object();
  }
  w.end_array();
  w.key("text_offset").begin_array();
  for (const token_logprob& t : tokens) w.integer(t.text_offset);
  w.end_array();
  w.end_object();
}

}  // namespace moeserve::net
