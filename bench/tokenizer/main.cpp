// bench_tokenizer: encoding throughput of our byte-level BPE against Hugging Face tokenizers
// and tiktoken, side by side, in one invocation.
//
//   bench_tokenizer [--quick] [--reps N] [--corpus PATH] [--tokenizer PATH] [--python PATH]
//                   [--no-python] [--threads N]
//
// The text is the tokenizer test corpus (tools/make_tokenizer_corpus.py, ~1.4 MB of prose,
// code, Chinese, emoji, other scripts and whitespace runs) and the vocabulary SmolLM2's
// (tools/make_smollm2_tokenizer.py, from models/SmolLM2-135M-Instruct.Q4_1.gguf); both are
// made on first use. Each implementation encodes the whole corpus as one string of plain text
// (special-token strings as text), single-threaded:
//
//   ours              bpe_tokenizer::encode, warm (one discarded warm-up run; the per-thread
//                     word cache is filled)
//   ours_cold_cache   a freshly built tokenizer's first encode (an empty word cache)
//   ours_no_cache     the word cache switched off
//   ours_threads      N threads (default: the cores) each encoding the whole corpus at once;
//                     MB/s is their sum
//   hf_tokenizers     tokenizers.Tokenizer.encode (bench/tokenizer/python_side.py)
//   tiktoken          tiktoken.Encoding built from SmolLM2's ranks, encode_ordinary
//
// Prints one JSON line per implementation on stdout and a table on stderr. Every figure is
// the median of --reps runs (default 5); "spread" is (max - min) / median.
#include <sys/wait.h>
#include <unistd.h>

#include <simdjson.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "model/tokenizer/bpe_tokenizer.hpp"
#include "model/tokenizer/tokenizer_json.hpp"

#include "bench/common/run_environment.hpp"

namespace moeserve::bench {
namespace {

namespace fs = std::filesystem;
using model::bpe_tokenizer;
using model::special_tokens;
using model::token_id;

struct options {
  unsigned reps = 5;
  bool warmup = true;
  fs::path corpus;
  fs::path tokenizer;
  std::string python = std::string(MOESERVE_SOURCE_DIR) + "/.venv/bin/python";
  bool with_python = true;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
};

struct result {
  std::string impl;
  std::string version;
  std::vector<double> seconds;
  std::size_t bytes = 0;  // per run, summed over threads
  std::size_t tokens = 0;
  std::string ids_hash;
  double load_seconds = -1;
  std::optional<bool> ids_equal_hf;
  std::optional<double> boundary_agreement;
};

// --- the program's environment -------------------------------------------------------------






std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, std::fabs(v) >= 1000 ? "%.0f" : "%.4g", v);
  return buf;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? NAN : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
}

double spread(const std::vector<double>& v) {
  if (v.empty()) return NAN;
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return (*hi - *lo) / median(v);
}

