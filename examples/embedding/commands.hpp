#pragma once
// The example's line protocol: one command per line, one reply line per command.
//
//   INCR key [n]   -> OK <new value>        (n: a signed 64-bit integer, default 1)
//   GET key        -> OK <value>            (0 for a key never incremented)
//   TOP [n]        -> OK k1=v1 k2=v2 ...    (the n largest counters, default 5, at most 100)
//   STATS          -> OK live_actors=<n> dead_letters=<n>
//   PING           -> PONG
//   QUIT           -> BYE, then the server closes the connection
//   anything else  -> ERR <why>
//
// Parsing is a pure function, so that the session actor only routes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace moeserve::examples::embedding {

inline constexpr std::size_t max_key_length = 64;
inline constexpr std::size_t max_top = 100;

struct incr_command {
  std::string key;
  std::int64_t delta = 1;
};
struct get_command {
  std::string key;
};
struct top_command {
  std::size_t n = 5;
};
struct stats_command {};
struct ping_command {};
struct quit_command {};
struct bad_command {
  std::string why;
};
using command =
    std::variant<incr_command, get_command, top_command, stats_command, ping_command, quit_command, bad_command>;

// Parses one line (without its line terminator). Words are separated by spaces or tabs;
// command names are case-insensitive, keys are not.
command parse_command(std::string_view line);

}  // namespace moeserve::examples::embedding
