// bench_actors: our actor runtime against CAF 0.17, side by side, in one invocation.
//
//   bench_actors [--quick] [--only NAME[,NAME...]] [--reps N] [--workers N] [--list]
//                [--ours-no-handler-timing] [--ours-spin-us N]
//
// Prints one JSON line per figure on stdout and a table on stderr. Every figure is the
// median of --reps runs per runtime (the runs of the two runtimes interleaved, after one
// discarded warm-up run each); "spread" is (max - min) / median. "ratio" is arranged so that
// > 1 means ours is better: ours/caf where higher is better (throughput), caf/ours where
// lower is better (latency, memory, CPU).
//
// The memory and idle-CPU figures are taken in fresh child processes (this program
// re-executed with --child), one per run and runtime.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench/actors/bench_api.hpp"

#include "bench/common/run_environment.hpp"

namespace moeserve::bench {
namespace {

// --- options -------------------------------------------------------------------------------

struct sizes {
  std::uint64_t ping_pong_dedicated;  // round trips
  std::uint64_t ping_pong_pool;       // round trips
  std::uint64_t fan_in_per_producer;  // messages per producer thread
  std::uint32_t fan_out_receivers;
  std::uint64_t fan_out_per_receiver;
  std::uint32_t spawn_actors;
  std::uint32_t memory_actors;
  double idle_seconds;
};

constexpr sizes default_sizes{50'000, 200'000, 250'000, 1000, 300, 100'000, 100'000, 1.0};
constexpr sizes quick_sizes{5'000, 10'000, 10'000, 100, 50, 5'000, 10'000, 0.2};

struct options {
  bool quick = false;
  unsigned reps = 5;
  bool warmup = true;
  settings run;
  std::set<std::string> only;
  sizes n = default_sizes;
};

const char* const scenario_names[] = {"ping_pong_dedicated", "ping_pong_pool", "fan_in", "fan_out",
                                      "spawn", "memory", "idle_cpu"};

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: bench_actors [--quick] [--only NAME[,NAME...]] [--reps N] [--workers N] [--list]\n"
               "                    [--ours-no-handler-timing] [--ours-spin-us N]\n"
               "  --quick    small sizes, 1 run each, no warm-up (a smoke test)\n"
               "  --only     run only these scenarios (see --list; a JSON bench name such as fan_in_p2,\n"
               "             or a group such as ping_pong, works too)\n"
               "  --reps     runs per runtime and figure (default 5; the median is reported)\n"
               "  --workers  pool threads of both runtimes (default 2)\n"
               "  --ours-no-handler-timing  our system_config::measure_handler_time = false\n"
               "  --ours-spin-us N          our system_config::spin = N microseconds (default 50)\n");
}

// --- the program's environment -------------------------------------------------------------





// Our runtime's non-default knobs, or "default".
std::string ours_config(const settings& s) {
  std::string out;
  if (!s.ours_handler_timing) out += "measure_handler_time=false";
  if (s.ours_spin_us >= 0) {
    if (!out.empty()) out += ',';
    out += "spin_us=";
    out += std::to_string(s.ours_spin_us);
  }
  return out.empty() ? "default" : out;
}


std::string number(double v);

// A JSON array of the individual runs.
std::string runs(const std::vector<double>& v) {
  if (v.empty()) return "null";
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) out += ',';
    out += number(v[i]);
  }
  out += ']';
  return out;
}

std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  if (std::fabs(v) >= 1000) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.4g", v);
  }
  return buf;
}

// --- child processes -------------------------------------------------------------------------

const runtime_api* api_named(const std::string& name) {
  if (name == "ours") return &ours_api();
#if MOESERVE_BENCH_HAVE_CAF
  if (name == "caf") return &caf_api();
#endif
  return nullptr;
}

