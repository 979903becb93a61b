#pragma once
// config_file: `--config <file>` for a subcommand: a YAML or JSON mapping of flag names to
// values, turned into command-line arguments before the command line is parsed.
//
//   # config/serve-smollm2.yaml          same as
//   model: models/SmolLM2.gguf           --model models/SmolLM2.gguf
//   max_num_seqs: 16                     --max-num-seqs 16      ('_' and '-' both accepted)
//   enable_prefix_caching: false         --no-enable-prefix-caching
//   use_cudagraph: true                  --use-cudagraph        (a flag: true sets it)
//   served_model_name: [a, b]            --served-model-name a b
//   quantization: {dense_quant_type: wint8}   --quantization '{"dense_quant_type":"wint8"}'
//
// Flags given on the command line win over the file's (a key whose flag is on the command
// line is skipped). Errors name the file and the key: an unknown flag, a key given twice, a
// value of the wrong shape (a list for a single-valued flag, a mapping where no JSON value
// is taken), a file that is not a mapping or does not parse.
#include <stdexcept>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace moeserve::app {

struct config_file_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The arguments `file` stands for, for the flags of `command`, leaving out flags that
// `command_line` (the subcommand's own arguments) already gives. Throws config_file_error.
std::vector<std::string> config_file_arguments(const CLI::App& command, const std::string& file,
                                               const std::vector<std::string>& command_line);

// argv with every `--config F` / `--config=F` of subcommand `name` followed by F's arguments.
// The `--config` itself stays (the subcommand declares it, so --help lists it).
std::vector<std::string> expand_config_files(const CLI::App& app, const std::string& name, int argc,
                                             const char* const* argv);

}  // namespace moeserve::app
