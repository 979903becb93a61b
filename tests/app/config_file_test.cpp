// --config files: YAML and JSON mappings become the flags they name; the command line wins;
// every mistake is an error naming the file and the key.
#include "app/config_file.hpp"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>

namespace moeserve::app {
namespace {

struct options {
  std::string model;
  int port = 8000;
  double timeout = 30;
  std::vector<std::string> names;
  bool prefix = true;
  bool graphs = false;
  std::string quantization;
  std::string config;
};

// A command like `serve`, with each kind of flag the server has.
struct serve_like {
  CLI::App app{"test", "moeserve"};
  CLI::App* serve = app.add_subcommand("serve");
  options o;
  serve_like() {
    serve->add_option("--config", o.config);
    serve->add_option("--model", o.model);
    serve->add_option("--port", o.port);
    serve->add_option("--shutdown-timeout", o.timeout);
    serve->add_option("--served-model-name", o.names);
    serve->add_flag("--enable-prefix-caching,!--no-enable-prefix-caching", o.prefix);
    serve->add_flag("--use-cudagraph", o.graphs);
    serve->add_option("--quantization", o.quantization);
  }
  // Expands and parses like main() does.
  void parse(std::vector<std::string> argv) {
    std::vector<const char*> raw;
    for (auto& a : argv) raw.push_back(a.c_str());
    auto args = expand_config_files(app, "serve", static_cast<int>(raw.size()), raw.data());
    args.erase(args.begin());
    std::reverse(args.begin(), args.end());
    app.parse(args);
  }
};

std::string write_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("moeserve_config_test_" + name);
  std::ofstream(path) << text;
  return path.string();
}

TEST(ConfigFile, YamlKeysBecomeTheirFlags) {
  const auto file = write_file("a.yaml",
                               "model: m.gguf\n"
                               "port: 9000\n"
                               "shutdown_timeout: 2.5\n"
                               "served_model_name: [a, b]\n"
                               "enable_prefix_caching: false\n"
                               "use-cudagraph: true\n"
                               "quantization: {dense_quant_type: wint8, moe_quant_type: w4w2, quant_start_layer: 0,"
                               " scale: 0.5, note: nan, limit: inf}\n");
  serve_like s;
  s.parse({"moeserve", "serve", "--config", file});
  EXPECT_EQ(s.o.model, "m.gguf");
  EXPECT_EQ(s.o.port, 9000);
  EXPECT_DOUBLE_EQ(s.o.timeout, 2.5);
  EXPECT_EQ(s.o.names, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(s.o.prefix);
  EXPECT_TRUE(s.o.graphs);
  // Numbers stay numbers; "nan" and "inf", which JSON has no number for, stay strings.
  EXPECT_EQ(s.o.quantization, R"({"dense_quant_type":"wint8","moe_quant_type":"w4w2","quant_start_layer":0,)"
                              R"("scale":0.5,"note":"nan","limit":"inf"})");
}

TEST(ConfigFile, JsonWorksTheSame) {
  const auto file = write_file("a.json", R"({"model": "m.gguf", "port": 9001, "enable-prefix-caching": true,
                                             "served-model-name": ["x"]})");
  serve_like s;
  s.o.prefix = false;
  s.parse({"moeserve", "serve", "--config=" + file});
  EXPECT_EQ(s.o.model, "m.gguf");
  EXPECT_EQ(s.o.port, 9001);
  EXPECT_TRUE(s.o.prefix);
  EXPECT_EQ(s.o.names, std::vector<std::string>{"x"});
}

TEST(ConfigFile, TheCommandLineWins) {
  const auto file = write_file("b.yaml", "model: m.gguf\nport: 9000\nenable_prefix_caching: true\n");
  serve_like s;
  s.parse({"moeserve", "serve", "--port", "7000", "--config", file, "--no-enable-prefix-caching"});
  EXPECT_EQ(s.o.port, 7000);
  EXPECT_FALSE(s.o.prefix);
  EXPECT_EQ(s.o.model, "m.gguf");
}

// Each mistake: the message names the file's key and what is wrong.
TEST(ConfigFile, MistakesAreErrorsNamingTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"modle: m\n", "key 'modle': no such flag"},
      {"port: 1\nport: 2\n", "key 'port': given twice"},
      {"port: [1, 2]\n", "key 'port': takes one value, not a list"},
      {"use_cudagraph: maybe\n", "key 'use_cudagraph': expected true or false"},
      {"config: other.yaml\n", "cannot name another"},
      {"- port\n- 1\n", "expected a mapping"},
      {"port: [1\n", "config file"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto file = write_file("bad" + std::to_string(i) + ".yaml", cases[i].first);
    serve_like s;
    try {
      s.parse({"moeserve", "serve", "--config", file});
      ADD_FAILURE() << "accepted: " << cases[i].first;
    } catch (const config_file_error& e) {
      EXPECT_NE(std::string(e.what()).find(cases[i].second), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
  }
  serve_like s;
  EXPECT_THROW(s.parse({"moeserve", "serve", "--config", "/nonexistent/moeserve.yaml"}), config_file_error);
}

TEST(ConfigFile, ArgumentsOutsideTheSubcommandAreLeftAlone) {
  serve_like s;
  const char* argv[] = {"moeserve", "serve", "--port", "1"};
  EXPECT_EQ(expand_config_files(s.app, "serve", 4, argv), (std::vector<std::string>{"moeserve", "serve", "--port", "1"}));
}

// The shipped examples name only flags that `moeserve serve` has (the flag list is the
// server's: kept in step with app/serve_command.cpp by this list).
TEST(ConfigFile, ShippedExamplesParse) {
  for (const char* name : {"serve-smollm2.yaml", "serve-smollm2.json"}) {
    CLI::App app{"test", "moeserve"};
    auto* serve = app.add_subcommand("serve");
    std::string sink;
    std::vector<std::string> many;
    bool flag = false;
    for (const char* f : {"--config", "--model", "--host", "--port", "--metrics-port", "--api-key", "--max-model-len",
                          "--max-num-seqs", "--max-num-batched-tokens", "--block-size", "--max-queued-requests",
                          "--threads", "--io-threads", "--shutdown-timeout", "--kv-cache-gib", "--log-level"})
      serve->add_option(f, sink);
    serve->add_option("--served-model-name", many);
    serve->add_flag("--enable-prefix-caching,!--no-enable-prefix-caching", flag);
    serve->add_flag("--enable-chunked-prefill,!--no-enable-chunked-prefill", flag);
    const std::string file = std::string(MOESERVE_SOURCE_DIR) + "/config/" + name;
    const char* argv[] = {"moeserve", "serve", "--config", file.c_str()};
    const auto args = expand_config_files(app, "serve", 4, argv);
    EXPECT_GT(args.size(), 6u) << name;
  }
}

}  // namespace
}  // namespace moeserve::app
