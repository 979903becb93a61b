// moeserve_embedding_example: a TCP line-protocol counter service that embeds the moeserve
// actor runtime next to its own Boost.Asio io_context. See README.md beside this file.
//
//   moeserve_embedding_example [PORT] [--stats-interval SECONDS]   serve on 127.0.0.1
//   moeserve_embedding_example --self-test                         start, drive, check, stop
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "log.hpp"
#include "self_test.hpp"
#include "service.hpp"

namespace {

using namespace moeserve::examples::embedding;

constexpr const char* usage =
    "usage: moeserve_embedding_example [PORT] [--stats-interval SECONDS]\n"
    "       moeserve_embedding_example --self-test\n"
    "Serves a line protocol on 127.0.0.1:PORT (default: an ephemeral port):\n"
    "  INCR key [n] | GET key | TOP [n] | STATS | PING | QUIT\n";

template <class Int>
bool parse_number(std::string_view text, Int& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

int serve(const service_options& options) {
  service svc(options);
  log_line("listening on 127.0.0.1:" + std::to_string(svc.port()) + " (stats every " +
           std::to_string(options.stats_period.count() / 1000) + " s; Ctrl-C or SIGTERM to stop)");
  log_line("try: printf 'INCR apples 3\\nGET apples\\nTOP\\nQUIT\\n' | nc 127.0.0.1 " + std::to_string(svc.port()));
  const char* why = svc.wait_for_shutdown_request();
  log_line(std::string(why) + ": shutting down");
  const shutdown_report r = svc.shutdown(std::chrono::seconds(5));
  if (!r.joined) {
    log_line(std::to_string(r.live_actors) + " actors did not stop within 5 s; exiting without cleanup");
    std::fflush(stdout);
    std::_Exit(1);
  }
  log_line("stopped cleanly in " + std::to_string(r.took.count() / 1000) + " ms");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  service_options options;
  bool self_test = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    unsigned seconds = 0;
    if (arg == "--self-test") {
      self_test = true;
    } else if (arg == "--stats-interval" && i + 1 < argc && parse_number(argv[i + 1], seconds) && seconds > 0) {
      options.stats_period = std::chrono::seconds(seconds);
      ++i;
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(usage, stdout);
      return 0;
    } else if (!arg.empty() && arg[0] != '-' && parse_number(arg, options.port)) {
    } else {
      std::fputs(usage, stderr);
      return 2;
    }
  }
  try {
    return self_test ? run_self_test() : serve(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moeserve_embedding_example: %s\n", e.what());
    return 1;
  }
}
