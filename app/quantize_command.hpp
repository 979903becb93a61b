#pragma once
// `moeserve quantize`: offline quantization of a Hugging Face checkpoint into a directory
// that moeserve serves with no --quantization flag (its config.json carries the
// quantization_config). The work is app/quantize/checkpoint_quantizer.hpp's.
//
//   moeserve quantize --model IN_DIR --quantization wint2 --output OUT_DIR [--threads N]
//
// --quantization: wint8 | wint4 | block_wise_fp8 | wint2 (FastDeploy's recipe) | a
// quantization_config as JSON (inline, or the path of a .json file), e.g. for mix_quant.
// One progress line per quantized weight and a summary go to stderr.
#include <CLI/CLI.hpp>

#include <functional>

namespace moeserve::app {

// Adds the subcommand to `cli`; the returned function runs it (exit status), or returns -1
// when another subcommand was chosen.
std::function<int()> add_quantize_command(CLI::App& cli);

}  // namespace moeserve::app
