#include "commands.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

namespace moeserve::examples::embedding {

namespace {

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

std::string upper(std::string_view word) {
  std::string out(word);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

template <class Int>
bool parse_int(std::string_view text, Int& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

bool valid_key(std::string_view key) { return !key.empty() && key.size() <= max_key_length; }

}  // namespace

command parse_command(std::string_view line) {
  const auto words = split_words(line);
  if (words.empty()) return bad_command{"empty command"};
  const std::string name = upper(words[0]);
  const std::size_t args = words.size() - 1;

  if (name == "INCR") {
    if (args < 1 || args > 2 || !valid_key(words[1])) return bad_command{"usage: INCR key [n]"};
    incr_command c{std::string(words[1]), 1};
    if (args == 2 && !parse_int(words[2], c.delta)) return bad_command{"usage: INCR key [n] (n: 64-bit integer)"};
    return c;
  }
  if (name == "GET") {
    if (args != 1 || !valid_key(words[1])) return bad_command{"usage: GET key"};
    return get_command{std::string(words[1])};
  }
  if (name == "TOP") {
    top_command c;
    if (args > 1 || (args == 1 && (!parse_int(words[1], c.n) || c.n == 0 || c.n > max_top))) {
      return bad_command{"usage: TOP [n] (1 <= n <= 100)"};
    }
    return c;
  }
  if (args == 0 && name == "STATS") return stats_command{};
  if (args == 0 && name == "PING") return ping_command{};
  if (args == 0 && name == "QUIT") return quit_command{};
  return bad_command{"unknown command (try INCR, GET, TOP, STATS, PING, QUIT)"};
}

}  // namespace moeserve::examples::embedding