// The same hash as python_side.py's fnv1a: each id as 4 little-endian bytes.
std::string fnv1a(const std::vector<token_id>& ids) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (const token_id id : ids) {
    const auto u = static_cast<std::uint32_t>(id);
    for (int k = 0; k < 4; ++k) h = (h ^ ((u >> (8 * k)) & 0xFF)) * 0x100000001B3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

int run_command(const std::string& command) {
  const int status = std::system(command.c_str());
  return status == -1 ? -1 : WEXITSTATUS(status);
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

// --- our side -------------------------------------------------------------------------------

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

result ours_warm(const options& opt, const model::bpe_vocabulary& vocabulary, const std::string& text, const char* impl,
                 bool cache) {
  result r{impl, "this build"};
  const auto t0 = std::chrono::steady_clock::now();
  const bpe_tokenizer tok(vocabulary, {.word_cache = cache});
  r.load_seconds = seconds_since(t0);
  std::vector<token_id> ids;
  if (opt.warmup) ids = tok.encode(text, special_tokens::as_text);
  for (unsigned i = 0; i < opt.reps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    ids = tok.encode(text, special_tokens::as_text);
    r.seconds.push_back(seconds_since(start));
  }
  r.bytes = text.size();
  r.tokens = ids.size();
  r.ids_hash = fnv1a(ids);
  return r;
}

result ours_cold(const options& opt, const model::bpe_vocabulary& vocabulary, const std::string& text) {
  result r{"ours_cold_cache", "this build"};
  std::vector<token_id> ids;
  for (unsigned i = 0; i < opt.reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const bpe_tokenizer tok(vocabulary);  // a new instance: new, empty per-thread caches
    r.load_seconds = seconds_since(t0);
    const auto start = std::chrono::steady_clock::now();
    ids = tok.encode(text, special_tokens::as_text);
    r.seconds.push_back(seconds_since(start));
  }
  r.bytes = text.size();
  r.tokens = ids.size();
  r.ids_hash = fnv1a(ids);
  return r;
}

result ours_threads(const options& opt, const model::bpe_vocabulary& vocabulary, const std::string& text) {
  result r{"ours_threads", std::to_string(opt.threads) + " threads"};
  const bpe_tokenizer tok(vocabulary);
  // The threads live across rounds (their word caches are per thread): the main thread
  // times from the barrier that starts a round to the one that ends it.
  const unsigned rounds = opt.reps + (opt.warmup ? 1 : 0);
  std::barrier sync(static_cast<std::ptrdiff_t>(opt.threads) + 1);
  std::vector<std::size_t> counts(opt.threads);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < opt.threads; ++t) {
    threads.emplace_back([&, t] {
      for (unsigned i = 0; i < rounds; ++i) {
        sync.arrive_and_wait();
        counts[t] = tok.encode(text, special_tokens::as_text).size();
        sync.arrive_and_wait();
      }
    });
  }
  for (unsigned i = 0; i < rounds; ++i) {
    sync.arrive_and_wait();
    const auto start = std::chrono::steady_clock::now();
    sync.arrive_and_wait();
    if (i > 0 || !opt.warmup) r.seconds.push_back(seconds_since(start));
  }
  for (std::thread& th : threads) th.join();
  r.bytes = text.size() * opt.threads;
  r.tokens = counts[0] * opt.threads;
  return r;
}

// --- the Python side --------------------------------------------------------------------------

std::vector<result> python_side(const options& opt) {
  const std::string command = quote(opt.python) + " " +
                              quote(std::string(MOESERVE_SOURCE_DIR) + "/bench/tokenizer/python_side.py") +
                              " --corpus " + quote(opt.corpus.string()) + " --tokenizer " +
                              quote(opt.tokenizer.string()) + " --reps " + std::to_string(opt.reps);
  std::vector<result> out;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::string all;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) all.append(buf, n);
  if (const int status = pclose(pipe); status != 0) {
    std::fprintf(stderr, "bench_tokenizer: the Python side failed (status %d)\n", status);
  }
  simdjson::dom::parser parser;
  std::istringstream lines(all);
  for (std::string line; std::getline(lines, line);) {
    simdjson::dom::element e;
    if (parser.parse(line).get(e) != simdjson::SUCCESS) continue;
    result r;
    std::string_view s;
    if (e["impl"].get_string().get(s) == simdjson::SUCCESS) r.impl = s;
    if (e["version"].get_string().get(s) == simdjson::SUCCESS) r.version = s;
    if (e["ids_fnv1a"].get_string().get(s) == simdjson::SUCCESS) r.ids_hash = s;
    std::int64_t n = 0;
    if (e["tokens"].get_int64().get(n) == simdjson::SUCCESS) r.tokens = static_cast<std::size_t>(n);
    if (e["bytes"].get_int64().get(n) == simdjson::SUCCESS) r.bytes = static_cast<std::size_t>(n);
    double d = 0;
    if (e["load_seconds"].get_double().get(d) == simdjson::SUCCESS) r.load_seconds = d;
    if (e["boundary_agreement"].get_double().get(d) == simdjson::SUCCESS) r.boundary_agreement = d;
    bool b = false;
    if (e["ids_equal_hf"].get_bool().get(b) == simdjson::SUCCESS) r.ids_equal_hf = b;
    simdjson::dom::array seconds;
    if (e["seconds"].get_array().get(seconds) == simdjson::SUCCESS) {
      for (const auto v : seconds) {
        if (v.get_double().get(d) == simdjson::SUCCESS) r.seconds.push_back(d);
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

// --- output ---------------------------------------------------------------------------------

void print_json(const result& r, const std::string& sha, const std::string& host, const std::string& date,
                double load) {
  const double med = median(r.seconds);
  std::string runs = "[";
  for (std::size_t i = 0; i < r.seconds.size(); ++i) runs += (i ? "," : "") + number(r.seconds[i]);
  runs += "]";
  std::printf(
      "{\"bench\":\"tokenizer_encode\",\"impl\":\"%s\",\"version\":\"%s\",\"unit\":\"MB/s\",\"median\":%s,"
      "\"spread\":%s,\"tokens_per_s\":%s,\"median_s\":%s,\"runs_s\":%s,\"bytes\":%zu,\"tokens\":%zu,"
      "\"load_s\":%s,\"ids_equal_hf\":%s,\"boundary_agreement_hf\":%s,\"loadavg\":%s,\"commit\":\"%s\","
      "\"machine\":\"%s\",\"date\":\"%s\"}\n",
      json_escape(r.impl).c_str(), json_escape(r.version).c_str(), number(r.bytes / med / 1e6).c_str(),
      number(spread(r.seconds)).c_str(), number(r.tokens / med).c_str(), number(med).c_str(), runs.c_str(), r.bytes,
      r.tokens, number(r.load_seconds).c_str(), r.ids_equal_hf ? (*r.ids_equal_hf ? "true" : "false") : "null",
      r.boundary_agreement ? number(*r.boundary_agreement).c_str() : "null", number(load).c_str(),
      json_escape(sha).c_str(), json_escape(host).c_str(), date.c_str());
}

void print_table(const std::vector<result>& results) {
  double hf_rate = NAN;
  for (const result& r : results) {
    if (r.impl == "hf_tokenizers") hf_rate = r.bytes / median(r.seconds) / 1e6;
  }
  std::fprintf(stderr, "\n%-16s %10s %12s %10s %7s %9s %-10s %8s\n", "impl", "MB/s", "Mtokens/s", "median ms", "spread",
               "tokens", "ids = HF", "x HF");
  for (const result& r : results) {
    const double med = median(r.seconds);
    const double rate = r.bytes / med / 1e6;
    std::string same = r.ids_equal_hf ? (*r.ids_equal_hf ? "yes" : "no") : "-";
    if (r.boundary_agreement) same += " (" + number(100 * *r.boundary_agreement) + "%)";
    std::fprintf(stderr, "%-16s %10.1f %12.2f %10.1f %7.2f %9zu %-10s %8.1f\n", r.impl.c_str(), rate,
                 r.tokens / med / 1e6, med * 1e3, spread(r.seconds), r.tokens, same.c_str(), rate / hf_rate);
  }
  std::fprintf(stderr,
               "ids = HF: the same ids as Hugging Face tokenizers (for tiktoken, in parentheses, the share of\n"
               "token boundaries both place). ours_threads: all threads together.\n");
}

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: bench_tokenizer [--quick] [--reps N] [--corpus PATH] [--tokenizer PATH] [--python PATH]\n"
               "                       [--no-python] [--threads N]\n");
}

int run(int argc, char** argv) {
  options opt;
  const fs::path work = MOESERVE_BENCH_WORK_DIR;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage(stderr);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--quick") {
      opt.reps = 1;
      opt.warmup = false;
    } else if (a == "--reps") {
      opt.reps = static_cast<unsigned>(std::max(1, std::atoi(value().c_str())));
    } else if (a == "--corpus") {
      opt.corpus = value();
    } else if (a == "--tokenizer") {
      opt.tokenizer = value();
    } else if (a == "--python") {
      opt.python = value();
    } else if (a == "--no-python") {
      opt.with_python = false;
    } else if (a == "--threads") {
      opt.threads = static_cast<unsigned>(std::max(1, std::atoi(value().c_str())));
    } else if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
  }
  const std::string source = MOESERVE_SOURCE_DIR;
  if (opt.tokenizer.empty()) {
    opt.tokenizer = source + "/models/SmolLM2-135M-Instruct.tokenizer.json";
    if (!fs::exists(opt.tokenizer) &&
        run_command(quote(opt.python) + " " + quote(source + "/tools/make_smollm2_tokenizer.py") + " --out " +
                    quote(opt.tokenizer.string())) != 0) {
      std::fprintf(stderr, "bench_tokenizer: cannot make %s (needs .venv and the model: tools/install-deps --model)\n",
                   opt.tokenizer.c_str());
      return 1;
    }
  }
  if (opt.corpus.empty()) {
    fs::create_directories(work);
    opt.corpus = work / "corpus.txt";
    if (!fs::exists(opt.corpus) && run_command("python3 " + quote(source + "/tools/make_tokenizer_corpus.py") + " " +
                                               quote(opt.corpus.string()) + " > /dev/null") != 0) {
      std::fprintf(stderr, "bench_tokenizer: cannot make the corpus %s\n", opt.corpus.c_str());
      return 1;
    }
  }
  const std::string text = read_file(opt.corpus);
  const model::bpe_vocabulary vocabulary = model::read_tokenizer_json(opt.tokenizer);
  const std::string sha = commit();
  const std::string host = machine();
  const std::string date = utc_date();
  const double load = load_average();
  std::fprintf(stderr, "bench_tokenizer: commit %s, %s, corpus %s (%zu bytes), %u runs per figure, load %.2f\n",
               sha.c_str(), host.c_str(), opt.corpus.c_str(), text.size(), opt.reps, load);

  std::vector<result> results;
  results.push_back(ours_warm(opt, vocabulary, text, "ours", true));
  results.push_back(ours_cold(opt, vocabulary, text));
  results.push_back(ours_warm(opt, vocabulary, text, "ours_no_cache", false));
  if (opt.threads > 1) results.push_back(ours_threads(opt, vocabulary, text));
  if (opt.with_python) {
    if (!fs::exists(opt.python)) {
      std::fprintf(stderr, "bench_tokenizer: no %s; HF and tiktoken skipped (tools/install-deps)\n",
                   opt.python.c_str());
    } else {
      for (result& r : python_side(opt)) results.push_back(std::move(r));
    }
  }
  std::string hf_hash;
  for (const result& r : results) {
    if (r.impl == "hf_tokenizers") hf_hash = r.ids_hash;
  }
  for (result& r : results) {
    if (!hf_hash.empty() && !r.ids_hash.empty() && !r.ids_equal_hf) r.ids_equal_hf = r.ids_hash == hf_hash;
  }
  for (const result& r : results) print_json(r, sha, host, date, load);
  std::fflush(stdout);
  print_table(results);
  return 0;
}

}  // namespace
}  // namespace moeserve::bench

int main(int argc, char** argv) { return moeserve::bench::run(argc, argv); }