// Runs this program again as `--child kind runtime arg --workers w` and reads the one
// number it prints.
double run_child(const options& opt, const char* kind, const char* runtime, const std::string& arg) {
  int fds[2];
  if (pipe(fds) != 0) bench_fail("pipe failed");
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) bench_fail("fork failed");
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    const std::string workers = std::to_string(opt.run.workers);
    const std::string spin = std::to_string(opt.run.ours_spin_us);
    const char* argv[] = {"bench_actors", "--child", kind, runtime, arg.c_str(), "--workers", workers.c_str(),
                          "--ours-spin-us", spin.c_str(),
                          opt.run.ours_handler_timing ? nullptr : "--ours-no-handler-timing", nullptr};
    execv("/proc/self/exe", const_cast<char* const*>(argv));
    std::perror("bench_actors: execv /proc/self/exe");
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  for (;;) {
    const ssize_t got = read(fds[0], buf, sizeof buf);
    if (got > 0) {
      out.append(buf, static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) bench_fail("a child process failed");
  char* end = nullptr;
  const double v = std::strtod(out.c_str(), &end);
  if (end == out.c_str()) bench_fail("a child process printed no number");
  return v;
}

int child_main(const options& opt, const std::string& kind, const std::string& runtime, const std::string& arg) {
  const runtime_api* api = api_named(runtime);
  if (api == nullptr) bench_fail("--child: unknown runtime");
  double v = 0;
  if (kind == "memory") {
    v = api->idle_actor_bytes(opt.run, static_cast<std::uint32_t>(std::stoul(arg)));
  } else if (kind == "idle_cpu") {
    v = api->idle_cpu_percent(opt.run, std::stod(arg));
  } else {
    bench_fail("--child: unknown kind");
  }
  std::printf("%.17g\n", v);
  return 0;
}

// --- measuring -----------------------------------------------------------------------------

// One reported figure (one JSON line).
struct figure {
  std::string bench;
  std::string unit;
  bool higher_is_better;
  std::string params;
  std::vector<double> ours;
  std::vector<double> caf;
  double load_before = -1;  // 1-minute load average when the figure's runs began
  double load_after = -1;   // ... and when they ended
};

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double spread(const std::vector<double>& v) {
  if (v.empty()) return NAN;
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  const double med = median(v);
  return med != 0 ? (*hi - *lo) / std::fabs(med) : 0.0;
}

// Calls once(api) for each runtime reps times, interleaved (the order alternates from run
// to run), after one discarded warm-up call each; once returns one value per figure.
void measure(const options& opt, std::vector<figure>& figures,
             const std::function<std::vector<double>(const runtime_api&)>& once, bool warm_up = true) {
  std::vector<const runtime_api*> apis{&ours_api()};
#if MOESERVE_BENCH_HAVE_CAF
  apis.push_back(&caf_api());
#endif
  for (figure& f : figures) f.load_before = load_average();
  if (warm_up && opt.warmup) {
    for (const runtime_api* api : apis) once(*api);
  }
  for (unsigned rep = 0; rep < opt.reps; ++rep) {
    for (std::size_t k = 0; k < apis.size(); ++k) {
      const runtime_api& api = *apis[rep % 2 == 0 ? k : apis.size() - 1 - k];
      const std::vector<double> values = once(api);
      for (std::size_t i = 0; i < figures.size(); ++i) {
        (&api == &ours_api() ? figures[i].ours : figures[i].caf).push_back(values[i]);
      }
    }
  }
  for (figure& f : figures) f.load_after = load_average();
}

std::vector<figure> ping_pong_figures(const options& opt, bool dedicated) {
  const std::uint64_t n = dedicated ? opt.n.ping_pong_dedicated : opt.n.ping_pong_pool;
  const std::string name = dedicated ? "ping_pong_dedicated" : "ping_pong_pool";
  const std::string params = "round_trips=" + std::to_string(n) +
                             (dedicated ? ", one thread per actor (ours: dedicated(); caf: detached)"
                                        : ", both actors on the pool of " + std::to_string(opt.run.workers) +
                                              " workers");
  std::vector<figure> f{{name, "round_trips_per_s", true, params, {}, {}},
                        {name + "_latency", "ns_per_round_trip", false, params, {}, {}}};
  measure(opt, f, [&](const runtime_api& api) {
    const double s = api.ping_pong(opt.run, dedicated, n);
    return std::vector<double>{static_cast<double>(n) / s, s * 1e9 / static_cast<double>(n)};
  });
  return f;
}

std::vector<figure> fan_in_figures(const options& opt) {
  std::vector<figure> all;
  for (unsigned producers : {2u, 4u}) {
    const std::uint64_t m = opt.n.fan_in_per_producer;
    std::vector<figure> f{{"fan_in_p" + std::to_string(producers), "messages_per_s", true,
                           std::to_string(producers) + " plain std::thread producers x " + std::to_string(m) +
                               " messages -> 1 counting actor on the pool of " + std::to_string(opt.run.workers),
                           {},
                           {}}};
    measure(opt, f, [&](const runtime_api& api) {
      return std::vector<double>{static_cast<double>(producers * m) / api.fan_in(opt.run, producers, m)};
    });
    all.insert(all.end(), f.begin(), f.end());
  }
  return all;
}

std::vector<figure> fan_out_figures(const options& opt) {
  const std::uint32_t k = opt.n.fan_out_receivers;
  const std::uint64_t r = opt.n.fan_out_per_receiver;
  std::vector<figure> f{{"fan_out", "messages_per_s", true,
                         "1 actor -> " + std::to_string(k) + " actors x " + std::to_string(r) +
                             " messages each, all on the pool of " + std::to_string(opt.run.workers),
                         {},
                         {}}};
  measure(opt, f, [&](const runtime_api& api) {
    return std::vector<double>{static_cast<double>(k) * static_cast<double>(r) / api.fan_out(opt.run, k, r)};
  });
  return f;
}

std::vector<figure> spawn_figures(const options& opt) {
  const std::uint32_t n = opt.n.spawn_actors;
  const std::string params = std::to_string(n) + " trivial pool actors spawned from the main thread";
  std::vector<figure> f{{"spawn", "actors_per_s", true, params, {}, {}},
                        {"spawn_stop", "actors_per_s", true,
                         params + ", then each asked to stop; until all are gone", {}, {}}};
  measure(opt, f, [&](const runtime_api& api) {
    const spawn_times t = api.spawn_stop(opt.run, n);
    return std::vector<double>{n / t.spawn_s, n / t.spawn_stop_s};
  });
  return f;
}

std::vector<figure> memory_figures(const options& opt) {
  const std::uint32_t n = opt.n.memory_actors;
  std::vector<figure> f{{"memory_per_idle_actor", "bytes", false,
                         "RSS growth / " + std::to_string(n) +
                             " idle started actors (their handles allocated before the first reading), fresh process each",
                         {},
                         {}}};
  measure(
      opt, f,
      [&](const runtime_api& api) {
        return std::vector<double>{run_child(opt, "memory", api.name, std::to_string(n))};
      },
      /*warm_up=*/false);
  return f;
}

std::vector<figure> idle_cpu_figures(const options& opt) {
  const double s = opt.n.idle_seconds;
  char secs[32];
  std::snprintf(secs, sizeof secs, "%g", s);
  std::vector<figure> f{{"idle_cpu", "percent_of_one_core", false,
                         std::string("process CPU over ") + secs +
                             " s idle right after a burst (pool + dedicated ping-pong, fan-out); pool of " +
                             std::to_string(opt.run.workers) + ", fresh process each",
                         {},
                         {}}};
  measure(
      opt, f,
      [&](const runtime_api& api) {
        return std::vector<double>{run_child(opt, "idle_cpu", api.name, secs)};
      },
      /*warm_up=*/false);
  return f;
}

// --- output --------------------------------------------------------------------------------

struct summary {
  double ours;
  std::optional<double> caf;
  std::optional<double> ratio;
};

summary summarize(const figure& f) {
  summary s{median(f.ours), std::nullopt, std::nullopt};
  if (!f.caf.empty()) {
    s.caf = median(f.caf);
    const double num = f.higher_is_better ? s.ours : *s.caf;
    const double den = f.higher_is_better ? *s.caf : s.ours;
    if (den > 0) s.ratio = num / den;
  }
  return s;
}

void print_json(const options& opt, const figure& f, const std::string& sha, const std::string& host,
                const std::string& date) {
  const summary s = summarize(f);
  const double sp_ours = spread(f.ours);
  const double sp_caf = f.caf.empty() ? NAN : spread(f.caf);
  const double sp = f.caf.empty() ? sp_ours : std::max(sp_ours, sp_caf);
  std::printf(
      "{\"bench\":\"%s\",\"unit\":\"%s\",\"ours\":%s,\"caf\":%s,\"ratio\":%s,\"better\":\"%s\","
      "\"ratio_is\":\"%s\",\"median_of\":%u,\"spread\":%s,\"spread_ours\":%s,\"spread_caf\":%s,"
      "\"runs_ours\":%s,\"runs_caf\":%s,"
      "\"params\":\"%s\",\"workers\":%u,\"ours_config\":\"%s\",\"loadavg\":[%s,%s],\"commit\":\"%s\","
      "\"machine\":\"%s\",\"date\":\"%s\"}\n",
      f.bench.c_str(), f.unit.c_str(), number(s.ours).c_str(), s.caf ? number(*s.caf).c_str() : "null",
      s.ratio ? number(*s.ratio).c_str() : "null", f.higher_is_better ? "higher" : "lower",
      f.higher_is_better ? "ours/caf" : "caf/ours", opt.reps, number(sp).c_str(), number(sp_ours).c_str(),
      number(sp_caf).c_str(), runs(f.ours).c_str(), runs(f.caf).c_str(), json_escape(f.params).c_str(), opt.run.workers, ours_config(opt.run).c_str(),
      number(f.load_before).c_str(), number(f.load_after).c_str(), json_escape(sha).c_str(),
      json_escape(host).c_str(), date.c_str());
  std::fflush(stdout);
}

void print_table(const std::vector<figure>& figures) {
  std::fprintf(stderr, "\n%-28s %-20s %12s %12s %8s  %-17s %s\n", "bench", "unit", "ours", "caf", "ratio",
               "spread ours/caf", "load");
  for (const figure& f : figures) {
    const summary s = summarize(f);
    const std::string spreads =
        number(spread(f.ours)) + "/" + (f.caf.empty() ? std::string("-") : number(spread(f.caf)));
    std::fprintf(stderr, "%-28s %-20s %12s %12s %8s  %-17s %.2f..%.2f\n", f.bench.c_str(), f.unit.c_str(),
                 number(s.ours).c_str(), s.caf ? number(*s.caf).c_str() : "-",
                 s.ratio ? number(*s.ratio).c_str() : "-", spreads.c_str(), f.load_before, f.load_after);
  }
  std::fprintf(stderr, "ratio > 1: ours is better (ours/caf for rates, caf/ours for latency, bytes, CPU)\n");
}

// An --only word names a scenario, one of its figures (fan_in_p2 runs fan_in) or a group of
// scenarios (ping_pong runs both ping-pongs).
bool matches(const std::string& word, const std::string& scenario) {
  return word == scenario || word.rfind(scenario + "_", 0) == 0 || scenario.rfind(word + "_", 0) == 0;
}

bool selected(const options& opt, const std::string& scenario) {
  if (opt.only.empty()) return true;
  for (const std::string& o : opt.only) {
    if (matches(o, scenario)) return true;
  }
  return false;
}

int bench_main(const options& opt) {
  const std::string sha = commit();
  const std::string host = machine();
  const std::string date = utc_date();
#if MOESERVE_BENCH_HAVE_CAF
  const char* caf_state = "CAF 0.17 side built in";
#else
  const char* caf_state = "built WITHOUT CAF: caf figures are null";
#endif
  std::fprintf(stderr, "bench_actors: commit %s, %s, %u workers, %u runs per figure%s, ours: %s, %s\n",
               sha.c_str(), host.c_str(), opt.run.workers, opt.reps, opt.quick ? " (quick)" : "",
               ours_config(opt.run).c_str(), caf_state);
  if (const double load = load_average(); load > 0.5) {
    std::fprintf(stderr, "bench_actors: warning: load average %.2f: other work is running; figures will be noisy\n",
                 load);
  }
  using runner = std::function<std::vector<figure>(const options&)>;
  const std::pair<const char*, runner> scenarios[] = {
      {"ping_pong_dedicated", [](const options& o) { return ping_pong_figures(o, true); }},
      {"ping_pong_pool", [](const options& o) { return ping_pong_figures(o, false); }},
      {"fan_in", fan_in_figures},
      {"fan_out", fan_out_figures},
      {"spawn", spawn_figures},
      {"memory", memory_figures},
      {"idle_cpu", idle_cpu_figures},
  };
  std::vector<figure> all;
  for (const auto& [name, run] : scenarios) {
    if (!selected(opt, name)) continue;
    std::fprintf(stderr, "bench_actors: %s ...\n", name);
    const auto t0 = std::chrono::steady_clock::now();
    for (const figure& f : run(opt)) {
      print_json(opt, f, sha, host, date);
      all.push_back(f);
    }
    std::fprintf(stderr, "bench_actors: %s done in %.1f s\n", name,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  print_table(all);
  return 0;
}

}  // namespace
}  // namespace moeserve::bench

int main(int argc, char** argv) {
  using namespace moeserve::bench;
  options opt;
  std::vector<std::string> child;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_actors: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--quick") {
      opt.quick = true;
    } else if (a == "--only") {
      std::string list = value();
      for (std::size_t pos = 0; pos <= list.size();) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        if (comma > pos) opt.only.insert(list.substr(pos, comma - pos));
        pos = comma + 1;
      }
    } else if (a == "--reps") {
      opt.reps = static_cast<unsigned>(std::max(1L, std::strtol(value().c_str(), nullptr, 10)));
    } else if (a == "--workers") {
      opt.run.workers = static_cast<unsigned>(std::max(1L, std::strtol(value().c_str(), nullptr, 10)));
    } else if (a == "--ours-no-handler-timing") {
      opt.run.ours_handler_timing = false;
    } else if (a == "--ours-spin-us") {
      opt.run.ours_spin_us = static_cast<int>(std::strtol(value().c_str(), nullptr, 10));
    } else if (a == "--list") {
      for (const char* n : scenario_names) std::printf("%s\n", n);
      return 0;
    } else if (a == "--child" && i + 3 < argc) {
      child = {argv[i + 1], argv[i + 2], argv[i + 3]};
      i += 3;
    } else if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "bench_actors: unknown argument '%s'\n", a.c_str());
      usage(stderr);
      return 2;
    }
  }
  if (!child.empty()) return child_main(opt, child[0], child[1], child[2]);
  for (const std::string& o : opt.only) {
    bool known = false;
    for (const char* n : scenario_names) known = known || matches(o, n);
    if (!known) {
      std::fprintf(stderr, "bench_actors: --only: unknown scenario '%s' (see --list)\n", o.c_str());
      return 2;
    }
  }
  if (opt.quick) {
    opt.n = quick_sizes;
    opt.warmup = false;
    bool reps_given = false;
    for (int i = 1; i < argc; ++i) reps_given = reps_given || std::string(argv[i]) == "--reps";
    if (!reps_given) opt.reps = 1;
  }
  return bench_main(opt);
}
